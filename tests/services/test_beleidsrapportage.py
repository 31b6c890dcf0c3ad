"""The beleidsrapportage counts everyone by the PIP in force on the peildatum (portal.domain.pip.van_kracht): the
route tables and the status table put a withdrawn PIP in the same column, so their counts agree."""

from __future__ import annotations

from datetime import date

from portal.domain.perioden import jaar
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, Rol
from portal.services import kpi
from portal.services.kpi import KpiFilters, beleid
from tests.factories import (
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)
from tests.factories_chain import PipIntrekkingFactory

VANDAAG = date(2026, 11, 20)


def test_a_withdrawn_pip_is_in_the_same_column_of_every_table(db):
    hoorn = GemeenteFactory(naam="Hoorn")
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[hoorn])
    contract = ContractFactory(gemeenten=[hoorn], startdatum=date(2026, 1, 1), einddatum=date(2027, 12, 31))
    InburgeraarFactory(gemeente=hoorn, doelgroep=Doelgroep.ASIELSTATUSHOUDER,
                       datum_brp_inschrijving=date(2026, 2, 1))  # no PIP yet
    for ingetrokken in (None, date(2026, 10, 1)):  # one PIP in force, one withdrawn; both in a running B1-route
        persoon = InburgeraarFactory(gemeente=hoorn, doelgroep=Doelgroep.ASIELSTATUSHOUDER,
                                     datum_brp_inschrijving=date(2026, 2, 1))
        pip = PipFactory(inburgeraar=persoon, dagtekening=date(2026, 3, 1), leerroute=Leerroute.B,
                         niveau=NiveauPip.B1)
        verwijzing = VerwijzingFactory(inburgeraar=persoon, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                                       beoogde_startdatum=date(2026, 4, 1), uiterste_einddatum=date(2027, 4, 1))
        TrajectStartFactory(verwijzing=verwijzing, gerealiseerde_startdatum=date(2026, 4, 1))
        if ingetrokken:
            PipIntrekkingFactory(pip=pip, datum=ingetrokken)
    db.flush()

    periode = jaar(2026)
    g = kpi.gegevens(db, manager, KpiFilters(gemeente_id=hoorn.id), periode, VANDAAG)
    rapport = beleid.opstellen(g, "Hoorn", periode, VANDAAG, 80)
    tabellen = {t.titel: t for t in rapport.tabellen}
    routes = tabellen["Aantallen naar leerroute"]
    asiel = dict(routes.rijen)[Doelgroep.ASIELSTATUSHOUDER.label]
    per_route = dict(zip(routes.kolommen, asiel, strict=True))
    assert (per_route[Leerroute.B.label], per_route[beleid.GEEN_PIP]) == (1, 2)
    status = tabellen["Status op de peildatum"]
    stand = dict(zip(status.kolommen, dict(status.rijen)[Doelgroep.ASIELSTATUSHOUDER.label], strict=True))
    assert stand == {beleid.GEEN_PIP: 2, "PIP van kracht, niet in een leerroute": 0, "In een leerroute": 1}
    assert beleid.GEEN_PIP == "Geen PIP van kracht"  # not "Nog geen PIP": one of them had a PIP
