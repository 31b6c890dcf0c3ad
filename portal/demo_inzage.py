"""Demo reads of the last working days, so the beheerder's auditlog answers "who saw inburgeraar X" with both kinds
of inzage: a klantregisseur opens the regie overview twice a day and a few cases from it, a docent the week grid
each morning. Written by the same audit functions as the pages (audit.record_shown, audit.record_read), with a
first page by name of the user's own caseload or deelnemers (close to, not exactly, what those pages show for
that day), dated in office hours. Called by portal.demo for a run that created inburgeraars, so a forced re-run
adds nothing twice.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from portal import access, audit
from portal.demo import DemoRegion
from portal.models import Inburgeraar, Verwijzing
from portal.models.enums import Rol
from portal.pagination import DEFAULT_PER_PAGE
from portal.services.weekrooster import GRID_PER_PAGE

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WERKDAGEN = 5  # the working days before the demo's today
OVERZICHT_PER_DAG = ((8, 40), (13, 5))  # when a klantregisseur opens the regie overview (Dutch time)
DOSSIERS_PER_OVERZICHT = 2  # cases opened from it each time
ROOSTER_OM = (9, 10)  # a docent opens the week grid


def seed_inzage(session: Session, region: DemoRegion) -> int:
    """List views and case reads of the demo's klantregisseurs and docents; returns the number of events."""
    rng = random.Random(f"inzage-{region.today.isoformat()}")  # noqa: S311 - reproducible demo data, not secret
    dagen = _werkdagen(region.today, WERKDAGEN)
    events = 0
    for user in region.users.values():
        if user.rol is Rol.KLANTREGISSEUR:
            pagina = list(session.scalars(
                access.inburgeraars(user).where(Inburgeraar.klantregisseur_id == user.id)
                .with_only_columns(Inburgeraar.id).order_by(Inburgeraar.achternaam, Inburgeraar.voornamen,
                                                            Inburgeraar.id).limit(DEFAULT_PER_PAGE)))
            if not pagina:
                continue
            for dag in dagen:
                for uur, minuut in OVERZICHT_PER_DAG:
                    moment = _utc(dag, uur, minuut + rng.randrange(15))
                    audit.record_shown(session, user, pagina, object_type="regie_overzicht", at=moment,
                                       details={"pagina": 1, "aantal": len(pagina)})
                    for n, inburgeraar_id in enumerate(rng.sample(pagina, min(DOSSIERS_PER_OVERZICHT, len(pagina)))):
                        audit.record_read(session, user, inburgeraar_id).occurred_at = moment + timedelta(
                            minutes=3 + 7 * n)
                    events += 1 + min(DOSSIERS_PER_OVERZICHT, len(pagina))
        elif user.rol is Rol.AANBIEDER_MEDEWERKER:
            rooster = list(dict.fromkeys(session.scalars(
                access.verwijzingen_for_registration(user)
                .join(Inburgeraar, Inburgeraar.id == Verwijzing.inburgeraar_id)
                .with_only_columns(Verwijzing.inburgeraar_id)
                .order_by(Inburgeraar.achternaam, Inburgeraar.voornamen, Verwijzing.id).limit(GRID_PER_PAGE))))
            for dag in dagen if rooster else ():
                audit.record_shown(session, user, rooster, object_type="presentie_weekrooster",
                                   at=_utc(dag, *ROOSTER_OM), details={"pagina": 1, "aantal": len(rooster)})
                events += 1
    return events


def _werkdagen(today: date, n: int) -> list[date]:
    """The n working days (Monday to Friday) before today, oldest first."""
    dagen: list[date] = []
    dag = today
    while len(dagen) < n:
        dag -= timedelta(days=1)
        if dag.weekday() < 5:
            dagen.append(dag)
    return dagen[::-1]


def _utc(dag: date, uur: int, minuut: int) -> datetime:
    """A Dutch office-hours moment as stored: naive UTC."""
    return datetime.combine(dag, time(uur, minuut), tzinfo=AMSTERDAM).astimezone(UTC).replace(tzinfo=None)

