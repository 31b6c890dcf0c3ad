"""Case operations of the gemeente: register an inburgeraar, record a PIP version, make a verwijzing.

Forms, spreadsheet rows and the API all call these functions with raw values (text or typed), so the
rules of the Wet inburgering 2021 and DUO are checked in one place. Every function collects all field
errors it can find and raises one ValidationError; on success it flushes and records an audit event.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import access, audit
from portal.domain import termijnen
from portal.models import Contract, Gemeente, Inburgeraar, Pip, User, Verwijzing, user_gemeente
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from portal.services import Errors
from portal.services.validation import (
    FieldError,
    check_not_future,
    parse_bsn,
    parse_date,
    parse_hours,
    parse_whole_number,
)

T = TypeVar("T")

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
# The gemeente buys the leerroute and maatschappelijke begeleiding only for asielstatushouders (003 §3.4).
ALLEEN_ASIELSTATUSHOUDERS = {*LEERROUTE_ONDERDELEN, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING}
# These may start before the PIP is fixed; everything else follows from the PIP.
VOOR_PIP_TOEGESTAAN = {Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING, Onderdeel.PVT}


# --- inburgeraar --------------------------------------------------------------------------------

def create_inburgeraar(
    session: Session, actor: User, data: Mapping[str, Any], *, today: date | None = None
) -> Inburgeraar:
    """Register an inburgeraar in one of the actor's gemeenten."""
    today = today or date.today()
    errors = Errors()

    bsn = errors.run("bsn", lambda: parse_bsn(data.get("bsn")))
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

    voornamen = errors.run("voornamen", lambda: _text(data.get("voornamen"), "de voornamen", 200))
    achternaam = errors.run("achternaam", lambda: _text(data.get("achternaam"), "de achternaam", 200))
    geboortedatum = errors.run("geboortedatum", lambda: _geboortedatum(data.get("geboortedatum"), today))
    doelgroep = errors.run("doelgroep", lambda: _enum(Doelgroep, data.get("doelgroep"), "Kies de doelgroep."))

    gemeente_id = _int_or_none(data.get("gemeente_id"))
    allowed = set(session.scalars(access.gemeenten(actor).with_only_columns(Gemeente.id)))
    if gemeente_id is None or gemeente_id not in allowed:
        errors.add("gemeente_id", "Kies een van uw gemeenten.")
        gemeente_id = None

    klantregisseur_id = _int_or_none(data.get("klantregisseur_id"))
    if klantregisseur_id is not None and gemeente_id is not None:
        fits = session.scalar(
            select(User.id)
            .join(user_gemeente, user_gemeente.c.user_id == User.id)
            .where(
                User.id == klantregisseur_id,
                User.rol == Rol.KLANTREGISSEUR,
                User.actief.is_(True),
                user_gemeente.c.gemeente_id == gemeente_id,
            )
        )
        if fits is None:
            errors.add("klantregisseur_id", "Kies een klantregisseur van de gekozen gemeente, of laat dit leeg.")

    kennisgeving = errors.run("datum_kennisgeving", lambda: _past_date(
        data.get("datum_kennisgeving"), today, "de datum van de kennisgeving", "De datum van de kennisgeving"))
    brp = errors.run("datum_brp_inschrijving", lambda: _past_date(
        data.get("datum_brp_inschrijving"), today, "de datum van inschrijving in de BRP",
        "De datum van inschrijving in de BRP"))
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
    audit.record(session, actor, "aangemaakt", object_type="inburgeraar", object_id=inburgeraar.id,
                 inburgeraar=inburgeraar)
    return inburgeraar


# --- PIP ----------------------------------------------------------------------------------------

def record_pip(
    session: Session, actor: User, inburgeraar: Inburgeraar, data: Mapping[str, Any], *, today: date | None = None
) -> Pip:
    """Record a new PIP version; the first version fixes the inburgeringstermijn."""
    today = today or date.today()
    errors = Errors()
    vorige = inburgeraar.huidige_pip
    versie = (session.scalar(select(func.max(Pip.versie)).where(Pip.inburgeraar_id == inburgeraar.id)) or 0) + 1
    eerste = versie == 1

    dagtekening = errors.run("dagtekening", lambda: parse_date(data.get("dagtekening"), label="de dagtekening"))
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

    leerroute = errors.run("leerroute", lambda: _enum(Leerroute, data.get("leerroute"), "Kies de leerroute."))
    niveau = errors.run("niveau", lambda: _enum(NiveauPip, data.get("niveau"), "Kies het niveau.", required=False))
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
        lambda: parse_whole_number(data.get("geschatte_intensiteit"), label="de geschatte intensiteit",
                                   minimum=1, maximum=9999, required=False),
    )
    if intensiteit is not None and leerroute is not None and (
        leerroute is not Leerroute.B or inburgeraar.doelgroep is not Doelgroep.ASIELSTATUSHOUDER
    ):
        errors.add("geschatte_intensiteit", "De geschatte intensiteit hoort alleen bij de B1-route voor "
                   "asielstatushouders. Laat dit veld leeg.")

    reden = _optional_text(data.get("reden_wijziging"))
    if reden is not None and len(reden) > 500:
        errors.add("reden_wijziging", "De reden is te lang: gebruik hoogstens 500 tekens.")
    if not eerste and not reden:
        errors.add("reden_wijziging", "Vul de reden van de wijziging van het PIP in.")

    if vorige is not None and leerroute is not None and leerroute is not vorige.leerroute and dagtekening:
        uiterlijk = inburgeraar.leerroute_wijzigen_uiterlijk
        if uiterlijk is not None and dagtekening > uiterlijk:
            errors.add("leerroute", "De leerroute kan alleen worden gewijzigd binnen anderhalf jaar na de start van "
                       f"de inburgeringstermijn, dus tot en met {uiterlijk:%d-%m-%Y}. Houd de leerroute "
                       f"{vorige.leerroute.label} aan.")
    errors.raise_if_any()

    pip = Pip(
        inburgeraar=inburgeraar,
        versie=versie,
        dagtekening=dagtekening,
        leerroute=leerroute,
        niveau=niveau,
        geschatte_intensiteit=intensiteit,
        reden_wijziging=reden,
        vastgesteld_door_id=actor.id,
    )
    session.add(pip)
    session.flush()
    audit.record(session, actor, "pip_vastgesteld", object_type="pip", object_id=pip.id, inburgeraar=inburgeraar,
                 details={"versie": versie})
    return pip


# --- verwijzing ---------------------------------------------------------------------------------

def onderdeel_fout(inburgeraar: Inburgeraar, onderdeel: Onderdeel) -> str | None:
    """Why this onderdeel does not fit the inburgeraar's doelgroep and current PIP, or None when it fits."""
    if onderdeel in ALLEEN_ASIELSTATUSHOUDERS and inburgeraar.doelgroep is not Doelgroep.ASIELSTATUSHOUDER:
        return (f"{onderdeel.label} koopt de gemeente alleen in voor asielstatushouders; deze inburgeraar is "
                f"{inburgeraar.doelgroep.label.lower()}.")
    pip = inburgeraar.huidige_pip
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
    session: Session, actor: User, inburgeraar: Inburgeraar, data: Mapping[str, Any]
) -> Verwijzing:
    """Refer the inburgeraar to an aanbieder for one onderdeel under a contract that covers it.

    A verwijzing may be registered afterwards, so its dates are checked against the contract and the
    inburgeringstermijn rather than against today.
    """
    errors = Errors()

    onderdeel = errors.run("onderdeel", lambda: _enum(Onderdeel, data.get("onderdeel"), "Kies het onderdeel."))
    if onderdeel is not None:
        fout = onderdeel_fout(inburgeraar, onderdeel)
        if fout:
            errors.add("onderdeel", fout)

    contract_id = _int_or_none(data.get("contract_id"))
    contract = None
    if contract_id is not None:
        contract = session.scalar(access.contracts(actor).where(Contract.id == contract_id))
    if contract is None:
        errors.add("contract_id", "Kies een contract.")
    aanbieder_id = _int_or_none(data.get("aanbieder_id"))
    if contract is not None and aanbieder_id is not None and aanbieder_id != contract.aanbieder_id:
        errors.add("contract_id", "Dit contract is niet met de gekozen aanbieder afgesloten.")

    start = errors.run("beoogde_startdatum",
                       lambda: parse_date(data.get("beoogde_startdatum"), label="de beoogde startdatum"))
    einde = errors.run("uiterste_einddatum",
                       lambda: parse_date(data.get("uiterste_einddatum"), label="de uiterste einddatum"))
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

    uren = errors.run("gecontracteerde_uren", lambda: _optional_hours(
        data.get("gecontracteerde_uren"), "het aantal gecontracteerde uren", MAX_GECONTRACTEERDE_UREN))
    per_week = errors.run("uren_per_week", lambda: _optional_hours(
        data.get("uren_per_week"), "het aantal uren per week", MAX_UREN_PER_WEEK))
    doelen = _optional_text(data.get("doelen"))
    if doelen is not None and len(doelen) > 2000:
        errors.add("doelen", "De doelen zijn te lang: gebruik hoogstens 2000 tekens.")
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
    audit.record(session, actor, "verwijzing_aangemaakt", object_type="verwijzing", object_id=verwijzing.id,
                 inburgeraar=inburgeraar, details={"onderdeel": onderdeel.value, "aanbieder_id": contract.aanbieder_id})
    return verwijzing


def _nieuw_kenmerk(session: Session) -> str:
    """A random, unique kenmerk such as V-48210937; random so concurrent requests cannot collide on a counter."""
    while True:
        kenmerk = f"V-{secrets.randbelow(10**8):08d}"
        if session.scalar(select(Verwijzing.id).where(Verwijzing.kenmerk == kenmerk)) is None:
            return kenmerk


# --- reads --------------------------------------------------------------------------------------

def record_view(session: Session, actor: User, inburgeraar: Inburgeraar, *, object_type: str = "inburgeraar",
                object_id: Any = None) -> None:
    """Record that the actor looked at an inburgeraar's data (a page or a verwijzing)."""
    audit.record(session, actor, "bekeken", object_type=object_type,
                 object_id=inburgeraar.id if object_id is None else object_id, inburgeraar=inburgeraar)


# --- helpers ------------------------------------------------------------------------------------

def _text(raw: Any, label: str, max_length: int) -> str:
    text = _optional_text(raw)
    if not text:
        raise FieldError(f"Vul {label} in.")
    if len(text) > max_length:
        raise FieldError(f"Gebruik voor {label} hoogstens {max_length} tekens.")
    return text


def _optional_text(raw: Any) -> str | None:
    text = "" if raw is None else str(raw).strip()
    return text or None


def _enum(enum_cls: type[T], raw: Any, message: str, *, required: bool = True) -> T | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise FieldError(message)
        return None
    try:
        return enum_cls(raw.strip() if isinstance(raw, str) else raw)  # type: ignore[call-arg]
    except ValueError:
        raise FieldError(message) from None


def _int_or_none(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    text = "" if raw is None else str(raw).strip()
    return int(text) if text.isdigit() else None


def _geboortedatum(raw: Any, today: date) -> date:
    value = parse_date(raw, label="de geboortedatum")
    assert value is not None
    check_not_future(value, today, "De geboortedatum")
    if value < termijnen.add_months(today, -12 * OUDSTE_GEBOORTEJAAR_MARGE):
        raise FieldError("Deze geboortedatum ligt te ver in het verleden. Controleer het jaar.")
    if value > termijnen.add_months(today, -12 * MINIMUM_LEEFTIJD):
        raise FieldError(f"Een inburgeraar is minstens {MINIMUM_LEEFTIJD} jaar oud. Controleer de geboortedatum.")
    return value


def _past_date(raw: Any, today: date, label: str, subject: str) -> date | None:
    value = parse_date(raw, required=False, label=label)
    if value is not None:
        check_not_future(value, today, subject)
    return value


def _optional_hours(raw: Any, label: str, maximum: Decimal) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_hours(raw, label=label, maximum=maximum)
