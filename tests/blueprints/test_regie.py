"""The regie view: caseload overview (scope, filters, sort, pages, export); its rows open the one case page."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from portal.blueprints.regie import routes as regie_routes
from portal.models import AuditEvent, SignaalStand, TrajectStart
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Rol, VerwijzingStatus
from portal.models.traject import Activiteit
from portal.services import kept_signalen, signalen
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
)
from tests.factories_chain import PipIntrekkingFactory


@pytest.fixture
def world(db):
    """Two gemeenten; in Dalfsen two klantregisseurs with their own cases."""
    dalfsen, zwolle = GemeenteFactory(naam="Dalfsen"), GemeenteFactory(naam="Zwolle")
    anna = UserFactory(rol=Rol.KLANTREGISSEUR, naam="Anna", gemeenten=[dalfsen])
    bert = UserFactory(rol=Rol.KLANTREGISSEUR, naam="Bert", gemeenten=[dalfsen])
    taalschool = AanbiederFactory(naam="Taalschool Noord")
    contract = ContractFactory(aanbieder=taalschool, gemeenten=[dalfsen])
    eigen = InburgeraarFactory(gemeente=dalfsen, klantregisseur=anna, voornamen="Amira", achternaam="Aziz")
    PipFactory(inburgeraar=eigen)
    # Not started five weeks after the beoogde start: a signal.
    VerwijzingFactory(inburgeraar=eigen, contract=contract, beoogde_startdatum=date.today() - timedelta(weeks=5))
    collega = InburgeraarFactory(gemeente=dalfsen, klantregisseur=bert, voornamen="Bashir", achternaam="Bakr",
                                 doelgroep=Doelgroep.GEZINSMIGRANT_OVERIG)
    PipFactory(inburgeraar=collega, leerroute=Leerroute.Z, niveau=NiveauPip.A2, geschatte_intensiteit=None)
    vreemd = InburgeraarFactory(gemeente=zwolle, voornamen="Zora", achternaam="Zwols")
    return {"dalfsen": dalfsen, "zwolle": zwolle, "anna": anna, "bert": bert, "eigen": eigen,
            "collega": collega, "vreemd": vreemd, "taalschool": taalschool, "contract": contract}


def _names(html: str) -> set[str]:
    return set(re.findall(r'href="/inburgeraars/\d+">([^<]+)</a>', html))


def test_klantregisseur_sees_own_caseload_by_default_and_the_gemeente_on_request(world, login_as):
    client = login_as(world["anna"])
    html = client.get("/regie/").get_data(as_text=True)
    assert _names(html) == {"Aziz, Amira"}
    assert "in uw caseload" in html

    html = client.get("/regie/?alle=1").get_data(as_text=True)
    assert _names(html) == {"Aziz, Amira", "Bakr, Bashir"}  # never Zwolle's resident


def test_old_regie_case_address_redirects_to_the_case_page_and_foreign_ids_stay_not_found(world, login_as):
    client = login_as(world["anna"])
    response = client.get(f"/regie/inburgeraar/{world['eigen'].id}")
    assert response.status_code == 301 and response.headers["Location"] == f"/inburgeraars/{world['eigen'].id}"
    assert client.get(f"/regie/inburgeraar/{world['vreemd'].id}").status_code == 404
    assert client.get(f"/inburgeraars/{world['vreemd'].id}").status_code == 404


def test_aanbieder_may_not_open_the_regie_view(world, login_as):
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=world["taalschool"])
    client = login_as(medewerker)
    assert client.get("/regie/").status_code == 403
    assert client.get(f"/regie/inburgeraar/{world['eigen'].id}").status_code == 403


def test_contractmanager_sees_all_of_the_gemeente_and_filters(world, login_as):
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[world["dalfsen"]])
    client = login_as(manager)
    assert _names(client.get("/regie/").get_data(as_text=True)) == {"Aziz, Amira", "Bakr, Bashir"}
    assert _names(client.get("/regie/?signaal=niet_gestart").get_data(as_text=True)) == {"Aziz, Amira"}
    assert _names(client.get("/regie/?leerroute=Z").get_data(as_text=True)) == {"Bakr, Bashir"}
    assert _names(client.get(f"/regie/?aanbieder={world['taalschool'].id}").get_data(as_text=True)) == \
        {"Aziz, Amira"}
    assert _names(client.get("/regie/?doelgroep=Gezinsmigrant+en+overige+migrant").get_data(as_text=True)) == \
        {"Bakr, Bashir"}
    assert _names(client.get(f"/regie/?klantregisseur={world['bert'].id}").get_data(as_text=True)) == \
        {"Bakr, Bashir"}
    assert _names(client.get("/regie/?q=bash").get_data(as_text=True)) == {"Bakr, Bashir"}
    assert _names(client.get(f"/regie/?q={world['eigen'].bsn}").get_data(as_text=True)) == {"Aziz, Amira"}
    # Someone else's gemeente id as a filter shows nothing, never the other gemeente's residents.
    assert _names(client.get(f"/regie/?gemeente={world['zwolle'].id}").get_data(as_text=True)) == set()


def test_sorting_and_pagination_keep_the_filters_in_real_links(world, login_as, db):
    for n in range(30):
        InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["anna"], achternaam=f"Zeta{n:02d}")
    client = login_as(world["anna"])
    html = client.get("/regie/?sort=naam&q=zeta").get_data(as_text=True)
    names = re.findall(r'href="/inburgeraars/\d+">([^<]+)</a>', html)
    assert len(names) == 25 and names[0].startswith("Zeta00")
    assert 'href="/regie/?q=zeta&amp;sort=naam&amp;pagina=2"' in html
    page2 = client.get("/regie/?q=zeta&sort=naam&pagina=2").get_data(as_text=True)
    assert len(_names(page2)) == 5
    reverse = client.get("/regie/?sort=-naam&q=zeta").get_data(as_text=True)
    assert re.findall(r'href="/inburgeraars/\d+">([^<]+)</a>', reverse)[0].startswith("Zeta29")
    assert 'aria-sort="descending"' in reverse


def test_signals_sort_first_by_default(world, login_as):
    client = login_as(world["anna"])
    html = client.get("/regie/?alle=1").get_data(as_text=True)
    names = re.findall(r'href="/inburgeraars/\d+">([^<]+)</a>', html)
    assert names[0] == "Aziz, Amira"
    assert "Verwijzing niet gestart" in html


def test_htmx_search_returns_only_the_results_fragment(world, login_as):
    client = login_as(world["anna"])
    response = client.get("/regie/?alle=1&q=amira", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and _names(html) == {"Aziz, Amira"}
    full = client.get("/regie/").get_data(as_text=True)
    assert 'hx-push-url="true"' in full and 'aria-live="polite"' in full


def test_export_is_an_xlsx_without_live_formulas_and_is_audited(world, login_as, db):
    world["eigen"].achternaam = '=HYPERLINK("http://evil.example","klik")'
    db.flush()
    client = login_as(world["anna"])
    response = client.get("/regie/export.xlsx?alle=1")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    values = [cell.value for cell in cells]
    assert "'=HYPERLINK(\"http://evil.example\",\"klik\")" in values
    assert "Bakr" in values
    assert any("nog niet gestart" in str(v) for v in values)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "geexporteerd"))
    assert event is not None and event.actor_id == world["anna"].id and event.details["aantal"] == 2


def test_the_export_quotes_providers_reasons_only_for_the_klantregisseur(world, login_as, db):
    # A provider's reason may be health data: the contractmanager and beheerder see that one was given, not its text.
    from portal.models import Verwijzing

    verwijzing = db.scalar(select(Verwijzing).where(Verwijzing.inburgeraar_id == world["eigen"].id))
    verwijzing.status = VerwijzingStatus.NIET_GESTART
    db.add(TrajectStart(verwijzing_id=verwijzing.id, niet_gestart=True,
                        reden_niet_gestart="Medische afspraken in de eerste weken"))
    db.flush()

    def toelichting(user):
        sheet = load_workbook(io.BytesIO(login_as(user).get("/regie/export.xlsx?alle=1").data)).active
        return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)

    for rol in (Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER):
        text = toelichting(UserFactory(rol=rol, gemeenten=[world["dalfsen"]]))
        assert "Aziz" in text and "niet is gestart" in text
        assert "Medische afspraken" not in text
        assert "een reden opgegeven (alleen zichtbaar voor de klantregisseur)" in text
    assert "Medische afspraken in de eerste weken" in toelichting(world["anna"])


def test_case_page_shows_signals_chart_hours_timeline_and_is_audited_once(world, login_as, db):
    from portal.models import Verwijzing

    eigen = world["eigen"]
    verwijzing = db.scalar(select(Verwijzing).where(Verwijzing.inburgeraar_id == eigen.id))
    verwijzing.status = VerwijzingStatus.GESTART
    start = date.today() - timedelta(weeks=5)
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=start,
                        reden_latere_start="Wachtlijst"))
    for n in range(1, 20, 2):
        PresentieFactory(verwijzing=verwijzing, datum=date.today() - timedelta(days=n),
                         activiteit=Activiteit.TAALLES_KNM, uren_aanwezig=Decimal(2),
                         uren_afwezig_ongeoorloofd=Decimal(1))
    db.flush()
    client = login_as(world["anna"])
    overview = client.get("/regie/").get_data(as_text=True)
    assert f'href="/inburgeraars/{eigen.id}"' in overview  # the row opens the one case page
    response = client.get(f"/inburgeraars/{eigen.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Aanwezigheid onder de drempel" in html and "66,7%" in html
    assert '<svg' in html and 'role="img"' in html and '<title id="aanwezigheid-titel">' in html
    assert html.count("geplande uren aanwezig") == 1  # the chart's summary: its caption, not also a <desc>
    assert "Tabel met de uren per week" in html
    assert "<progress" in html and "20 van 1.200 uur (1,7%)" in html  # 1,67%: rounded, never truncated to 1%
    assert "Bron: Aanbieder Taalschool Noord" in html and "Bron: Gemeente" in html
    assert "Reden latere start: Wachtlijst" in html
    assert "regie.css" not in html
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "bekeken")).all()
    assert [(e.object_type, e.inburgeraar_id, e.actor_id) for e in events] == [
        ("inburgeraar", eigen.id, world["anna"].id)]


def _row_of(html: str, inburgeraar_id: int) -> str:
    """The caseload row (<tr>…</tr>) that links to this inburgeraar."""
    rows = re.findall(r"<tr>.*?</tr>", html, flags=re.S)
    return next(row for row in rows if f'href="/inburgeraars/{inburgeraar_id}"' in row)


def test_each_row_shows_its_own_aanbieders_and_tells_namesakes_apart(world, login_as):
    """Two Emre Kaya's at different aanbieders: each row names only that person's aanbieder, and birth date plus
    the BSN's last digits tell them apart."""
    brug = AanbiederFactory(naam="Participatiewerkplaats De Brug")
    map_contract = ContractFactory(aanbieder=brug, gemeenten=[world["dalfsen"]])
    eerste = InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["anna"], voornamen="Emre",
                                achternaam="Kaya", geboortedatum=date(1991, 3, 4), bsn="999990019")
    tweede = InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["anna"], voornamen="Emre",
                                achternaam="Kaya", geboortedatum=date(1987, 11, 30), bsn="999990032")
    VerwijzingFactory(inburgeraar=eerste, contract=world["contract"])
    VerwijzingFactory(inburgeraar=tweede, contract=map_contract)

    html = login_as(world["anna"]).get("/regie/?q=kaya").get_data(as_text=True)
    rij_eerste, rij_tweede = _row_of(html, eerste.id), _row_of(html, tweede.id)
    assert "Taalschool Noord" in rij_eerste and "De Brug" not in rij_eerste
    assert "De Brug" in rij_tweede and "Taalschool Noord" not in rij_tweede
    assert "04-03-1991" in rij_eerste and "BSN eindigt op 0019" in rij_eerste
    assert "30-11-1987" in rij_tweede and "BSN eindigt op 0032" in rij_tweede
    assert "999990019" not in html  # only the last digits, never the whole number in the list


@pytest.mark.parametrize("sort", ["", "?sort=naam"])
def test_after_a_withdrawn_pip_the_leerroute_column_says_it_was_withdrawn_and_when(world, login_as, db, sort):
    """The PIP in force is gone once it is withdrawn: the row no longer shows the old leerroute but "PIP ingetrokken
    per <datum>" (as the inburgeraars list and the case page), not "Nog geen PIP", which stays for a person who never
    had one; the leerroute filter no longer finds the case. Sorted on the signals (kept or worked out) or a column."""
    intrekking = PipIntrekkingFactory(pip=world["collega"].pips[-1], datum=date.today() - timedelta(days=3))
    nooit = InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["bert"], achternaam="Nooit")
    db.flush()
    client = login_as(world["bert"])
    html = client.get(f"/regie/{sort}").get_data(as_text=True)
    rij = _row_of(html, world["collega"].id)
    assert f"PIP ingetrokken per {intrekking.datum:%d-%m-%Y}" in rij and "Z-route" not in rij
    assert "Nog geen PIP" not in rij
    assert "Nog geen PIP" in _row_of(html, nooit.id)
    assert _names(client.get("/regie/?leerroute=Z").get_data(as_text=True)) == set()


@pytest.mark.parametrize("sort", ["", "&sort=naam", "&sort=-leerroute"])
def test_the_leerroute_filter_finds_no_pip_in_force_never_had_one_or_withdrawn(world, login_as, db, sort):
    """Like the inburgeraars list (overzichten.GEEN_PIP_KEUZES): "Geen PIP van kracht" finds both, "Nog geen PIP"
    and "PIP ingetrokken" tell them apart; ordered by the signals (kept or worked out) or by a column."""
    PipIntrekkingFactory(pip=world["collega"].pips[-1])
    InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["bert"], voornamen="Nina", achternaam="Nooit")
    db.flush()
    client = login_as(world["bert"])

    def gevonden(keuze: str) -> set[str]:
        return _names(client.get(f"/regie/?alle=1&leerroute={keuze}{sort}").get_data(as_text=True))

    assert gevonden("geen") == {"Bakr, Bashir", "Nooit, Nina"}
    assert gevonden("nog_geen") == {"Nooit, Nina"}
    assert gevonden("ingetrokken") == {"Bakr, Bashir"}
    assert gevonden("B") == {"Aziz, Amira"}
    page = client.get("/regie/").get_data(as_text=True)
    assert ">Nog geen PIP</option>" in page and ">PIP ingetrokken</option>" in page
    export = load_workbook(io.BytesIO(client.get("/regie/export.xlsx?alle=1&leerroute=ingetrokken").data)).active
    assert [r[0] for r in list(export.iter_rows(values_only=True))[3:]] == ["Bakr"]


def test_the_export_says_which_pip_was_withdrawn_and_when_in_its_own_column(world, login_as, db):
    """The export's Leerroute column tells "PIP ingetrokken" from "Nog geen PIP"; the withdrawal's date is a date
    cell of its own ("PIP ingetrokken per"), empty for every other row; no column is dropped."""
    from portal.blueprints.regie.export import KOLOMMEN

    intrekking = PipIntrekkingFactory(pip=world["collega"].pips[-1], datum=date.today() - timedelta(days=3))
    InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["bert"], achternaam="Nooit")
    db.flush()
    sheet = load_workbook(io.BytesIO(login_as(world["bert"]).get("/regie/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    kop = rows[2]
    assert list(kop) == [naam for naam, _ in KOLOMMEN]
    assert {"Leerroute", "Niveau", "PIP ingetrokken per", "Einde termijn", "Aanbieders", "Signalen",
            "Toelichting"} <= set(kop)
    per_naam = {r[0]: dict(zip(kop, r, strict=True)) for r in rows[3:]}
    bakr, nooit = per_naam["Bakr"], per_naam["Nooit"]
    assert bakr["Leerroute"] == "PIP ingetrokken" and not bakr["Niveau"]
    assert bakr["PIP ingetrokken per"].date() == intrekking.datum
    assert bakr["Einde termijn"] is not None  # the term still runs from the first PIP
    assert nooit["Leerroute"] == "Nog geen PIP" and not nooit["PIP ingetrokken per"]


@pytest.mark.parametrize("sort", ["naam", "-termijn", "gemeente", "klantregisseur", "leerroute"])
def test_sorted_on_a_column_only_the_page_shown_gets_figures_and_signals(world, login_as, monkeypatch, sort):
    """Cost follows what is shown: sorted on a column of the case itself, the rules run for the 25 rows of the page
    only, and those rows show the same signals and aanbieders as the signal-sorted overview."""
    for n in range(30):
        InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["anna"], achternaam=f"Zeta{n:02d}")
    client = login_as(world["anna"])
    by_signal = client.get("/regie/").get_data(as_text=True)
    assert "31 inburgeraars" in by_signal

    evaluated = []
    original = signalen.signalen_voor
    monkeypatch.setattr(signalen, "signalen_voor", lambda case_, *a: evaluated.append(case_.id) or original(case_, *a))
    html = client.get(f"/regie/?sort={sort}").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'href="/inburgeraars/(\d+)">', html)]
    assert "31 inburgeraars" in html and len(shown) == 25
    assert sorted(evaluated) == sorted(shown)
    if world["eigen"].id in shown:
        assert _row_of(html, world["eigen"].id) == _row_of(by_signal, world["eigen"].id)
    eigen_page = client.get(f"/regie/?sort={sort}&pagina=2").get_data(as_text=True) \
        if world["eigen"].id not in shown else html
    assert _row_of(eigen_page, world["eigen"].id) == _row_of(by_signal, world["eigen"].id)
    assert "Verwijzing niet gestart" in _row_of(eigen_page, world["eigen"].id)
    assert "Taalschool Noord" in _row_of(eigen_page, world["eigen"].id)


def test_the_signal_filter_and_sort_still_run_the_rules_for_every_case(world, login_as, monkeypatch):
    for n in range(30):
        InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["anna"], achternaam=f"Zeta{n:02d}")
    client = login_as(world["anna"])
    evaluated = []
    original = signalen.signalen_voor
    monkeypatch.setattr(signalen, "signalen_voor", lambda case_, *a: evaluated.append(case_.id) or original(case_, *a))
    html = client.get("/regie/?sort=naam&signaal=niet_gestart").get_data(as_text=True)
    assert len(set(evaluated)) == 31 and _names(html) == {"Aziz, Amira"}


def test_signal_sorted_rows_show_every_verwijzing_also_finished_ones(world, login_as, db):
    """The signal order is found without the figures of finished verwijzingen; the rows shown still name the
    aanbieders of all of them, as the column-sorted overview does."""
    brug = AanbiederFactory(naam="Participatiewerkplaats De Brug")
    klaar = VerwijzingFactory(inburgeraar=world["eigen"], contract=ContractFactory(aanbieder=brug,
                                                                                   gemeenten=[world["dalfsen"]]))
    klaar.status = VerwijzingStatus.AFGEROND
    db.flush()
    client = login_as(world["anna"])
    rij = _row_of(client.get("/regie/").get_data(as_text=True), world["eigen"].id)
    assert "De Brug" in rij and "Taalschool Noord" in rij and "Verwijzing niet gestart" in rij
    assert rij == _row_of(client.get("/regie/?sort=naam").get_data(as_text=True), world["eigen"].id)


def _resultaten(html: str) -> str:
    """The results region (count, rows, pages): the page around it holds a CSRF token that changes every second."""
    return re.search(r'<div class="portal-result-head">.*?</table>', html, flags=re.S).group(0)


def _shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/inburgeraars/(\d+)">', html)]


def test_with_kept_signals_the_signal_order_runs_no_rules(world, login_as, db, monkeypatch):
    """Cost follows what is shown: with each case's signals kept (portal.services.kept_signalen) the signal order,
    filter and the page's rows read them and the rules run for no case; the page is the one worked out in full."""
    for n in range(30):
        InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["anna"], achternaam=f"Zeta{n:02d}")
    client = login_as(world["anna"])
    uitgerekend = {url: client.get(url).get_data(as_text=True) for url in ("/regie/", "/regie/?signaal=niet_gestart")}
    assert db.scalar(select(func.count()).select_from(SignaalStand)) == 0  # a GET stores nothing
    kept_signalen.alles_opslaan(db)

    evaluated = []
    original = signalen.signalen_voor
    monkeypatch.setattr(signalen, "signalen_voor", lambda case_, *a: evaluated.append(case_.id) or original(case_, *a))
    html = client.get("/regie/").get_data(as_text=True)
    assert evaluated == [] and len(_shown(html)) == 25
    assert _shown(html)[0] == world["eigen"].id and "31 inburgeraars" in html
    assert _resultaten(html) == _resultaten(uitgerekend["/regie/"])
    gefilterd = client.get("/regie/?signaal=niet_gestart").get_data(as_text=True)
    assert _resultaten(gefilterd) == _resultaten(uitgerekend["/regie/?signaal=niet_gestart"])


def test_without_kept_signals_many_cases_are_worked_out_in_one_go_with_the_same_result(world, login_as,
                                                                                       monkeypatch):
    """Cases without kept signals (after a migration, a bulk write) are worked out per request: by id when they
    are a few, as the whole filtered caseload when they are many; both give the same page."""
    for n in range(30):
        InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["anna"], achternaam=f"Zeta{n:02d}")
    client = login_as(world["anna"])
    urls = ("/regie/", "/regie/?pagina=2", "/regie/?signaal=niet_gestart&sort=naam")
    per_id = {url: _resultaten(client.get(url).get_data(as_text=True)) for url in urls}
    monkeypatch.setattr(regie_routes, "VEEL_ZONDER_STAND", 0)
    assert {url: _resultaten(client.get(url).get_data(as_text=True)) for url in urls} == per_id


def test_a_kept_row_orders_the_overview_only_while_it_is_valid(world, login_as, db):
    """The order comes from the kept row while it is valid; a row past its validity is worked out again."""
    kept_signalen.alles_opslaan(db)
    client = login_as(world["anna"])
    stil = InburgeraarFactory(gemeente=world["dalfsen"], klantregisseur=world["anna"], achternaam="Stil")
    kept_signalen.opslaan(db, [stil.id])
    assert _shown(client.get("/regie/").get_data(as_text=True)) == [world["eigen"].id, stil.id]
    rij = update(SignaalStand).where(SignaalStand.inburgeraar_id == stil.id)
    db.execute(rij.values(hoogste_ernst=3, aantal=9))  # not what the rules say: only a kept row can put it first
    assert _shown(client.get("/regie/").get_data(as_text=True)) == [stil.id, world["eigen"].id]
    db.execute(rij.values(geldig_tot=date.today()))
    assert _shown(client.get("/regie/").get_data(as_text=True)) == [world["eigen"].id, stil.id]


def test_the_filter_choices_name_the_users_gemeenten_klantregisseurs_and_aanbieders(world, login_as):
    html = login_as(world["anna"]).get(
        f"/regie/?alle=1&klantregisseur={world['bert'].id}&gemeente={world['dalfsen'].id}").get_data(as_text=True)
    assert f'<option value="{world["dalfsen"].id}" selected>Dalfsen</option>' in html
    assert ">Zwolle</option>" not in html  # not one of Anna's gemeenten
    assert f'<option value="{world["bert"].id}" selected>Bert</option>' in html
    assert f'<option value="{world["anna"].id}">Anna</option>' in html
    assert f'<option value="{world["taalschool"].id}">Taalschool Noord</option>' in html
