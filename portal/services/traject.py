"""The start of a traject: gerealiseerde startdatum, bijgestelde einddatum, reden latere start, or 'niet gestart'.

One TrajectStart per verwijzing; registering again corrects it with history. A start later than the beoogde
startdatum and a 'niet gestart' raise domain events so the klantregisseur hears about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import access, audit, clock
from portal.audit import AuditActie
from portal.events import LATE_START, NIET_GESTART, DomainEvent, emit
from portal.formatting import datum as fmt_datum
from portal.models import Presentie, TrajectStart, User, Verwijzing
from portal.models.enums import VerwijzingStatus
from portal.services import NotAllowed, Raw, ValidationError
from portal.services.history import apply_changes
from portal.services.validation import FieldError, parse_date, parse_text, parse_yes_no

MAX_REDEN = 500


@dataclass
class StartInput:
    """Raw values of the start form (or a spreadsheet row): dates as text, dates or Excel serials;
    `niet_gestart` a bool or Ja/Nee as spreadsheets write it."""

    gerealiseerde_startdatum: Raw = None
    bijgestelde_einddatum: Raw = None
    reden_latere_start: Raw = None
    niet_gestart: Raw = False
    reden_niet_gestart: Raw = None


def start_of(session: Session, verwijzing: Verwijzing) -> TrajectStart | None:
    """The registered start of a verwijzing, if any."""
    return session.scalars(select(TrajectStart).where(TrajectStart.verwijzing_id == verwijzing.id)).first()


def validate_start(session: Session, verwijzing: Verwijzing, data: StartInput, today: date) -> dict[str, Any]:
    """The clean field values of a start registration, or ValidationError with a Dutch message per field."""
    errors: dict[str, str] = {}
    if verwijzing.status is VerwijzingStatus.INGETROKKEN:
        raise ValidationError({"verwijzing": "Deze verwijzing is ingetrokken; een start registreren kan niet."})
    first_presentie, last_presentie = session.execute(
        select(func.min(Presentie.datum), func.max(Presentie.datum)).where(Presentie.verwijzing_id == verwijzing.id)
    ).one()
    try:
        niet_gestart = parse_yes_no(data.niet_gestart)
    except FieldError as exc:
        raise ValidationError({"niet_gestart": str(exc)}) from None

    if niet_gestart:
        reden = None
        try:
            reden = parse_text(data.reden_niet_gestart, "de reden", required=False, max_length=MAX_REDEN,
                               single_line=True)
        except FieldError as exc:
            errors["reden_niet_gestart"] = str(exc)
        if reden is None and "reden_niet_gestart" not in errors:
            errors["reden_niet_gestart"] = "Vul in waarom de deelnemer niet is gestart."
        if first_presentie is not None:
            errors["niet_gestart"] = (
                f"Er is al presentie geregistreerd (vanaf {fmt_datum(first_presentie)}). Een deelnemer met presentie "
                "is gestart: registreer de startdatum."
            )
        if errors:
            raise ValidationError(errors)
        return {
            "gerealiseerde_startdatum": None, "bijgestelde_einddatum": None, "reden_latere_start": None,
            "niet_gestart": True, "reden_niet_gestart": reden,
        }

    start = eind = None
    try:
        start = parse_date(data.gerealiseerde_startdatum, label="de gerealiseerde startdatum")
    except FieldError as exc:
        errors["gerealiseerde_startdatum"] = str(exc)
    if start is not None and (fout := _start_fout(verwijzing, start, first_presentie, today)):
        errors["gerealiseerde_startdatum"] = fout
    try:
        eind = parse_date(data.bijgestelde_einddatum, required=False, label="de bijgestelde einddatum")
        if eind is not None and eind > verwijzing.uiterste_einddatum:
            raise FieldError(
                f"De bijgestelde einddatum ligt na de uiterste einddatum van de verwijzing "
                f"({fmt_datum(verwijzing.uiterste_einddatum)})."
            )
        # Against the start as given, also when the start breaks a rule itself: every error of a submit at once.
        if eind is not None and start is not None and eind < start:
            raise FieldError("De bijgestelde einddatum ligt vóór de startdatum.")
        if eind is not None and last_presentie is not None and eind < last_presentie:
            raise FieldError(
                f"Er is al presentie geregistreerd op {fmt_datum(last_presentie)}, na deze einddatum. "
                "Kies die dag of later."
            )
    except FieldError as exc:
        errors["bijgestelde_einddatum"] = str(exc)
    if "gerealiseerde_startdatum" in errors:
        start = None  # no reason for a later start is asked of a start that is not valid
    reden = None
    try:
        reden = parse_text(data.reden_latere_start, "de reden van de latere start", required=False,
                           max_length=MAX_REDEN, single_line=True)
    except FieldError as exc:
        errors["reden_latere_start"] = str(exc)
    if "reden_latere_start" not in errors and start is not None and start > verwijzing.beoogde_startdatum \
            and reden is None:
        errors["reden_latere_start"] = (
            f"De deelnemer is later gestart dan de beoogde startdatum ({fmt_datum(verwijzing.beoogde_startdatum)}). "
            "Vul de reden van de latere start in."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "gerealiseerde_startdatum": start, "bijgestelde_einddatum": eind,
        "reden_latere_start": reden,
        "niet_gestart": False, "reden_niet_gestart": None,
    }


def vroegste_start(verwijzing: Verwijzing) -> date:
    """The earliest realised start: the day the verwijzing was recorded, or its beoogde startdatum when it was
    recorded afterwards (the beoogde start is then the earliest day it is known to have existed)."""
    return min(clock.dag_van(verwijzing.created_at), verwijzing.beoogde_startdatum)


def _start_fout(verwijzing: Verwijzing, start: date, first_presentie: date | None, today: date) -> str | None:
    """What is wrong with a realised start date, in plain Dutch, or None.

    A start before the beoogde startdatum is allowed: that date is the gemeente's plan, and a course that begins a
    week early is ordinary. A start before the verwijzing existed is not (vroegste_start), nor one outside the
    contract under which the provider delivers.
    """
    if start > today:
        return "De startdatum ligt in de toekomst. Registreer de start op of na de eerste lesdag."
    vroegste = vroegste_start(verwijzing)
    if start < vroegste:
        if vroegste == verwijzing.beoogde_startdatum:
            return (f"De startdatum ligt vóór de beoogde startdatum van de verwijzing ({fmt_datum(vroegste)}), en de "
                    "verwijzing is pas daarna vastgelegd. Begon de deelnemer echt eerder, vraag de gemeente dan de "
                    "beoogde startdatum aan te passen.")
        return (f"De startdatum ligt vóór de dag waarop de gemeente de verwijzing vastlegde ({fmt_datum(vroegste)}). "
                "Een traject start niet voordat de verwijzing er is: kies die dag of later.")
    contract = verwijzing.contract
    if start < contract.startdatum:
        return (f"De startdatum ligt vóór het begin van het contract ({fmt_datum(contract.startdatum)}). Kies die dag "
                "of later.")
    if start > verwijzing.uiterste_einddatum:
        return (f"De startdatum ligt na de uiterste einddatum van de verwijzing "
                f"({fmt_datum(verwijzing.uiterste_einddatum)}).")
    if first_presentie is not None and first_presentie < start:
        return (f"Er is al presentie geregistreerd op {fmt_datum(first_presentie)}, vóór deze startdatum. "
                "Kies de eerste dag met presentie of eerder.")
    return None


def register_start(
    session: Session, actor: User, verwijzing: Verwijzing, data: StartInput, today: date
) -> TrajectStart:
    """Register or correct the start (or 'niet gestart') of a verwijzing the actor may register for; flush only.

    Sets the verwijzing's status (GESTART / NIET_GESTART, with history) while the traject is open, and emits
    LATE_START or NIET_GESTART when that fact is new or its dates changed.
    """
    if not access.may_register(actor, verwijzing):
        raise NotAllowed("Alleen de aanbieder van deze verwijzing kan de start registreren.")
    values = validate_start(session, verwijzing, data, today)
    traject_start = start_of(session, verwijzing)
    if traject_start is None:
        traject_start = TrajectStart(verwijzing_id=verwijzing.id, geregistreerd_door_id=actor.id, **values)
        session.add(traject_start)
        session.flush()
        changed = {k: (None, v) for k, v in values.items() if v not in (None, False)}
        action = AuditActie.TRAJECT_START_GEREGISTREERD
    else:
        changed = apply_changes(
            session, actor, traject_start, values, object_type="traject_start", inburgeraar_id=verwijzing.inburgeraar_id
        )
        action = AuditActie.TRAJECT_START_GECORRIGEERD
    if not changed:
        return traject_start

    if verwijzing.status.follows_start:
        status = VerwijzingStatus.NIET_GESTART if values["niet_gestart"] else VerwijzingStatus.GESTART
        apply_changes(
            session, actor, verwijzing, {"status": status}, object_type="verwijzing",
            inburgeraar_id=verwijzing.inburgeraar_id,
        )
    audit.record(
        session, actor, action, object_type="traject_start", object_id=traject_start.id,
        inburgeraar=verwijzing.inburgeraar_id, details={"velden": sorted(changed)},
    )
    _emit_signals(session, actor, verwijzing, traject_start, changed)
    session.flush()
    return traject_start


def _emit_signals(
    session: Session, actor: User, verwijzing: Verwijzing, traject_start: TrajectStart, changed: dict[str, Any]
) -> None:
    if traject_start.niet_gestart:
        if "niet_gestart" in changed or "reden_niet_gestart" in changed:
            emit(session, DomainEvent(
                kind=NIET_GESTART, inburgeraar_id=verwijzing.inburgeraar_id, actor=actor,
                verwijzing_id=verwijzing.id, object_id=traject_start.id,
                details={"beoogde_startdatum": verwijzing.beoogde_startdatum.isoformat()},
            ))
        return
    start = traject_start.gerealiseerde_startdatum
    if start is not None and start > verwijzing.beoogde_startdatum and "gerealiseerde_startdatum" in changed:
        emit(session, DomainEvent(
            kind=LATE_START, inburgeraar_id=verwijzing.inburgeraar_id, actor=actor,
            verwijzing_id=verwijzing.id, object_id=traject_start.id,
            details={
                "beoogde_startdatum": verwijzing.beoogde_startdatum.isoformat(),
                "gerealiseerde_startdatum": start.isoformat(),
                "dagen_later": (start - verwijzing.beoogde_startdatum).days,
            },
        ))
