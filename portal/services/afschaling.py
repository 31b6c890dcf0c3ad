"""Afschalingsverzoeken: a provider asks to lower B1-route exam parts to A2; the klantregisseur decides.

The law (Besluit inburgering 2021 art. 5.5; 003 Bijlage B) allows afschalen only after at least 600 hours
of taalles+KNM at a keurmerk institution plus demonstrable effort. The provider names the parts it asks
for; DUO keeps one niveau per PIP, so an approval records a new PIP version with niveau A2 (the parts stay
on the request as the gemeente's evidence and decide which parts count as passed at A2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal import access, audit, clock, events
from portal.audit import AuditActie
from portal.domain import examens, normen
from portal.formatting import uren as fmt_uren
from portal.models import (
    Afschalingsverzoek,
    AfschalingsverzoekOnderdeel,
    Examenresultaat,
    Inburgeraar,
    Pip,
    User,
    Verwijzing,
)
from portal.models.base import utcnow
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.models.resultaat import TAAL_EXAMENONDERDELEN, AfschalingStatus, Examenonderdeel, Examenuitslag
from portal.services import Errors, NotAllowed, Raw, ValidationError, cases, totals
from portal.services.registraties import check_accepts_registrations, check_may_register
from portal.services.validation import FieldError, is_empty, parse_choice, parse_past_date, parse_text


@dataclass
class AfschalingsverzoekInput:
    """A provider's request: the exam parts (LE, LU, SC, SP) to lower to A2 and the two motivations."""

    onderdelen: Raw = field(default_factory=list)
    observaties_aanbieder: Raw = None
    ervaring_inburgeraar: Raw = None


@dataclass
class BesluitInput:
    """The klantregisseur's decision: goedgekeurd or afgewezen (with a reason), and the new PIP's dagtekening."""

    besluit: Raw = None
    besluit_reden: Raw = None
    dagtekening: Raw = None


def taalles_uren(session: Session, inburgeraar_id: int) -> Decimal:
    """Taalles+KNM hours registered for the inburgeraar at keurmerk institutions (the presence totals)."""
    return Decimal(totals.taalles_knm_uren(session, inburgeraar_id))


def blokkade(session: Session, verwijzing: Verwijzing) -> str | None:
    """Why no afschalingsverzoek can be submitted for this verwijzing whatever the hours (plain Dutch), or None."""
    if verwijzing.onderdeel is not Onderdeel.B1_ROUTE:
        return "Een afschalingsverzoek kan alleen bij een verwijzing voor de B1-route."
    if verwijzing.status in (VerwijzingStatus.AFGEROND, VerwijzingStatus.UITGEVALLEN):
        return f"Deze verwijzing is {verwijzing.status.label.lower()}: een afschalingsverzoek is niet meer mogelijk."
    pip = verwijzing.inburgeraar.pip_van_kracht
    if pip is None and verwijzing.inburgeraar.huidige_pip is not None:
        return "Het PIP van deze inburgeraar is ingetrokken: er is geen PIP van kracht om af te schalen."
    if pip is None or pip.leerroute is not Leerroute.B:
        return "Het PIP van deze inburgeraar staat niet op de B1-route."
    if pip.niveau is NiveauPip.A2:
        return "Het PIP staat al op niveau A2: afschalen is niet meer nodig."
    if wachtend_verzoek(session, verwijzing) is not None:
        return ("Er staat al een afschalingsverzoek voor deze verwijzing open. "
                "Wacht op het besluit van de klantregisseur.")
    return None


def uren_blokkade(uren: Decimal) -> str | None:
    """The hours still missing below the 600-hour minimum, as a sentence; None when enough hours are registered."""
    if tekort := normen.uren_tekort_afschaling(uren):
        return (f"Afschalen kan pas na {fmt_uren(normen.AFSCHALING_MINIMUM_UREN)} uur taalles en KNM. "
                f"Er staan {fmt_uren(uren)} uur geregistreerd: nog {fmt_uren(tekort)} uur nodig.")
    return None


def waarom_niet(session: Session, verwijzing: Verwijzing) -> str | None:
    """Why a request would be refused right now (the same checks as submit_verzoek), or None when it can succeed;
    pages offer the form only when this is None and otherwise say why."""
    return blokkade(session, verwijzing) or uren_blokkade(taalles_uren(session, verwijzing.inburgeraar_id))


def submit_verzoek(
    session: Session, actor: User, verwijzing: Verwijzing, data: AfschalingsverzoekInput, *, today: date | None = None
) -> Afschalingsverzoek:
    """Submit an afschalingsverzoek for a B1-route verwijzing; refused below 600 hours or when one is waiting."""
    check_may_register(actor, verwijzing)
    check_accepts_registrations(verwijzing)
    errors = Errors()
    if reden := blokkade(session, verwijzing):
        raise ValidationError({"verwijzing": reden})

    onderdelen = errors.run("onderdelen", lambda: _onderdelen(data.onderdelen))
    observaties = errors.run("observaties_aanbieder", lambda: parse_text(
        data.observaties_aanbieder, "uw observaties"))
    ervaring = errors.run("ervaring_inburgeraar", lambda: parse_text(
        data.ervaring_inburgeraar, "de ervaring van de inburgeraar"))
    if onderdelen and (behaald := al_behaald(session, verwijzing.inburgeraar, onderdelen)):
        errors.add("onderdelen", f"Afschalen is niet nodig voor wat al behaald is: {behaald_tekst(behaald)}. "
                                 "Kies alleen onderdelen die nog niet behaald zijn.")
    uren = taalles_uren(session, verwijzing.inburgeraar_id)
    if tekort := uren_blokkade(uren):
        errors.add("uren", tekort)
    errors.raise_if_any()

    verzoek = Afschalingsverzoek(
        verwijzing=verwijzing,
        inburgeraar_id=verwijzing.inburgeraar_id,
        status=AfschalingStatus.INGEDIEND,
        observaties_aanbieder=observaties,
        ervaring_inburgeraar=ervaring,
        uren_op_moment=uren,
        ingediend_door_id=actor.id,
        onderdeel_regels=[AfschalingsverzoekOnderdeel(onderdeel=o) for o in onderdelen or ()],
    )
    session.add(verzoek)
    session.flush()
    details = {"verwijzing_id": verwijzing.id, "onderdelen": [o.value for o in verzoek.onderdelen]}
    audit.record(session, actor, AuditActie.AFSCHALINGSVERZOEK_INGEDIEND, object_type="afschalingsverzoek",
                 object_id=verzoek.id, inburgeraar=verwijzing.inburgeraar_id, details=details)
    events.emit(session, events.DomainEvent(
        kind=events.AFSCHALINGSVERZOEK_INGEDIEND, inburgeraar_id=verwijzing.inburgeraar_id, actor=actor,
        verwijzing_id=verwijzing.id, object_id=verzoek.id, details=details,
    ))
    return verzoek


def decide(
    session: Session, actor: User, verzoek: Afschalingsverzoek, data: BesluitInput, *, today: date | None = None
) -> Afschalingsverzoek:
    """Approve or reject a waiting request; approval records a new PIP version with niveau A2."""
    today = today or clock.today()
    if not access.may_decide(actor, verzoek):
        raise NotAllowed("Alleen de klantregisseur van deze inburgeraar beslist over het afschalingsverzoek.")
    if verzoek.status is not AfschalingStatus.INGEDIEND:
        raise ValidationError({"besluit": f"Over dit verzoek is al beslist ({verzoek.status.label.lower()})."})
    errors = Errors()
    besluit = errors.run("besluit", lambda: parse_choice(
        AfschalingStatus, data.besluit, "Kies goedkeuren of afwijzen."))
    if besluit is AfschalingStatus.INGEDIEND:
        errors.add("besluit", "Kies goedkeuren of afwijzen.")
    reden = errors.run("besluit_reden", lambda: parse_text(
        data.besluit_reden, "de reden van de afwijzing", required=besluit is AfschalingStatus.AFGEWEZEN))
    dagtekening = None
    if besluit is AfschalingStatus.GOEDGEKEURD:
        dagtekening = errors.run("dagtekening", lambda: _dagtekening(data.dagtekening, today, ingediend_per(verzoek)))
    errors.raise_if_any()

    inburgeraar = verzoek.inburgeraar
    if besluit is AfschalingStatus.GOEDGEKEURD:
        verzoek.pip = _nieuwe_pip(session, actor, verzoek, inburgeraar, dagtekening or today, today)
    verzoek.status = besluit
    verzoek.besluit_reden = reden
    verzoek.besloten_door_id = actor.id
    verzoek.besloten_op = utcnow()
    session.flush()
    details = {"verwijzing_id": verzoek.verwijzing_id, "besluit": besluit.value,
               "pip_id": verzoek.pip_id}
    audit.record(session, actor, AuditActie.AFSCHALINGSVERZOEK_BESLOTEN, object_type="afschalingsverzoek",
                 object_id=verzoek.id, inburgeraar=inburgeraar, details=details)
    events.emit(session, events.DomainEvent(
        kind=events.AFSCHALINGSVERZOEK_BESLOTEN, inburgeraar_id=inburgeraar.id, actor=actor,
        verwijzing_id=verzoek.verwijzing_id, object_id=verzoek.id, details=details,
    ))
    return verzoek


def ingediend_per(verzoek: Afschalingsverzoek) -> date:
    """The Dutch calendar day the request was submitted."""
    return clock.dag_van(verzoek.ingediend_op)


def al_behaald(
    session: Session, inburgeraar: Inburgeraar, onderdelen: Iterable[Examenonderdeel],
    uitslagen: Iterable[Examenresultaat] | None = None,
) -> list[Examenresultaat]:
    """Of these parts, those already passed at (or above) the PIP's niveau, by any source (DUO or a provider), each
    with its first such exam: lowering a part that is already passed serves nothing. The niveau is B1: a request
    can only be made while the PIP in force is B1 (blokkade), and it lowers from there.
    `uitslagen`: every exam result of the inburgeraar, when the caller has read them already (the decision pages)."""
    vereist = examens.vereist_niveau(Leerroute.B, NiveauPip.B1)
    gevraagd = set(onderdelen)
    if uitslagen is None:
        uitslagen = session.scalars(select(Examenresultaat).where(
            Examenresultaat.inburgeraar_id == inburgeraar.id, Examenresultaat.onderdeel.in_(gevraagd)))
    eerste: dict[Examenonderdeel, Examenresultaat] = {}
    for uitslag in sorted(uitslagen, key=lambda u: (u.examendatum, u.id)):
        if uitslag.onderdeel in gevraagd and uitslag.resultaat is Examenuitslag.GESLAAGD and examens.voldoet(
                uitslag.niveau, vereist[uitslag.onderdeel]):
            eerste.setdefault(uitslag.onderdeel, uitslag)
    return [eerste[o] for o in TAAL_EXAMENONDERDELEN if o in eerste]


def behaald_tekst(uitslagen: Iterable[Examenresultaat]) -> str:
    """'Lezen (LE) op niveau B1, examen van 12-07-2025 (bron: DUO); ...' for the messages about passed parts."""
    return "; ".join(
        f"{u.onderdeel.label} op niveau {u.niveau.label if u.niveau else '-'}, examen van "
        f"{u.examendatum:%d-%m-%Y} (bron: {u.bron.label})"
        for u in uitslagen
    )


def waarschuwing(
    session: Session, verzoek: Afschalingsverzoek, uitslagen: Iterable[Examenresultaat] | None = None
) -> str | None:
    """For the decision: the parts of a waiting request that are already passed (a request stored before
    submit_verzoek refused them, or a part passed since), as a warning; None when there are none.
    `uitslagen` as for al_behaald."""
    if verzoek.status is not AfschalingStatus.INGEDIEND:
        return None
    behaald = al_behaald(session, verzoek.inburgeraar, verzoek.onderdelen, uitslagen)
    if not behaald:
        return None
    return (f"Dit verzoek noemt onderdelen die al behaald zijn: {behaald_tekst(behaald)}. Afschalen is voor die "
            "onderdelen niet nodig. Wijs het verzoek af met die reden, zodat de aanbieder een nieuw verzoek kan "
            "indienen voor de onderdelen die nog open staan.")


def wachtend_verzoek(session: Session, verwijzing: Verwijzing) -> Afschalingsverzoek | None:
    """The request on this verwijzing that still waits for a decision, if any."""
    return session.scalar(
        select(Afschalingsverzoek).where(
            Afschalingsverzoek.verwijzing_id == verwijzing.id,
            Afschalingsverzoek.status == AfschalingStatus.INGEDIEND,
        )
    )


def verzoeken_van(session: Session, user: User, verwijzing: Verwijzing) -> list[Afschalingsverzoek]:
    """The requests on one verwijzing the user may see, newest first (the provider sees the decision here)."""
    query = access.afschalingsverzoeken(user).where(Afschalingsverzoek.verwijzing_id == verwijzing.id)
    return list(session.scalars(query.order_by(Afschalingsverzoek.ingediend_op.desc(), Afschalingsverzoek.id.desc())))


def wachtende_verzoeken(session: Session, user: User) -> list[Afschalingsverzoek]:
    """Waiting requests this klantregisseur may decide on, oldest first (the audit of the read is the caller's)."""
    query = (
        access.afschalingsverzoeken(user)
        .join(Inburgeraar, Inburgeraar.id == Afschalingsverzoek.inburgeraar_id)
        .where(
            Afschalingsverzoek.status == AfschalingStatus.INGEDIEND,
            or_(Inburgeraar.klantregisseur_id == user.id, Inburgeraar.klantregisseur_id.is_(None)),
        )
        .order_by(Afschalingsverzoek.ingediend_op, Afschalingsverzoek.id)
    )
    return [v for v in session.scalars(query) if access.may_decide(user, v)]


def goedgekeurde_onderdelen(session: Session, inburgeraar_id: int) -> set[Examenonderdeel]:
    """Exam parts lowered to A2 by an approved request for this inburgeraar."""
    query = (
        select(AfschalingsverzoekOnderdeel.onderdeel)
        .join(Afschalingsverzoek)
        .where(
            Afschalingsverzoek.inburgeraar_id == inburgeraar_id,
            Afschalingsverzoek.status == AfschalingStatus.GOEDGEKEURD,
        )
    )
    return set(session.scalars(query))


def _nieuwe_pip(
    session: Session, actor: User, verzoek: Afschalingsverzoek, inburgeraar: Inburgeraar, dagtekening: date,
    today: date,
) -> Pip:
    """A new PIP version at A2 through cases.record_pip, so DUO's PIP rules are checked in one place."""
    vorige = inburgeraar.pip_van_kracht  # a withdrawn PIP is no PIP to lower
    if vorige is None or vorige.leerroute is not Leerroute.B:
        raise ValidationError({"besluit": "Het PIP van deze inburgeraar staat niet (meer) op de B1-route: "
                                          "afschalen naar A2 kan niet. Wijs het verzoek af."})
    onderdelen = ", ".join(o.value for o in verzoek.onderdelen)
    reden = f"Afschaling naar A2 na afschalingsverzoek {verzoek.id} (onderdelen {onderdelen})."
    try:
        return cases.record_pip(session, actor, inburgeraar, cases.PipInput(
            dagtekening=dagtekening, leerroute=Leerroute.B, niveau=NiveauPip.A2,
            geschatte_intensiteit=vorige.geschatte_intensiteit, reden_wijziging=reden,
        ), today=today)
    except ValidationError as error:
        # PIP rules speak of the PIP's fields; on this form only the dagtekening is the user's to fix.
        raise ValidationError({
            ("dagtekening" if name == "dagtekening" else "besluit"): message
            for name, message in error.errors.items()
        }) from error


def _onderdelen(raw: Raw) -> list[Examenonderdeel]:
    values: Iterable[Raw] = [] if raw is None else ([raw] if isinstance(raw, str) else raw)
    gekozen: set[Examenonderdeel] = set()
    for value in values:
        onderdeel = parse_choice(Examenonderdeel, value, "Kies een of meer van de onderdelen lezen, luisteren, "
                                                         "schrijven en spreken.", required=False)
        if onderdeel is None:
            continue
        if onderdeel not in TAAL_EXAMENONDERDELEN:
            raise FieldError("Alleen de taalonderdelen lezen, luisteren, schrijven en spreken kunnen naar A2.")
        gekozen.add(onderdeel)
    if not gekozen:
        raise FieldError("Kies welke onderdelen naar A2 moeten: lezen, luisteren, schrijven en/of spreken.")
    return [o for o in TAAL_EXAMENONDERDELEN if o in gekozen]


def _dagtekening(raw: Raw, today: date, verzoek_dag: date) -> date:
    """The new PIP's dagtekening: today unless the klantregisseur names an earlier day, not before the request it
    comes from (the PIP's own rules, not in the future and not before the current version, are cases.record_pip's)."""
    if is_empty(raw):
        return today
    value = parse_past_date(raw, today, label="de dagtekening van het nieuwe PIP", subject="De dagtekening")
    assert value is not None
    if value < verzoek_dag:
        raise FieldError(f"De dagtekening van het nieuwe PIP ligt vóór de datum van het afschalingsverzoek "
                         f"({verzoek_dag:%d-%m-%Y}). Kies een datum op of na die dag.")
    return value


