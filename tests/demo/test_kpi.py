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
