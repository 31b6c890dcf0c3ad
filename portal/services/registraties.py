"""Rules shared by the provider registrations (voortgang, omstandigheden, afschaling, results).

Who may register on a verwijzing (portal.access.may_register), whether it still takes registrations and
which dates fit its period, so that forms, spreadsheet rows and the API all get the same answers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import access
from portal.domain import termijnen
from portal.models import User, Verwijzing
from portal.models.traject import TrajectStart
from portal.services import NotAllowed, Raw, ValidationError
from portal.services.validation import FieldError, parse_past_date


def check_may_register(actor: User, verwijzing: Verwijzing) -> None:
    """Only staff of the aanbieder the verwijzing was made to may register on it."""
    if not access.may_register(actor, verwijzing):
        raise NotAllowed("Alleen de aanbieder van deze verwijzing kan hierop registreren.")


def check_accepts_registrations(verwijzing: Verwijzing) -> None:
    """A withdrawn verwijzing takes no new registrations."""
    if not verwijzing.status.accepts_registrations:
        raise ValidationError({"verwijzing": "Deze verwijzing is ingetrokken: er kan niets meer op worden "
                                             "geregistreerd."})


def periode_start(session: Session, verwijzing: Verwijzing) -> date:
    """First day of the traject: the realised start when the provider registered one, else the planned start."""
    gerealiseerd = session.scalar(
        select(TrajectStart.gerealiseerde_startdatum).where(TrajectStart.verwijzing_id == verwijzing.id)
    )
    return termijnen.traject_startdatum(gerealiseerd, verwijzing.beoogde_startdatum)


def datum_in_periode(
    raw: Raw, verwijzing: Verwijzing, start: date, today: date, *, label: str, subject: str, tot_einde: bool = True
) -> date:
    """A date of something that happened on this traject: not in the future, not before the traject's `start`
    and (unless `tot_einde` is False) not after the verwijzing's uiterste einddatum."""
    value = parse_past_date(raw, today, label=label, subject=subject)
    assert value is not None
    if value < start:
        raise FieldError(f"{subject} ligt vóór de start van het traject ({start:%d-%m-%Y}). Controleer de datum.")
    if tot_einde and value > verwijzing.uiterste_einddatum:
        raise FieldError(f"{subject} ligt na de uiterste einddatum van de verwijzing "
                         f"({verwijzing.uiterste_einddatum:%d-%m-%Y}).")
    return value
