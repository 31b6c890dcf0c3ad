"""Demo billing: indicators with labelled fictitious tarieven on every demo contract, and declaraties in every state.

The seeds set no tariffs, so every demo tarief is marked fictief and shown as "fictief voorbeeldtarief". The
amounts are calibrated to stay within the SPUK (about €10.59 per hour over a B1-route of 1,200 hours; MAP about
€150 per deelnemer, 001 §6). Tolken have no onderdeel of their own: the MB and MAP contracts pay a tolk per
startgesprek and per MAP-eindgesprek, counted as the SPUK voorziening tolken (001 §4.2, 004 §4.2). The billing
service itself makes the prestaties and regels, as in real use; the West-Friesland MB and MAP/PVT declaraties
are submitted and decided too, so the SPUK pages have every voorziening.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import access
from portal.models import (
    Aanbieder,
    Contract,
    Declaratie,
    DeclaratieRegel,
    Presentie,
    Prestatie,
    PrestatieIndicator,
    Tarief,
    User,
)
from portal.models.base import utcnow
from portal.models.billing import DeclaratieStatus, Eenheid, IndicatorSoort, RegelStatus, Trigger, Voorziening
from portal.models.enums import Declaratieperiode, Inkoopvorm, Onderdeel, Rol
from portal.models.resultaat import Examenonderdeel
from portal.models.traject import Activiteit
from portal.services.auth import hash_password

if TYPE_CHECKING:
    from portal.demo import DemoRegion
    from portal.services.billing.rules import Periode


@dataclass(frozen=True)
class DemoIndicator:
    """An indicator for one onderdeel with its fictitious tarief in cents."""

    code: str
    naam: str
    onderdeel: Onderdeel
    soort: IndicatorSoort
    trigger: Trigger
    cent: int
    eenheid: Eenheid
    activiteit: Activiteit | None = None
    examenonderdeel: Examenonderdeel | None = None
    drempel_uren: Decimal | None = None
    min_pct: int | None = None
    voorziening: Voorziening | None = None


INDICATOREN = (
    DemoIndicator("UUR-B1", "Uren taalles en KNM B1-route", Onderdeel.B1_ROUTE, IndicatorSoort.INSPANNING,
                  Trigger.UREN_AANWEZIG, 1050, Eenheid.UUR, Activiteit.TAALLES_KNM, min_pct=80),
    DemoIndicator("START-B1", "Start B1-route", Onderdeel.B1_ROUTE, IndicatorSoort.OUTPUT, Trigger.START, 15000,
                  Eenheid.STUK),
    DemoIndicator("EX-SP-B1", "Examen spreken geslaagd op PIP-niveau", Onderdeel.B1_ROUTE, IndicatorSoort.OUTPUT,
                  Trigger.EXAMEN_GESLAAGD, 25000, Eenheid.STUK, examenonderdeel=Examenonderdeel.SP),
    DemoIndicator("UUR-O", "Uren taalschakeltraject", Onderdeel.ONDERWIJSROUTE, IndicatorSoort.INSPANNING,
                  Trigger.UREN_AANWEZIG, 1250, Eenheid.UUR, Activiteit.TAALLES_KNM, min_pct=80),
    DemoIndicator("TS-BEH", "Taalschakeltraject behaald", Onderdeel.ONDERWIJSROUTE, IndicatorSoort.OUTPUT,
                  Trigger.TAALSCHAKEL_BEHAALD, 100000, Eenheid.STUK),
    DemoIndicator("UUR-ZT", "Uren taal Z-route", Onderdeel.Z_ROUTE_TAAL, IndicatorSoort.INSPANNING,
                  Trigger.UREN_AANWEZIG, 1000, Eenheid.UUR, Activiteit.TAALLES_KNM, min_pct=70),
    DemoIndicator("MIJL-ZT-400", "400 uur taal Z-route", Onderdeel.Z_ROUTE_TAAL, IndicatorSoort.OUTPUT,
                  Trigger.UREN_MIJLPAAL, 20000, Eenheid.STUK, drempel_uren=Decimal(400)),
    DemoIndicator("UUR-ZP", "Uren participatie Z-route", Onderdeel.Z_ROUTE_PARTICIPATIE, IndicatorSoort.INSPANNING,
                  Trigger.UREN_AANWEZIG, 850, Eenheid.UUR, Activiteit.PARTICIPATIE),
    DemoIndicator("Z-AF", "Z-route afgerond", Onderdeel.Z_ROUTE_PARTICIPATIE, IndicatorSoort.OUTPUT,
                  Trigger.Z_AFGEROND, 30000, Eenheid.STUK),
    DemoIndicator("UUR-MAP", "Uren MAP praktijkdeel", Onderdeel.MAP, IndicatorSoort.INSPANNING,
                  Trigger.UREN_AANWEZIG, 250, Eenheid.UUR, Activiteit.MAP_PRAKTIJK),
    DemoIndicator("MAP-EIND", "MAP-eindgesprek", Onderdeel.MAP, IndicatorSoort.OUTPUT, Trigger.MAP_EINDGESPREK,
                  5000, Eenheid.STUK),
    DemoIndicator("PVT-OND", "Participatieverklaring ondertekend", Onderdeel.PVT, IndicatorSoort.OUTPUT,
                  Trigger.PVT_ONDERTEKEND, 22500, Eenheid.STUK),
    DemoIndicator("UUR-PVT", "Uren PVT-workshops", Onderdeel.PVT, IndicatorSoort.INSPANNING, Trigger.UREN_AANWEZIG,
                  1500, Eenheid.UUR, Activiteit.PVT),
    DemoIndicator("MB-MAAND", "Maatschappelijke begeleiding per maand", Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING,
                  IndicatorSoort.TAAK, Trigger.PERIODE_ACTIEF, 9500, Eenheid.MAAND),
    DemoIndicator("MB-UITVAL", "Uitval begeleiding naar rato", Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING,
                  IndicatorSoort.OUTPUT, Trigger.UITVAL_PRO_RATA, 40000, Eenheid.STUK),
    DemoIndicator("TOLK-MB", "Tolk bij het startgesprek begeleiding", Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING,
                  IndicatorSoort.OUTPUT, Trigger.START, 7500, Eenheid.STUK, voorziening=Voorziening.TOLKEN),
    DemoIndicator("TOLK-MAP", "Tolk bij het MAP-eindgesprek", Onderdeel.MAP, IndicatorSoort.OUTPUT,
                  Trigger.MAP_EINDGESPREK, 6000, Eenheid.STUK, voorziening=Voorziening.TOLKEN),
)
# Months declared and decided before the two periodes above: with them, the demo's spending spans a year.
HISTORIE_MAANDEN = 10
_INKOOP = {"omringdijk": Inkoopvorm.AANBESTEDING, "debrug": Inkoopvorm.OPEN_HOUSE,
           "samenverder": Inkoopvorm.SUBSIDIE, "linguanova": Inkoopvorm.AANBESTEDING,
           "vechtdal": Inkoopvorm.OPEN_HOUSE, "wereldwijzer": Inkoopvorm.SUBSIDIE, "schakel": Inkoopvorm.INBESTEDING}


def seed_billing(session: Session, region: DemoRegion) -> None:
    """Indicators and fictitious tarieven for each demo contract without any, then a year of declaraties."""
    from portal.demo import CONTRACTS

    nieuw = []
    for demo, contract in zip(CONTRACTS, region.contracts, strict=True):
        if session.scalar(select(PrestatieIndicator.id).where(PrestatieIndicator.contract_id == contract.id)):
            continue
        contract.inkoopvorm = _INKOOP[demo.aanbieder]
        contract.declaratieperiode = Declaratieperiode.MAAND
        contract.declaratietermijn_dagen = 30
        for spec in INDICATOREN:
            if spec.onderdeel in contract.onderdelen:
                indicator = PrestatieIndicator(
                    contract_id=contract.id, code=spec.code, naam=spec.naam, onderdeel=spec.onderdeel,
                    soort=spec.soort, trigger=spec.trigger, activiteit=spec.activiteit,
                    examenonderdeel=spec.examenonderdeel, drempel_uren=spec.drempel_uren,
                    min_aanwezigheid_pct=spec.min_pct, voorziening=spec.voorziening)
                indicator.tarieven.append(Tarief(geldig_vanaf=contract.startdatum, bedrag_cent=spec.cent,
                                                 eenheid=spec.eenheid, fictief=True))
                session.add(indicator)
        nieuw.append(contract)
    session.flush()
    if nieuw:
        region.counts.update(_declaraties(session, region, nieuw))
        region.counts["contractbudgetten"] = _budgetten(session, region, nieuw)


# Demo budget per gemeente for this year, in euro per unit of the gemeente's weight (portal.demo.GEMEENTE_WEIGHTS),
# by the contract's kind; Hoorn's MAP/PVT budget is set tight, so the contract page shows one overrun.
_BUDGET_PER_GEWICHT = {"WF-LR": 5_000, "MB": 1_500, "MAPPVT": 400}
_KRAP = {("MAPPVT-0405", "0405"): "5.000"}


def _budgetten(session: Session, region: DemoRegion, contracts: list[Contract]) -> int:
    """The region's contractmanager sets a budget per gemeente for this year on the contracts it manages."""
    from portal.demo import GEMEENTE_WEIGHTS
    from portal.services.billing.contracten import BudgetInput, set_budget

    manager = region.users["contractmanager@hoorn.example.nl"]
    count = 0
    for contract in contracts:
        soort = contract.kenmerk.split("-")[0] if not contract.kenmerk.startswith("WF-LR") else "WF-LR"
        if soort not in _BUDGET_PER_GEWICHT or not session.scalar(
                access.contracts(manager).where(Contract.id == contract.id).with_only_columns(Contract.id)):
            continue
        for gemeente in contract.gemeenten:
            bedrag = _KRAP.get((contract.kenmerk, gemeente.cbs_code),
                               str(GEMEENTE_WEIGHTS[gemeente.cbs_code] * _BUDGET_PER_GEWICHT[soort]))
            set_budget(session, manager, contract, BudgetInput(gemeente_id=str(gemeente.id),
                                                               jaar=str(region.today.year), bedrag=bedrag))
            count += 1
    return count


def _declaraties(session: Session, region: DemoRegion, contracts: list[Contract]) -> dict[str, int]:
    """Run billing for the year of periodes that ended: the earlier months declared and decided, the last two
    taking the declaraties through every state."""
    from portal.services.billing import declaraties as dcl
    from portal.services.billing.derive import derive
    from portal.services.billing.rules import laatst_afgesloten

    vorige = laatst_afgesloten(region.today, Declaratieperiode.MAAND)
    eerste = vorige.vorige()
    beheerder = region.users["beheerder@omringdijk.example.nl"]
    manager = region.users["contractmanager@hoorn.example.nl"]
    keys = {a.id: k for k, a in region.aanbieders.items()}
    declaranten: dict[int, User] = {}

    def declarant(declaratie: Declaratie) -> User:
        if declaratie.aanbieder_id not in declaranten:
            declaranten[declaratie.aanbieder_id] = _declarant(session, declaratie.aanbieder,
                                                              keys[declaratie.aanbieder_id])
        return declaranten[declaratie.aanbieder_id]

    # The year before, for the contracts of the demo contractmanager's region: every month declared, submitted and
    # decided, so the SPUK and cost pages show a year of spending (the milestones reached before that year go on
    # its first declaratie, as with a late start).
    historie = [eerste]
    for _ in range(HISTORIE_MAANDEN):
        historie.insert(0, historie[0].vorige())
    in_regio = {g.id for g in session.scalars(access.gemeenten(manager))}
    regio_contracten = [c for c in contracts if in_regio.issuperset(g.id for g in c.gemeenten)]
    regionaal = next((c for c in contracts if c.kenmerk == "WF-LR-2022"), None)
    for periode in historie[:-1]:
        for contract in regio_contracten:
            derive(session, contract, periode)
        # One declaratie of the last of these months the aanbieder has not submitted: its declaratietermijn (30
        # days) has passed on any seeding day, so the aanbieder-beheerder's list and page warn that it is late
        # (checks.termijn_melding); submitting it still works.
        vergeten = _vergeten(session, regionaal, periode) if periode is historie[-2] else None
        _submit_and_decide(session, region, regio_contracten, periode, manager, declarant, een_wacht=False,
                           overslaan=vergeten)
        _dateer_indiening(session, region, periode)
    for contract in contracts:
        derive(session, contract, eerste)
    # The first periode of the regional contract: submitted everywhere, then decided in varying measure.
    afgehandeld = deels = None
    if regionaal is not None:
        eerste_declaraties = list(session.scalars(select(Declaratie).where(
            Declaratie.contract_id == regionaal.id, Declaratie.periode == eerste.code).order_by(Declaratie.nummer)))
        for declaratie in eerste_declaraties:
            dcl.submit(session, beheerder, declaratie, region.today)
            if declaratie.gemeente.cbs_code == "0405":  # Hoorn: everything decided, findings rejected
                _decide_all(session, manager, declaratie)
                afgehandeld = declaratie
            elif deels is None:  # the next one partly decided; the others wait
                regels = list(session.scalars(select(DeclaratieRegel).where(
                    DeclaratieRegel.declaratie_id == declaratie.id).order_by(DeclaratieRegel.id)))
                for regel in regels[: max(1, len(regels) // 2)] if len(regels) > 1 else []:
                    dcl.decide(session, manager, regel, dcl.BesluitInput(besluit="goedgekeurd"))
                deels = declaratie if len(regels) > 1 else None
        # A session of an approved regel is corrected afterwards: credit + new regel on the next declaratie.
        if afgehandeld is not None:
            _correct_one_session(session, afgehandeld, eerste)
    _submit_and_decide(session, region, [c for c in contracts if c is not regionaal], eerste, manager, declarant,
                       een_wacht=True)
    _dateer_indiening(session, region, eerste, te_laat=lambda d: d.status is DeclaratieStatus.INGEDIEND
                      and d.contract.kenmerk.startswith("MB-"))
    for contract in contracts:
        derive(session, contract, vorige)
    session.flush()
    return {"declaraties": len(session.scalars(select(Declaratie.id)).all()),
            "declaratieregels": len(session.scalars(select(DeclaratieRegel.id)).all())}


OP_TIJD_DAGEN = 12  # a declaratie is submitted this many days after its periode
TE_LAAT_DAGEN = 36  # the late one: after the demo contracts' declaratietermijn of 30 days


def _dateer_indiening(session: Session, region: DemoRegion, periode: Periode,
                      te_laat: Callable[[Declaratie], bool] = lambda d: False) -> None:
    """Give a periode's submitted declaraties the day they would have been submitted, not the seeding day (which
    is always past the termijn for `eerste`): in good time, except the one `te_laat` picks, submitted after the
    declaratietermijn so the contractmanager sees that finding on the list and the declaratie it waits on."""
    from portal.formatting import AMSTERDAM

    for declaratie in session.scalars(select(Declaratie).where(
            Declaratie.periode == periode.code, Declaratie.ingediend_op.is_not(None))):
        dagen = TE_LAAT_DAGEN if te_laat(declaratie) else OP_TIJD_DAGEN
        dag = min(declaratie.periode_tot + timedelta(days=dagen), region.today)
        declaratie.ingediend_op = datetime.combine(dag, time(10), tzinfo=AMSTERDAM).astimezone(UTC)


def _vergeten(session: Session, regionaal: Contract | None, periode: Periode) -> Declaratie | None:
    """The regional contract's last declaratie with regels of the periode outside Hoorn: the one left unsubmitted."""
    if regionaal is None:
        return None
    return next((d for d in session.scalars(select(Declaratie).where(
        Declaratie.contract_id == regionaal.id, Declaratie.periode == periode.code).order_by(Declaratie.nummer.desc()))
        if d.gemeente.cbs_code != "0405" and session.scalar(
            select(DeclaratieRegel.id).where(DeclaratieRegel.declaratie_id == d.id).limit(1))), None)


def _submit_and_decide(session: Session, region: DemoRegion, contracts: list[Contract],  # type: ignore[no-untyped-def]
                       periode, manager, declarant, een_wacht: bool, overslaan: Declaratie | None = None) -> None:
    """The region's providers declare the periode and the contractmanager decides; with `een_wacht` one MB
    declaratie still waits (the first periode of the region's MB and MAP/PVT providers): so the costs have
    maatschappelijke begeleiding, PVT, MAP and tolken."""
    from portal.services.billing import declaraties as dcl

    in_regio = {g.id for g in session.scalars(access.gemeenten(manager))}
    wacht = None
    for declaratie in session.scalars(select(Declaratie).where(
            Declaratie.contract_id.in_([c.id for c in contracts]), Declaratie.periode == periode.code,
            Declaratie.gemeente_id.in_(in_regio), Declaratie.status == DeclaratieStatus.CONCEPT)
            .order_by(Declaratie.nummer)):
        if declaratie is overslaan or not session.scalar(
                select(DeclaratieRegel.id).where(DeclaratieRegel.declaratie_id == declaratie.id)):
            continue
        dcl.submit(session, declarant(declaratie), declaratie, region.today)
        if een_wacht and wacht is None and declaratie.contract.kenmerk.startswith("MB-"):
            wacht = declaratie  # one MB declaratie waits for the contractmanager
            continue
        _decide_all(session, manager, declaratie)


def _declarant(session: Session, aanbieder: Aanbieder, key: str) -> User:
    """The aanbieder's beheerder who submits its declaraties: the demo login where there is one, else an account
    of its financial administration (no demo login: it only declares)."""
    found = session.scalars(select(User).where(User.aanbieder_id == aanbieder.id,
                                               User.rol == Rol.AANBIEDER_BEHEERDER).order_by(User.id)).first()
    if found is not None:
        return found
    user = User(email=f"administratie@{key}.example.nl",
                naam=f"Administratie {aanbieder.naam}", rol=Rol.AANBIEDER_BEHEERDER, aanbieder=aanbieder,
                password_hash=hash_password(secrets.token_urlsafe(32)))
    session.add(user)
    session.flush()
    return user


def _decide_all(session: Session, manager, declaratie: Declaratie) -> None:  # type: ignore[no-untyped-def]
    """Approve the regels without findings, reject the others with the reason their first finding suggests."""
    from portal.services.billing import declaraties as dcl

    if session.scalar(select(DeclaratieRegel.id).where(
            DeclaratieRegel.declaratie_id == declaratie.id, DeclaratieRegel.status == RegelStatus.INGEDIEND,
            DeclaratieRegel.bevindingen.is_(None)).limit(1)):
        dcl.approve_all_clean(session, manager, declaratie)  # one action for the clean regels, as people do
    redenen = {"buiten_uren": "buiten_uren", "aanwezigheid": "aanwezigheid", "dubbel": "dubbel", "pip": "pip",
               "buiten_periode": "geen_verwijzing_contract", "geen_contract": "geen_verwijzing_contract"}
    for regel in session.scalars(select(DeclaratieRegel).where(
            DeclaratieRegel.declaratie_id == declaratie.id, DeclaratieRegel.status == RegelStatus.INGEDIEND)):
        if not regel.bevindingen:
            dcl.decide(session, manager, regel, dcl.BesluitInput(besluit="goedgekeurd"))
            continue
        code = regel.bevindingen[0]["code"]
        dcl.decide(session, manager, regel, dcl.BesluitInput(
            besluit="afgewezen", afwijsreden=redenen.get(code, "anders"),
            toelichting=None if code in redenen else "Presentielijst ontbreekt bij de steekproef."))


def _correct_one_session(session: Session, declaratie: Declaratie, periode) -> None:  # type: ignore[no-untyped-def]
    """The aanbieder finds a session of the approved periode registered too high and corrects it."""
    regel = session.scalars(
        select(DeclaratieRegel).join(Prestatie, Prestatie.id == DeclaratieRegel.prestatie_id)
        .join(PrestatieIndicator, PrestatieIndicator.id == Prestatie.indicator_id)
        .where(DeclaratieRegel.declaratie_id == declaratie.id, DeclaratieRegel.status == RegelStatus.GOEDGEKEURD,
               PrestatieIndicator.trigger == Trigger.UREN_AANWEZIG)
        .order_by(DeclaratieRegel.id)).first()
    if regel is None:
        return
    sessie = session.scalars(select(Presentie).where(
        Presentie.verwijzing_id == regel.prestatie.verwijzing_id, Presentie.datum >= periode.van,
        Presentie.datum <= periode.tot, Presentie.uren_aanwezig >= 1).order_by(Presentie.datum)).first()
    if sessie is not None:
        from portal.services import kept_totals

        oud = (sessie.uren_aanwezig, sessie.uren_afwezig_geoorloofd, sessie.uren_afwezig_ongeoorloofd)
        sessie.uren_aanwezig -= 1
        sessie.uren_afwezig_ongeoorloofd += 1
        sessie.updated_at = utcnow() + timedelta(microseconds=1)
        session.flush()
        # The kept totals follow every presentie write (portal.services.kept_totals), the demo's own too.
        kept_totals.record(session, [kept_totals.Wijziging(
            sessie.verwijzing_id, sessie.activiteit, sessie.datum, oud,
            (sessie.uren_aanwezig, sessie.uren_afwezig_geoorloofd, sessie.uren_afwezig_ongeoorloofd))])


def demo_status_counts(session: Session) -> dict[DeclaratieStatus, int]:
    """How many demo declaraties are in each state (for the seed's summary and its test)."""
    counts = {s: 0 for s in DeclaratieStatus}
    for status in session.scalars(select(Declaratie.status)):
        counts[status] += 1
    return counts

