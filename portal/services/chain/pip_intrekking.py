"""Withdrawing (intrekken) the PIP in force: the klantregisseur of the inburgeraar's gemeente records the date and
the reason; the DUO outbox gets the PIP DELETE bericht at once (services.chain.duo decides what DUO must hold)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portal import access, audit, clock
from portal.audit import AuditActie
from portal.models import Inburgeraar, User
from portal.models.pip_intrekking import PipIntrekking
from portal.services import Errors, NotAllowed, Raw, ValidationError
from portal.services.chain import duo
from portal.services.validation import parse_past_date, parse_text


@dataclass
class IntrekkingInput:
    """The withdrawal as entered: the date it takes effect (dd-mm-jjjj) and the reason."""

    datum: Raw = None
    reden: Raw = None


def intrekken(
    session: Session, actor: User, inburgeraar: Inburgeraar, data: IntrekkingInput, *, today: date | None = None
) -> PipIntrekking:
    """Withdraw the PIP in force of an inburgeraar of the actor's gemeente (loaded through portal.access)."""
    if not access.may_withdraw_pip(actor):
        raise NotAllowed("Alleen de klantregisseur van de gemeente trekt een PIP in.")
    today = today or clock.today()
    pip = inburgeraar.huidige_pip
    if pip is None:
        raise ValidationError({"datum": "Er is geen PIP om in te trekken."})
    if pip.intrekking is not None:
        raise ValidationError({"datum": f"Versie {pip.versie} van het PIP is al ingetrokken op "
                                        f"{pip.intrekking.datum:%d-%m-%Y}."})
    errors = Errors()
    datum = errors.run("datum", lambda: parse_past_date(data.datum, today, label="de datum van intrekking",
                                                         subject="De datum van intrekking"))
    reden = errors.run("reden", lambda: parse_text(data.reden, "de reden van intrekking", max_length=1000))
    if datum is not None and datum < pip.dagtekening:
        errors.add("datum", f"De datum van intrekking ligt vóór de dagtekening van het PIP "
                            f"({pip.dagtekening:%d-%m-%Y}). Vul een datum op of na de dagtekening in.")
    errors.raise_if_any()
    assert datum is not None and reden is not None
    row = PipIntrekking(pip=pip, inburgeraar_id=inburgeraar.id, datum=datum, reden=reden,
                        ingetrokken_door_id=actor.id)
    session.add(row)
    session.flush()
    # Reasons can hold personal circumstances: the audit trail keeps the fact and the version, not the text.
    audit.record(session, actor, AuditActie.PIP_INGETROKKEN, object_type="pip", object_id=pip.id,
                 inburgeraar=inburgeraar, details={"versie": pip.versie, "datum": datum.isoformat()})
    if inburgeraar.gemeente.oin is not None:
        duo.bijwerken(session, inburgeraar.gemeente, [inburgeraar])
    return row
