"""The demo region makes every part of the KPI dashboard show something a contractmanager can act on."""

from __future__ import annotations

from sqlalchemy import select

from portal.domain import perioden
from portal.models import Aanbieder, User
from portal.services import kpi
from tests.demo import TODAY


def test_demo_dashboard_has_figures_for_the_regional_contractmanager(db):
    manager = db.scalar(select(User).where(User.email == "contractmanager@hoorn.example.nl"))
    periode = perioden.jaar(TODAY.year)
    dashboard = kpi.dashboard(db, manager, kpi.KpiFilters(), periode, TODAY)
    shown = {r.code: [rij for rij in r.rijen if (rij.aandeel and rij.aandeel.percentage is not None)
                      or (rij.aandeel is None and rij.waarde)] for r in dashboard.resultaten}
    for code in ("start_6_maanden", "tijdige_start", "aanwezigheid", "urenrealisatie", "afronding", "examens",
                 "afschalingen", "uitval", "doorlooptijd", "leerroute_mix", "aanlevering"):
        assert shown[code], code
    # Late starts come with reasons, and the aanbieders differ in how timely they register presence.
    assert dashboard.kpi("tijdige_start").redenen[0][1]
    namen = {a.id: a.naam for a in db.scalars(select(Aanbieder))}
    vergelijking = kpi.vergelijking(db, manager, kpi.KpiFilters(), periode, TODAY, namen)
    mediaan = {naam: next(r for r in vergelijking.per_aanbieder[a] if r.code == "aanlevering").rij("mediaan").waarde
               for a, naam in vergelijking.aanbieders}
    assert mediaan["Participatiewerkplaats De Brug"] >= 14 > mediaan["Taalcentrum Omringdijk"]


def test_demo_aanbieders_without_leerroutes_get_niet_van_toepassing_for_start_binnen_6_maanden(db, login_as):
    """Walk finding: De Brug (MAP/PVT) showed '0% - 0 van 35' against the 80% target.

    The dashboard, the comparison and the xlsx agree on 'niet van toepassing'."""
    import io
    from datetime import datetime

    import time_machine
    from openpyxl import load_workbook

    from portal.formatting import AMSTERDAM

    manager = db.scalar(select(User).where(User.email == "contractmanager@hoorn.example.nl"))
    namen = {a.id: a.naam for a in db.scalars(select(Aanbieder))}
    brug = next(a for a, naam in namen.items() if naam == "Participatiewerkplaats De Brug")
    periode = perioden.jaar(TODAY.year)
    vergelijking = kpi.vergelijking(db, manager, kpi.KpiFilters(), periode, TODAY, namen)
    hoofd = {naam: next(r for r in vergelijking.per_aanbieder[a] if r.code == "start_6_maanden").hoofd
             for a, naam in vergelijking.aanbieders}
    assert not hoofd["Participatiewerkplaats De Brug"].aandeel.van_toepassing
    assert hoofd["Participatiewerkplaats De Brug"].streef is None
    gemeten = [naam for naam, rij in hoofd.items() if rij.aandeel.van_toepassing]
    assert gemeten and all(hoofd[naam].aandeel.omvang > 0 for naam in gemeten)
    assert all(hoofd[naam].aandeel.aantal > 0 for naam in gemeten if hoofd[naam].aandeel.omvang >= 5)
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=AMSTERDAM), tick=False):
        client = login_as(manager)
        response = client.get(f"/kpi/?periode={TODAY.year}&aanbieder={brug}")
        assert response.status_code == 200, response.headers.get("Location")
        html = response.get_data(as_text=True)
        sectie = html.split('id="kpi-start_6_maanden"')[1].split("</section>")[0]
        assert "niet van toepassing" in sectie and "0,0%" not in sectie and "streef 80%" not in sectie
        html = client.get(f"/kpi/vergelijking?periode={TODAY.year}").get_data(as_text=True)
        assert "niet van toepassing" in html.split('id="vgl-start_6_maanden"')[1].split("</section>")[0]
        data = client.get(f"/kpi/export.xlsx?soort=vergelijking&periode={TODAY.year}").data
    sheets = load_workbook(io.BytesIO(data)).worksheets
    sheet = next(ws for ws in sheets if ws.title.startswith("Participatiewerkplaats"))
    rij = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Start binnen 6 maanden na inschrijving")
    assert (rij[2], rij[3], rij[4], rij[7], rij[8]) == (None, None, None, None, "niet van toepassing")


def test_demo_a_withheld_afronding_share_withholds_its_verwijtbaar_row(db):
    """Walk finding: /kpi/?periode=2026&aanbieder=5 showed 'MAP afgerond binnen de termijn' as 'te weinig gegevens
    (1)' and under it 'MAP na de termijn: verwijtbaar | 0 | 0': no MAP was late, so the one was on time. The same
    on the comparison. Every aanbieder's dashboard and comparison column withholds the sub-row with its share."""
    manager = db.scalar(select(User).where(User.email == "contractmanager@hoorn.example.nl"))
    namen = {a.id: a.naam for a in db.scalars(select(Aanbieder))}
    periode = perioden.jaar(TODAY.year)
    vergelijking = kpi.vergelijking(db, manager, kpi.KpiFilters(), periode, TODAY, namen)
    gevallen = 0
    for a, _ in vergelijking.aanbieders:
        dashboard = kpi.dashboard(db, manager, kpi.KpiFilters(aanbieder_id=a), periode, TODAY)
        for resultaat in (next(r for r in vergelijking.per_aanbieder[a] if r.code == "afronding"),
                          dashboard.kpi("afronding")):
            for key in ("map", "pvt"):
                if resultaat.rij(key).achtergehouden:
                    gevallen += 1
                    sub = resultaat.rij(f"{key}_verwijtbaar")
                    assert sub.achtergehouden and not sub.toont_aantallen, (namen[a], key)
    assert gevallen  # the demo has such an aanbieder
