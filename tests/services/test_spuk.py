"""The SPUK verantwoording without HTTP: costs per gemeente, voorziening (tolken included) and year of the
prestatiedatum; per inburgeraar against €12,712 (7,712 / 4,000 / 1,000 from the year of huisvesting) or €589;
the gemeente of residence on the prestatiedatum pays; the contract's budget against what was spent."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import access
from portal.models import Declaratie, Gemeente
from portal.models.billing import Eenheid, Trigger, Voorziening
from portal.models.enums import Doelgroep, Rol
from portal.services import ValidationError
from portal.services.billing import contracten, exports, spuk
from portal.services.billing import declaraties as dcl
from portal.services.billing.derive import derive
from portal.services.billing.rules import periode_uit_code
from tests.factories import GemeenteFactory, PrestatieIndicatorFactory, TariefFactory, TrajectStartFactory, UserFactory
from tests.services.test_billing import Wereld, sessie, verhuisd_naar_medemblik, wereld  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("app_ctx")

OKT, NOV = periode_uit_code("2026-10"), periode_uit_code("2026-11")
NA_NOV = date(2026, 12, 3)


def _tolk(wereld: Wereld, startdatum: date = date(2026, 9, 7)):  # noqa: F811
    """A tolk at the start of the traject, paid per stuk and counted as the SPUK voorziening tolken."""
    indicator = PrestatieIndicatorFactory(contract=wereld.contract, code="TOLK", naam="Tolk bij de intake",
                                          trigger=Trigger.START, activiteit=None, voorziening=Voorziening.TOLKEN)
    TariefFactory(indicator=indicator, bedrag_cent=7500, eenheid=Eenheid.STUK, geldig_vanaf=date(2025, 1, 1))
    TrajectStartFactory(verwijzing=wereld.verwijzing, gerealiseerde_startdatum=startdatum)
    wereld.verwijzing.status = "gestart"
    return indicator


def _indienen_en_goedkeuren(db, wereld: Wereld, periode) -> None:  # noqa: F811
    for declaratie in db.scalars(select(Declaratie).where(Declaratie.periode == periode.code)):
        dcl.submit(db, wereld.beheerder, declaratie, NA_NOV)
        dcl.approve_all_clean(db, wereld.manager, declaratie)


def _ids(user):
    return access.declaraties(user).with_only_columns(Declaratie.id).order_by(None)


def test_tolk_costs_are_their_own_voorziening_per_gemeente_and_year(db, wereld):  # noqa: F811
    _tolk(wereld)
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    kosten = {(k.gemeente, k.jaar, k.voorziening): (k.gedeclareerd_cent, k.goedgekeurd_cent)
              for k in exports.spuk_kosten(db, _ids(wereld.manager))}
    assert kosten == {("Hoorn", 2026, Voorziening.LEERROUTE): (3750, 3750),
                      ("Hoorn", 2026, Voorziening.TOLKEN): (7500, 7500)}
    regels = exports.regels(db, db.scalars(select(Declaratie)).one())
    assert sorted(r.voorziening for r in regels) == ["leerroute", "tolken"]


def test_a_cost_counts_in_the_year_of_its_prestatiedatum(db, wereld):  # noqa: F811
    """A start in December 2025 and hours in November 2026, declared together: two years, as the page says."""
    _tolk(wereld, startdatum=date(2025, 12, 15))
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "2")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    per_jaar = {(k.jaar, k.voorziening): k.gedeclareerd_cent for k in exports.spuk_kosten(db, _ids(wereld.manager))}
    assert per_jaar == {(2025, Voorziening.TOLKEN): 7500, (2026, Voorziening.LEERROUTE): 2500}


def test_per_inburgeraar_against_the_spuk_tranches_from_the_year_of_huisvesting(db, wereld):  # noqa: F811
    persoon = wereld.verwijzing.inburgeraar
    persoon.datum_brp_inschrijving = date(2025, 6, 1)
    _tolk(wereld)
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    ids = _ids(wereld.manager)
    rijen = spuk.kosten_per_inburgeraar(db, ids, [tuple(r) for r in db.execute(spuk.inburgeraars_met_kosten(ids))])
    assert len(rijen) == 1
    rij = rijen[0]
    assert (rij.inburgeraar_id, rij.gemeente, rij.huisvestingsjaar) == (persoon.id, "Hoorn", 2025)
    assert {v: b.goedgekeurd_cent for v, b in rij.per_voorziening.items()} == {
        Voorziening.LEERROUTE: 3750, Voorziening.TOLKEN: 7500}
    assert rij.spuk_cent == 1_271_200
    assert rij.jaren() == [(2025, 771_200, 0), (2026, 400_000, 11_250), (2027, 100_000, 0)]
    assert rij.verschil_cent == 1_271_200 - 11_250


def test_gezinsmigrant_and_unknown_year_of_huisvesting():
    assert spuk.spuk_per_jaar(Doelgroep.GEZINSMIGRANT_OVERIG, 2026) == {2026: 58_900}
    assert spuk.SPUK_NORM_CENT == {Doelgroep.ASIELSTATUSHOUDER: 1_271_200, Doelgroep.GEZINSMIGRANT_OVERIG: 58_900}
    assert spuk.spuk_per_jaar(Doelgroep.ASIELSTATUSHOUDER, None) == {}


def test_after_a_move_each_gemeente_sees_the_costs_it_paid_for_the_person(db, wereld):  # noqa: F811
    persoon = wereld.verwijzing.inburgeraar
    oud = persoon.gemeente
    nieuw = verhuisd_naar_medemblik(db, wereld)
    wereld.manager.gemeenten.append(nieuw)
    _indienen_en_goedkeuren(db, wereld, OKT)
    _indienen_en_goedkeuren(db, wereld, NOV)
    ids = _ids(wereld.manager)
    rijen = spuk.alle_kosten_per_inburgeraar(db, ids)
    assert [(r.gemeente, r.goedgekeurd_cent) for r in rijen] == [("Hoorn", 2500), ("Medemblik", 3750)]
    alleen_medemblik = spuk.alle_kosten_per_inburgeraar(db, ids, gemeente_id=nieuw.id)
    assert [(r.gemeente, r.goedgekeurd_cent) for r in alleen_medemblik] == [("Medemblik", 3750)]
    hoorn = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[oud])
    assert [r.gemeente for r in spuk.alle_kosten_per_inburgeraar(db, _ids(hoorn))] == ["Hoorn"]


def test_costs_per_gemeente_and_year_have_every_voorziening_and_the_spuk_amount(db, wereld):  # noqa: F811
    _tolk(wereld)
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    [rij] = spuk.per_gemeente_jaar(exports.spuk_kosten(db, _ids(wereld.manager)), {("0405", 2026): 5_230_100})
    assert [rij.bedragen(v).goedgekeurd_cent for v in Voorziening] == [3750, 0, 0, 0, 7500]
    assert (rij.goedgekeurd_cent, rij.spuk_bedrag_cent, rij.beschikbaar_cent) == (11_250, 5_230_100, 5_218_850)


def test_the_contract_budget_is_set_against_what_was_spent(db, wereld):  # noqa: F811
    contracten.set_budget(db, wereld.manager, wereld.contract, contracten.BudgetInput(
        gemeente_id=str(wereld.contract.gemeenten[0].id), jaar="2026", bedrag="52.301"))
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    ids = access.gemeenten(wereld.manager).with_only_columns(Gemeente.id).order_by(None)
    assert spuk.besteed_per_gemeente_jaar(db, wereld.contract.id, ids) == {}  # a concept is not spent yet
    _indienen_en_goedkeuren(db, wereld, NOV)
    gemeente_id = wereld.contract.gemeenten[0].id
    assert spuk.besteed_per_gemeente_jaar(db, wereld.contract.id, ids) == {
        (gemeente_id, 2026): spuk.Bedragen(3750, 3750)}
    andere = access.gemeenten(UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[GemeenteFactory()]))
    assert spuk.besteed_per_gemeente_jaar(db, wereld.contract.id, andere.with_only_columns(Gemeente.id)) == {}


def test_an_indicator_can_count_as_tolken(db, wereld):  # noqa: F811
    def nieuw(code: str, voorziening: str):
        return contracten.add_indicator(db, wereld.manager, wereld.contract, contracten.IndicatorInput(
            code=code, naam="Tolk", onderdeel="b1_route", trigger="start", voorziening=voorziening))

    assert nieuw("TOLK", "tolken").voorziening is Voorziening.TOLKEN
    assert nieuw("GEWOON", "").voorziening is None
    assert nieuw("ZELFDE", "leerroute").voorziening is None  # the onderdeel's own: nothing to override
    with pytest.raises(ValidationError) as error:
        nieuw("FOUT", "vertaalbureau")
    assert set(error.value.errors) == {"voorziening"}


def test_per_inburgeraar_exports_name_no_person_and_stay_text(db, wereld):  # noqa: F811
    wereld.contract.gemeenten[0].naam = "=HYPERLINK(\"http://x\")"
    persoon = wereld.verwijzing.inburgeraar
    _tolk(wereld)
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    rijen = spuk.alle_kosten_per_inburgeraar(db, _ids(wereld.manager))
    body = exports.spuk_inburgeraars_csv(rijen).decode("utf-8-sig")
    assert persoon.bsn not in body and persoon.achternaam not in body
    [kop, rij] = list(csv.reader(io.StringIO(body), delimiter=";"))
    waarden = dict(zip(kop, rij, strict=True))
    assert waarden["gemeente"].startswith("'=")
    assert (waarden["tolken_goedgekeurd_cent"], waarden["spuk_cent"]) == ("7500", "1271200")
    workbook = load_workbook(io.BytesIO(exports.spuk_inburgeraars_xlsx(rijen)))
    sheet = workbook["Per inburgeraar"]
    assert sheet.cell(2, 4).data_type == "s" and sheet.cell(2, 4).value.startswith("=HYPERLINK")
    assert persoon.achternaam not in str([c.value for row in sheet.iter_rows() for c in row])
    # No BRP date: the year of huisvesting is unknown, so the year shows cost without a SPUK tranche.
    assert [c.value for c in workbook["Per jaar"][2]] == [persoon.id, "=HYPERLINK(\"http://x\")", 2026, None, 112.5]
