"""Contracts and declaraties through the web: the contractmanager sets indicators and tarieven, the aanbieder-beheerder
submits, the contractmanager decides, and the exports carry what a financial system needs (formula-safe)."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.formatting import AMSTERDAM
from portal.models import Declaratie, DeclaratieRegel, PrestatieIndicator, Tarief
from portal.models.billing import Afwijsreden, DeclaratieStatus, RegelStatus
from portal.services.billing.derive import derive
from portal.services.billing.rules import periode_uit_code
from tests.services.test_billing import sessie, wereld  # noqa: F401 - the fixture

NOV = periode_uit_code("2026-11")


def _csrf(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def ingediend(db, wereld):  # noqa: F811
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    declaratie = db.scalars(select(Declaratie)).one()
    return declaratie


def test_contractmanager_adds_an_indicator_and_a_tarief_and_overlap_is_refused(db, wereld, login_as):  # noqa: F811
    client = login_as(wereld.manager)
    url = f"/contracten/{wereld.contract.id}"
    assert "UUR" in client.get(url).get_data(as_text=True)
    token = _csrf(client, f"{url}/indicatoren/nieuw")
    response = client.post(f"{url}/indicatoren/nieuw", data={
        "csrf_token": token, "code": "START", "naam": "Start B1-route", "onderdeel": "b1_route", "trigger": "start"})
    assert response.status_code == 302
    indicator = db.scalars(select(PrestatieIndicator).where(PrestatieIndicator.code == "START")).one()
    tarief_url = f"{url}/indicatoren/{indicator.id}/tarief"
    ok = client.post(tarief_url, data={"csrf_token": token, "geldig_vanaf": "01-01-2026", "geldig_tot": "31-12-2026",
                                       "bedrag": "1.250,00", "eenheid": "stuk"})
    assert ok.status_code == 302
    assert db.scalars(select(Tarief.bedrag_cent).where(Tarief.indicator_id == indicator.id)).one() == 125000
    overlap = client.post(tarief_url, data={"csrf_token": token, "geldig_vanaf": "01-06-2026", "bedrag": "-5",
                                            "eenheid": "stuk"})
    page = overlap.get_data(as_text=True)
    assert overlap.status_code == 422
    assert "kan niet negatief zijn" in page


def test_aanbieder_submits_and_contractmanager_decides(app, db, wereld, ingediend, login_as):  # noqa: F811
    from tests.helpers import open_session

    beheerder = login_as(wereld.beheerder)
    page = beheerder.get(f"/declaraties/{ingediend.id}").get_data(as_text=True)
    assert "Declaratie indienen" in page and "€ 37,50" in page
    token = _csrf(beheerder, "/declaraties/")
    assert beheerder.post(f"/declaraties/{ingediend.id}/indienen", data={"csrf_token": token}).status_code == 302
    db.expire_all()
    assert ingediend.status is DeclaratieStatus.INGEDIEND

    manager = open_session(db, app.test_client(), wereld.manager)
    index = manager.get("/declaraties/").get_data(as_text=True)
    assert "1 declaratie wacht op uw beoordeling" in index
    regel = db.scalars(select(DeclaratieRegel)).one()
    token = _csrf(manager, f"/declaraties/{ingediend.id}/regels/{regel.id}")
    missing = manager.post(f"/declaraties/{ingediend.id}/regels/{regel.id}/besluit",
                           data={"csrf_token": token, "besluit": "afgewezen", "afwijsreden": "anders"})
    assert missing.status_code == 422 and "Vul de toelichting in" in missing.get_data(as_text=True)
    done = manager.post(f"/declaraties/{ingediend.id}/regels/{regel.id}/besluit", data={
        "csrf_token": token, "besluit": "afgewezen", "afwijsreden": "anders", "toelichting": "=HYPERLINK(\"x\")"})
    assert done.status_code == 302
    db.expire_all()
    assert (regel.status, ingediend.status) == (RegelStatus.AFGEWEZEN, DeclaratieStatus.AFGEHANDELD)

    workbook = load_workbook(io.BytesIO(manager.get(f"/declaraties/{ingediend.id}/export.xlsx").data))
    cells = [c for row in workbook.active.iter_rows() for c in row if c.value == '=HYPERLINK("x")']
    assert cells and all(c.data_type == "s" for c in cells)
    regel_rij = [c.value for c in next(workbook.active.iter_rows(min_row=5, max_row=5))]
    assert regel_rij[11:13] == ["Afgewezen", Afwijsreden.ANDERS.label]  # Dutch labels for people, not codes
    message = json.loads(manager.get(f"/declaraties/{ingediend.id}/export.json").data)
    assert message["bericht"]["code"] == 323 and message["declaratienummer"] == ingediend.nummer
    assert (message["prestaties"][0]["eenheid"], message["prestaties"][0]["aantal"],
            message["prestaties"][0]["tarief_cent"], message["prestaties"][0]["bedrag_cent"],
            message["prestaties"][0]["debet_credit"]) == ("uur", "3.00", 1250, 3750, "D")
    assert message["retour"]["regels"][0]["status"] == "afgewezen"
    assert message["retour"]["regels"][0]["reden"] == "anders"
    csv_text = manager.get(f"/declaraties/{ingediend.id}/export.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and wereld.verwijzing.inburgeraar.bsn not in csv_text


def test_a_concept_exports_as_a_concept_without_an_answer(db, wereld, ingediend, login_as):  # noqa: F811
    beheerder = login_as(wereld.beheerder)
    message = json.loads(beheerder.get(f"/declaraties/{ingediend.id}/export.json").data)
    assert message["status"] == "concept" and message["retour"] is None
    assert [p["status"] for p in message["prestaties"]] == ["concept"]
    workbook = load_workbook(io.BytesIO(beheerder.get(f"/declaraties/{ingediend.id}/export.xlsx").data))
    assert next(workbook.active.iter_rows(min_row=5, max_row=5))[11].value == "Concept"


def test_a_concept_is_invisible_to_the_gemeente(db, wereld, ingediend, login_as):  # noqa: F811
    assert login_as(wereld.manager).get(f"/declaraties/{ingediend.id}").status_code == 404


def test_kosten_per_voorziening(db, wereld, ingediend, login_as):  # noqa: F811
    from portal.services.billing import declaraties as dcl

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    dcl.approve_all_clean(db, wereld.manager, ingediend)
    manager = login_as(wereld.manager)
    page = manager.get("/declaraties/kosten").get_data(as_text=True)
    assert "Leerroute" in page and "€ 37,50" in page
    csv_text = manager.get("/declaraties/kosten.csv").data.decode("utf-8-sig")
    assert "Hoorn;0405;2026;leerroute;3750;3750" in csv_text


def test_start_pages_count_declaraties_to_submit_to_decide_and_rejected(app, db, wereld, ingediend):  # noqa: F811
    from portal.services.billing import declaraties as dcl
    from tests.blueprints.test_startpagina import _taak
    from tests.factories import DeclaratieFactory, GemeenteFactory
    from tests.helpers import open_session

    DeclaratieFactory(status=DeclaratieStatus.INGEDIEND, gemeente_id=GemeenteFactory().id)  # another gemeente's
    beheerder = open_session(db, app.test_client(), wereld.beheerder)
    assert _taak(beheerder.get("/").get_data(as_text=True), "Declaraties klaar om in te dienen") == "1 declaratie"
    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    manager = open_session(db, app.test_client(), wereld.manager)
    assert _taak(manager.get("/").get_data(as_text=True), "Declaraties te beoordelen") == "1 declaratie"
    regel = db.scalars(select(DeclaratieRegel)).one()
    with app.app_context():
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="dubbel"))
    html = beheerder.get("/").get_data(as_text=True)
    assert _taak(html, "Afgewezen declaratieregels") == "1 regel"
    assert _taak(html, "Declaraties klaar om in te dienen") == "0 declaraties"
    assert _taak(manager.get("/").get_data(as_text=True), "Declaraties te beoordelen") == "0 declaraties"


def test_regel_page_asks_for_a_decision_only_from_who_decides_and_offers_the_rejected_regel_again(
        app, db, wereld, ingediend, login_as):  # noqa: F811
    from portal.services.billing import declaraties as dcl
    from tests.helpers import open_session

    regel = db.scalars(select(DeclaratieRegel)).one()
    url = f"/declaraties/{ingediend.id}/regels/{regel.id}"
    beheerder = login_as(wereld.beheerder)
    concept = beheerder.get(url).get_data(as_text=True)
    assert f"Regel {regel.id}</h1>" in concept and "beoordelen</h1>" not in concept
    assert "<dt>Status</dt><dd>Concept</dd>" in concept

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    manager = open_session(db, app.test_client(), wereld.manager)
    form = manager.get(url).get_data(as_text=True)
    assert f"Regel {regel.id} beoordelen</h1>" in form
    # A reason is needed when rejecting: the labels do not call the reason and the toelichting optional.
    assert "(niet verplicht)" not in form
    assert "Verplicht als u de regel afwijst." in form

    with app.app_context():
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="dubbel"))
    db.commit()
    decided = manager.get(url).get_data(as_text=True)
    assert f"Regel {regel.id}</h1>" in decided and "Besluit opslaan" not in decided
    rejected = beheerder.get(url).get_data(as_text=True)
    assert f"Regel {regel.id}</h1>" in rejected and "Afgewezen: Dubbel" in rejected
    assert f'action="/declaraties/{ingediend.id}/regels/{regel.id}/opnieuw"' in rejected


def test_a_concept_of_a_running_periode_says_from_which_day_it_can_be_submitted(
        db, wereld, ingediend, login_as):  # noqa: F811
    import time_machine

    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=AMSTERDAM), tick=False):
        page = login_as(wereld.beheerder).get(f"/declaraties/{ingediend.id}").get_data(as_text=True)
    assert "Declaratie indienen" not in page
    assert "U kunt deze declaratie indienen na afloop van de periode: vanaf 01-12-2026." in page


def test_the_melding_of_a_decision_leads_to_the_declaratie_not_to_a_list_of_inburgeraars(
        app, db, wereld, ingediend, login_as):  # noqa: F811
    from portal.models import Melding
    from portal.services.billing import declaraties as dcl

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    regel = db.scalars(select(DeclaratieRegel)).one()
    with app.app_context():
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="goedgekeurd"))
    db.commit()
    melding = db.scalars(select(Melding).where(Melding.user_id == wereld.beheerder.id)).one()
    beheerder = login_as(wereld.beheerder)
    inbox = beheerder.get("/meldingen/").get_data(as_text=True)
    assert "0 inburgeraars" not in inbox
    page = beheerder.get(f"/meldingen/{melding.id}").get_data(as_text=True)
    assert "Gewijzigde inburgeraars" not in page and "geen inburgeraars" not in page
    link = re.search(r'href="([^"]+)">Bekijk de besluiten op declaratie ' + re.escape(ingediend.nummer), page)
    assert link is not None
    response = beheerder.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 302 and response.location.endswith(f"/declaraties/{ingediend.id}")
    assert beheerder.get(f"/declaraties/nummer?nummer={ingediend.nummer}x").status_code == 404


def test_the_list_of_declaraties_comes_in_pages_with_the_ones_to_act_on_first(db, wereld, login_as):  # noqa: F811
    from tests.factories import DeclaratieFactory

    for _ in range(60):
        DeclaratieFactory(contract=wereld.contract, status=DeclaratieStatus.AFGEHANDELD)
    concept = DeclaratieFactory(contract=wereld.contract)
    db.commit()
    client = login_as(wereld.beheerder)
    first = client.get("/declaraties/").get_data(as_text=True)
    assert len(re.findall(r'href="/declaraties/\d+"', first)) == 50
    assert first.index(concept.nummer) < first.index("<td>Afgehandeld")
    assert "61 resultaten, pagina 1 van 2" in first
    second = client.get("/declaraties/?pagina=2").get_data(as_text=True)
    assert len(re.findall(r'href="/declaraties/\d+"', second)) == 11 and concept.nummer not in second


def test_a_regel_names_its_periode_as_people_say_it(db, wereld, ingediend, login_as):  # noqa: F811
    client = login_as(wereld.beheerder)
    regel = db.scalars(select(DeclaratieRegel)).one()
    declaratie = client.get(f"/declaraties/{ingediend.id}").get_data(as_text=True)
    assert '<span class="portal-field__hint">november 2026</span>' in declaratie
    regel_page = client.get(f"/declaraties/{ingediend.id}/regels/{regel.id}").get_data(as_text=True)
    assert ", november 2026</dd>" in regel_page


def test_a_submitted_declaratie_says_when_without_repeating_itself(db, wereld, ingediend, login_as):  # noqa: F811
    from portal.services.billing import declaraties as dcl

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    db.commit()
    page = login_as(wereld.manager).get(f"/declaraties/{ingediend.id}").get_data(as_text=True)
    assert "<dt>Status</dt><dd>Ingediend op " in page and "Ingediend, ingediend op" not in page


def test_the_reviewer_finds_the_regels_with_findings_at_the_top(db, wereld, login_as):  # noqa: F811
    from portal.services.billing import declaraties as dcl

    sessie(db, wereld.verwijzing, date(2026, 11, 3), "2", afwezig="2")  # 50 %, under the 80 % condition
    derive(db, wereld.contract, NOV)
    declaratie = db.scalars(select(Declaratie)).one()
    dcl.submit(db, wereld.beheerder, declaratie, date(2026, 12, 3))
    db.commit()
    regel = db.scalars(select(DeclaratieRegel)).one()
    assert regel.bevindingen
    page = login_as(wereld.manager).get(f"/declaraties/{declaratie.id}").get_data(as_text=True)
    kop = page.index("Te beoordelen regels met bevindingen")
    assert kop < page.index('id="kop-regels"')
    lijst = page[kop:page.index("</section>", kop)]
    assert f'href="/declaraties/{declaratie.id}/regels/{regel.id}"' in lijst
    assert regel.bevindingen[0]["tekst"] in lijst


def test_a_rejected_regel_declared_again_says_where_it_went(app, db, wereld, ingediend, login_as):  # noqa: F811
    from portal.services.billing import declaraties as dcl
    from tests.helpers import open_session

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    regel = db.scalars(select(DeclaratieRegel)).one()
    with app.app_context():
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="aanwezigheid"))
        nieuw = dcl.redeclare(db, wereld.beheerder, regel)
    db.commit()
    assert nieuw is not None and nieuw.declaratie_id != ingediend.id
    beheerder = login_as(wereld.beheerder)
    link = f'href="/declaraties/{nieuw.declaratie_id}/regels/{nieuw.id}">regel {nieuw.id} op declaratie'
    for url in (f"/declaraties/{ingediend.id}", f"/declaraties/{ingediend.id}/regels/{regel.id}"):
        page = beheerder.get(url).get_data(as_text=True)
        assert "Opnieuw gedeclareerd: " in page and link in page
        assert "Opnieuw declareren" not in page
    # The new regel sits on a concept: the contractmanager does not see it yet, so no link to it.
    manager = open_session(db, app.test_client(), wereld.manager)
    assert "Opnieuw gedeclareerd" not in manager.get(f"/declaraties/{ingediend.id}").get_data(as_text=True)


def test_the_aanbieder_finds_its_rejected_regels_on_the_declaraties_page_until_declared_again(
        app, db, wereld, ingediend, login_as):  # noqa: F811
    from portal.services.billing import declaraties as dcl

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    regel = db.scalars(select(DeclaratieRegel)).one()
    with app.app_context():
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="anders",
                                                                toelichting="Lesdag 3 november bestond niet"))
    db.commit()
    beheerder = login_as(wereld.beheerder)
    page = beheerder.get("/declaraties/").get_data(as_text=True)
    assert "Afgewezen regels om opnieuw te declareren" in page
    assert f'href="/declaraties/{ingediend.id}/regels/{regel.id}">Regel {regel.id}</a>' in page
    assert "Lesdag 3 november bestond niet" in page and "november 2026" in page

    with app.app_context():
        dcl.redeclare(db, wereld.beheerder, regel)
    db.commit()
    assert "Afgewezen regels om opnieuw te declareren" not in beheerder.get("/declaraties/").get_data(as_text=True)


def test_the_indicator_form_does_not_call_the_fields_a_trigger_needs_optional(db, wereld, login_as):  # noqa: F811
    page = login_as(wereld.manager).get(f"/contracten/{wereld.contract.id}/indicatoren/nieuw").get_data(as_text=True)
    for field, when in (("drempel_uren", "een urenmijlpaal is"), ("examenonderdeel", "een geslaagd examenonderdeel")):
        label = page[page.index(f'<label class="utrecht-form-label" for="{field}"'):]
        label = label[:label.index("</div>")]
        assert "(niet verplicht)" not in label
        assert f"Verplicht als de prestatie {when}" in page


def test_bringing_the_concepts_up_to_date_counts_one_regel_in_the_singular(db, wereld, login_as):  # noqa: F811
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    db.commit()
    import time_machine

    with time_machine.travel(datetime(2026, 12, 3, 12, tzinfo=AMSTERDAM), tick=False):  # November has ended
        client = login_as(wereld.beheerder)
        token = _csrf(client, "/declaraties/")
        response = client.post("/declaraties/berekenen", data={"csrf_token": token}, follow_redirects=True)
    assert "De concept-declaraties zijn bijgewerkt: 1 nieuwe regel." in response.get_data(as_text=True)


def test_approving_the_one_clean_regel_is_offered_in_the_singular(db, wereld, ingediend, login_as):  # noqa: F811
    from portal.services.billing import declaraties as dcl

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    db.commit()
    page = login_as(wereld.manager).get(f"/declaraties/{ingediend.id}").get_data(as_text=True)
    assert ">1 regel zonder bevindingen goedkeuren</button>" in page and "Alle 1 regels" not in page


def test_the_contractmanager_narrows_the_list_to_a_gemeente_a_contract_or_what_waits(db, wereld, login_as):  # noqa: F811
    from tests.factories import ContractFactory, DeclaratieFactory, GemeenteFactory

    hoorn = wereld.contract.gemeenten[0]
    enkhuizen = GemeenteFactory(naam="Enkhuizen")
    wereld.manager.gemeenten.append(enkhuizen)
    ander = ContractFactory(kenmerk="MB-E", aanbieder=wereld.contract.aanbieder, gemeenten=[enkhuizen])
    wacht = DeclaratieFactory(contract=wereld.contract, gemeente_id=hoorn.id, status=DeclaratieStatus.INGEDIEND)
    klaar = DeclaratieFactory(contract=wereld.contract, gemeente_id=hoorn.id, status=DeclaratieStatus.AFGEHANDELD,
                              periode="2026-10", periode_van=date(2026, 10, 1), periode_tot=date(2026, 10, 31))
    elders = DeclaratieFactory(contract=ander, gemeente_id=enkhuizen.id, status=DeclaratieStatus.IN_BEHANDELING)
    db.commit()
    client = login_as(wereld.manager)

    def nummers(query: str) -> set[str]:
        page = client.get(f"/declaraties/{query}").get_data(as_text=True)
        return {d.nummer for d in (wacht, klaar, elders) if d.nummer in page}

    assert nummers("") == {wacht.nummer, klaar.nummer, elders.nummer}
    assert nummers("?status=te_beoordelen") == {wacht.nummer, elders.nummer}
    assert nummers(f"?gemeente={hoorn.id}") == {wacht.nummer, klaar.nummer}
    assert nummers(f"?contract={ander.id}&status=te_beoordelen") == {elders.nummer}
    leeg = client.get(f"/declaraties/?contract={ander.id}&status=afgehandeld").get_data(as_text=True)
    assert "Geen declaraties met deze keuzes." in leeg
    # The start page's count leads to the same declaraties the filter shows.
    start = client.get("/").get_data(as_text=True)
    assert 'href="/declaraties/?status=te_beoordelen"' in start


def test_the_workbook_carries_the_pages_totals_and_real_dates(app, db, wereld, ingediend, login_as):  # noqa: F811
    # Paying from the workbook must not pay a rejected regel: it shows approved and rejected, as the page does.
    from portal.services.billing import declaraties as dcl

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    regel = db.scalars(select(DeclaratieRegel)).one()
    with app.app_context():
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="afgewezen", afwijsreden="dubbel"))
    db.commit()
    manager = login_as(wereld.manager)
    sheet = load_workbook(io.BytesIO(manager.get(f"/declaraties/{ingediend.id}/export.xlsx").data)).active
    totalen = {row[8]: row[9] for row in sheet.iter_rows(min_row=6, values_only=True) if row[8]}
    assert totalen == {"Totaal ingediend": 37.5, "Goedgekeurd": 0, "Afgewezen": 37.5, "Te beoordelen": 0}
    datum = sheet.cell(row=5, column=6)
    assert datum.value == datetime(2026, 11, 3) and datum.number_format == "dd-mm-yyyy"


def test_a_decision_from_a_stale_page_says_the_regel_was_decided(app, db, wereld, ingediend, login_as):  # noqa: F811
    # A second tab or a colleague: the decided regel's page has no form, so the refusal must not vanish with it.
    from portal.services.billing import declaraties as dcl

    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 3))
    regel = db.scalars(select(DeclaratieRegel)).one()
    db.commit()
    manager = login_as(wereld.manager)
    url = f"/declaraties/{ingediend.id}/regels/{regel.id}"
    token = _csrf(manager, url)
    with app.app_context():
        dcl.decide(db, wereld.manager, regel, dcl.BesluitInput(besluit="goedgekeurd"))
    db.commit()
    late = manager.post(f"{url}/besluit", data={"csrf_token": token, "besluit": "afgewezen", "afwijsreden": "dubbel"})
    assert late.status_code == 302 and late.headers["Location"].endswith(url)
    page = manager.get(url).get_data(as_text=True)
    assert "Over deze regel is al besloten; een besluit wordt niet gewijzigd." in page
    db.expire_all()
    assert regel.status is RegelStatus.GOEDGEKEURD


def test_a_declaratie_submitted_after_the_declaratietermijn_gets_a_finding_on_the_list_and_the_page(
        db, wereld, ingediend, login_as):  # noqa: F811
    """Walk finding: 'declareren binnen 30 dagen na afloop' was shown but never checked (October: 36 days, no signal).
    One rule (checks.declaratie_bevindingen); the declaratie is not blocked, the contractmanager decides."""
    from portal.services.billing import declaraties as dcl
    from portal.services.billing.checks import NA_TERMIJN, declaratie_bevindingen

    wereld.contract.declaratietermijn_dagen = 30
    dcl.submit(db, wereld.beheerder, ingediend, date(2027, 1, 5))
    ingediend.ingediend_op = datetime(2026, 12, 30, 23, 30, tzinfo=AMSTERDAM)  # day 30: just in time
    db.commit()
    assert declaratie_bevindingen(ingediend) == []
    ingediend.ingediend_op = datetime(2027, 1, 5, 10, tzinfo=AMSTERDAM)  # 36 days after 30-11-2026
    db.commit()
    tekst = ("Ingediend na de declaratietermijn: 36 dagen na afloop van de periode (30-11-2026), "
             "termijn is 30 dagen.")
    assert declaratie_bevindingen(ingediend) == [{"code": NA_TERMIJN, "tekst": tekst}]
    manager = login_as(wereld.manager)
    assert tekst in manager.get("/declaraties/").get_data(as_text=True)
    page = manager.get(f"/declaraties/{ingediend.id}").get_data(as_text=True)
    assert tekst in page and "u beslist per regel" in page
    # Walk finding: 'Download JSON (323/325)' said nothing to a contractmanager.
    assert "Download voor de financiële administratie (JSON, 323/325)</a>" in page
    assert ingediend.status is DeclaratieStatus.INGEDIEND  # not blocked or rejected
    ingediend.declaratietermijn_dagen = None  # no termijn in the contract when submitted: nothing to check
    assert declaratie_bevindingen(ingediend) == []


def test_changing_the_contracts_declaratietermijn_does_not_change_a_submitted_declaratie(
        db, wereld, ingediend, login_as):  # noqa: F811
    """Walk finding: setting MB-0388's termijn to 45 made 'Ingediend na de declaratietermijn: 36 dagen' disappear
    from a declaratie submitted under 30 days; lowering it would make on-time ones late. The submission keeps the
    termijn that applied; a concept follows the contract's current termijn."""
    from portal.services.billing import declaraties as dcl
    from portal.services.billing.checks import NA_TERMIJN, declaratie_bevindingen, termijn_melding

    wereld.contract.declaratietermijn_dagen = 30
    db.commit()
    assert termijn_melding(ingediend, date(2027, 1, 5)).startswith("De declaratietermijn is verstreken")
    wereld.contract.declaratietermijn_dagen = 40  # a concept follows the contract
    db.commit()
    assert termijn_melding(ingediend, date(2027, 1, 5)) == (
        "Let op: dien deze declaratie uiterlijk 09-01-2027 in (declaratietermijn 40 dagen).")
    wereld.contract.declaratietermijn_dagen = 30
    dcl.submit(db, wereld.beheerder, ingediend, date(2027, 1, 5))
    ingediend.ingediend_op = datetime(2027, 1, 5, 10, tzinfo=AMSTERDAM)  # 36 days after 30-11-2026
    db.commit()
    assert ingediend.declaratietermijn_dagen == 30
    tekst = ("Ingediend na de declaratietermijn: 36 dagen na afloop van de periode (30-11-2026), "
             "termijn is 30 dagen.")
    assert declaratie_bevindingen(ingediend) == [{"code": NA_TERMIJN, "tekst": tekst}]

    manager = login_as(wereld.manager)
    token = _csrf(manager, f"/contracten/{wereld.contract.id}/instellingen")
    response = manager.post(f"/contracten/{wereld.contract.id}/instellingen", data={
        "csrf_token": token, "inkoopvorm": wereld.contract.inkoopvorm.value,
        "declaratieperiode": wereld.contract.declaratieperiode.value, "declaratietermijn_dagen": "45"})
    assert response.status_code == 302
    db.expire_all()
    assert wereld.contract.declaratietermijn_dagen == 45
    assert declaratie_bevindingen(ingediend) == [{"code": NA_TERMIJN, "tekst": tekst}]
    assert tekst in manager.get(f"/declaraties/{ingediend.id}").get_data(as_text=True)
    wereld.contract.declaratietermijn_dagen = 5  # lowering it makes nothing late afterwards either
    ingediend.ingediend_op = datetime(2026, 12, 20, 10, tzinfo=AMSTERDAM)  # day 20: on time under 30
    db.commit()
    assert declaratie_bevindingen(ingediend) == []


def test_the_aanbieder_is_warned_about_a_concept_near_or_past_its_declaratietermijn(
        db, wereld, ingediend, login_as):  # noqa: F811
    """Review finding: the aanbieder learnt of the declaratietermijn only from the contractmanager's finding, after
    submitting. A concept now says so on the list and its page from a week before the last day (the same day as
    the NA_TERMIJN finding: uiterste_indiendatum); nothing is blocked, the gemeente sees no concepts."""
    import time_machine

    from portal.services.billing import declaraties as dcl
    from portal.services.billing.checks import declaratie_bevindingen, termijn_melding, uiterste_indiendatum

    wereld.contract.declaratietermijn_dagen = 30
    db.commit()
    assert uiterste_indiendatum(ingediend) == date(2026, 12, 30)  # November's last day + 30
    bijna = "Let op: dien deze declaratie uiterlijk 30-12-2026 in (declaratietermijn 30 dagen)."
    verstreken = ("De declaratietermijn is verstreken: op tijd indienen kon tot en met 30-12-2026 (30 dagen na "
                  "afloop van de periode). U kunt nog indienen; de gemeente ziet dat het te laat is.")

    def paginas(dag: date) -> tuple[str, str, int]:
        with time_machine.travel(datetime(dag.year, dag.month, dag.day, 12, tzinfo=AMSTERDAM), tick=False):
            client = login_as(wereld.beheerder)
            lijst = client.get("/declaraties/").get_data(as_text=True)
            pagina = client.get(f"/declaraties/{ingediend.id}").get_data(as_text=True)
            # The gemeente does not see a concept at all, so not its warning either.
            manager = login_as(wereld.manager).get(f"/declaraties/{ingediend.id}").status_code
        return lijst, pagina, manager

    lijst, pagina, _ = paginas(date(2026, 12, 22))  # eight days left: no warning yet
    assert "declaratietermijn" not in lijst and "declaratietermijn" not in pagina
    for dag in (date(2026, 12, 23), date(2026, 12, 30)):  # seven days left, and the last day itself
        lijst, pagina, manager = paginas(dag)
        # Walk finding: the list said 'Declaratietermijn: De declaratietermijn is verstreken…'; it is short now.
        assert "<strong>Declaratietermijn:</strong> dien uiterlijk 30-12-2026 in." in lijst and bijna not in lijst
        assert f'<div class="utrecht-alert utrecht-alert--warning" role="status"><p class="utrecht-paragraph">{bijna}' \
            in pagina
        assert "Declaratie indienen" in pagina and manager == 404
    lijst, pagina, manager = paginas(date(2026, 12, 31))
    kort = "<strong>Declaratietermijn verstreken:</strong> op tijd indienen kon tot en met 30-12-2026."
    assert kort in lijst and verstreken not in lijst and verstreken in pagina and bijna not in pagina
    assert "Declaratie indienen" in pagina and manager == 404  # not blocked; not shown to the gemeente

    # One rule: the first day the warning says 'verstreken' is the first day a submission gets the finding.
    for dag, te_laat in ((date(2026, 12, 30), False), (date(2026, 12, 31), True)):
        ingediend.ingediend_op = datetime(dag.year, dag.month, dag.day, 23, 30, tzinfo=AMSTERDAM)
        assert bool(declaratie_bevindingen(ingediend)) is te_laat
        assert (termijn_melding(ingediend, dag) == verstreken) is te_laat
    ingediend.ingediend_op = None
    db.commit()

    # Submitted, or without a termijn in the contract: no warning.
    wereld.contract.declaratietermijn_dagen = None
    db.commit()
    assert termijn_melding(ingediend, date(2027, 3, 1)) is None
    wereld.contract.declaratietermijn_dagen = 30
    dcl.submit(db, wereld.beheerder, ingediend, date(2026, 12, 31))
    db.commit()
    lijst, pagina, _ = paginas(date(2026, 12, 31))
    assert "Declaratietermijn verstreken" not in lijst and verstreken not in pagina


@pytest.mark.parametrize(("termijn", "geen", "bijna", "verstreken"), [
    # termijn 0 (the form refuses it now; older contracts may have it): due the periode's last day, when it cannot
    # be submitted yet, so no 'Let op' before the periode ends, then straight 'verstreken'.
    (0, (date(2026, 11, 23), date(2026, 11, 30)), (), date(2026, 12, 1)),
    (1, (date(2026, 11, 24), date(2026, 11, 30)), (date(2026, 12, 1),), date(2026, 12, 2)),
    (3, (date(2026, 11, 26), date(2026, 11, 30)), (date(2026, 12, 1), date(2026, 12, 3)), date(2026, 12, 4)),
])
def test_no_termijn_warning_before_the_periode_ends_and_day_or_days(
        db, wereld, ingediend, termijn, geen, bijna, verstreken):  # noqa: F811
    """Review finding: with termijn 0 the page said 'Let op: dien ... uiterlijk 30-11-2026 in' next to 'U kunt deze
    declaratie indienen ... vanaf 01-12-2026', then 'verstreken' though it was never submittable. No warning while
    the periode runs; 'dag' or 'dagen' as the number asks."""
    from portal.services.billing.checks import termijn_melding

    wereld.contract.declaratietermijn_dagen = termijn
    db.commit()
    dagen = "1 dag" if termijn == 1 else f"{termijn} dagen"
    uiterlijk = date(2026, 11, 30) + timedelta(days=termijn)
    for dag in geen:
        assert termijn_melding(ingediend, dag) is None
    for dag in bijna:
        assert termijn_melding(ingediend, dag) == (
            f"Let op: dien deze declaratie uiterlijk {uiterlijk:%d-%m-%Y} in (declaratietermijn {dagen}).")
    assert termijn_melding(ingediend, verstreken) == (
        f"De declaratietermijn is verstreken: op tijd indienen kon tot en met {uiterlijk:%d-%m-%Y} ({dagen} na "
        "afloop van de periode). U kunt nog indienen; de gemeente ziet dat het te laat is.")
