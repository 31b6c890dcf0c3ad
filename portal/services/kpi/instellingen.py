"""The KPI settings per gemeente and year (SPUK amount, target of the six-month start): validated, stored, audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import AuditActie
from portal.domain import kpi
from portal.models import Gemeente, KpiJaarInstelling, User
from portal.services import Errors, Raw
from portal.services.validation import parse_bedrag_cent, parse_whole_number


@dataclass
class InstellingInput:
    """What the form (or an API) gives for one gemeente and year; empty means 'not set'."""

    jaar: Raw = None
    spuk_bedrag: Raw = None
    streef_start_6_maanden_pct: Raw = None


def opslaan(session: Session, actor: User, gemeente: Gemeente, data: InstellingInput) -> KpiJaarInstelling:
    """Set the SPUK amount and the target of one gemeente (already loaded through the actor's scope) for a year."""
    errors = Errors()
    jaar = errors.run("jaar", lambda: parse_whole_number(data.jaar, label="het jaar", minimum=2021, maximum=2100))
    leeg = data.spuk_bedrag is None or not str(data.spuk_bedrag).strip()
    cent = None if leeg else errors.run("spuk_bedrag", lambda: parse_bedrag_cent(data.spuk_bedrag, label="het bedrag"))
    streef = errors.run("streef_start_6_maanden_pct", lambda: parse_whole_number(
        data.streef_start_6_maanden_pct, label="de streefwaarde", minimum=0, maximum=100, required=False))
    errors.raise_if_any()
    assert jaar is not None
    row = session.scalar(select(KpiJaarInstelling).where(
        KpiJaarInstelling.gemeente_id == gemeente.id, KpiJaarInstelling.jaar == jaar))
    if row is None:
        row = KpiJaarInstelling(gemeente_id=gemeente.id, jaar=jaar)
        session.add(row)
    oud = {"spuk_bedrag_cent": row.spuk_bedrag_cent, "streef": row.streef_start_6_maanden_pct}
    row.spuk_bedrag_cent, row.streef_start_6_maanden_pct, row.gewijzigd_door_id = cent, streef, actor.id
    session.flush()
    audit.record(session, actor, AuditActie.KPI_INSTELLING_GEWIJZIGD, object_type="kpi_jaar_instelling",
                 object_id=row.id, details={"gemeente_id": gemeente.id, "jaar": jaar, "oud": oud,
                                            "nieuw": {"spuk_bedrag_cent": cent, "streef": streef}})
    return row


def streefwaarde(session: Session, gemeente_id: int | None, jaar: int, standaard: int) -> int:
    """The target of the six-month start for a gemeente and year; the default without a gemeente or setting."""
    if gemeente_id is None:
        return standaard
    value = session.scalar(select(KpiJaarInstelling.streef_start_6_maanden_pct).where(
        KpiJaarInstelling.gemeente_id == gemeente_id, KpiJaarInstelling.jaar == jaar))
    return standaard if value is None else value


def spuk_bedragen(session: Session, gemeente_ids: list[int]) -> dict[tuple[int, int], int]:
    """(gemeente id, year) -> SPUK amount in cents, for the gemeenten given."""
    rows = session.execute(select(KpiJaarInstelling.gemeente_id, KpiJaarInstelling.jaar,
                                  KpiJaarInstelling.spuk_bedrag_cent)
                           .where(KpiJaarInstelling.gemeente_id.in_(gemeente_ids),
                                  KpiJaarInstelling.spuk_bedrag_cent.is_not(None)))
    return {(g, j): c for g, j, c in rows}


STANDAARD_STREEF = kpi.STANDAARD_STREEF_6_MAANDEN
