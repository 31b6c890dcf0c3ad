"""Kept cost totals of the submitted declaraties (KostenTotaal): per gemeente, contract, indicator and year of the
regel's own prestatiedatum (the date it was declared with), declared and approved cents. The costs page reads these,
so its cost follows what it shows (a few rows per gemeente and year), not how many regels were ever declared.

A regel counts once its declaratie is submitted: declared with its amount (credits negative), approved when its
status is goedgekeurd. The totals change only here, called in the same transaction as what changes a count:
`ingediend` (a declaratie is submitted) and `goedgekeurd` (regels approved). Regels are only added to, changed on or
removed from concept declaraties (portal.services.billing.derive), which do not count yet, and a rejection changes
neither sum. A prestatie whose date is recomputed later changes nothing here: its submitted regels keep their date,
so a year already accounted for keeps its costs.

`differences` recomputes everything from the regels and says what differs (`flask --app portal
totalen-controleren`); `rebuild` sets the kept totals to the recomputation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Integer, case, cast, delete, extract, func, insert, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models import Contract, Declaratie, DeclaratieRegel, KostenTotaal, Prestatie
from portal.models.billing import DeclaratieStatus, RegelStatus
from portal.services.billing.locking import lock_contract

_SLEUTEL = ("gemeente_id", "contract_id", "indicator_id", "jaar")
_IN_LIMIT = 5000


def _bijdragen(where: Any, gedeclareerd: int = 1, goedgekeurd: int = 1) -> Any:
    """The regels matching `where` on submitted declaraties, summed per key (each sum times its factor)."""
    jaar = cast(extract("year", DeclaratieRegel.prestatiedatum), Integer)
    akkoord = case((DeclaratieRegel.status == RegelStatus.GOEDGEKEURD, DeclaratieRegel.bedrag_cent), else_=0)
    return (
        select(Declaratie.gemeente_id, Declaratie.contract_id, Prestatie.indicator_id, jaar.label("jaar"),
               cast(func.sum(DeclaratieRegel.bedrag_cent) * gedeclareerd, BigInteger).label("gedeclareerd_cent"),
               cast(func.sum(akkoord) * goedgekeurd, BigInteger).label("goedgekeurd_cent"))
        .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
        .join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
        .where(where, Declaratie.status != DeclaratieStatus.CONCEPT)
        .group_by(Declaratie.gemeente_id, Declaratie.contract_id, Prestatie.indicator_id, jaar)
    )


def _boek(session: Session, where: Any, gedeclareerd: int, goedgekeurd: int) -> None:
    """Add the contributions of the regels matching `where` (times the factors) to the kept totals: one
    INSERT … SELECT … ON CONFLICT DO UPDATE, whatever the number of regels."""
    session.flush()
    dialect = session.get_bind().dialect.name
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = maker(KostenTotaal).from_select([*_SLEUTEL, "gedeclareerd_cent", "goedgekeurd_cent"],
                                                _bijdragen(where, gedeclareerd, goedgekeurd))
    table = KostenTotaal.__table__
    session.execute(statement.on_conflict_do_update(index_elements=list(_SLEUTEL), set_={
        "gedeclareerd_cent": table.c.gedeclareerd_cent + statement.excluded.gedeclareerd_cent,
        "goedgekeurd_cent": table.c.goedgekeurd_cent + statement.excluded.goedgekeurd_cent,
    }))


def ingediend(session: Session, declaratie: Declaratie) -> None:
    """A declaratie was submitted (its status already set): its regels start to count."""
    _boek(session, DeclaratieRegel.declaratie_id == declaratie.id, 1, 1)


def goedgekeurd(session: Session, regel_ids: Iterable[int]) -> None:
    """Regels were approved (their status already set): their amounts count as approved."""
    ids = sorted(regel_ids)
    for start in range(0, len(ids), _IN_LIMIT):
        _boek(session, DeclaratieRegel.id.in_(ids[start:start + _IN_LIMIT]), 0, 1)


# --- checking -------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Verschil:
    """A kept total that differs from the recomputation: (declared, approved) cents on each side."""

    sleutel: tuple[int, int, int, int]  # gemeente, contract, indicator, jaar
    bewaard: tuple[int, int]
    herberekend: tuple[int, int]

    def __str__(self) -> str:
        gemeente, contract, indicator, jaar = self.sleutel
        return (f"gemeente {gemeente}, contract {contract}, indicator {indicator}, {jaar}: bewaard "
                f"{self.bewaard[0]} gedeclareerd / {self.bewaard[1]} goedgekeurd cent, herberekend "
                f"{self.herberekend[0]} / {self.herberekend[1]} cent")


def _bedragen(rows: Iterable[Any]) -> dict[tuple[int, int, int, int], tuple[int, int]]:
    """Keys with their (declared, approved) cents; keys where both are 0 are left out (the same as no row)."""
    return {(int(g), int(c), int(i), int(j)): (int(d or 0), int(a or 0))
            for g, c, i, j, d, a in rows if d or a}


def differences(session: Session) -> list[Verschil]:
    """Every key where the kept totals differ from a recomputation over all regels."""
    session.flush()
    bewaard = _bedragen(session.execute(select(
        KostenTotaal.gemeente_id, KostenTotaal.contract_id, KostenTotaal.indicator_id, KostenTotaal.jaar,
        KostenTotaal.gedeclareerd_cent, KostenTotaal.goedgekeurd_cent)))
    herberekend = _bedragen(session.execute(_bijdragen(true())))
    return [Verschil(key, bewaard.get(key, (0, 0)), herberekend.get(key, (0, 0)))
            for key in sorted(set(bewaard) | set(herberekend)) if bewaard.get(key) != herberekend.get(key)]


def rebuild(session: Session) -> None:
    """Set the kept totals to the recomputation (for data loaded around the services)."""
    # Every contract's lock first, in bereken_concepten's order (kenmerk), so no submission or decision changes the
    # regels or the totals between the recomputation and its write.
    for contract_id in list(session.scalars(select(Contract.id).order_by(Contract.kenmerk))):
        lock_contract(session, contract_id)
    session.execute(delete(KostenTotaal))
    session.execute(insert(KostenTotaal).from_select([*_SLEUTEL, "gedeclareerd_cent", "goedgekeurd_cent"],
                                                     _bijdragen(true())))
    session.flush()
