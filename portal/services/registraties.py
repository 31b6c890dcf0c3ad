"""Rules shared by the provider registrations (voortgang, omstandigheden, afschaling, results).

Who may register on a verwijzing, which dates fit its period, and how raw text and choices are read,
so that forms, spreadsheet rows and the API all get the same answers.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain import termijnen
from portal.models import User, Verwijzing
from portal.models.enums import AANBIEDER_ROLLEN, VerwijzingStatus
from portal.models.traject import TrajectStart
from portal.services import ValidationError
from portal.services.validation import FieldError, check_not_future, parse_date

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

MAX_TEKST = 4000
# A withdrawn verwijzing is no longer the provider's to report on.
GESLOTEN_STATUSSEN = (VerwijzingStatus.INGETROKKEN,)


class NotAllowed(PermissionError):
    """The actor may not make this registration (wrong organisation or role); views answer 403/404."""


def check_eigen_verwijzing(actor: User, verwijzing: Verwijzing) -> None:
    """Only staff of the aanbieder the verwijzing was made to may register on it."""
    if actor.rol not in AANBIEDER_ROLLEN or actor.aanbieder_id != verwijzing.aanbieder_id:
        raise NotAllowed("Alleen de aanbieder van deze verwijzing kan hierop registreren.")


def check_open(verwijzing: Verwijzing) -> None:
    """A withdrawn verwijzing takes no new registrations."""
    if verwijzing.status in GESLOTEN_STATUSSEN:
        raise ValidationError({"verwijzing": "Deze verwijzing is ingetrokken: er kan niets meer op worden "
                                             "geregistreerd."})


def periode_start(session: Session, verwijzing: Verwijzing) -> date:
    """First day of the traject: the realised start when the provider registered one, else the planned start."""
    gerealiseerd = session.scalar(
        select(TrajectStart.gerealiseerde_startdatum).where(TrajectStart.verwijzing_id == verwijzing.id)
    )
    return termijnen.traject_startdatum(gerealiseerd, verwijzing.beoogde_startdatum)


def datum_in_periode(
    raw: Any, verwijzing: Verwijzing, start: date, today: date, *, label: str, subject: str, tot_einde: bool = True
) -> date:
    """A date of something that happened on this traject: not in the future, not before the traject's `start`
    and (unless `tot_einde` is False) not after the verwijzing's uiterste einddatum."""
    value = parse_date(raw, label=label)
    assert value is not None
    check_not_future(value, today, subject)
    if value < start:
        raise FieldError(f"{subject} ligt vóór de start van het traject ({start:%d-%m-%Y}). Controleer de datum.")
    if tot_einde and value > verwijzing.uiterste_einddatum:
        raise FieldError(f"{subject} ligt na de uiterste einddatum van de verwijzing "
                         f"({verwijzing.uiterste_einddatum:%d-%m-%Y}).")
    return value


def tekst(raw: Any, label: str, *, required: bool = True, max_length: int = MAX_TEKST) -> str | None:
    """Free text, trimmed; required unless told otherwise, and bounded in length."""
    text = "" if raw is None else str(raw).replace("\x00", "").strip()
    if not text:
        if required:
            raise FieldError(f"Vul {label} in.")
        return None
    if len(text) > max_length:
        raise FieldError(f"Gebruik voor {label} hoogstens {max_length} tekens.")
    return text


def keuze(enum_cls: type[E], raw: Any, message: str, *, required: bool = True) -> E | None:
    """One member of an enumeration, by its value; `message` says what to choose."""
    if isinstance(raw, enum_cls):
        return raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise FieldError(message)
        return None
    try:
        return enum_cls(raw.strip() if isinstance(raw, str) else raw)
    except ValueError:
        raise FieldError(message) from None
