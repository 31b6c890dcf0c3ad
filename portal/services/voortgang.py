"""Voortgangsrapportages and meldingen of changed circumstances, written by the provider of a verwijzing.

Both are for the gemeente and the provider who wrote them, never for other providers of the same
inburgeraar; the reads go through the scoped queries in portal.access.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import access, audit, clock, events
from portal.audit import AuditActie
from portal.models import Inburgeraar, OmstandighedenMelding, User, Verwijzing, Voortgangsrapportage
from portal.models.resultaat import OmstandighedenSoort
from portal.services import Errors, Raw
from portal.services.history import record_or_correct
from portal.services.registraties import (
    check_accepts_registrations,
    check_may_register,
    datum_in_periode,
    periode_start,
)
from portal.services.validation import FieldError, parse_choice, parse_date, parse_text

# A planned move or a known start of work may be reported ahead; further ahead is almost always a typo.
OMSTANDIGHEDEN_VOORUIT_DAGEN = 365


@dataclass
class VoortgangInput:
    """A progress note for one peildatum."""

    peildatum: Raw = None
    motivatie: Raw = None
    voortgang: Raw = None
    belemmeringen: Raw = None


@dataclass
class OmstandighedenInput:
    """A change in personal circumstances: soort as OmstandighedenSoort value, the date it applies from."""

    soort: Raw = None
    datum: Raw = None
    toelichting: Raw = None


def register_voortgang(
    session: Session, actor: User, verwijzing: Verwijzing, data: VoortgangInput, *, today: date | None = None
) -> Voortgangsrapportage:
    """Record the progress note for one peildatum; the same peildatum again corrects it, with history."""
    today = today or clock.today()
    check_may_register(actor, verwijzing)
    check_accepts_registrations(verwijzing)
    errors = Errors()
    start = periode_start(session, verwijzing)
    peildatum = errors.run("peildatum", lambda: datum_in_periode(
        data.peildatum, verwijzing, start, today, label="de peildatum", subject="De peildatum"))
    motivatie = errors.run("motivatie", lambda: parse_text(data.motivatie, "de motivatie"))
    voortgang = errors.run("voortgang", lambda: parse_text(data.voortgang, "de voortgang"))
    belemmeringen = errors.run("belemmeringen", lambda: parse_text(
        data.belemmeringen, "de belemmeringen", required=False))
    errors.raise_if_any()

    rapportage = session.scalar(
        select(Voortgangsrapportage).where(
            Voortgangsrapportage.verwijzing_id == verwijzing.id, Voortgangsrapportage.peildatum == peildatum
        )
    )
    velden = {"motivatie": motivatie, "voortgang": voortgang, "belemmeringen": belemmeringen}
    rapportage, nieuw, gewijzigd = record_or_correct(
        session, actor, rapportage,
        lambda: Voortgangsrapportage(verwijzing=verwijzing, peildatum=peildatum, geregistreerd_door_id=actor.id,
                                     **velden),
        velden, object_type="voortgangsrapportage", inburgeraar_id=verwijzing.inburgeraar_id,
    )
    if not gewijzigd:
        return rapportage
    actie = AuditActie.VOORTGANG_GEREGISTREERD if nieuw else AuditActie.VOORTGANG_GECORRIGEERD
    audit.record(session, actor, actie, object_type="voortgangsrapportage", object_id=rapportage.id,
                 inburgeraar=verwijzing.inburgeraar_id,
                 details={"verwijzing_id": verwijzing.id, "velden": gewijzigd})
    return rapportage


def report_omstandigheden(
    session: Session, actor: User, verwijzing: Verwijzing, data: OmstandighedenInput, *, today: date | None = None
) -> OmstandighedenMelding:
    """Report a change in personal circumstances (verhuizing, gezondheid, ...) to the klantregisseur."""
    today = today or clock.today()
    check_may_register(actor, verwijzing)
    check_accepts_registrations(verwijzing)
    errors = Errors()
    soort = errors.run("soort", lambda: parse_choice(
        OmstandighedenSoort, data.soort, "Kies wat er veranderd is."))
    datum = errors.run("datum", lambda: _melding_datum(data.datum, today))
    toelichting = errors.run("toelichting", lambda: parse_text(data.toelichting, "de toelichting"))
    errors.raise_if_any()

    melding = OmstandighedenMelding(
        inburgeraar_id=verwijzing.inburgeraar_id,
        verwijzing=verwijzing,
        aanbieder_id=verwijzing.aanbieder_id,
        soort=soort,
        datum=datum,
        toelichting=toelichting,
        gemeld_door_id=actor.id,
    )
    session.add(melding)
    session.flush()
    # The kind of change stays out of the audit trail and the event: "gezondheid" is itself health data.
    audit.record(session, actor, AuditActie.OMSTANDIGHEDEN_GEMELD, object_type="omstandigheden_melding",
                 object_id=melding.id, inburgeraar=verwijzing.inburgeraar_id,
                 details={"verwijzing_id": verwijzing.id})
    events.emit(session, events.DomainEvent(
        kind=events.OMSTANDIGHEDEN_GEWIJZIGD, inburgeraar_id=verwijzing.inburgeraar_id, actor=actor,
        verwijzing_id=verwijzing.id, object_id=melding.id,
    ))
    return melding


def rapportages_van(session: Session, user: User, verwijzing: Verwijzing) -> list[Voortgangsrapportage]:
    """The progress notes on one verwijzing that the user may see, newest first (the caller audits the read)."""
    query = access.voortgangsrapportages(user).where(Voortgangsrapportage.verwijzing_id == verwijzing.id)
    return list(session.scalars(query.order_by(Voortgangsrapportage.peildatum.desc())))


def omstandigheden_van(
    session: Session, user: User, inburgeraar: Inburgeraar, *, verwijzing: Verwijzing | None = None
) -> list[OmstandighedenMelding]:
    """Meldingen about the inburgeraar the user may see (a provider: only its own), newest first."""
    query = access.omstandigheden(user).where(OmstandighedenMelding.inburgeraar_id == inburgeraar.id)
    if verwijzing is not None:
        query = query.where(OmstandighedenMelding.verwijzing_id == verwijzing.id)
    return list(session.scalars(query.order_by(OmstandighedenMelding.datum.desc(), OmstandighedenMelding.id.desc())))


def _melding_datum(raw: Raw, today: date) -> date:
    value = parse_date(raw, label="de datum van de wijziging")
    assert value is not None
    if value > today + timedelta(days=OMSTANDIGHEDEN_VOORUIT_DAGEN):
        raise FieldError("De datum ligt meer dan een jaar vooruit. Controleer het jaar.")
    return value
