"""Demo data of the chain: DUO reference data, handhaving beleid, verhuizingen (one completed, one awaiting
decisions), DUO berichten pending and sent (with a withdrawn PIP's DELETE), handhaving decisions, a CBS file."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal.models import Inburgeraar, IntakeGegevens, Verhuizing, Verwijzing, VerwijzingBesluit
from portal.models.enums import OPEN_STATUSSEN, AanbiederSoort, IndicatorAlfabetisering
from portal.services.chain import verhuizing as verhuizingen

if TYPE_CHECKING:
    from portal.demo import DemoRegion

_WF_REGISSEUR = "klantregisseur@werksaam.example.nl"
_DALFSEN_REGISSEUR = "klantregisseur@dalfsen.example.nl"


def seed_keten(session: Session, region: DemoRegion) -> None:
    """Add the chain's demo rows once (a database that already has verhuizingen is left alone)."""
    seed_referentie(session, region)
    if session.scalar(select(exists().where(Verhuizing.id.isnot(None)))):
        return
    session.flush()
    region.counts["gemeenten met handhavingsbeleid"] = seed_beleid(session, region)
    region.counts["handhavingsbesluiten"] = seed_handhaving(session, region)
    region.counts["verhuizingen"] = seed_verhuizingen(session, region)
    region.counts["DUO-berichten"] = seed_duo(session, region)
    region.counts["CBS-leveringen"] = seed_cbs(session, region)


_TELEFOON = {_WF_REGISSEUR: "0229 252 400", _DALFSEN_REGISSEUR: "0529 488 388"}


def seed_referentie(session: Session, region: DemoRegion) -> None:
    """Fictional OINs, DUO instellingsnummers and keurmerken, klantregisseurs' phones, the PIPs' DUO indicators."""
    for code, gemeente in region.gemeenten.items():
        gemeente.oin = gemeente.oin or f"0000000100000{code}000"
    for aanbieder in region.aanbieders.values():
        if aanbieder.soort is AanbiederSoort.TAAL and aanbieder.instellingsnummer is None:
            aanbieder.instellingsnummer = f"10{aanbieder.kvk_nummer}"
            aanbieder.bow_nummer = aanbieder.kvk_nummer[-6:]
            aanbieder.bow_keurmerk = True
            aanbieder.tst_keurmerk = aanbieder.kvk_nummer.startswith("92")  # the Schakelcollege
    for email, nummer in _TELEFOON.items():
        region.users[email].telefoonnummer = region.users[email].telefoonnummer or nummer
    for person in region.inburgeraars:
        intake = session.scalar(select(IntakeGegevens).where(IntakeGegevens.inburgeraar_id == person.id))
        for pip in person.pips:
            if pip.indicator_alfabetisering is None:
                pip.indicator_alfabetisering = (IndicatorAlfabetisering.A if intake is not None and intake.analfabeet
                                                else IndicatorAlfabetisering.NVT)


def _mover(session: Session, region: DemoRegion, cbs_code: str, skip: set[int]) -> Inburgeraar | None:
    """A resident of the gemeente with a PIP and an open verwijzing, the same one for the same seed."""
    gemeente = region.gemeenten[cbs_code]
    open_verwijzing = exists().where(Verwijzing.inburgeraar_id == Inburgeraar.id,
                                     Verwijzing.status.in_(OPEN_STATUSSEN))
    return session.scalar(
        select(Inburgeraar).where(Inburgeraar.gemeente_id == gemeente.id, open_verwijzing,
                                  Inburgeraar.id.notin_(skip or {0}))
        .order_by(Inburgeraar.id).limit(1)
    )


def seed_verhuizingen(session: Session, region: DemoRegion) -> int:
    """Dalfsen → Hoorn five weeks ago, fully decided; Medemblik → Hoorn last week, decisions still open."""
    hoorn = region.gemeenten["0405"]
    wf = region.users[_WF_REGISSEUR]
    made = 0
    eerste = _mover(session, region, "0148", set())
    if eerste is not None:
        move = verhuizingen.register(
            session, region.users[_DALFSEN_REGISSEUR], eerste,
            verhuizingen.VerhuizingInput(naar_gemeente_id=hoorn.id, datum=region.today - timedelta(days=35)),
            today=region.today)
        for regel in move.verwijzingen:
            contracts = verhuizingen.contracten_voor_voortzetten(session, regel)
            besluit = verhuizingen.BesluitInput(
                besluit=VerwijzingBesluit.VOORGEZET if contracts else VerwijzingBesluit.BEEINDIGD,
                contract_id=contracts[0].id if contracts else None)
            verhuizingen.decide(session, wf, regel, besluit)
        eerste.klantregisseur = wf
        made += 1
    tweede = _mover(session, region, "0420", {eerste.id} if eerste else set())
    if tweede is not None:
        verhuizingen.register(
            session, wf, tweede,
            verhuizingen.VerhuizingInput(naar_gemeente_id=hoorn.id, datum=region.today - timedelta(days=6)),
            today=region.today)
        made += 1
    return made


def seed_duo(session: Session, region: DemoRegion) -> int:
    """Berichten for Hoorn and Dalfsen: most of Hoorn's exported last week and answered by DUO (one rejected
    with a foutmelding), the rest and Dalfsen's still pending."""
    from portal.models.resultaat import RouteResultaat
    from portal.services.chain import duo

    beheerder = region.users["beheer@werksaam.example.nl"]
    for resultaat in list(session.scalars(select(RouteResultaat).where(RouteResultaat.duo_bevestigd_op.is_(None)))):
        datum = (resultaat.datum_eindgesprek_map or resultaat.datum_ondertekening_pvt
                 or resultaat.datum_afronding_z_route)
        if datum is not None and datum <= region.today and resultaat.id % 2 == 0:
            duo.bevestig_resultaat(session, region.users[_WF_REGISSEUR], resultaat, today=region.today)
    hoorn, dalfsen = region.gemeenten["0405"], region.gemeenten["0148"]
    made = duo.bijwerken(session, hoorn).nieuw
    verzonden = made[: len(made) * 3 // 4]
    duo.exporteer(session, beheerder, hoorn, verzonden)
    for n, bericht in enumerate(verzonden):
        if n == 3:
            antwoord = duo.AntwoordInput(status="400", foutmeldingen="Dagtekening PIP ligt voor de datum van "
                                         "de kennisgeving inburgeringsplicht.")
        elif bericht.soort.value == "contactpersoon" and bericht.inburgeraar_id is None:
            antwoord = duo.AntwoordInput(status="201", contactpersoon_id=str(1200 + n))
        elif n % 5 == 4:
            continue  # sent, no answer yet
        else:
            antwoord = duo.AntwoordInput(status="201" if bericht.methode == "POST" else "204")
        duo.record_antwoord(session, beheerder, bericht, antwoord)
    made += _pip_ingetrokken(session, region, verzonden)
    made += duo.bijwerken(session, hoorn).nieuw  # the contactpersoon links DUO's ids made possible
    made += duo.bijwerken(session, dalfsen).nieuw
    return len(made)


def seed_beleid(session: Session, region: DemoRegion) -> int:
    """Dalfsen's beleidsregels (001 §9: waarschuwing first, €50 doubling up to €800) and Hoorn's (waarschuwing
    first, from €100, a cap of €1.600 per termijn and 600 hours Z-route taal for gezinsmigranten)."""
    from portal.services.chain import beleid

    beheerder = region.users["beheer@werksaam.example.nl"]
    instellingen = {
        "0148": beleid.BeleidInput(max_brede_intake="250", max_pip="800", max_per_termijn="2.400,00",
                                   waarschuwing_eerst=True, escalatie="50\n100\n200\n400\n800"),
        "0405": beleid.BeleidInput(max_brede_intake="€ 250", max_pip="800", max_per_termijn="1.600,00",
                                   waarschuwing_eerst=True, escalatie="100\n200\n400\n800",
                                   zroute_norm_gezinsmigrant="600"),
    }
    for code, data in instellingen.items():
        actor = beheerder if region.gemeenten[code] in beheerder.gemeenten else None
        beleid.save(session, actor, region.gemeenten[code], data)  # type: ignore[arg-type]
    return len(instellingen)


def _pip_ingetrokken(session: Session, region: DemoRegion, verzonden: list) -> list:
    """One PIP DUO accepted is withdrawn three days ago (set for the wrong person): its DELETE bericht waits."""
    from portal.models import DuoBericht
    from portal.models.duo import BerichtSoort, BerichtStatus
    from portal.services.chain import pip_intrekking

    geaccepteerd = [b for b in verzonden if b.soort is BerichtSoort.PIP and b.status is BerichtStatus.GEACCEPTEERD]
    if not geaccepteerd:
        return []
    person = session.get(Inburgeraar, geaccepteerd[-1].inburgeraar_id)
    assert person is not None
    pip_intrekking.intrekken(session, region.users[_WF_REGISSEUR], person, pip_intrekking.IntrekkingInput(
        datum=(region.today - timedelta(days=3)).strftime("%d-%m-%Y"),
        reden="Vastgesteld op het verkeerde dossier (naamgenoot); wordt opnieuw vastgesteld na het gesprek."),
        today=region.today)
    return list(session.scalars(select(DuoBericht).where(DuoBericht.inburgeraar_id == person.id,
                                                         DuoBericht.methode == "DELETE")))


def seed_handhaving(session: Session, region: DemoRegion) -> int:
    """A few decisions on residents with unexcused absence: warnings first, a fine for the worst case; one in
    Dalfsen (it travels with the verhuizing dossier)."""
    from portal.models import Presentie
    from portal.services.chain import handhaving

    made = 0
    for code, regisseur, aantal in (("0405", _WF_REGISSEUR, 3), ("0148", _DALFSEN_REGISSEUR, 1)):
        rows = session.execute(
            select(Inburgeraar, Presentie).join(Verwijzing, Verwijzing.inburgeraar_id == Inburgeraar.id)
            .join(Presentie, Presentie.verwijzing_id == Verwijzing.id)
            .where(Inburgeraar.gemeente_id == region.gemeenten[code].id, Presentie.uren_afwezig_ongeoorloofd > 0,
                   Presentie.datum < region.today - timedelta(days=14))
            .order_by(Inburgeraar.id, Presentie.datum)
        ).all()
        bewijs: dict[Inburgeraar, list[int]] = {}
        for person, presentie in rows:
            bewijs.setdefault(person, []).append(presentie.id)
        for n, (person, ids) in enumerate(list(bewijs.items())[:aantal]):
            boete = n == 0
            handhaving.register(session, region.users[regisseur], person, handhaving.HandhavingInput(
                soort="boete" if boete else "waarschuwing", grond="pip_verplichting",
                datum=region.today - timedelta(days=10 + n), verwijtbaarheid_pct="50" if boete else "",
                bedrag="400" if boete else "", kenmerk=f"HH-{region.today.year}-{code}-{n + 1:03d}",
                presentie_ids=[str(i) for i in ids[:3]]), today=region.today)
            made += 1
    return made


def seed_cbs(session: Session, region: DemoRegion) -> int:
    """The file of Hoorn for the last complete quarter, made by the beheerder (the log shows it)."""
    from portal.services.chain import cbs

    cbs.lever(session, region.users["beheer@werksaam.example.nl"], region.gemeenten["0405"], cbs.PeriodeInput(),
              today=region.today)
    return 1
