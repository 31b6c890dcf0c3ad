"""Where an inburgeraar lived on a date: the one rule for scopes, billing, DUO hour counters, KPIs and CBS.

The history is the chain of verhuizingen (see portal.models.woonplaats): on a date before a verhuizing the
inburgeraar lived in that verhuizing's old gemeente; after the last one, in `Inburgeraar.gemeente_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from portal.models import Gemeente, Inburgeraar, Verhuizing


@dataclass(frozen=True)
class Woonperiode:
    """One gemeente from a date to a date (both inclusive; None: unknown start / still living there)."""

    gemeente: Gemeente
    van: date | None
    tot: date | None

    def bevat(self, datum: date) -> bool:
        """Whether the inburgeraar lived here on this date."""
        return (self.van is None or self.van <= datum) and (self.tot is None or datum <= self.tot)


def gemeente_op_expr(inburgeraar_id: Any, datum: Any) -> ColumnElement[int]:
    """SQL for the id of the gemeente the inburgeraar lived in on `datum` (both may be columns or values).

    The old gemeente of the first verhuizing after that date, else the gemeente of today.
    """
    later = (
        select(Verhuizing.van_gemeente_id)
        .where(Verhuizing.inburgeraar_id == inburgeraar_id, Verhuizing.datum > datum)
        .order_by(Verhuizing.datum)
        .limit(1)
        .correlate_except(Verhuizing)
        .scalar_subquery()
    )
    nu = (
        select(Inburgeraar.gemeente_id).where(Inburgeraar.id == inburgeraar_id)
        .correlate_except(Inburgeraar).scalar_subquery()
    )
    return func.coalesce(later, nu)


def gemeente_op(session: Session, inburgeraar_id: int, datum: date) -> int:
    """The id of the gemeente the inburgeraar lived in on `datum`."""
    value = session.scalar(select(gemeente_op_expr(inburgeraar_id, datum)))
    if value is None:
        raise LookupError(f"inburgeraar {inburgeraar_id} bestaat niet")
    return int(value)


def verhuizingen(session: Session, inburgeraar_id: int) -> list[Verhuizing]:
    """The inburgeraar's verhuizingen, oldest first."""
    return list(session.scalars(
        select(Verhuizing).where(Verhuizing.inburgeraar_id == inburgeraar_id).order_by(Verhuizing.datum)
    ))


def historie(session: Session, inburgeraar: Inburgeraar) -> list[Woonperiode]:
    """Every period of residence, oldest first; the last one is the current gemeente."""
    periods: list[Woonperiode] = []
    for move in verhuizingen(session, inburgeraar.id):
        periods.append(Woonperiode(move.van_gemeente, move.periode_van, move.datum - timedelta(days=1)))
    last = periods[-1].tot + timedelta(days=1) if periods else None
    periods.append(Woonperiode(inburgeraar.gemeente, last, None))
    return periods


def periode_van(session: Session, inburgeraar_id: int, gemeente_id: int) -> list[tuple[date | None, date | None]]:
    """The (van, tot) periods during which the inburgeraar lived in one gemeente (inclusive; None open)."""
    inburgeraar = session.get(Inburgeraar, inburgeraar_id)
    if inburgeraar is None:
        return []
    return [(p.van, p.tot) for p in historie(session, inburgeraar) if p.gemeente.id == gemeente_id]
