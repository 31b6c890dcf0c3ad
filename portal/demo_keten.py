"""Demo data of the chain: verhuizingen (one completed, one awaiting the new gemeente's decision)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal.models import Inburgeraar, Verhuizing, Verwijzing, VerwijzingBesluit
from portal.models.enums import OPEN_STATUSSEN
from portal.services.chain import verhuizing as verhuizingen

if TYPE_CHECKING:
    from portal.demo import DemoRegion

_WF_REGISSEUR = "klantregisseur@werksaam.example.nl"
_DALFSEN_REGISSEUR = "klantregisseur@dalfsen.example.nl"


def seed_keten(session: Session, region: DemoRegion) -> None:
    """Add the chain's demo rows once (a database that already has verhuizingen is left alone)."""
    if session.scalar(select(exists().where(Verhuizing.id.isnot(None)))):
        return
    session.flush()
    region.counts["verhuizingen"] = seed_verhuizingen(session, region)


def _mover(session: Session, region: DemoRegion, cbs_code: str, skip: set[int]) -> Inburgeraar | None:
    """A resident of the gemeente with a PIP and an open verwijzing, the same one for the same seed."""
    gemeente = region.gemeenten[cbs_code]
    open_verwijzing = exists().where(Verwijzing.inburgeraar_id == Inburgeraar.id,
                                     Verwijzing.status.in_(OPEN_STATUSSEN))
    return session.scalar(
        select(Inburgeraar).where(Inburgeraar.gemeente_id == gemeente.id, open_verwijzing,
                                  Inburgeraar.id.notin_(skip or {0}))
        .order_by(Inburgeraar.id).limit(1)
    )


def seed_verhuizingen(session: Session, region: DemoRegion) -> int:
    """Dalfsen → Hoorn five weeks ago, fully decided; Medemblik → Hoorn last week, decisions still open."""
    hoorn = region.gemeenten["0405"]
    wf = region.users[_WF_REGISSEUR]
    made = 0
    eerste = _mover(session, region, "0148", set())
    if eerste is not None:
        move = verhuizingen.register(
            session, region.users[_DALFSEN_REGISSEUR], eerste,
            verhuizingen.VerhuizingInput(naar_gemeente_id=hoorn.id, datum=region.today - timedelta(days=35)),
            today=region.today)
        for regel in move.verwijzingen:
            contracts = verhuizingen.contracten_voor_voortzetten(session, regel)
            besluit = verhuizingen.BesluitInput(
                besluit=VerwijzingBesluit.VOORGEZET if contracts else VerwijzingBesluit.BEEINDIGD,
                contract_id=contracts[0].id if contracts else None)
            verhuizingen.decide(session, wf, regel, besluit)
        eerste.klantregisseur = wf
        made += 1
    tweede = _mover(session, region, "0420", {eerste.id} if eerste else set())
    if tweede is not None:
        verhuizingen.register(
            session, wf, tweede,
            verhuizingen.VerhuizingInput(naar_gemeente_id=hoorn.id, datum=region.today - timedelta(days=6)),
            today=region.today)
        made += 1
    return made
