"""The KPI pages: only what the contractmanager may see, small numbers hidden, figures open their cases (audited),
and the xlsx downloads carry no formulas and no personal data where none is needed."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import clock
from portal.models import AuditEvent, Presentie, TrajectStart
from portal.models.enums import Onderdeel, Rol, VerwijzingStatus
from portal.models.traject import Activiteit
from portal.services import kept_totals
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    UserFactory,
    VerwijzingFactory,
)


@pytest.fixture
def world(db):
    today = clock.today()
    gemeente_a, gemeente_b = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Elders")
    aanbieder = AanbiederFactory(naam="=HYPERLINK(\"http://x\")Taal")
    contract_a = ContractFactory(aanbieder=aanbieder, gemeenten=[gemeente_a])
    contract_b = ContractFactory(aanbieder=aanbieder, gemeenten=[gemeente_b])
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente_a])
    beoogd = today - timedelta(days=60)

    def case(gemeente, contract, later_days, naam):
        # Three residents registered in the BRP on the planned start day: a cohort too small for a percentage.
        brp = beoogd if naam in ("Eigen0", "Eigen1", "Eigen2") else None
        persoon = InburgeraarFactory(gemeente=gemeente, achternaam=naam, datum_brp_inschrijving=brp)
        PipFactory(inburgeraar=persoon)
        verwijzing = VerwijzingFactory(inburgeraar=persoon, contract=contract, beoogde_startdatum=beoogd)
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=beoogd + timedelta(days=later_days),
                            reden_latere_start="=1+1 groep vol" if later_days > 14 else None))
        db.add(Presentie(verwijzing_id=verwijzing.id, datum=today - timedelta(days=3),
                         activiteit=Activiteit.TAALLES_KNM, uren_aanwezig=Decimal(3)))
        return verwijzing

    eigen = [case(gemeente_a, contract_a, d, f"Eigen{n}") for n, d in enumerate((0, 0, 0, 30, 40, 2))]
    vreemd = [case(gemeente_b, contract_b, 50, f"Vreemd{n}") for n in range(6)]
    kept_totals.rebuild(db)  # rows added directly, so count them into the kept totals as the service would
    return {"manager": manager, "eigen": eigen, "vreemd": vreemd, "gemeente_b": gemeente_b,
            "contract_b": contract_b, "jaar": str(beoogd.year), "beoogd": beoogd}


def _figures(html: str, code: str) -> str:
    start = html.index(f'id="kpi-{code}"')
    return html[start:html.index("</section>", start)]


def test_dashboard_counts_only_what_the_user_may_see(client, login_as, world):
    login_as(world["manager"])
    html = client.get(f"/kpi/?periode={world['jaar']}").get_data(as_text=True)
    tijdig = _figures(html, "tijdige_start")
    # Own gemeente: 6 verwijzingen, 4 on time (0, 0, 0, 2 days late); the 6 foreign ones (all late) never count.
    assert "66,7%" in tijdig
    assert re.search(r">4<span class=\"visually-hidden\"> verwijzingen tonen", tijdig)
    assert re.search(r">6<span class=\"visually-hidden\"> verwijzingen tonen", tijdig)
    # The reasons for the late starts are counted, their text is the provider's and the klantregisseur's only
    # (often health data): the contractmanager reads that a reason was given, twice.
    assert "groep vol" not in html
    assert "<td>Reden opgegeven (alleen zichtbaar voor de klantregisseur)</td><td>2</td>" in tijdig
    assert "Vreemd" not in html
    assert "Kosten" in _figures(html, "kosten")  # from the billing: none approved here


def test_a_share_over_fewer_than_five_is_not_shown(client, login_as, world):
    login_as(world["manager"])
    html = client.get(f"/kpi/?periode={world['jaar']}").get_data(as_text=True)
    # Three of a cohort of three started within six months: no percentage, only the counts.
    start = _figures(html, "start_6_maanden")
    assert "te weinig gegevens (3)" in start and "100,0%" not in start
    assert "<td>0%</td>" in _figures(html, "uitval")  # 0 of 6 uitgevallen is a share


def test_foreign_gemeente_or_contract_in_the_query_is_404(client, login_as, world):
    login_as(world["manager"])
    assert client.get(f"/kpi/?gemeente={world['gemeente_b'].id}").status_code == 404
    assert client.get(f"/kpi/vergelijking?contract={world['contract_b'].id}").status_code == 404
    assert client.get("/kpi/beleidsrapportage?gemeente=999999").status_code == 404


def test_klantregisseur_and_aanbieder_have_no_dashboard(client, login_as, db, world):
    for rol, extra in ((Rol.KLANTREGISSEUR, {"gemeenten": []}),
                       (Rol.AANBIEDER_MEDEWERKER, {"aanbieder": AanbiederFactory()})):
        login_as(UserFactory(rol=rol, **extra))
        assert client.get("/kpi/").status_code == 403


def test_figure_opens_its_cases_and_the_read_is_audited(client, login_as, db, world):
    login_as(world["manager"])
    url = f"/kpi/gevallen?kpi=tijdige_start&rij=op_tijd&deel=teller&periode={world['jaar']}"
    html = client.get(url).get_data(as_text=True)
    for n in (0, 1, 2, 5):
        assert f"Eigen{n}" in html
    assert "Eigen3" not in html and "Eigen4" not in html and "Vreemd" not in html
    event = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "kpi_gevallen")).one()
    assert event.actor_id == world["manager"].id
    assert sorted(event.details["inburgeraars"]) == sorted(v.inburgeraar_id for i, v in enumerate(world["eigen"])
                                                           if i in (0, 1, 2, 5))
    assert client.get("/kpi/gevallen?kpi=bestaat_niet&rij=x&deel=teller").status_code == 404


def test_comparison_shows_counts_per_aanbieder(client, login_as, world):
    login_as(world["manager"])
    html = client.get(f"/kpi/vergelijking?periode={world['jaar']}").get_data(as_text=True)
    assert "=HYPERLINK(&#34;http://x&#34;)Taal" in html or "=HYPERLINK(&quot;http://x&quot;)Taal" in html
    assert "66,7%" in html


def test_trend_lists_the_quarters(client, login_as, world):
    login_as(world["manager"])
    html = client.get(f"/kpi/trend?periode={world['jaar']}").get_data(as_text=True)
    assert html.count("kwartaal") >= 8
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="portal-kpi-chart"' in html


def _cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_exports_are_formula_safe_and_hold_no_names(client, login_as, world):
    login_as(world["manager"])
    for url in (f"/kpi/export.xlsx?periode={world['jaar']}",
                f"/kpi/export.xlsx?soort=vergelijking&periode={world['jaar']}",
                f"/kpi/beleidsrapportage.xlsx?periode={world['jaar']}"):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = _cells(response.data)
        assert all(c.data_type != "f" for c in cells), url
        texts = " ".join(str(c.value) for c in cells)
        assert "Eigen" not in texts and "Vreemd" not in texts
    tijdig = [c for c in _cells(client.get(f"/kpi/export.xlsx?periode={world['jaar']}").data)
              if c.value == "Op tijd gestart"]
    row = tijdig[0].row
    sheet = load_workbook(io.BytesIO(client.get(f"/kpi/export.xlsx?periode={world['jaar']}").data)).worksheets[0]
    assert [sheet.cell(row, col).value for col in (3, 4, 5)] == [4, 6, 66.7]


def test_beleidsrapportage_page_has_counts_and_no_names(client, login_as, world):
    login_as(world["manager"])
    html = client.get(f"/kpi/beleidsrapportage?periode={world['jaar']}").get_data(as_text=True)
    assert "Beleidsrapportage inburgering Hoorn" in html
    assert "Eigen" not in html and "Vreemd" not in html
    assert "Kernindicatoren" in html


def test_periode_today_is_default(client, login_as, world):
    login_as(world["manager"])
    html = client.get("/kpi/").get_data(as_text=True)
    assert f"jaar {date.today().year}" in html or f"jaar {clock.today().year}" in html


def test_a_gemeente_target_set_on_the_settings_page_is_the_dashboard_target(client, login_as, db, world):
    from tests.helpers import post_form

    login_as(world["manager"])
    gemeente = world["eigen"][0].inburgeraar.gemeente
    response = post_form(client, f"/kpi/instellingen?gemeente={gemeente.id}",
                         {"jaar": world["jaar"], "spuk_bedrag": "", "streef_start_6_maanden_pct": "75"})
    assert response.status_code == 302
    html = client.get(f"/kpi/?periode={world['jaar']}&gemeente={gemeente.id}").get_data(as_text=True)
    assert "(streef 75%)" in _figures(html, "start_6_maanden")
    alle = client.get(f"/kpi/?periode={world['jaar']}").get_data(as_text=True)
    assert "(streef 80%)" in _figures(alle, "start_6_maanden")  # no gemeente chosen: the default


def test_the_beleidsrapportage_file_is_named_by_the_gemeentes_cbs_code(client, login_as, world):
    # Downloaded per gemeente for the raad: the file name says whose it is, not an id internal to this installation.
    login_as(world["manager"])
    gemeente = world["manager"].gemeenten[0]
    response = client.get(f"/kpi/beleidsrapportage.xlsx?periode={world['jaar']}")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="beleidsrapportage-{gemeente.cbs_code}-{world["jaar"]}.xlsx"')


def test_each_row_shows_its_own_numerator_and_denominator_in_hours(client, db, login_as, world):
    """Walk finding: Aanwezigheid showed '219 inburgeraars' with an empty 'Van' on every row, the hours behind
    the percentages nowhere. Each row now shows its hours 'van' the planned hours; page and xlsx agree."""
    eerste = world["eigen"][0]
    db.add(Presentie(verwijzing_id=eerste.id, datum=clock.today() - timedelta(days=4),
                     activiteit=Activiteit.TAALLES_KNM, uren_aanwezig=Decimal("2.25"),
                     uren_afwezig_geoorloofd=Decimal("1.5")))
    kept_totals.rebuild(db)
    login_as(world["manager"])
    tabel = _figures(client.get(f"/kpi/?periode={world['jaar']}").get_data(as_text=True), "aanwezigheid")
    # 6 x 3 + 2,25 = 20,25 present, 1,5 with a reason: 21,75 planned; 20,25 / 21,75 = 93,1%.
    rijen = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
        r'<th scope="row">([^<]+).*?</th>\s*<td>([^<]*)</td><td>([^<]*)</td>', tabel, re.S)}
    assert rijen["Aanwezig"] == ("20,25 uur", "van 21,75 uur")
    assert rijen["Afwezig met reden (geoorloofd)"] == ("1,5 uur", "van 21,75 uur")
    assert rijen["Afwezig zonder reden (ongeoorloofd)"] == ("0 uur", "van 21,75 uur")
    assert rijen["Geplande uren"] == ("21,75 uur", "–")
    assert "93,1%" in tabel
    assert tabel.count(">6 inburgeraars</a>") == 1  # the population once, under the first row it belongs to
    sheet = load_workbook(io.BytesIO(client.get(f"/kpi/export.xlsx?periode={world['jaar']}").data)).worksheets[0]
    rij = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Aanwezigheid" and r[1] == "Aanwezig")
    assert (rij[2], rij[3], rij[5], rij[8]) == (20.25, 21.75, 93.1, "aantal en van in uren")


def test_a_withheld_percentage_shows_no_hours_on_the_page_or_in_the_xlsx(client, db, login_as):
    """Review finding: over one verwijzing the rows said 'te weinig gegevens' next to '32 uur van 40 uur', which
    gives that one person's attendance away. Dashboard, comparison and xlsx show no amounts for it."""
    today = clock.today()
    gemeente = GemeenteFactory(naam="Klein")
    contract = ContractFactory(gemeenten=[gemeente])
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    verwijzing = VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract,
                                   beoogde_startdatum=today - timedelta(days=60))
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=today - timedelta(days=60)))
    db.add(Presentie(verwijzing_id=verwijzing.id, datum=today - timedelta(days=3), activiteit=Activiteit.TAALLES_KNM,
                     uren_aanwezig=Decimal(32), uren_afwezig_geoorloofd=Decimal(8)))
    kept_totals.rebuild(db)
    login_as(manager)
    jaar = str(today.year)
    html = client.get(f"/kpi/?periode={jaar}").get_data(as_text=True)
    aanwezigheid = _figures(html, "aanwezigheid")
    assert "te weinig gegevens" in aanwezigheid
    assert "32 uur" not in html and "van 40 uur" not in html and "8 uur" not in aanwezigheid
    vergelijking = client.get(f"/kpi/vergelijking?periode={jaar}").get_data(as_text=True)
    assert "32 uur" not in vergelijking and "van 40 uur" not in vergelijking
    for soort in ("", "&soort=vergelijking"):
        sheet = load_workbook(io.BytesIO(client.get(f"/kpi/export.xlsx?periode={jaar}{soort}").data)).worksheets[-2]
        rij = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Aanwezigheid" and r[1] == "Aanwezig")
        assert (rij[2], rij[3], rij[4], rij[5]) == (None, None, None, None)
        assert rij[8] == "te weinig gegevens (1)"  # as the pages say it (review: the xlsx left out the n)


def _vergelijk_cel(sectie: str, label: str) -> list[str]:
    """The words of one comparison row, per aanbieder (the figure before the counts under it)."""
    rij = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', sectie, re.S)
    assert rij, label
    return [re.sub(r"<[^>]+>", "", cel.split("<br>")[0]) for cel in re.findall(r"<td>(.*?)</td>", rij.group(1), re.S)]


def test_comparison_says_niet_van_toepassing_geen_gegevens_or_te_weinig_gegevens(client, db, login_as):
    """Review finding: a taalaanbieder's MAP and PVT rows, and rows with nothing to count, said
    'te weinig gegevens (0)'. Now: 'niet van toepassing' where the indicator is not about that aanbieder, 'geen
    gegevens' where it is but there is nothing to count, 'te weinig gegevens (n)' only for 0 < n < 5; the bars,
    the tables, the dashboard of one aanbieder and the xlsx agree."""
    today = clock.today()
    beoogd = today - timedelta(days=60)
    gemeente = GemeenteFactory(naam="Hoorn")
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    taal = ContractFactory(aanbieder=AanbiederFactory(naam="A Taal"), gemeenten=[gemeente])
    map_contract = ContractFactory(aanbieder=AanbiederFactory(naam="B Werkplaats"), gemeenten=[gemeente])
    for contract, onderdeel, aantal in ((taal, Onderdeel.B1_ROUTE, 6), (map_contract, Onderdeel.MAP, 3)):
        for _ in range(aantal):
            verwijzing = VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract,
                                           onderdeel=onderdeel, beoogde_startdatum=beoogd)
            db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=beoogd))
    db.flush()
    jaar = str(beoogd.year)
    login_as(manager)
    html = client.get(f"/kpi/vergelijking?periode={jaar}").get_data(as_text=True)
    assert "te weinig gegevens (0)" not in html

    def sectie(code: str) -> str:
        start = html.index(f'id="vgl-{code}"')
        return html[start:html.index("</section>", start)]

    # Columns: A Taal, B Werkplaats. A Taal's 6 of 6 next to the total's 9 would give B's 3 away: afgeschermd.
    assert _vergelijk_cel(sectie("tijdige_start"), "Op tijd gestart") == [
        "afgeschermd (kleine groep elders)", "te weinig gegevens (3)"]
    afronding = sectie("afronding")
    assert _vergelijk_cel(afronding, "MAP afgerond binnen de termijn") == ["niet van toepassing", "geen gegevens"]
    assert _vergelijk_cel(afronding, "PVT afgerond binnen de termijn") == ["niet van toepassing"] * 2
    assert "A Taal: niet van toepassing; B Werkplaats: geen gegevens." in afronding  # the bars' description
    assert _vergelijk_cel(sectie("taalschakel"), "Taalschakeltraject behaald") == ["niet van toepassing"] * 2
    assert _vergelijk_cel(sectie("taalschakel"), "Mediane duur") == ["niet van toepassing"] * 2
    assert _vergelijk_cel(sectie("doorlooptijd"), "Klaar op of voor de einddatum") == ["geen gegevens"] * 2
    uren = sectie("urenrealisatie")
    assert _vergelijk_cel(uren, "MAP praktijkdeel tegen de wettelijke norm: uren gerealiseerd van het doel") == [
        "niet van toepassing", "te weinig gegevens (3)"]
    assert _vergelijk_cel(uren, "B1-route tegen geschatte intensiteit in het PIP: uren gerealiseerd van het doel"
                          ) == ["geen gegevens", "niet van toepassing"]
    assert _vergelijk_cel(sectie("aanlevering"), "Sessies binnen 7 dagen geregistreerd") == ["geen gegevens"] * 2
    # Walk finding: DUO results have no aanbieder, so per aanbieder they were 'geen gegevens' everywhere.
    examens = sectie("examens")
    for onderdeel in ("KNM", "LE", "LU"):
        for soort in ("geslaagd bij eerste poging", "geslaagd, alle pogingen"):
            assert _vergelijk_cel(examens, f"{onderdeel} (DUO): {soort}") == ["niet van toepassing"] * 2
    assert _vergelijk_cel(examens, "KNM (Aanbieder): geslaagd, alle pogingen") == ["geen gegevens"] * 2
    assert "DUO-uitslagen horen niet bij een aanbieder" in html

    # One aanbieder on the dashboard: the same words in its table and bars.
    dashboard = client.get(f"/kpi/?periode={jaar}&aanbieder={taal.aanbieder_id}").get_data(as_text=True)
    assert "te weinig gegevens (0)" not in dashboard
    assert "MAP afgerond binnen de termijn: niet van toepassing" in _figures(dashboard, "afronding")
    assert "KNM (DUO): geslaagd, alle pogingen: niet van toepassing" in _figures(dashboard, "examens")
    assert "DUO-uitslagen horen niet bij een aanbieder" in dashboard

    sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in load_workbook(io.BytesIO(
        client.get(f"/kpi/export.xlsx?soort=vergelijking&periode={jaar}").data)).worksheets}

    def opmerking(blad: str, indicator: str, onderdeel: str) -> str:
        return next(r[8] for r in sheets[blad] if r[0] == indicator and r[1] == onderdeel)

    assert opmerking("A Taal", "Afronding binnen termijn", "MAP afgerond binnen de termijn") == "niet van toepassing"
    assert opmerking("B Werkplaats", "Afronding binnen termijn", "MAP afgerond binnen de termijn") == "geen gegevens"
    assert opmerking("B Werkplaats", "Tijdige start", "Op tijd gestart") == "te weinig gegevens (3)"
    assert opmerking("A Taal", "Tijdige start", "Op tijd gestart") == "afgeschermd (kleine groep elders)"
    assert opmerking("A Taal", "Taalschakeltraject behaald", "Mediane duur") == "niet van toepassing"


def test_geen_gegevens_shows_no_zero_counts_on_the_pages_or_in_the_xlsx(client, db, login_as):
    """Walk finding: 'MAP na de termijn: verwijtbaar | 0 | 0 | geen gegevens'. A row with nothing to count shows
    '–' in Aantal/Van as a withheld or not applicable row does (Rij.toont_aantallen); the xlsx leaves them empty."""
    today = clock.today()
    beoogd = today - timedelta(days=60)
    gemeente = GemeenteFactory(naam="Hoorn")
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    contract = ContractFactory(aanbieder=AanbiederFactory(naam="A Taal"), gemeenten=[gemeente])
    for _ in range(6):
        verwijzing = VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract,
                                       beoogde_startdatum=beoogd)
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=beoogd))
    db.flush()
    jaar = str(beoogd.year)
    login_as(manager)
    html = client.get(f"/kpi/?periode={jaar}").get_data(as_text=True)
    for label in ("MAP na de termijn: verwijtbaar", "Klaar op of voor de einddatum"):
        rij = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(label)}.*?</tr>", html, re.S).group(0)
        assert "geen gegevens" in rij and '<td colspan="2">–</td>' in rij and "<td>0</td>" not in rij, label
    op_tijd = re.search(r"<tr>\s*<th scope=\"row\">Op tijd gestart.*?</tr>", html, re.S).group(0)
    assert "<td colspan=\"2\">–</td>" not in op_tijd  # six on time: its counts stay
    rijen = list(load_workbook(io.BytesIO(client.get(f"/kpi/export.xlsx?periode={jaar}").data)).active
                 .iter_rows(values_only=True))
    verwijtbaar = next(r for r in rijen if r[1] == "MAP na de termijn: verwijtbaar")
    assert (verwijtbaar[2], verwijtbaar[3], verwijtbaar[8]) == (None, None, "geen gegevens")


def test_a_withheld_share_shows_no_counts_and_no_link_on_any_page_or_export(client, db, login_as):
    """Review finding: over three verwijzingen the dashboard said 'te weinig gegevens (3)' next to '3' and '3'
    linked to the cases, the comparison '3 van 3', the beleidsrapportage and the xlsx files Aantal 3, Van 3: the
    share the rule withholds. A withheld share shows how many it is over, no counts, no link to its few cases
    (which the contractmanager may still open from the case list) and no counted reasons."""
    beoogd = clock.today() - timedelta(days=60)
    gemeente = GemeenteFactory(naam="Klein")
    contract = ContractFactory(gemeenten=[gemeente])
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    for later, status in ((0, VerwijzingStatus.GESTART), (30, VerwijzingStatus.GESTART),
                          (30, VerwijzingStatus.UITGEVALLEN)):
        verwijzing = VerwijzingFactory(
            inburgeraar=InburgeraarFactory(gemeente=gemeente, datum_brp_inschrijving=beoogd), contract=contract,
            beoogde_startdatum=beoogd, status=status)
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=beoogd + timedelta(days=later),
                            reden_latere_start="Groep vol" if later else None))
    db.flush()
    login_as(manager)
    jaar = str(beoogd.year)

    def tekst(html: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    html = client.get(f"/kpi/?periode={jaar}").get_data(as_text=True)
    for code in ("tijdige_start", "uitval", "start_6_maanden"):
        sectie = _figures(html, code)
        assert "te weinig gegevens (3)" in sectie, code
        assert "kpi/gevallen" not in sectie, code
        assert not re.search(r"<td>\s*(<a[^>]*>)?\s*[0-3]\b", sectie), code  # no count in Aantal or Van
    assert "Redenen voor latere start" not in _figures(html, "tijdige_start")
    assert "kpi/gevallen" not in html
    for pagina in ("vergelijking", "trend"):
        andere = client.get(f"/kpi/{pagina}?periode={jaar}").get_data(as_text=True)
        assert "te weinig gegevens (3)" in andere, pagina
        assert "kpi/gevallen" not in andere and not re.search(r"\b\d van 3\b", tekst(andere)), pagina
    beleid = client.get(f"/kpi/beleidsrapportage?periode={jaar}").get_data(as_text=True)
    rij = re.search(r"Tijdige start: Op tijd gestart</th>(.*?)</tr>", beleid, re.S)
    assert rij and re.sub(r"\s+", "", tekst(rij.group(1))) == "–teweiniggegevens(3)", rij and rij.group(1)

    for soort in ("", "&soort=vergelijking"):
        sheet = load_workbook(io.BytesIO(client.get(f"/kpi/export.xlsx?periode={jaar}{soort}").data)).worksheets[0]
        for indicator, onderdeel in (("Tijdige start", "Op tijd gestart"), ("Uitval en niet gestart", "Uitgevallen")):
            rij = next(r for r in sheet.iter_rows(values_only=True) if r[0] == indicator and r[1] == onderdeel)
            assert (rij[2], rij[3], rij[4], rij[8]) == (None, None, None, "te weinig gegevens (3)"), (soort, rij)
    sheet = load_workbook(io.BytesIO(client.get(f"/kpi/beleidsrapportage.xlsx?periode={jaar}").data)).worksheets[0]
    rij = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Tijdige start: Op tijd gestart")
    assert rij[1:5] == (None, None, None, "te weinig gegevens (3)")


def _tijdige_start(db, gemeente, contract, beoogd: date, later: tuple[int, ...]) -> None:
    """Verwijzingen with a beoogde start that started `later` days after it (0: on time)."""
    for dagen in later:
        verwijzing = VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract,
                                       beoogde_startdatum=beoogd, status=VerwijzingStatus.GESTART)
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=beoogd + timedelta(days=dagen)))
    db.flush()


def _tekst(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_withheld_aanbieder_cannot_be_found_by_subtracting_the_others_from_the_total(client, db, login_as):
    """Review finding: A 3 verwijzingen (1 on time), B 6 (4 on time). The dashboard showed 5 of 9, the comparison
    A 'te weinig gegevens (3)' and B '4 van 6': so A was 1 of 3. Now B is afgeschermd too: in the comparison and its
    xlsx, on B's own dashboard, and behind /kpi/gevallen (404, as for A); the gemeente's total is unchanged."""
    beoogd = clock.today() - timedelta(days=60)
    gemeente = GemeenteFactory(naam="Klein")
    a, b = AanbiederFactory(naam="AanbA"), AanbiederFactory(naam="AanbB")
    _tijdige_start(db, gemeente, ContractFactory(aanbieder=a, gemeenten=[gemeente]), beoogd, (0, 30, 30))
    _tijdige_start(db, gemeente, ContractFactory(aanbieder=b, gemeenten=[gemeente]), beoogd, (0, 0, 0, 0, 30, 30))
    login_as(UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente]))
    jaar = str(beoogd.year)

    dashboard = _tekst(_figures(client.get(f"/kpi/?periode={jaar}").get_data(as_text=True), "tijdige_start"))
    assert "Op tijd gestart 5 verwijzingen tonen 9 verwijzingen tonen 55,6%" in dashboard
    html = client.get(f"/kpi/vergelijking?periode={jaar}").get_data(as_text=True)
    sectie = html[html.index('id="vgl-tijdige_start"'):]
    sectie = sectie[:sectie.index("</section>")]
    assert _vergelijk_cel(sectie, "Op tijd gestart") == ["te weinig gegevens (3)",
                                                         "afgeschermd (kleine groep elders)"]
    assert "4 van 6" not in _tekst(sectie) and "66,7" not in sectie and "rij=op_tijd" not in sectie
    assert "kleine groep elders" in _tekst(html[:html.index('id="vgl-')])  # the page explains it

    sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in load_workbook(io.BytesIO(
        client.get(f"/kpi/export.xlsx?soort=vergelijking&periode={jaar}").data)).worksheets}
    rij = next(r for r in sheets["AanbB"] if r[0] == "Tijdige start" and r[1] == "Op tijd gestart")
    assert (rij[2], rij[3], rij[4], rij[8]) == (None, None, None, "afgeschermd (kleine groep elders)")

    # B's own dashboard says the same as the comparison.
    eigen = _tekst(_figures(client.get(f"/kpi/?periode={jaar}&aanbieder={b.id}").get_data(as_text=True),
                            "tijdige_start"))
    assert "Op tijd gestart – afgeschermd (kleine groep elders)" in eigen
    assert "Redenen voor latere start" not in eigen  # the total's minus B's would be A's
    for aanbieder in (a, b):
        for deel in ("teller", "noemer"):
            url = (f"/kpi/gevallen?kpi=tijdige_start&rij=op_tijd&deel={deel}&periode={jaar}"
                   f"&aanbieder={aanbieder.id}")
            assert client.get(url).status_code == 404, (aanbieder.naam, deel)
    # The gemeente's total still opens its cases.
    assert client.get(f"/kpi/gevallen?kpi=tijdige_start&rij=op_tijd&deel=teller&periode={jaar}").status_code == 200


def test_a_withheld_quarter_cannot_be_found_by_subtracting_the_other_quarters_from_the_year(client, db, login_as):
    """Review finding: Q2 3 verwijzingen (1 on time) withheld, Q3 '4' of '6' on the trend, the year '5' of '9' on
    the dashboard: so Q2 was 1 of 3. Now Q3 is afgeschermd too, also on a trend that does not show Q2 and on Q3's
    own dashboard; the gevallen of Q2 and Q3 are a 404."""
    jaar = clock.today().year - 1  # a year that is over: all its quarters count
    gemeente = GemeenteFactory(naam="Klein")
    contract = ContractFactory(gemeenten=[gemeente])
    _tijdige_start(db, gemeente, contract, date(jaar, 5, 1), (0, 30, 30))
    _tijdige_start(db, gemeente, contract, date(jaar, 8, 1), (0, 0, 0, 0, 30, 30))
    login_as(UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente]))

    dashboard = _tekst(_figures(client.get(f"/kpi/?periode={jaar}").get_data(as_text=True), "tijdige_start"))
    assert "Op tijd gestart 5 verwijzingen tonen 9 verwijzingen tonen 55,6%" in dashboard
    for periode in (str(jaar), f"{jaar + 1}-K2"):  # the second trend starts at Q3: Q2 is not on it
        trend = _tekst(client.get(f"/kpi/trend?periode={periode}").get_data(as_text=True))
        trend = trend[trend.index("Tijdige start: op tijd gestart"):trend.index("Aanwezigheid")]
        assert f"3e kwartaal {jaar} – afgeschermd (kleine groep elders)" in trend, periode
        assert "66,7" not in trend and f"3e kwartaal {jaar} 4 6" not in trend, periode
        if periode == str(jaar):
            assert f"2e kwartaal {jaar} – te weinig gegevens (3)" in trend
    # The dashboard of Q3 alone says the same as the trend, and neither quarter's cases open.
    kwartaal = _tekst(_figures(client.get(f"/kpi/?periode={jaar}-K3").get_data(as_text=True), "tijdige_start"))
    assert "Op tijd gestart – afgeschermd (kleine groep elders)" in kwartaal
    for kwartaal in (2, 3):
        url = f"/kpi/gevallen?kpi=tijdige_start&rij=op_tijd&deel=teller&periode={jaar}-K{kwartaal}"
        assert client.get(url).status_code == 404


def test_withheld_attendance_withholds_the_planned_hours_too(client, db, login_as):
    """Review finding: 'Geplande uren' showed the hours of three people next to their withheld attendance."""
    today = clock.today()
    beoogd = today - timedelta(days=60)
    gemeente = GemeenteFactory(naam="Klein")
    contract = ContractFactory(gemeenten=[gemeente])
    for _ in range(3):
        verwijzing = VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract,
                                       beoogde_startdatum=beoogd)
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=beoogd))
        db.add(Presentie(verwijzing_id=verwijzing.id, datum=today - timedelta(days=3),
                         activiteit=Activiteit.TAALLES_KNM, uren_aanwezig=Decimal(3),
                         uren_afwezig_geoorloofd=Decimal(1)))
    kept_totals.rebuild(db)
    login_as(UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente]))
    sectie = _tekst(_figures(client.get(f"/kpi/?periode={today.year}").get_data(as_text=True), "aanwezigheid"))
    assert "Geplande uren – te weinig gegevens (3)" in sectie
    assert "12 uur" not in sectie


def test_the_beleidsrapportage_page_and_xlsx_list_the_same_key_indicators(client, login_as, world):
    """Review finding: the page left out rows over no units and added attendance; the xlsx did the opposite."""
    login_as(world["manager"])
    html = client.get(f"/kpi/beleidsrapportage?periode={world['jaar']}").get_data(as_text=True)
    kern = html[html.index('id="beleid-kern"'):]
    pagina = [re.sub(r"<[^>]+>", "", label) for label in re.findall(r'<th scope="row">(.*?)</th>', kern)]
    sheet = load_workbook(io.BytesIO(client.get(
        f"/kpi/beleidsrapportage.xlsx?periode={world['jaar']}").data)).worksheets[0]
    rows = [r[0] for r in sheet.iter_rows(values_only=True)]
    xlsx = rows[rows.index("Indicator") + 1:]
    assert pagina == xlsx and "Aanwezigheid" in xlsx


def test_niet_van_toepassing_is_explained_only_where_it_can_occur(client, login_as, world):
    """Review finding: the gemeente-wide dashboard explained 'Niet van toepassing', which only one aanbieder or
    contract can get; and the comparison printed '0 van 0' under 'geen gegevens'."""
    login_as(world["manager"])
    jaar = world["jaar"]
    assert "Niet van toepassing:" not in client.get(f"/kpi/?periode={jaar}").get_data(as_text=True)
    aanbieder = world["contract_b"].aanbieder_id
    assert "Niet van toepassing:" in client.get(f"/kpi/?periode={jaar}&aanbieder={aanbieder}").get_data(as_text=True)
    vergelijking = _tekst(client.get(f"/kpi/vergelijking?periode={jaar}").get_data(as_text=True))
    assert "geen gegevens" in vergelijking and "0 van 0" not in vergelijking


def test_the_beleidsrapportage_selector_shows_the_gemeente_it_reports_on(client, db, login_as, world):
    """Walk finding: the gemeente selector's first option read 'Eerste gemeente'. The report is always one
    gemeente's: without a choice the user's own, selected in the selector, which has no empty option."""
    login_as(world["manager"])
    html = client.get(f"/kpi/beleidsrapportage?periode={world['jaar']}").get_data(as_text=True)
    selector = html[html.index('id="kpi-gemeente"'):]
    selector = selector[:selector.index("</select>")]
    assert "Eerste gemeente" not in html and '<option value="">' not in selector
    eigen = world["manager"].gemeenten[0]
    assert f'<option value="{eigen.id}" selected>{eigen.naam}</option>' in selector
    assert f"Beleidsrapportage inburgering {eigen.naam}" in html
