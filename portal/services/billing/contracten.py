"""Contract management for billing: settings, prestatie-indicatoren, dated tarieven and budgets per gemeente.

What was declared keeps its own numbers (a regel copies units and tarief), so nothing here changes a declaratie.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import access, audit
from portal.audit import AuditActie
from portal.models import (
    Contract,
    ContractBudget,
    Declaratie,
    DeclaratieRegel,
    PrestatieIndicator,
    Tarief,
    User,
)
from portal.models.billing import Eenheid, IndicatorSoort, Trigger, Voorziening, voorziening_van
from portal.models.enums import Declaratieperiode, Inkoopvorm, Onderdeel
from portal.models.resultaat import Examenonderdeel
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL, Activiteit
from portal.services import Errors, NotAllowed, Raw
from portal.services.billing.locking import lock_contract
from portal.services.billing.rules import overlapt
from portal.services.validation import (
    FieldError,
    is_empty,
    parse_bedrag_cent,
    parse_choice,
    parse_date,
    parse_text,
    parse_whole_number,
    parse_yes_no,
    zinsbegin,
)


def _decimal(raw: object, label: str, *, required: bool) -> Decimal | None:
    if is_empty(raw):
        if required:
            raise FieldError(f"Vul {label} in.")
        return None
    text = str(raw).strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise FieldError(f"{zinsbegin(label)} '{raw}' is geen getal.") from exc
    if not value.is_finite() or value <= 0 or value > Decimal("9999999"):
        raise FieldError(f"{zinsbegin(label)} moet een positief getal zijn.")
    return value.quantize(Decimal("0.01"))


def _check(actor: User, contract: Contract) -> None:
    if not access.may_manage_contract(actor, contract):
        raise NotAllowed


def _check_whole(actor: User, contract: Contract) -> None:
    """Contract-wide changes (settings, indicators) need whoever manages all its gemeenten."""
    if not access.may_manage_whole_contract(actor, contract):
        raise NotAllowed


# --- contract settings ------------------------------------------------------------------------------

@dataclass
class ContractInput:
    """A contract's billing settings as entered."""

    inkoopvorm: Raw = None
    declaratieperiode: Raw = None
    declaratietermijn_dagen: Raw = None


def _declaratietermijn(raw: Raw) -> int | None:
    """Days after the periode's end to submit in: at least 1, as submitting starts the day after the periode."""
    if isinstance(raw, str | int) and re.fullmatch(r"-?\d+", str(raw).strip()) and int(str(raw).strip()) < 1:
        raise FieldError("Vul een termijn van minstens 1 dag in: indienen kan pas de dag na afloop van de periode.")
    return parse_whole_number(raw, label="het aantal dagen", minimum=1, maximum=365, required=False)


def update_contract(session: Session, actor: User, contract: Contract, data: ContractInput) -> Contract:
    """Change inkoopvorm, declaratieperiode and declaratietermijn; the periode is fixed once declaraties exist.
    They hold for all gemeenten of the contract: `access.may_manage_whole_contract`."""
    _check_whole(actor, contract)
    lock_contract(session, contract.id)  # whether declaraties exist yet: not while a run makes the first one
    errors = Errors()
    inkoopvorm = errors.run("inkoopvorm", lambda: parse_choice(Inkoopvorm, data.inkoopvorm, "Kies de inkoopvorm."))
    periode = errors.run("declaratieperiode", lambda: parse_choice(
        Declaratieperiode, data.declaratieperiode, "Kies per maand of per kwartaal."))
    termijn = errors.run("declaratietermijn_dagen", lambda: _declaratietermijn(data.declaratietermijn_dagen))
    if periode is not None and periode is not contract.declaratieperiode and session.scalar(
            select(Declaratie.id).where(Declaratie.contract_id == contract.id).limit(1)):
        errors.add("declaratieperiode", "Er zijn al declaraties onder dit contract; de declaratieperiode blijft "
                                        f"{contract.declaratieperiode.label.lower()}.")
    errors.raise_if_any()
    oud = {"inkoopvorm": contract.inkoopvorm.value, "declaratieperiode": contract.declaratieperiode.value,
           "declaratietermijn_dagen": contract.declaratietermijn_dagen}
    contract.inkoopvorm, contract.declaratieperiode, contract.declaratietermijn_dagen = inkoopvorm, periode, termijn
    audit.record(session, actor, AuditActie.CONTRACT_GEWIJZIGD, object_type="contract", object_id=contract.id,
                 details={"oud": oud, "nieuw": {"inkoopvorm": inkoopvorm.value, "declaratieperiode": periode.value,
                                                "declaratietermijn_dagen": termijn}})
    session.flush()
    return contract


# --- prestatie-indicatoren ----------------------------------------------------------------------------

@dataclass
class IndicatorInput:
    """A new prestatie-indicator as entered."""

    code: Raw = None
    naam: Raw = None
    onderdeel: Raw = None
    soort: Raw = None
    trigger: Raw = None
    activiteit: Raw = None
    drempel_uren: Raw = None
    examenonderdeel: Raw = None
    min_aanwezigheid_pct: Raw = None
    telt_geoorloofd_afwezig: Raw = None
    max_eenheden: Raw = None
    voorziening: Raw = None


# The family each trigger belongs to (DOMAIN.md §6): hours are inspanning, a period is taak, the rest output.
SOORT_VAN_TRIGGER = {t: IndicatorSoort.OUTPUT for t in Trigger} | {
    Trigger.UREN_AANWEZIG: IndicatorSoort.INSPANNING, Trigger.PERIODE_ACTIEF: IndicatorSoort.TAAK}


def add_indicator(session: Session, actor: User, contract: Contract, data: IndicatorInput) -> PrestatieIndicator:
    """Add a prestatie-indicator to a contract, with the conditions its trigger needs. It holds for all gemeenten
    of the contract: `access.may_manage_whole_contract`."""
    _check_whole(actor, contract)
    lock_contract(session, contract.id)  # a run measures the indicators it read at its start
    errors = Errors()
    code = errors.run("code", lambda: parse_text(data.code, "de code", max_length=20))
    naam = errors.run("naam", lambda: parse_text(data.naam, "de naam", max_length=200))
    onderdeel = errors.run("onderdeel", lambda: parse_choice(Onderdeel, data.onderdeel, "Kies het onderdeel."))
    trigger = errors.run("trigger", lambda: parse_choice(Trigger, data.trigger, "Kies wat de prestatie oplevert."))
    soort = errors.run("soort", lambda: parse_choice(IndicatorSoort, data.soort, "Kies de soort.", required=False))
    activiteit = errors.run("activiteit", lambda: parse_choice(Activiteit, data.activiteit, "Kies de activiteit.",
                                                               required=False))
    drempel = errors.run("drempel_uren", lambda: _decimal(data.drempel_uren, "het aantal uren",
                                                           required=trigger is Trigger.UREN_MIJLPAAL))
    examen = errors.run("examenonderdeel", lambda: parse_choice(
        Examenonderdeel, data.examenonderdeel, "Kies het examenonderdeel.",
        required=trigger is Trigger.EXAMEN_GESLAAGD))
    pct = errors.run("min_aanwezigheid_pct", lambda: parse_whole_number(
        str(data.min_aanwezigheid_pct or "").strip().removesuffix("%").strip(), label="het percentage", minimum=0,
        maximum=100, required=False))
    maximum = errors.run("max_eenheden", lambda: _decimal(data.max_eenheden, "het maximum", required=False))
    voorziening = errors.run("voorziening", lambda: parse_choice(
        Voorziening, data.voorziening, "Kies de voorziening, of laat leeg.", required=False))
    if onderdeel is not None and onderdeel not in contract.onderdelen:
        errors.add("onderdeel", f"{onderdeel.label} valt niet onder dit contract. Kies een onderdeel van het contract.")
    if activiteit is not None and onderdeel is not None and activiteit not in ACTIVITEITEN_PER_ONDERDEEL[onderdeel]:
        errors.add("activiteit", f"{activiteit.label} hoort niet bij {onderdeel.label}.")
    if code and session.scalar(select(PrestatieIndicator.id).where(
            PrestatieIndicator.contract_id == contract.id, PrestatieIndicator.code == code)):
        errors.add("code", f"Dit contract heeft al een indicator met code {code}. Kies een andere code.")
    errors.raise_if_any()
    indicator = PrestatieIndicator(
        contract_id=contract.id, code=code, naam=naam, onderdeel=onderdeel, trigger=trigger,
        soort=soort or SOORT_VAN_TRIGGER[trigger],
        activiteit=activiteit if trigger is Trigger.UREN_AANWEZIG else None,
        drempel_uren=drempel if trigger is Trigger.UREN_MIJLPAAL else None,
        examenonderdeel=examen if trigger is Trigger.EXAMEN_GESLAAGD else None,
        min_aanwezigheid_pct=pct, telt_geoorloofd_afwezig=parse_yes_no(data.telt_geoorloofd_afwezig)
        if not is_empty(data.telt_geoorloofd_afwezig) else False,
        max_eenheden=maximum,
        voorziening=None if onderdeel is not None and voorziening is voorziening_van(onderdeel, None) else voorziening,
    )
    session.add(indicator)
    session.flush()
    audit.record(session, actor, AuditActie.INDICATOR_TOEGEVOEGD, object_type="prestatie_indicator",
                 object_id=indicator.id, details={"contract_id": contract.id, "code": code, "trigger": trigger.value})
    return indicator


# --- tarieven -------------------------------------------------------------------------------------------

@dataclass
class TariefInput:
    """A tarief as entered: validity, amount in euro, unit and optionally one gemeente."""

    geldig_vanaf: Raw = None
    geldig_tot: Raw = None
    bedrag: Raw = None
    eenheid: Raw = None
    gemeente_id: Raw = None
    fictief: Raw = None


def add_tarief(session: Session, actor: User, indicator: PrestatieIndicator, data: TariefInput) -> Tarief:
    """Add a dated tarief; its validity may not overlap another tarief of the same indicator and gemeente, except
    that it succeeds the running one (which then ends the day before) or replaces one from the same day that no
    regel was priced at (a typo corrected); never over a day a regel was already priced at. Only
    for a gemeente the actor manages on this contract (`access.may_manage_contract_gemeente`): on a regional
    contract one gemeente's contractmanager never sets another's tarief, nor one for all of them."""
    contract = indicator.contract
    _check(actor, contract)
    # What was priced at the running tarief, and the tarieven themselves, as the last committed writer left them.
    lock_contract(session, contract.id)
    errors = Errors()
    vanaf = errors.run("geldig_vanaf", lambda: parse_date(data.geldig_vanaf, label="de eerste geldige dag"))
    tot = errors.run("geldig_tot", lambda: parse_date(data.geldig_tot, required=False, label="de laatste geldige dag"))
    cent = errors.run("bedrag", lambda: parse_bedrag_cent(data.bedrag))
    eenheid = errors.run("eenheid", lambda: parse_choice(Eenheid, data.eenheid, "Kies de eenheid."))
    if eenheid is not None and eenheid is not indicator.trigger.eenheid:
        # A prestatie counts hours, months or pieces; priced per another unit, its regels would read "38,25 stuk"
        # and the hours checks (buiten de gecontracteerde uren) would pass it by.
        errors.add("eenheid", f"{indicator.code} telt '{indicator.trigger.label.lower()}': het tarief geldt per "
                              f"{indicator.trigger.eenheid.label.lower()}. Kies {indicator.trigger.eenheid.label}.")
    gemeente_id = None
    if not is_empty(data.gemeente_id):
        ids = {g.id for g in contract.gemeenten}
        try:
            gemeente_id = int(str(data.gemeente_id))
        except ValueError:
            gemeente_id = -1
        if gemeente_id not in ids:
            errors.add("gemeente_id", "Kies een gemeente van dit contract, of laat leeg voor alle gemeenten.")
    if "gemeente_id" not in errors.errors and not access.may_manage_contract_gemeente(actor, contract, gemeente_id):
        errors.add("gemeente_id", "Kies een van uw gemeenten. Een tarief voor alle gemeenten van dit contract legt "
                                  "de contractmanager van het hele contract vast.")
    if vanaf and tot and tot < vanaf:
        errors.add("geldig_tot", "De laatste geldige dag ligt voor de eerste. Controleer de data.")
    # A tarief wholly outside the looptijd would never be used, yet stand on the contract page as if it counted.
    if vanaf and vanaf > contract.einddatum:
        errors.add("geldig_vanaf", f"Het contract eindigt op {contract.einddatum:%d-%m-%Y}. "
                                   "Laat het tarief op of vóór die dag ingaan.")
    if tot and tot < contract.startdatum:
        errors.add("geldig_tot", f"Het contract begint op {contract.startdatum:%d-%m-%Y}. "
                                 "Laat het tarief niet vóór die dag eindigen.")
    opvolger_van: Tarief | None = None  # the running tarief the new one succeeds (ends the day before)
    vervangt: Tarief | None = None  # an unused tarief from the same day: a typo the new one corrects
    if vanaf and not errors.errors:
        for bestaand in indicator.tarieven:
            if bestaand.gemeente_id != gemeente_id or not overlapt(vanaf, tot, bestaand.geldig_vanaf,
                                                                   bestaand.geldig_tot):
                continue
            zelfde_dag = bestaand.geldig_vanaf == vanaf
            if opvolger_van is None and vervangt is None and (zelfde_dag or _kan_opvolgen(bestaand, vanaf, tot)):
                # Replacing deletes the tarief: no regel may refer to it, whatever its date (a regel's date is
                # its prestatie's as declared, which can lie before the tarief began). Ending it the day before
                # only matters to regels from that day on.
                laatste = _laatst_gedeclareerd(session, bestaand, None if zelfde_dag else vanaf)
                if laatste is None:
                    if zelfde_dag:
                        vervangt = bestaand
                    else:
                        opvolger_van = bestaand
                    continue
                errors.add("geldig_vanaf", f"Onder het tarief dat geldt vanaf {bestaand.geldig_vanaf:%d-%m-%Y} is "
                                           f"al gedeclareerd voor prestaties tot en met {laatste:%d-%m-%Y}. "
                                           "Laat het nieuwe tarief na "
                                           f"{max(laatste, bestaand.geldig_vanaf):%d-%m-%Y} ingaan.")
                break
            tot_tekst = bestaand.geldig_tot.strftime("%d-%m-%Y") if bestaand.geldig_tot else "onbepaalde tijd"
            errors.add("geldig_vanaf", "Deze periode overlapt met het tarief dat geldt van "
                                       f"{bestaand.geldig_vanaf.strftime('%d-%m-%Y')} tot en met {tot_tekst}. "
                                       "Laat het nieuwe tarief na dat tarief ingaan.")
            break
    errors.raise_if_any()
    if opvolger_van is not None:
        # The usual yearly indexation: the running tarief ends the day before its successor starts.
        opvolger_van.geldig_tot = vanaf - timedelta(days=1)
    vervangen: dict[str, object] = {}
    if vervangt is not None:
        # Nothing was ever priced at it, so nothing refers to it: the corrected tarief takes its place.
        vervangen = {"vervangen_tarief_id": vervangt.id, "vervangen_bedrag_cent": vervangt.bedrag_cent,
                     "vervangen_tot": vervangt.geldig_tot.isoformat() if vervangt.geldig_tot else None}
        indicator.tarieven.remove(vervangt)
        session.delete(vervangt)
        session.flush()
    tarief = Tarief(indicator_id=indicator.id, gemeente_id=gemeente_id, geldig_vanaf=vanaf, geldig_tot=tot,
                    bedrag_cent=cent, eenheid=eenheid,
                    fictief=parse_yes_no(data.fictief) if not is_empty(data.fictief) else False)
    session.add(tarief)
    indicator.tarieven.append(tarief)
    session.flush()
    audit.record(session, actor, AuditActie.TARIEF_TOEGEVOEGD, object_type="tarief", object_id=tarief.id,
                 details={"indicator_id": indicator.id, "bedrag_cent": cent, "eenheid": eenheid.value,
                          "gemeente_id": gemeente_id,
                          **({"beeindigd_tarief_id": opvolger_van.id,
                              "beeindigd_tot": opvolger_van.geldig_tot.isoformat()} if opvolger_van else {}),
                          **vervangen})
    return tarief


def _kan_opvolgen(bestaand: Tarief, vanaf: date, tot: date | None) -> bool:
    """Whether a new tarief from `vanaf` (to `tot`) can succeed `bestaand` by ending it the day before: it started
    earlier and the new one runs at least as long, so no day is left to the old tarief after the new one."""
    if bestaand.geldig_vanaf >= vanaf:
        return False
    return tot is None or (bestaand.geldig_tot is not None and tot >= bestaand.geldig_tot)


def _laatst_gedeclareerd(session: Session, tarief: Tarief, vanaf: date | None) -> date | None:
    """The last prestatiedatum on or after `vanaf` (any, if None) that a regel (concept, submitted or credit) was
    priced at with this tarief: ending the tarief before that day would leave the regel with a price that no longer
    applied; any regel at all keeps it from being replaced (deleted)."""
    query = select(func.max(DeclaratieRegel.prestatiedatum)).where(DeclaratieRegel.tarief_id == tarief.id)
    if vanaf is not None:
        query = query.where(DeclaratieRegel.prestatiedatum >= vanaf)
    return session.scalar(query)


# --- budgets ---------------------------------------------------------------------------------------------

@dataclass
class BudgetInput:
    """A budget for one gemeente and year under a contract."""

    gemeente_id: Raw = None
    jaar: Raw = None
    bedrag: Raw = None


def set_budget(session: Session, actor: User, contract: Contract, data: BudgetInput) -> ContractBudget:
    """Set (or replace) the budget of one gemeente of the contract for one year; only of a gemeente the actor
    manages on this contract (`access.may_manage_contract_gemeente`), whatever door the input came through."""
    _check(actor, contract)
    errors = Errors()
    jaar = errors.run("jaar", lambda: parse_whole_number(data.jaar, label="het jaar", minimum=2021, maximum=2100))
    start, einde = contract.startdatum, contract.einddatum
    if jaar is not None and not start.year <= jaar <= einde.year:
        errors.add("jaar", f"Het contract loopt van {start:%d-%m-%Y} tot en met {einde:%d-%m-%Y}. "
                           f"Kies een jaar van {start.year} tot en met {einde.year}.")
    cent = errors.run("bedrag", lambda: parse_bedrag_cent(data.bedrag))
    ids = {g.id for g in contract.gemeenten}
    try:
        gemeente_id = int(str(data.gemeente_id))
    except ValueError:
        gemeente_id = -1
    if gemeente_id not in ids:
        errors.add("gemeente_id", "Kies een gemeente van dit contract.")
    elif not access.may_manage_contract_gemeente(actor, contract, gemeente_id):
        errors.add("gemeente_id", "Kies een van uw gemeenten: het budget van een andere gemeente van dit contract "
                                  "legt die gemeente zelf vast.")
    errors.raise_if_any()
    budget = session.scalars(select(ContractBudget).where(
        ContractBudget.contract_id == contract.id, ContractBudget.gemeente_id == gemeente_id,
        ContractBudget.jaar == jaar)).first()
    if budget is None:
        budget = ContractBudget(contract_id=contract.id, gemeente_id=gemeente_id, jaar=jaar, bedrag_cent=cent)
        session.add(budget)
    else:
        budget.bedrag_cent = cent
    session.flush()
    audit.record(session, actor, AuditActie.BUDGET_GEWIJZIGD, object_type="contract", object_id=contract.id,
                 details={"gemeente_id": gemeente_id, "jaar": jaar, "bedrag_cent": cent})
    return budget
