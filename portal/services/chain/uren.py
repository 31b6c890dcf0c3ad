"""DUO's GevolgdeUren per inburgeraar per gemeente: the hours present during that gemeente's period of residence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.domain import duo_uren
from portal.domain.duo_uren import DuoUrenSoort
from portal.models import Presentie, Verwijzing
from portal.models.traject import Activiteit
from portal.services.chain.woonplaats import gemeente_op_expr
from portal.services.validation import as_decimal


def per_activiteit(
    session: Session, inburgeraar_id: int, gemeente_id: int, *, tot: date | None = None
) -> dict[Activiteit, Decimal]:
    """Hours present per activity on days the inburgeraar lived in the gemeente (up to and including `tot`)."""
    query = (
        select(Presentie.activiteit, func.sum(Presentie.uren_aanwezig))
        .join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .where(
            Verwijzing.inburgeraar_id == inburgeraar_id,
            gemeente_op_expr(Verwijzing.inburgeraar_id, Presentie.datum) == gemeente_id,
        )
        .group_by(Presentie.activiteit)
    )
    if tot is not None:
        query = query.where(Presentie.datum <= tot)
    return {activiteit: as_decimal(uren) for activiteit, uren in session.execute(query)}


def per_inburgeraar(
    session: Session, inburgeraar_ids: list[int], gemeente_id: int
) -> dict[int, dict[Activiteit, Decimal]]:
    """`per_activiteit` for many inburgeraars in one query (the DUO outbox refreshes a whole gemeente)."""
    found: dict[int, dict[Activiteit, Decimal]] = {i: {} for i in inburgeraar_ids}
    if not inburgeraar_ids:
        return found
    query = (
        select(Verwijzing.inburgeraar_id, Presentie.activiteit, func.sum(Presentie.uren_aanwezig))
        .join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .where(Verwijzing.inburgeraar_id.in_(inburgeraar_ids),
               gemeente_op_expr(Verwijzing.inburgeraar_id, Presentie.datum) == gemeente_id)
        .group_by(Verwijzing.inburgeraar_id, Presentie.activiteit)
    )
    for inburgeraar_id, activiteit, uren in session.execute(query):
        found[inburgeraar_id][activiteit] = as_decimal(uren)
    return found


def tellers(
    session: Session, inburgeraar_id: int, gemeente_id: int, *, tot: date | None = None
) -> dict[DuoUrenSoort, Decimal]:
    """DUO's three running totals for one inburgeraar over one gemeente's period(s)."""
    return duo_uren.tellers(per_activiteit(session, inburgeraar_id, gemeente_id, tot=tot))
