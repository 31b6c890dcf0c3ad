"""Billing rules that every part of the billing service shares: periodes, the paying gemeente, tarieven, amounts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from portal.domain import afronding, termijnen
from portal.models import Inburgeraar, Tarief
from portal.models.enums import Declaratieperiode, NiveauPip
from portal.models.resultaat import Examenniveau
from portal.services.chain.woonplaats import gemeente_op_expr

_IN_LIMIT = 5000


# --- periodes -------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Periode:
    """A declaratieperiode: a month ("2026-11") or a quarter ("2026-Q4")."""

    van: date
    tot: date
    code: str

    @property
    def label(self) -> str:
        """Dutch label: "november 2026" or "4e kwartaal 2026"."""
        if "Q" in self.code:
            return f"{self.code[-1]}e kwartaal {self.van.year}"
        return f"{_MAANDEN[self.van.month - 1]} {self.van.year}"

    def volgende(self) -> Periode:
        """The periode after this one, of the same kind."""
        return periode_van(self.tot + timedelta(days=1), _soort(self.code))

    def vorige(self) -> Periode:
        """The periode before this one, of the same kind."""
        return periode_van(self.van - timedelta(days=1), _soort(self.code))


_MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
            "november", "december")


def _soort(code: str) -> Declaratieperiode:
    return Declaratieperiode.KWARTAAL if "Q" in code else Declaratieperiode.MAAND


def periode_van(dag: date, soort: Declaratieperiode) -> Periode:
    """The month or quarter a day falls in."""
    if soort is Declaratieperiode.KWARTAAL:
        kwartaal = (dag.month - 1) // 3
        van = date(dag.year, kwartaal * 3 + 1, 1)
        return Periode(van, termijnen.add_months(van, 3) - timedelta(days=1), f"{dag.year}-Q{kwartaal + 1}")
    van = dag.replace(day=1)
    return Periode(van, termijnen.add_months(van, 1) - timedelta(days=1), f"{dag.year}-{dag.month:02d}")


def periode_uit_code(code: str) -> Periode:
    """The periode a code names ("2026-11", "2026-Q4"); ValueError when it is no periode."""
    jaar, _, rest = code.partition("-")
    if rest.startswith("Q") and rest[1:] in {"1", "2", "3", "4"}:
        return periode_van(date(int(jaar), (int(rest[1:]) - 1) * 3 + 1, 1), Declaratieperiode.KWARTAAL)
    return periode_van(date(int(jaar), int(rest), 1), Declaratieperiode.MAAND)


def periode_tekst(code: str) -> str:
    """A prestatie's periode as people say it ("oktober 2026", "4e kwartaal 2026"); 'eenmalig' and any other
    code stay as they are."""
    try:
        return periode_uit_code(code).label
    except ValueError:
        return code


def laatst_afgesloten(today: date, soort: Declaratieperiode) -> Periode:
    """The most recent periode that has ended: the one a declaratie can be submitted for."""
    return periode_van(today, soort).vorige()


# --- who pays -------------------------------------------------------------------------------------

def betalende_gemeente_expr(inburgeraar_id: Any, prestatiedatum: Any) -> ColumnElement[int]:
    """SQL for the gemeente that pays a prestatie: the inburgeraar's gemeente on the prestatiedatum (columns or
    values). The only place billing decides it; where someone lived on a date is the residence-history rule of
    portal.services.chain.woonplaats. The measuring queries select it with each prestatie."""
    return gemeente_op_expr(inburgeraar_id, prestatiedatum)


def betalende_gemeente(session: Session, wanneer: Iterable[tuple[int, date]]) -> dict[tuple[int, date], int]:
    """`betalende_gemeente_expr` for prestaties whose date is known only in Python, per (inburgeraar_id,
    prestatiedatum): one query per distinct date, ids in slices."""
    per_dag: dict[date, set[int]] = defaultdict(set)
    for inburgeraar_id, dag in wanneer:
        per_dag[dag].add(inburgeraar_id)
    found: dict[tuple[int, date], int] = {}
    for dag, id_set in per_dag.items():
        ids = sorted(id_set)
        for start in range(0, len(ids), _IN_LIMIT):
            chunk = ids[start:start + _IN_LIMIT]
            persoon = aliased(Inburgeraar)  # the expression reads Inburgeraar itself: the outer row is an alias
            rows = session.execute(select(persoon.id, betalende_gemeente_expr(persoon.id, dag))
                                   .where(persoon.id.in_(chunk)))
            found.update({(inburgeraar_id, dag): gemeente_id for inburgeraar_id, gemeente_id in rows})
    return found


# --- tarieven and amounts ---------------------------------------------------------------------------

def tarief_op(tarieven: Sequence[Tarief], dag: date, gemeente_id: int) -> Tarief | None:
    """The tarief valid on a day, the gemeente's own override before the general one."""
    geldig = [t for t in tarieven if t.geldig_vanaf <= dag and (t.geldig_tot is None or dag <= t.geldig_tot)]
    eigen = [t for t in geldig if t.gemeente_id == gemeente_id]
    algemeen = [t for t in geldig if t.gemeente_id is None]
    return (eigen or algemeen or [None])[0]


class Prijzen:
    """`tarief_op` and `bedrag_cent` over many prestaties: each distinct (indicator, day, gemeente) and (aantal,
    tarief) is priced once by those two rules."""

    def __init__(self) -> None:
        self._tarieven: dict[tuple[int, date, int], Tarief | None] = {}
        self._bedragen: dict[tuple[Decimal, int], int] = {}
        self._kolommen: dict[int, tuple[int, Any, int]] = {}

    def tarief(self, indicator: Any, dag: date, gemeente_id: int) -> Tarief | None:
        """tarief_op for an indicator (with its tarieven loaded)."""
        key = (indicator.id, dag, gemeente_id)
        if key not in self._tarieven:
            self._tarieven[key] = tarief_op(indicator.tarieven, dag, gemeente_id)
        return self._tarieven[key]

    def kolommen(self, tarief: Tarief) -> tuple[int, Any, int]:
        """The tarief's id, eenheid and bedrag_cent, read from the ORM object once."""
        found = self._kolommen.get(id(tarief))
        if found is None:
            found = self._kolommen[id(tarief)] = (tarief.id, tarief.eenheid, tarief.bedrag_cent)
        return found

    def bedrag(self, aantal: Decimal, tarief_cent: int) -> int:
        """bedrag_cent."""
        key = (aantal, tarief_cent)
        if key not in self._bedragen:
            self._bedragen[key] = bedrag_cent(aantal, tarief_cent)
        return self._bedragen[key]


def overlapt(a_van: date, a_tot: date | None, b_van: date, b_tot: date | None) -> bool:
    """Whether two validity periods (open-ended when `tot` is None) share a day."""
    return (a_tot is None or b_van <= a_tot) and (b_tot is None or a_van <= b_tot)


def bedrag_cent(aantal: Decimal, tarief_cent: int) -> int:
    """Units × tarief in whole euro cents, rounded half up (never through a float)."""
    return afronding.cent(Decimal(aantal) * tarief_cent)


# --- exams against the PIP ----------------------------------------------------------------------------

_NIVEAU_RANG = {Examenniveau.A2: 1, Examenniveau.B1: 2, Examenniveau.B2: 3}
_PIP_RANG = {NiveauPip.A2: 1, NiveauPip.B1: 2}


def niveau_voldoet(examen: Examenniveau | None, pip_niveau: NiveauPip | None) -> bool:
    """Whether an exam level is at or above the PIP's niveau (no niveau in the PIP: any level counts; a DUO result
    without a niveau proves no level)."""
    if examen is None:
        return False
    return pip_niveau is None or _NIVEAU_RANG[examen] >= _PIP_RANG[pip_niveau]
