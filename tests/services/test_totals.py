"""Derived totals: DUO's counters, the hour norms and attendance, recomputed from the sessions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal.models.enums import Doelgroep, Onderdeel, Rol
from portal.models.traject import Activiteit
from portal.services import totals
from portal.services.presentie import PresentieInput, register
from tests.factories import (
    ContractFactory,
    InburgeraarFactory,
    PresentieFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 11, 20)
START = date(2026, 1, 5)


def verwijzing_for(inburgeraar, onderdeel, contract=None):
    verwijzing = VerwijzingFactory(inburgeraar=inburgeraar, onderdeel=onderdeel, beoogde_startdatum=START,
                                   **({"contract": contract} if contract else {}))
    TrajectStartFactory(verwijzing=verwijzing, gerealiseerde_startdatum=START)
    return verwijzing


def sessie(verwijzing, days_ago, activiteit, aanwezig, afwezig=0):
    return PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=days_ago), activiteit=activiteit,
                            uren_aanwezig=Decimal(aanwezig), uren_afwezig_ongeoorloofd=Decimal(afwezig),
                            reden_afwezig="Zonder bericht" if afwezig else None)


def test_duo_counters_and_norms_follow_from_the_sessions(db):
    inburgeraar = InburgeraarFactory(doelgroep=Doelgroep.ASIELSTATUSHOUDER)
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[inburgeraar.gemeente])
    z_taal = verwijzing_for(inburgeraar, Onderdeel.Z_ROUTE_TAAL)
    z_part = verwijzing_for(inburgeraar, Onderdeel.Z_ROUTE_PARTICIPATIE)
    map_v = verwijzing_for(inburgeraar, Onderdeel.MAP)
    pvt = verwijzing_for(inburgeraar, Onderdeel.PVT)
    sessie(z_taal, 1, Activiteit.TAALLES_KNM, "3.5")
    sessie(z_taal, 2, Activiteit.TAALLES_KNM, "3")
    sessie(z_taal, 200, Activiteit.BREDE_INTAKE, "2")
    sessie(z_part, 3, Activiteit.PARTICIPATIE, "4")
    sessie(map_v, 4, Activiteit.MAP_PRAKTIJK, "40")
    sessie(pvt, 5, Activiteit.PVT, "6")

    result = totals.for_inburgeraar(db, regisseur, inburgeraar, TODAY)

    counters = {t.label: t for t in result.duo_tellers}
    assert counters["Taalles en KNM bij de cursusinstelling"].uren == Decimal("6.5")
    assert counters["Taalles en KNM bij de cursusinstelling"].duo_waarde == 6  # DUO takes whole hours
    assert counters["Taalles en KNM tijdens de brede intake"].uren == 2
    assert counters["Participatieactiviteiten (met maatschappelijke begeleiding)"].uren == 4
    norms = {n.label: n for n in result.normen}
    assert (norms["MAP praktijkdeel"].uren, norms["MAP praktijkdeel"].norm, norms["MAP praktijkdeel"].behaald) == (
        40, 40, True)
    assert (norms["PVT"].uren, norms["PVT"].norm, norms["PVT"].percentage) == (6, 12, 50)
    assert (norms["Z-route taal"].uren, norms["Z-route taal"].norm) == (Decimal("6.5"), 800)
    assert (norms["Z-route participatie"].uren, norms["Z-route participatie"].norm) == (4, 800)


def test_z_route_participatie_norm_only_for_asielstatushouders(db):
    inburgeraar = InburgeraarFactory(doelgroep=Doelgroep.GEZINSMIGRANT_OVERIG)
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[inburgeraar.gemeente])
    verwijzing_for(inburgeraar, Onderdeel.Z_ROUTE_TAAL)
    verwijzing_for(inburgeraar, Onderdeel.Z_ROUTE_PARTICIPATIE)
    labels = [n.label for n in totals.for_inburgeraar(db, regisseur, inburgeraar, TODAY).normen]
    assert labels == ["Z-route taal"]


def test_attendance_over_the_last_four_weeks_and_the_whole_traject(db):
    inburgeraar = InburgeraarFactory()
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[inburgeraar.gemeente])
    v = verwijzing_for(inburgeraar, Onderdeel.B1_ROUTE)
    sessie(v, 0, Activiteit.TAALLES_KNM, "3", afwezig="1")   # within 28 days
    sessie(v, 27, Activiteit.TAALLES_KNM, "4")               # day 28 of the window
    sessie(v, 28, Activiteit.TAALLES_KNM, "0", afwezig="4")  # just outside
    result = totals.for_inburgeraar(db, regisseur, inburgeraar, TODAY)
    assert result.presentie_recent == Decimal("87.5")     # 7 / 8
    assert result.presentie_traject == Decimal("58.3")    # 7 / 12
    assert result.recent_vanaf == TODAY - timedelta(days=27)


def test_no_sessions_means_no_percentage(db):
    inburgeraar = InburgeraarFactory()
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[inburgeraar.gemeente])
    result = totals.for_inburgeraar(db, regisseur, inburgeraar, TODAY)
    assert result.presentie_recent is None and result.presentie_traject is None and not result.heeft_registraties


def test_totals_are_recomputed_after_a_correction(db):
    inburgeraar = InburgeraarFactory()
    contract = ContractFactory(startdatum=date(2026, 1, 1))
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    v = verwijzing_for(inburgeraar, Onderdeel.B1_ROUTE, contract=contract)
    item = {"regel": 1, "verwijzing_id": v.id, "datum": "17-11-2026", "activiteit": "taalles_knm"}
    register(db, medewerker, [PresentieInput(**item, uren_aanwezig="3")], TODAY)
    assert totals.for_inburgeraar(db, medewerker, inburgeraar, TODAY).duo_tellers[0].uren == 3
    register(db, medewerker, [PresentieInput(**item, uren_aanwezig="2,25")], TODAY)
    assert totals.for_inburgeraar(db, medewerker, inburgeraar, TODAY).duo_tellers[0].uren == Decimal("2.25")


def test_a_provider_sees_only_totals_of_its_own_verwijzingen(db):
    inburgeraar = InburgeraarFactory()
    own = verwijzing_for(inburgeraar, Onderdeel.B1_ROUTE)
    other = verwijzing_for(inburgeraar, Onderdeel.MAP)
    sessie(own, 1, Activiteit.TAALLES_KNM, "3")
    sessie(other, 1, Activiteit.MAP_PRAKTIJK, "5")
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=own.aanbieder)
    result = totals.for_inburgeraar(db, medewerker, inburgeraar, TODAY)
    assert result.uren_aanwezig == 3 and result.normen == []
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[inburgeraar.gemeente])
    assert totals.for_inburgeraar(db, regisseur, inburgeraar, TODAY).uren_aanwezig == 8
