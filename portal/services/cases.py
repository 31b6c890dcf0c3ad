"""Case operations of the gemeente: register an inburgeraar, record a PIP version, make a verwijzing.

Forms, spreadsheet rows and the API all call these functions with a typed input of raw values (text or
typed), so the rules of the Wet inburgering 2021 and DUO are checked in one place. Every function collects
all field errors it can find and raises one ValidationError; on success it flushes and records an audit event.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import access, audit, clock
from portal.audit import AuditActie
from portal.domain import normen, termijnen
from portal.models import Contract, Gemeente, Inburgeraar, Pip, User, Verwijzing, user_gemeente
from portal.models.enums import (
    Doelgroep,
    IndicatorAlfabetisering,
    Leerroute,
    NiveauPip,
    Onderdeel,
    VerwijzingStatus,
)
from portal.services import Errors, Raw
from portal.services.validation import (
    FieldError,
    check_not_future,
    parse_bsn,
    parse_choice,
    parse_date,
    parse_id,
    parse_optional_hours,
    parse_past_date,
    parse_text,
    parse_whole_number,
)

OUDSTE_GEBOORTEJAAR_MARGE = 120  # years; older birth dates are typing errors
# Inburgeringsplicht starts at 16 (verify against local practice); younger dates are almost always typos.
MINIMUM_LEEFTIJD = 16
MAX_GECONTRACTEERDE_UREN = Decimal(9999)
MAX_UREN_PER_WEEK = Decimal(40)

LEERROUTE_ONDERDELEN = {
    Onderdeel.B1_ROUTE: Leerroute.B,
    Onderdeel.ONDERWIJSROUTE: Leerroute.O,
    Onderdeel.Z_ROUTE_TAAL: Leerroute.Z,
    Onderdeel.Z_ROUTE_PARTICIPATIE: Leerroute.Z,
}
# The gemeente buys the leerroute only for asielstatushouders (003 §3.4); Z-route taal and maatschappelijke
# begeleiding are possible for gezinsmigranten too (003 Bijlage B), without inspanningsverplichting (domain.normen).
ALLEEN_ASIELSTATUSHOUDERS = set(LEERROUTE_ONDERDELEN) - set(normen.ZONDER_INSPANNINGSVERPLICHTING)
# These may start before the PIP is fixed; everything else follows from the PIP.
VOOR_PIP_TOEGESTAAN = {Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING, Onderdeel.PVT}


# --- inputs -------------------------------------------------------------------------------------

@dataclass
class InburgeraarInput:
    """A new inburgeraar as entered: ids of gemeente and klantregisseur, dates as text or dates."""

    bsn: Raw = None
    voornamen: Raw = None
    achternaam: Raw = None
    geboortedatum: Raw = None
    doelgroep: Raw = None
    gemeente_id: Raw = None
    klantregisseur_id: Raw = None
    datum_kennisgeving: Raw = None
    datum_brp_inschrijving: Raw = None


@dataclass
class PipInput:
    """A new PIP version: leerroute and niveau as DUO's codes (B/O/Z, A2/B1)."""

    dagtekening: Raw = None
    leerroute: Raw = None
    niveau: Raw = None
    geschatte_intensiteit: Raw = None
    reden_wijziging: Raw = None
    indicator_alfabetisering: Raw = None
    indicator_mag_opleiding_afmaken: Raw = None


@dataclass
class VerwijzingInput:
    """A verwijzing under a contract; `aanbieder_id`, when given, must be the contract's aanbieder."""

    onderdeel: Raw = None
    contract_id: Raw = None
    beoogde_startdatum: Raw = None
    uiterste_einddatum: Raw = None
    aanbieder_id: Raw = None
    gecontracteerde_uren: Raw = None
    uren_per_week: Raw = None
    doelen: Raw = None


# --- inburgeraar --------------------------------------------------------------------------------

def create_inburgeraar(
    session: Session, actor: User, data: InburgeraarInput, *, today: date | None = None
) -> Inburgeraar:
    """Register an inburgeraar in one of the actor's gemeenten."""
    today = today or clock.today()
    errors = Errors()

    bsn = errors.run("bsn", lambda: parse_bsn(data.bsn))
    if bsn is not None:
        existing = session.scalar(select(Inburgeraar).where(Inburgeraar.bsn == bsn))
        if existing is not None:
            in_scope = session.scalar(
                access.inburgeraars(actor).where(Inburgeraar.id == existing.id).with_only_columns(Inburgeraar.id)
            )
            # Someone outside the actor's gemeenten is not described: only that the BSN is taken.
            errors.add("bsn", "Dit BSN is al geregistreerd bij een inburgeraar in uw gemeente. Zoek deze persoon op."
                       if in_scope else
                       "Dit BSN is al geregistreerd in het portaal bij een andere gemeente. "
                       "Neem contact op met de functioneel beheerder, bijvoorbeeld bij een verhuizing.")

    voornamen = errors.run("voornamen", lambda: parse_text(data.voornamen, "de voornamen", max_length=200,
                                                           single_line=True))
    achternaam = errors.run("achternaam", lambda: parse_text(data.achternaam, "de achternaam", max_length=200,
                                                             single_line=True))
    geboortedatum = errors.run("geboortedatum", lambda: _geboortedatum(data.geboortedatum, today))
    doelgroep = errors.run("doelgroep", lambda: parse_choice(Doelgroep, data.doelgroep, "Kies de doelgroep."))

    gemeente_id = parse_id(data.gemeente_id)
    allowed = set(session.scalars(access.gemeenten(actor).with_only_columns(Gemeente.id)))
    if gemeente_id is None or gemeente_id not in allowed:
        errors.add("gemeente_id", "Kies een van uw gemeenten.")
        gemeente_id = None

    klantregisseur_id = parse_id(data.klantregisseur_id)
    if klantregisseur_id is not None and gemeente_id is not None:
        of_gemeente = select(user_gemeente.c.user_id).where(user_gemeente.c.gemeente_id == gemeente_id)
        fits = session.scalar(
            access.klantregisseurs(actor).where(User.id == klantregisseur_id, User.id.in_(of_gemeente))
            .with_only_columns(User.id)
        )
        if fits is None:
            errors.add("klantregisseur_id", "Kies een klantregisseur van de gekozen gemeente, of laat dit leeg.")

    kennisgeving = errors.run("datum_kennisgeving", lambda: parse_past_date(
        data.datum_kennisgeving, today, label="de datum van de kennisgeving",
        subject="De datum van de kennisgeving", required=False))
    brp = errors.run("datum_brp_inschrijving", lambda: parse_past_date(
        data.datum_brp_inschrijving, today, label="de datum van inschrijving in de BRP",
        subject="De datum van inschrijving in de BRP", required=False))
    errors.raise_if_any()

    inburgeraar = Inburgeraar(
        bsn=bsn,
        voornamen=voornamen,
        achternaam=achternaam,
        geboortedatum=geboortedatum,
        doelgroep=doelgroep,
        gemeente_id=gemeente_id,
        klantregisseur_id=klantregisseur_id,
        datum_kennisgeving=kennisgeving,
        datum_brp_inschrijving=brp,
    )
    session.add(inburgeraar)
    session.flush()
    audit.record(session, actor, AuditActie.AANGEMAAKT, object_type="inburgeraar", object_id=inburgeraar.id,
                 inburgeraar=inburgeraar)
    return inburgeraar


# --- PIP ----------------------------------------------------------------------------------------

def record_pip(
    session: Session, actor: User, inburgeraar: Inburgeraar, data: PipInput, *, today: date | None = None
) -> Pip:
    """Record a new PIP version; the first version fixes the inburgeringstermijn.

    A new version follows the latest version, also when that one was withdrawn (PipIntrekking), for two rules:
    * The leerroute may only change within 1.5 years of the start of the term (DOMAIN.md §3, "Leerroute may be
      changed within 1.5 years (001)"; seed 001 "Schakelen tussen routes": the gemeente can change the leerroute
      "binnen anderhalf jaar ... Het PIP wordt dan opnieuw vastgesteld"). That window counts from the term, which
      only the first PIP's dagtekening fixes (DOMAIN.md §3: "later PIP versions do not move it") and a withdrawal
      does not restart. So the leerroute to keep is the one last set, even if that version was withdrawn: the PIP
      in force (domain.pip.van_kracht, none after a withdrawal) is not the comparison, or withdrawing and
      re-issuing would switch routes after the window. Within the window any leerroute may follow a withdrawal.
    * Dates run forward: not dated before the latest version, and after a withdrawal not before the date it took
      effect (a new PIP dated earlier would be in force on days the withdrawal says none was: domain.pip.van_kracht
      takes the highest version set by a day).
    """
    today = today or clock.today()
    errors = Errors()
    vorige = inburgeraar.huidige_pip  # the latest version, withdrawn or not (see above)
    ingetrokken_per = vorige.ingetrokken_op if vorige is not None else None
    versie = (session.scalar(select(func.max(Pip.versie)).where(Pip.inburgeraar_id == inburgeraar.id)) or 0) + 1
    eerste = versie == 1

    dagtekening = errors.run("dagtekening", lambda: parse_date(data.dagtekening, label="de dagtekening"))
    if dagtekening is not None:
        try:
            check_not_future(dagtekening, today, "De dagtekening")
        except FieldError as error:
            errors.add("dagtekening", str(error))
        if inburgeraar.datum_kennisgeving and dagtekening < inburgeraar.datum_kennisgeving:
            errors.add("dagtekening", "De dagtekening ligt vóór de kennisgeving van DUO "
                       f"({inburgeraar.datum_kennisgeving:%d-%m-%Y}). Controleer de datum.")
        if vorige is not None and dagtekening < vorige.dagtekening:
            errors.add("dagtekening", "Een nieuwe versie van het PIP kan niet eerder gedagtekend zijn dan de "
                       f"huidige versie ({vorige.dagtekening:%d-%m-%Y}).")
        elif ingetrokken_per is not None and dagtekening < ingetrokken_per:
            errors.add("dagtekening", f"Versie {vorige.versie} van het PIP is ingetrokken per "
                       f"{ingetrokken_per:%d-%m-%Y}. Het nieuwe PIP kan niet eerder gedagtekend zijn dan die datum.")

    leerroute = errors.run("leerroute", lambda: parse_choice(Leerroute, data.leerroute, "Kies de leerroute."))
    niveau = errors.run("niveau", lambda: parse_choice(NiveauPip, data.niveau, "Kies het niveau.", required=False))
    if leerroute is Leerroute.O and niveau is NiveauPip.A2:
        errors.add("niveau", "Bij de onderwijsroute hoort geen niveau A2. Kies B1 of laat het niveau leeg.")
    if leerroute is Leerroute.Z and niveau is NiveauPip.B1:
        errors.add("niveau", "Bij de Z-route hoort geen niveau B1. Kies A2 of laat het niveau leeg.")
    if leerroute is Leerroute.B and niveau is None:
        errors.add("niveau", "Kies het niveau: bij de B1-route is een niveau verplicht.")
    if leerroute is Leerroute.B and niveau is NiveauPip.A2 and eerste:
        errors.add("niveau", "Het eerste PIP in de B1-route heeft niveau B1. Afschalen naar A2 gaat met een "
                   "wijziging van het PIP.")

    intensiteit = errors.run(
        "geschatte_intensiteit",
        lambda: parse_whole_number(data.geschatte_intensiteit, label="de geschatte intensiteit",
                                   minimum=1, maximum=9999, required=False),
    )
    if intensiteit is not None and leerroute is not None and (
        leerroute is not Leerroute.B or inburgeraar.doelgroep is not Doelgroep.ASIELSTATUSHOUDER
    ):
        errors.add("geschatte_intensiteit", "De geschatte intensiteit hoort alleen bij de B1-route voor "
                   "asielstatushouders. Laat dit veld leeg.")

    alfabetisering = errors.run("indicator_alfabetisering", lambda: parse_choice(
        IndicatorAlfabetisering, data.indicator_alfabetisering,
        "Kies A (analfabeet), AA (anders gealfabetiseerd) of niet van toepassing.", required=False))
    mag_afmaken = errors.run("indicator_mag_opleiding_afmaken",
                             lambda: _optional_yes_no(data.indicator_mag_opleiding_afmaken))
    reden = errors.run("reden_wijziging", lambda: parse_text(
        data.reden_wijziging, "de reden van de wijziging van het PIP", required=not eerste, max_length=500))

    if vorige is not None and leerroute is not None and leerroute is not vorige.leerroute and dagtekening:
        uiterlijk = inburgeraar.leerroute_wijzigen_uiterlijk
        if uiterlijk is not None and dagtekening > uiterlijk:
            houd = (f"Ook na de intrekking geldt dat: houd de leerroute van het ingetrokken PIP (versie "
                    f"{vorige.versie}) aan, {vorige.leerroute.label}." if ingetrokken_per is not None
                    else f"Houd de leerroute {vorige.leerroute.label} aan.")
            errors.add("leerroute", "De leerroute kan alleen worden gewijzigd binnen anderhalf jaar na de start van "
                       f"de inburgeringstermijn, dus tot en met {uiterlijk:%d-%m-%Y}. {houd}")
    errors.raise_if_any()

    pip = Pip(
        inburgeraar=inburgeraar,
        versie=versie,
        dagtekening=dagtekening,
        leerroute=leerroute,
        niveau=niveau,
        geschatte_intensiteit=intensiteit,
        reden_wijziging=reden,
        indicator_alfabetisering=alfabetisering,
        indicator_mag_opleiding_afmaken=mag_afmaken,
        vastgesteld_door_id=actor.id,
    )
    session.add(pip)
    session.flush()
    audit.record(session, actor, AuditActie.PIP_VASTGESTELD, object_type="pip", object_id=pip.id,
                 inburgeraar=inburgeraar, details={"versie": versie})
    return pip


def _optional_yes_no(raw: Raw) -> bool | None:
    """Ja, nee, or nothing said (None)."""
    if raw is None or isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if not text:
        return None
    if text in ("ja", "j", "true", "1"):
        return True
    if text in ("nee", "n", "false", "0"):
        return False
    raise FieldError("Kies ja of nee, of laat het leeg.")


# --- verwijzing ---------------------------------------------------------------------------------

def onderdeel_fout(inburgeraar: Inburgeraar, onderdeel: Onderdeel) -> str | None:
    """Why this onderdeel does not fit the inburgeraar's doelgroep and the PIP in force, or None when it fits; a
    withdrawn PIP is none (Inburgeraar.pip_van_kracht), so its leerroute no longer decides."""
    if onderdeel in ALLEEN_ASIELSTATUSHOUDERS and inburgeraar.doelgroep is not Doelgroep.ASIELSTATUSHOUDER:
        return (f"{onderdeel.label} koopt de gemeente alleen in voor asielstatushouders; deze inburgeraar is "
                f"{inburgeraar.doelgroep.label.lower()}.")
    pip = inburgeraar.pip_van_kracht
    if pip is None:
        if onderdeel in VOOR_PIP_TOEGESTAAN:
            return None
        return f"Stel eerst het PIP vast: {onderdeel.label} volgt uit de leerroute in het PIP."
    if onderdeel in LEERROUTE_ONDERDELEN and pip.leerroute is not LEERROUTE_ONDERDELEN[onderdeel]:
        return (f"{onderdeel.label} past niet bij de leerroute in het PIP ({pip.leerroute.label}). "
                "Kies een onderdeel van die leerroute of wijzig eerst het PIP.")
    if onderdeel is Onderdeel.MAP and pip.leerroute is Leerroute.O:
        return "De MAP hoort niet bij de onderwijsroute; alleen bij de B1-route en de Z-route."
    return None


def passende_onderdelen(inburgeraar: Inburgeraar) -> list[Onderdeel]:
    """The onderdelen this inburgeraar can be referred for now (used to offer only sensible choices)."""
    return [o for o in Onderdeel if onderdeel_fout(inburgeraar, o) is None]


def contracten_voor(session: Session, actor: User, inburgeraar: Inburgeraar) -> list[Contract]:
    """Contracts in the actor's scope that cover the inburgeraar's gemeente."""
    query = access.contracts(actor).where(Contract.gemeenten.any(Gemeente.id == inburgeraar.gemeente_id))
    query = query.order_by(Contract.naam, Contract.id)
    return list(session.scalars(query))


def create_verwijzing(
    session: Session, actor: User, inburgeraar: Inburgeraar, data: VerwijzingInput
) -> Verwijzing:
    """Refer the inburgeraar to an aanbieder for one onderdeel under a contract that covers it.

    A verwijzing may be registered afterwards, so its dates are checked against the contract and the
    inburgeringstermijn rather than against today.
    """
    errors = Errors()

    onderdeel = errors.run("onderdeel", lambda: parse_choice(Onderdeel, data.onderdeel, "Kies het onderdeel."))
    if onderdeel is not None:
        fout = onderdeel_fout(inburgeraar, onderdeel)
        if fout:
            errors.add("onderdeel", fout)

    contract_id = parse_id(data.contract_id)
    contract = None
    if contract_id is not None:
        contract = session.scalar(access.contracts(actor).where(Contract.id == contract_id))
    if contract is None:
        errors.add("contract_id", "Kies een contract.")
    aanbieder_id = parse_id(data.aanbieder_id)
    if contract is not None and aanbieder_id is not None and aanbieder_id != contract.aanbieder_id:
        errors.add("contract_id", "Dit contract is niet met de gekozen aanbieder afgesloten.")

    start = errors.run("beoogde_startdatum",
                       lambda: parse_date(data.beoogde_startdatum, label="de beoogde startdatum"))
    einde = errors.run("uiterste_einddatum",
                       lambda: parse_date(data.uiterste_einddatum, label="de uiterste einddatum"))
    if start and einde and einde < start:
        errors.add("uiterste_einddatum", "De uiterste einddatum ligt vóór de beoogde startdatum.")
    termijn_einde = inburgeraar.inburgeringstermijn_einde
    if einde and termijn_einde and einde > termijn_einde:
        errors.add("uiterste_einddatum", "De uiterste einddatum ligt na het einde van de inburgeringstermijn "
                   f"({termijn_einde:%d-%m-%Y}). Kies een datum tot en met die dag.")

    if contract is not None and onderdeel is not None and start is not None:
        if not any(g.id == inburgeraar.gemeente_id for g in contract.gemeenten):
            errors.add("contract_id", "Dit contract geldt niet voor de gemeente van deze inburgeraar.")
        elif onderdeel not in contract.onderdelen:
            errors.add("contract_id", f"Dit contract omvat geen {onderdeel.label}. Kies een ander contract.")
        elif not contract.covers(inburgeraar.gemeente_id, onderdeel, start):
            errors.add("beoogde_startdatum", "De beoogde startdatum valt buiten de looptijd van het contract "
                       f"({contract.startdatum:%d-%m-%Y} tot en met {contract.einddatum:%d-%m-%Y}).")

    uren = errors.run("gecontracteerde_uren", lambda: parse_optional_hours(
        data.gecontracteerde_uren, label="het aantal gecontracteerde uren", maximum=MAX_GECONTRACTEERDE_UREN))
    per_week = errors.run("uren_per_week", lambda: parse_optional_hours(
        data.uren_per_week, label="het aantal uren per week", maximum=MAX_UREN_PER_WEEK))
    doelen = errors.run("doelen", lambda: parse_text(data.doelen, "de doelen", required=False, max_length=2000))
    errors.raise_if_any()

    verwijzing = Verwijzing(
        kenmerk=_nieuw_kenmerk(session),
        inburgeraar=inburgeraar,
        aanbieder_id=contract.aanbieder_id,
        contract=contract,
        onderdeel=onderdeel,
        beoogde_startdatum=start,
        uiterste_einddatum=einde,
        gecontracteerde_uren=uren,
        uren_per_week=per_week,
        doelen=doelen,
        status=VerwijzingStatus.VERWEZEN,
        aangemaakt_door_id=actor.id,
    )
    session.add(verwijzing)
    session.flush()
    audit.record(session, actor, AuditActie.VERWIJZING_AANGEMAAKT, object_type="verwijzing", object_id=verwijzing.id,
                 inburgeraar=inburgeraar, details={"onderdeel": onderdeel.value, "aanbieder_id": contract.aanbieder_id})
    return verwijzing


def _nieuw_kenmerk(session: Session) -> str:
    """A random, unique kenmerk such as V-48210937; random so concurrent requests cannot collide on a counter."""
    while True:
        kenmerk = f"V-{secrets.randbelow(10**8):08d}"
        if session.scalar(select(Verwijzing.id).where(Verwijzing.kenmerk == kenmerk)) is None:
            return kenmerk


# --- helpers ------------------------------------------------------------------------------------

def _geboortedatum(raw: Raw, today: date) -> date:
    value = parse_date(raw, label="de geboortedatum")
    assert value is not None
    check_not_future(value, today, "De geboortedatum")
    if value < termijnen.add_months(today, -12 * OUDSTE_GEBOORTEJAAR_MARGE):
        raise FieldError("Deze geboortedatum ligt te ver in het verleden. Controleer het jaar.")
    if value > termijnen.add_months(today, -12 * MINIMUM_LEEFTIJD):
        raise FieldError(f"Een inburgeraar is minstens {MINIMUM_LEEFTIJD} jaar oud. Controleer de geboortedatum.")
    return value
