"""The billing service without HTTP: deriving prestaties idempotently, corrections as credit + new regel, late
registrations in the next declaratie, checks with numbers, decisions once, meldingen to the aanbieder."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.models import (
    AuditEvent,
    Declaratie,
    DeclaratieRegel,
    Gemeente,
    Melding,
    MeldingSoort,
    Presentie,
    Prestatie,
    PrestatieIndicator,
    User,
    Verwijzing,
)
from portal.models.billing import Afwijsreden, DeclaratieStatus, Eenheid, RegelStatus, Trigger
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol
from portal.models.resultaat import Examenniveau, Examenonderdeel
from portal.services import ValidationError
from portal.services.billing import declaraties as dcl
from portal.services.billing.derive import derive
from portal.services.billing.rules import periode_uit_code
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    ExamenresultaatFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PrestatieIndicatorFactory,
    TariefFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)

# Services send meldingen (with links): they need the app context the web requests have.
pytestmark = pytest.mark.usefixtures("app_ctx")

OKT, NOV, DEC = periode_uit_code("2026-10"), periode_uit_code("2026-11"), periode_uit_code("2026-12")
NA_NOV = date(2026, 12, 3)
NA_DEC = date(2027, 1, 5)
PIP_DAG = date(2026, 7, 1)  # the first PIP: before every prestatie below (prestaties are judged on their own day)


@dataclass
class Wereld:
    contract: object
    indicator: PrestatieIndicator
    verwijzing: Verwijzing
    beheerder: User
    manager: User


@pytest.fixture
def wereld(db) -> Wereld:
    gemeente = GemeenteFactory(naam="Hoorn", cbs_code="0405")
    aanbieder = AanbiederFactory(naam="Taalcentrum")
    contract = ContractFactory(kenmerk="WF-LR", aanbieder=aanbieder, gemeenten=[gemeente],
                               startdatum=date(2026, 1, 1), einddatum=date(2027, 12, 31))
    indicator = PrestatieIndicatorFactory(contract=contract, code="UUR", min_aanwezigheid_pct=80)
    TariefFactory(indicator=indicator, bedrag_cent=1250, geldig_vanaf=date(2026, 1, 1))
    InburgeraarFactory(gemeente=GemeenteFactory(naam="Enkhuizen"))  # someone else, in another gemeente, first
    persoon = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=persoon, dagtekening=PIP_DAG, leerroute=Leerroute.B, niveau=NiveauPip.B1)
    verwijzing = VerwijzingFactory(inburgeraar=persoon, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                                   beoogde_startdatum=date(2026, 9, 1), uiterste_einddatum=date(2027, 9, 1),
                                   gecontracteerde_uren=Decimal("20"))
    beheerder = UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=aanbieder)
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    return Wereld(contract, indicator, verwijzing, beheerder, manager)


def sessie(db, verwijzing, dag, aanwezig, afwezig="0") -> Presentie:
    row = Presentie(verwijzing_id=verwijzing.id, datum=dag, activiteit="taalles_knm",
                    uren_aanwezig=Decimal(aanwezig), uren_afwezig_geoorloofd=Decimal(0),
                    uren_afwezig_ongeoorloofd=Decimal(afwezig))
    db.add(row)
    db.flush()
    return row


def regels_van(db, declaratie: Declaratie) -> list[DeclaratieRegel]:
    return list(db.scalars(select(DeclaratieRegel).where(DeclaratieRegel.declaratie_id == declaratie.id)
                           .order_by(DeclaratieRegel.id)))


def declaratie_van(db, periode) -> Declaratie | None:
    return db.scalars(select(Declaratie).where(Declaratie.periode == periode.code)).first()


def test_derive_makes_one_prestatie_and_regel_per_periode_and_rerun_makes_nothing(db, wereld):
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    sessie(db, wereld.verwijzing, date(2026, 11, 10), "2.5")
    first = derive(db, wereld.contract, NOV)
    assert (first.nieuwe_prestaties, first.nieuwe_regels) == (1, 1)
    regel = regels_van(db, declaratie_van(db, NOV))[0]
    assert (regel.aantal, regel.tarief_cent, regel.bedrag_cent, regel.eenheid) == (Decimal("5.50"), 1250, 6875,
                                                                                  Eenheid.UUR)
    again = derive(db, wereld.contract, NOV)
    assert (again.nieuwe_prestaties, again.nieuwe_regels, again.gewijzigde_prestaties) == (0, 0, 0)
    assert db.scalar(select(func.count(Prestatie.id))) == 1
    assert db.scalar(select(func.count(DeclaratieRegel.id))) == 1


def test_correction_on_a_concept_updates_the_regel_in_place(db, wereld):
    row = sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    row.uren_aanwezig = Decimal("4")
    db.flush()
    result = derive(db, wereld.contract, NOV)
    assert result.bijgewerkte_regels == 1 and result.nieuwe_regels == 0
    assert [r.bedrag_cent for r in regels_van(db, declaratie_van(db, NOV))] == [5000]


def _submit_and_approve(db, wereld, periode, today):
    declaratie = declaratie_van(db, periode)
    dcl.submit(db, wereld.beheerder, declaratie, today)
    dcl.approve_all_clean(db, wereld.manager, declaratie)
    return declaratie


def _december_crediting_november(db, wereld):
    """November's approved 3 hours corrected to 2: December's declaratie credits -3750 and declares 2500 anew."""
    row = sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _submit_and_approve(db, wereld, NOV, NA_NOV)
    row.uren_aanwezig = Decimal("2")
    db.flush()
    derive(db, wereld.contract, DEC)
    return declaratie_van(db, DEC)


def test_correction_after_approval_is_a_credit_and_a_new_regel_in_the_next_declaratie(db, wereld):
    row = sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    november = _submit_and_approve(db, wereld, NOV, NA_NOV)
    assert november.status is DeclaratieStatus.AFGEHANDELD
    row.uren_aanwezig = Decimal("2")  # the aanbieder corrects a session already paid
    db.flush()
    result = derive(db, wereld.contract, DEC)
    assert (result.credit_regels, result.nieuwe_regels) == (1, 2)
    assert [(r.bedrag_cent, r.status) for r in regels_van(db, november)] == [(3750, RegelStatus.GOEDGEKEURD)]
    december = regels_van(db, declaratie_van(db, DEC))
    credit, debet = december
    assert credit.credit_van_regel_id == regels_van(db, november)[0].id and credit.bedrag_cent == -3750
    assert debet.bedrag_cent == 2500 and debet.credit_van_regel_id is None
    assert 3750 + credit.bedrag_cent + debet.bedrag_cent == 2500

    # The credit reaches the gemeente's financial system as a negative number, not as formula-escaped text.
    from portal.services.billing.exports import as_csv
    rows = [line.split(";") for line in as_csv(db, declaratie_van(db, DEC)).decode("utf-8-sig").splitlines()]
    assert {"-3750", "2500"} <= {cell for row in rows[1:] for cell in row}
    assert not any(cell.startswith("'-") for row in rows for cell in row)


def test_each_declaratie_export_sums_to_the_declaratie_total_by_its_own_convention(db, wereld):
    """Walk finding: a credit regel had bedrag_cent -6000 AND debet_credit C, so a reader applying the indicator
    counted it as a debet. JSON (323/325): unsigned amounts plus D/C; CSV: signed amounts, no indicator."""
    import csv
    import io

    from openpyxl import load_workbook

    from portal.services.billing.exports import as_csv, as_message, as_xlsx

    december = _december_crediting_november(db, wereld)
    totaal = dcl.totalen(db, december).ingediend
    assert totaal == -3750 + 2500  # a net credit

    richting = {"D": 1, "C": -1}
    message = as_message(db, december)
    prestaties = message["prestaties"]
    assert sorted((p["bedrag_cent"], p["debet_credit"]) for p in prestaties) == [(2500, "D"), (3750, "C")]
    assert sum(richting[p["debet_credit"]] * p["bedrag_cent"] for p in prestaties) == totaal
    assert (message["totaalbedrag_cent"], message["debet_credit"]) == (1250, "C")
    assert "zonder teken" in message["bericht"]["bedragen"]

    lines = list(csv.DictReader(io.StringIO(as_csv(db, december).decode("utf-8-sig")), delimiter=";"))
    assert "debet_credit" not in lines[0]
    assert sum(int(line["bedrag_cent_met_teken"]) for line in lines) == totaal

    sheet = load_workbook(io.BytesIO(as_xlsx(db, december))).active
    kop = [c.value for c in sheet[4]]
    bedragen = [r[kop.index("Bedrag (€, credit negatief)")] for r in sheet.iter_rows(min_row=5, values_only=True)
                if isinstance(r[0], int)]
    assert round(sum(bedragen) * 100) == totaal


def test_a_credit_regel_of_0_cents_is_credit_in_every_export(db, wereld):
    """Review finding: the JSON took D/C from the amount's sign, so a credit regel of 0 cents was 'D' in the JSON
    and 'Credit' in the xlsx. Every export takes it from the regel (is_credit)."""
    from openpyxl import load_workbook

    from portal.services.billing.exports import as_message, as_xlsx

    december = _december_crediting_november(db, wereld)
    credit = next(r for r in regels_van(db, december) if r.is_credit)
    credit.bedrag_cent = 0  # e.g. the credit of a regel declared at a tarief of 0
    db.flush()
    prestatie = next(p for p in as_message(db, december)["prestaties"] if p["referentie"] == f"R{credit.id}")
    assert (prestatie["bedrag_cent"], prestatie["debet_credit"]) == (0, "C")
    sheet = load_workbook(io.BytesIO(as_xlsx(db, december))).active
    kop = [c.value for c in sheet[4]]
    soorten = {r[kop.index("Bedrag (€, credit negatief)")]: r[kop.index("Debet/credit")]
               for r in sheet.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)}
    assert soorten == {0: "Credit", 25: "Debet"}


def test_the_declaratie_csv_names_its_version_like_the_json_and_the_readme_lists_its_columns(db, wereld):
    """Review finding: the CSV changed shape (bedrag_cent -> bedrag_cent_met_teken, no debet_credit) with nothing
    an importer could check. A leading `versie` column carries the JSON's bericht.versie on every row."""
    from pathlib import Path

    from portal.services.billing.exports import CSV_KOLOMMEN, as_csv, as_message

    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    november = declaratie_van(db, NOV)
    lines = as_csv(db, november).decode("utf-8-sig").splitlines()
    header = ("versie;declaratienummer;regelnummer;referentie;vorige_referentie;verwijzing;product_code;voorziening;"
              "periode;prestatiedatum;eenheid;aantal;tarief_cent;bedrag_cent_met_teken;status;reden;toelichting")
    assert lines[0] == header == ";".join(CSV_KOLOMMEN)
    versie = as_message(db, november)["bericht"]["versie"]
    assert versie == "portaal-2"
    assert [line.split(";")[0] for line in lines[1:]] == [versie]
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{header}`" in readme and "`portaal-2`" in readme


def test_registration_for_a_closed_periode_goes_on_the_next_declaratie(db, wereld):
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    dcl.submit(db, wereld.beheerder, declaratie_van(db, NOV), NA_NOV)
    sessie(db, wereld.verwijzing, date(2026, 10, 20), "2")  # October, registered late
    derive(db, wereld.contract, DEC)
    assert declaratie_van(db, OKT) is None
    late = regels_van(db, declaratie_van(db, DEC))
    assert len(late) == 1 and late[0].prestatie.periode == "2026-10" and late[0].bedrag_cent == 2500


def test_a_waiting_regel_is_left_alone_until_it_is_decided(db, wereld):
    row = sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    dcl.submit(db, wereld.beheerder, declaratie_van(db, NOV), NA_NOV)
    row.uren_aanwezig = Decimal("1")
    db.flush()
    assert derive(db, wereld.contract, DEC).nieuwe_regels == 0
    dcl.approve_all_clean(db, wereld.manager, declaratie_van(db, NOV))
    row.updated_at = row.updated_at  # nothing else changes: the next run still sees the earlier correction
    result = derive(db, wereld.contract, DEC)
    assert result.gewijzigde_prestaties == 0  # the prestatie itself already says 1 hour


def test_checks_say_why_with_the_numbers(db, wereld):
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "12", afwezig="4")
    sessie(db, wereld.verwijzing, date(2026, 11, 4), "12")
    derive(db, wereld.contract, NOV)
    regel = regels_van(db, declaratie_van(db, NOV))[0]
    teksten = {b["code"]: b["tekst"] for b in regel.bevindingen}
    assert teksten["buiten_uren"] == ("Totaal 24 uur op deze verwijzing is meer dan de gecontracteerde uren "
                                      "(20 uur): 4 uur te veel.")
    assert "aanwezigheid" not in teksten  # 24 of 28 planned hours = 85,7%: above the 80% condition


def test_attendance_under_the_condition_and_pip_mismatch_are_findings(db, wereld):
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3", afwezig="3")
    persoon = wereld.verwijzing.inburgeraar
    PipFactory(inburgeraar=persoon, versie=2, dagtekening=date(2026, 10, 1), leerroute=Leerroute.Z, niveau=None)
    db.refresh(persoon)
    derive(db, wereld.contract, NOV)
    teksten = {b["code"]: b["tekst"] for b in regels_van(db, declaratie_van(db, NOV))[0].bevindingen}
    assert teksten["aanwezigheid"] == "Aanwezigheid 50% in november 2026 is lager dan de voorwaarde van 80%."
    assert "past niet bij de leerroute in het PIP (Z-route)" in teksten["pip"]


def test_a_prestatie_after_the_pip_was_withdrawn_is_a_finding_one_before_it_is_not(db, wereld):
    from tests.factories_chain import PipIntrekkingFactory

    persoon = wereld.verwijzing.inburgeraar
    PipIntrekkingFactory(pip=persoon.huidige_pip, datum=date(2026, 11, 1))
    sessie(db, wereld.verwijzing, date(2026, 10, 20), "3")
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, OKT)
    derive(db, wereld.contract, NOV)
    oktober = regels_van(db, declaratie_van(db, OKT))[0]
    november = regels_van(db, declaratie_van(db, NOV))[0]
    assert not any(b["code"] == "pip" for b in oktober.bevindingen or [])
    tekst = next(b["tekst"] for b in november.bevindingen if b["code"] == "pip")
    assert tekst.startswith("Het PIP is ingetrokken per 01-11-2026: op de prestatiedatum ")
    assert tekst.endswith("was er geen PIP van kracht.")

    # A new PIP version after the withdrawal is in force again: no finding for a later prestatie.
    PipFactory(inburgeraar=persoon, versie=2, dagtekening=date(2026, 11, 20), leerroute=Leerroute.B,
               niveau=NiveauPip.B1)
    sessie(db, wereld.verwijzing, date(2026, 12, 1), "3")
    derive(db, wereld.contract, DEC)
    december = regels_van(db, declaratie_van(db, DEC))[0]
    assert not any(b["code"] == "pip" for b in december.bevindingen or [])


def test_a_prestatie_is_judged_by_the_pip_in_force_on_its_own_day(db, wereld):
    """portal.domain.pip.van_kracht on the prestatiedatum: a prestatie in the gap between a withdrawal and a new
    version is a finding; one before a leerroute change is judged by the leerroute of its day, not the latest."""
    from tests.factories_chain import PipIntrekkingFactory

    persoon = wereld.verwijzing.inburgeraar
    PipIntrekkingFactory(pip=persoon.huidige_pip, datum=date(2026, 10, 10))
    PipFactory(inburgeraar=persoon, versie=2, dagtekening=date(2026, 11, 1), leerroute=Leerroute.Z, niveau=None)
    sessie(db, wereld.verwijzing, date(2026, 9, 20), "3")  # v1 (B1-route) in force: fits
    sessie(db, wereld.verwijzing, date(2026, 10, 20), "3")  # v1 withdrawn, v2 not yet: no PIP in force
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")  # v2 (Z-route): the B1-route does not fit
    db.refresh(persoon)
    pip_bevindingen = {}
    for periode in (periode_uit_code("2026-09"), OKT, NOV):
        derive(db, wereld.contract, periode)
        regel = regels_van(db, declaratie_van(db, periode))[0]
        pip_bevindingen[periode.code] = [b["tekst"] for b in regel.bevindingen or [] if b["code"] == "pip"]
    assert pip_bevindingen["2026-09"] == []
    assert pip_bevindingen["2026-10"] == ["Het PIP is ingetrokken per 10-10-2026: op de prestatiedatum 20-10-2026 "
                                          "was er geen PIP van kracht."]
    assert len(pip_bevindingen["2026-11"]) == 1
    assert "past niet bij de leerroute in het PIP (Z-route)" in pip_bevindingen["2026-11"][0]


def _examen_indicator(wereld, onderdeel=Examenonderdeel.SP):
    indicator = PrestatieIndicatorFactory(contract=wereld.contract, code="EXAMEN", trigger=Trigger.EXAMEN_GESLAAGD,
                                          activiteit=None, examenonderdeel=onderdeel)
    TariefFactory(indicator=indicator, bedrag_cent=25000, eenheid=Eenheid.STUK, geldig_vanaf=date(2026, 1, 1))
    return indicator


def _examen_prestaties(db, indicator):
    return [(p.prestatiedatum, p.aantal) for p in db.scalars(
        select(Prestatie).where(Prestatie.indicator_id == indicator.id).order_by(Prestatie.id))]


def test_an_exam_passed_while_the_pip_was_withdrawn_is_no_prestatie_until_a_new_pip(db, wereld):
    """EXAMEN_GESLAAGD(onderdeel, niveau≥PIP) against the PIP in force (domain.pip.van_kracht), not the latest
    version even when it was withdrawn: the prestatie waits for a new PIP and is dated on its dagtekening."""
    from tests.factories_chain import PipIntrekkingFactory

    indicator = _examen_indicator(wereld)
    persoon = wereld.verwijzing.inburgeraar
    PipIntrekkingFactory(pip=persoon.huidige_pip, datum=date(2026, 10, 10))
    ExamenresultaatFactory(verwijzing=wereld.verwijzing, onderdeel=Examenonderdeel.SP, niveau=Examenniveau.B1,
                           examendatum=date(2026, 10, 20))
    db.flush()
    derive(db, wereld.contract, OKT)
    assert _examen_prestaties(db, indicator) == []

    PipFactory(inburgeraar=persoon, versie=2, dagtekening=date(2026, 11, 5), leerroute=Leerroute.B,
               niveau=NiveauPip.B1, reden_wijziging="Opnieuw vastgesteld")
    db.flush()
    derive(db, wereld.contract, NOV)
    assert _examen_prestaties(db, indicator) == [(date(2026, 11, 5), Decimal(1))]
    regel = regels_van(db, declaratie_van(db, NOV))[-1]
    assert not any(b["code"] == "pip" for b in regel.bevindingen or [])


def test_an_exam_passed_before_a_withdrawal_stays_a_prestatie(db, wereld):
    from tests.factories_chain import PipIntrekkingFactory

    indicator = _examen_indicator(wereld)
    ExamenresultaatFactory(verwijzing=wereld.verwijzing, onderdeel=Examenonderdeel.SP, niveau=Examenniveau.B1,
                           examendatum=date(2026, 10, 20))
    db.flush()
    derive(db, wereld.contract, OKT)
    assert _examen_prestaties(db, indicator) == [(date(2026, 10, 20), Decimal(1))]
    PipIntrekkingFactory(pip=wereld.verwijzing.inburgeraar.huidige_pip, datum=date(2026, 11, 2))
    db.flush()
    derive(db, wereld.contract, NOV)
    assert _examen_prestaties(db, indicator) == [(date(2026, 10, 20), Decimal(1))]  # not taken back


def test_an_a2_exam_before_the_afschaling_counts_from_the_a2_pip(db, wereld):
    """Passed at A2 while the PIP asked B1: a prestatie once a PIP at A2 is in force, dated on its dagtekening."""
    indicator = _examen_indicator(wereld)
    persoon = wereld.verwijzing.inburgeraar
    ExamenresultaatFactory(verwijzing=wereld.verwijzing, onderdeel=Examenonderdeel.SP, niveau=Examenniveau.A2,
                           examendatum=date(2026, 10, 20))
    PipFactory(inburgeraar=persoon, versie=2, dagtekening=date(2026, 11, 5), leerroute=Leerroute.B,
               niveau=NiveauPip.A2, reden_wijziging="Afschaling")
    db.flush()
    derive(db, wereld.contract, OKT)
    assert _examen_prestaties(db, indicator) == []
    derive(db, wereld.contract, NOV)
    assert _examen_prestaties(db, indicator) == [(date(2026, 11, 5), Decimal(1))]


def test_outside_the_verwijzing_and_duplicate_are_findings(db, wereld):
    tweede = VerwijzingFactory(inburgeraar=wereld.verwijzing.inburgeraar, contract=wereld.contract,
                               onderdeel=Onderdeel.B1_ROUTE, beoogde_startdatum=date(2026, 11, 20),
                               uiterste_einddatum=date(2027, 9, 1))
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    sessie(db, tweede, date(2026, 11, 5), "3")
    derive(db, wereld.contract, NOV)
    per_verwijzing = {r.prestatie.verwijzing_id: {b["code"]: b["tekst"] for b in r.bevindingen}
                      for r in regels_van(db, declaratie_van(db, NOV))}
    assert per_verwijzing[tweede.id]["buiten_periode"] == (
        "Prestatiedatum 05-11-2026 valt buiten de verwijzing (20-11-2026 t/m 01-09-2027).")
    assert "dubbel" in per_verwijzing[tweede.id] and "dubbel" in per_verwijzing[wereld.verwijzing.id]


def test_submit_only_after_the_periode_and_only_once(db, wereld):
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    declaratie = declaratie_van(db, NOV)
    with pytest.raises(ValidationError) as early:
        dcl.submit(db, wereld.beheerder, declaratie, date(2026, 11, 30))
    assert "Dien de declaratie in na afloop van de periode" in early.value.errors["declaratie"]
    dcl.submit(db, wereld.beheerder, declaratie, NA_NOV)
    assert declaratie.status is DeclaratieStatus.INGEDIEND and declaratie.ingediend_door_id == wereld.beheerder.id
    with pytest.raises(ValidationError):
        dcl.submit(db, wereld.beheerder, declaratie, NA_NOV)


def test_a_regel_is_decided_once_with_a_reason_and_the_aanbieder_gets_a_melding(db, wereld):
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    declaratie = declaratie_van(db, NOV)
    dcl.submit(db, wereld.beheerder, declaratie, NA_NOV)
    regel = regels_van(db, declaratie)[0]
    with pytest.raises(ValidationError) as missing:
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="anders"))
    assert "toelichting" in missing.value.errors
    dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="dubbel"))
    assert (regel.status, regel.afwijsreden) == (RegelStatus.AFGEWEZEN, Afwijsreden.DUBBEL)
    assert declaratie.status is DeclaratieStatus.AFGEHANDELD
    with pytest.raises(ValidationError):
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="goedgekeurd"))
    melding = db.scalars(select(Melding).where(Melding.user_id == wereld.beheerder.id)).one()
    assert melding.kind is MeldingSoort.DECLARATIE_BEOORDEELD
    assert melding.text == (f"Declaratie {declaratie.nummer}: 1 van 1 regels beoordeeld. Goedgekeurd € 0,00, "
                            "afgewezen € 37,50, alle regels zijn beoordeeld.")
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "declaratieregel_beoordeeld")) == 1


def test_a_rejected_regel_is_not_declared_again_until_the_aanbieder_asks(db, wereld):
    row = sessie(db, wereld.verwijzing, date(2026, 11, 3), "30")
    derive(db, wereld.contract, NOV)
    declaratie = declaratie_van(db, NOV)
    dcl.submit(db, wereld.beheerder, declaratie, NA_NOV)
    regel = regels_van(db, declaratie)[0]
    dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="buiten_uren"))
    row.uren_aanwezig = Decimal("20")
    db.flush()
    assert derive(db, wereld.contract, DEC).nieuwe_regels == 0
    nieuw = dcl.redeclare(db, wereld.beheerder, regel)
    assert nieuw is not None and nieuw.bedrag_cent == 25000 and nieuw.declaratie.status is DeclaratieStatus.CONCEPT
    assert nieuw.declaratie.periode != "2026-11"
    with pytest.raises(ValidationError):
        dcl.redeclare(db, wereld.beheerder, regel)


def test_approve_all_clean_leaves_regels_with_findings(db, wereld):
    andere = VerwijzingFactory(contract=wereld.contract, onderdeel=Onderdeel.B1_ROUTE,
                               inburgeraar=InburgeraarFactory(gemeente=wereld.contract.gemeenten[0]),
                               beoogde_startdatum=date(2026, 9, 1), uiterste_einddatum=date(2027, 9, 1),
                               gecontracteerde_uren=Decimal("5"))
    PipFactory(inburgeraar=andere.inburgeraar, dagtekening=PIP_DAG)
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    sessie(db, andere, date(2026, 11, 3), "6")  # beyond its 5 gecontracteerde uren
    derive(db, wereld.contract, NOV)
    declaratie = declaratie_van(db, NOV)
    dcl.submit(db, wereld.beheerder, declaratie, NA_NOV)
    assert dcl.te_beoordelen_count(db, wereld.manager) == 1
    assert dcl.approve_all_clean(db, wereld.manager, declaratie) == 1
    regel = db.scalars(select(DeclaratieRegel).where(DeclaratieRegel.status == RegelStatus.INGEDIEND)).one()
    goedgekeurd = db.scalars(select(DeclaratieRegel).where(DeclaratieRegel.status == RegelStatus.GOEDGEKEURD)).one()
    assert (goedgekeurd.beoordeeld_door_id, goedgekeurd.prestatie.verwijzing_id) == (
        wereld.manager.id, wereld.verwijzing.id)
    assert goedgekeurd.beoordeeld_op is not None
    # The same audit event per approved regel as a single decision writes, and none for the regel left open.
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "declaratieregel_beoordeeld")).all()
    assert [(e.object_id, e.inburgeraar_id, e.actor_id, e.details) for e in events] == [
        (str(goedgekeurd.id), wereld.verwijzing.inburgeraar_id, wereld.manager.id,
         {"besluit": "goedgekeurd", "reden": None, "bedrag_cent": 3750})]
    with pytest.raises(ValidationError):  # nothing clean is left: a regel is decided once
        dcl.approve_all_clean(db, wereld.manager, declaratie)
    stand = dcl.totalen(db, declaratie)
    assert (stand.open, stand.goedgekeurd, stand.met_bevindingen_open) == (1, 3750, 1)
    assert declaratie.status is DeclaratieStatus.IN_BEHANDELING
    dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="goedgekeurd"))
    meldingen = db.scalars(select(Melding).where(Melding.user_id == wereld.beheerder.id)).all()
    assert [m.text for m in meldingen] == [  # one melding per declaratie, brought up to date
        f"Declaratie {declaratie.nummer}: 2 van 2 regels beoordeeld. Goedgekeurd € 112,50, afgewezen € 0,00, "
        "alle regels zijn beoordeeld."]


@pytest.mark.parametrize("trigger, extra", [
    (Trigger.START, {}),
    (Trigger.PERIODE_ACTIEF, {}),
    (Trigger.UREN_MIJLPAAL, {"drempel_uren": Decimal("5")}),
])
def test_other_triggers_make_prestaties_once(db, wereld, trigger, extra):
    indicator = PrestatieIndicatorFactory(contract=wereld.contract, code=trigger.value[:10], trigger=trigger,
                                          activiteit=None, **extra)
    TariefFactory(indicator=indicator, bedrag_cent=10000, eenheid=Eenheid.STUK, geldig_vanaf=date(2026, 1, 1))
    TrajectStartFactory(verwijzing=wereld.verwijzing, gerealiseerde_startdatum=date(2026, 9, 7))
    wereld.verwijzing.status = "gestart"
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    sessie(db, wereld.verwijzing, date(2026, 11, 10), "3")
    derive(db, wereld.contract, NOV)
    # The next run looks back over the same changes (derive._peilmoment). The first run of a contract is a full run
    # of its periode alone; the next sees the traject as changed and recomputes every periode it ran in.
    derive(db, wereld.contract, NOV)
    assert derive(db, wereld.contract, NOV).nieuwe_prestaties == 0
    prestaties = list(db.scalars(select(Prestatie).where(Prestatie.indicator_id == indicator.id)
                                 .order_by(Prestatie.periode)))
    expected = {Trigger.START: [("eenmalig", date(2026, 9, 7))],
                Trigger.PERIODE_ACTIEF: [("2026-09", date(2026, 9, 30)), ("2026-10", date(2026, 10, 31)),
                                         ("2026-11", date(2026, 11, 30))],
                Trigger.UREN_MIJLPAAL: [("eenmalig", date(2026, 11, 10))]}[trigger]
    assert [(p.periode, p.prestatiedatum, p.aantal) for p in prestaties] == [(*e, Decimal(1)) for e in expected]


def verhuisd_naar_medemblik(db, wereld) -> Gemeente:
    """The inburgeraar moves from Hoorn to Medemblik (also on the contract) on 16-11, with 2 hours on 20-10 and
    3 on 20-11, and October and November are derived; returns Medemblik."""
    from tests.factories_chain import VerhuizingFactory

    persoon = wereld.verwijzing.inburgeraar
    nieuw = GemeenteFactory(naam="Medemblik", cbs_code="0420")
    wereld.contract.gemeenten.append(nieuw)
    VerhuizingFactory(inburgeraar=persoon, van_gemeente=persoon.gemeente, naar_gemeente=nieuw,
                      datum=date(2026, 11, 16))
    persoon.gemeente = nieuw
    sessie(db, wereld.verwijzing, date(2026, 10, 20), "2")
    sessie(db, wereld.verwijzing, date(2026, 11, 20), "3")
    derive(db, wereld.contract, OKT)
    derive(db, wereld.contract, NOV)
    return nieuw


def test_the_gemeente_of_residence_on_the_prestatiedatum_pays(db, wereld):
    """A move on 16-11: October's hours go to the old gemeente's declaratie, those after the move to the new one."""
    verhuisd_naar_medemblik(db, wereld)
    per_gemeente = {d.gemeente.naam: [r.bedrag_cent for r in regels_van(db, d)]
                    for d in db.scalars(select(Declaratie))}
    assert per_gemeente == {"Hoorn": [2500], "Medemblik": [3750]}


def test_a_deleted_session_of_an_approved_periode_is_credited(db, wereld):
    from portal.models.traject import Activiteit
    from portal.services.presentie import delete_presentie

    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    sessie(db, wereld.verwijzing, date(2026, 11, 4), "2")
    derive(db, wereld.contract, NOV)
    _submit_and_approve(db, wereld, NOV, NA_NOV)
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=wereld.contract.aanbieder)
    assert delete_presentie(db, docent, wereld.verwijzing, date(2026, 11, 4), Activiteit.TAALLES_KNM)
    result = derive(db, wereld.contract, DEC)
    assert result.credit_regels == 1
    assert [r.bedrag_cent for r in regels_van(db, declaratie_van(db, DEC))] == [-6250, 3750]
