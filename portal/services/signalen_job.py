"""The daily signals job: attendance under the threshold, for every gemeente at once, as the system.

No user runs it, so no user scope applies: the job reads every open verwijzing that has presence in the
four-week window, builds the same `VerwijzingCijfers` the regie overview uses and lets the regie rules
module decide (`signalen.regel_aanwezigheid` with the thresholds of `signalen.load_drempels`). What fires
becomes a melding for the klantregisseur; `meldingen.notify_attendance_below_threshold` does not repeat
one that is still unread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from portal import audit
from portal.audit import AuditActie
from portal.domain import normen
from portal.models import Aanbieder, Inburgeraar, RouteResultaat, TrajectStart, Verwijzing
from portal.models.enums import OPEN_STATUSSEN, Doelgroep
from portal.services import meldingen, signalen

BATCH = 500  # verwijzingen loaded per query when notifying (keeps the IN lists small)


@dataclass(frozen=True, slots=True)
class Onderschrijding:
    """One verwijzing whose attendance is under the threshold that applies to it."""

    verwijzing_id: int
    gemeente_id: int
    percentage: Decimal
    norm: int


@dataclass
class JobResultaat:
    """What one run found and sent."""

    onder_drempel: int = 0
    meldingen: int = 0
    per_gemeente: Counter[int] = field(default_factory=Counter)


def _attendance_figures(session: Session, today: date) -> Iterator[tuple[int, signalen.VerwijzingCijfers]]:
    """(gemeente id, figures) for every open verwijzing with presence in the window, in one set-based query."""
    venster = signalen.aanwezigheid_venster(today)  # the same window as signalen.metrics_query
    open_ids = select(Verwijzing.id).where(Verwijzing.status.in_(OPEN_STATUSSEN))
    # Without presence in the window the rule never fires.
    presentie = signalen.presentie_per_verwijzing(open_ids, venster, met_presentie_sinds=venster).cte(
        "presentie_per_verwijzing")
    query = (
        select(Inburgeraar.gemeente_id, *signalen.verwijzing_kolommen(presentie))
        .select_from(Verwijzing)
        .join(Inburgeraar, Inburgeraar.id == Verwijzing.inburgeraar_id)
        .join(Aanbieder, Aanbieder.id == Verwijzing.aanbieder_id)
        .join(presentie, presentie.c.verwijzing_id == Verwijzing.id)
        .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .outerjoin(RouteResultaat, RouteResultaat.verwijzing_id == Verwijzing.id)
        .where(Verwijzing.status.in_(OPEN_STATUSSEN))
        .where(or_(Inburgeraar.doelgroep == Doelgroep.ASIELSTATUSHOUDER,
                   Verwijzing.onderdeel.notin_(normen.ZONDER_INSPANNINGSVERPLICHTING)))
        .order_by(Verwijzing.id)
    )
    result = session.execute(query)
    ix = {key: n for n, key in enumerate(result.keys())}
    for row in result:
        yield row[0], signalen.verwijzing_cijfers(row, ix)


def aanwezigheid_onder_drempel(session: Session, today: date) -> list[Onderschrijding]:
    """Every open verwijzing, in every gemeente, on which the regie's attendance rule fires today."""
    tabel = signalen.load_drempels(session)
    found: list[Onderschrijding] = []
    for gemeente_id, v in _attendance_figures(session, today):
        drempels = tabel.voor(gemeente_id, v.contract_id)
        if signalen.regel_aanwezigheid(v, drempels, today) is None:
            continue
        # The rule fired, so there were planned hours: the melding shows the percentage the rule used.
        pct = v.aanwezigheid_4w
        assert pct is not None
        found.append(Onderschrijding(v.id, gemeente_id, pct, drempels.aanwezigheid_min_pct))
    return found


def notify_aanwezigheid_onder_drempel(session: Session, today: date) -> JobResultaat:
    """Compute attendance under the threshold for all gemeenten and notify the klantregisseurs (flushes)."""
    found = aanwezigheid_onder_drempel(session, today)
    result = JobResultaat(onder_drempel=len(found))
    for start in range(0, len(found), BATCH):
        chunk = found[start:start + BATCH]
        query = (
            select(Verwijzing)
            .where(Verwijzing.id.in_([o.verwijzing_id for o in chunk]))
            .options(selectinload(Verwijzing.aanbieder), selectinload(Verwijzing.inburgeraar))
        )
        verwijzingen = {v.id: v for v in session.scalars(query)}
        for onder in chunk:
            created = meldingen.notify_attendance_below_threshold(
                session, verwijzingen[onder.verwijzing_id], onder.percentage, onder.norm
            )
            result.meldingen += len(created)
            result.per_gemeente[onder.gemeente_id] += 1
    # One event per run with counts only: the meldingen themselves name the cases.
    audit.record(session, None, AuditActie.SIGNALEN_AANWEZIGHEID, object_type="verwijzing",
                 details={"datum": today.isoformat(), "onder_drempel": result.onder_drempel,
                          "meldingen": result.meldingen})
    session.flush()
    return result
