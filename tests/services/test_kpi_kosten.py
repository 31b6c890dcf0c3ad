"""The kosten KPI reads billing's approved amounts (credits netted, rejected regels not counted) per gemeente and
voorziening against the SPUK amount set for the year, and per inburgeraar against the SPUK amounts; the KPI
settings are validated and audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.domain import perioden
from portal.models import AuditEvent, KpiJaarInstelling
from portal.models.billing import DeclaratieStatus, RegelStatus
from portal.models.enums import Doelgroep, Onderdeel, Rol
from portal.services import ValidationError
from portal.services.kpi import KpiFilters, instellingen
from portal.services.kpi.kosten import kosten
from tests.factories import (
    ContractFactory,
    DeclaratieFactory,
    DeclaratieRegelFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PrestatieFactory,
    UserFactory,
    VerwijzingFactory,
)

J2026 = perioden.jaar(2026)


@pytest.fixture
def regio(db):
    gemeente, elders = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Elders")
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    contract = ContractFactory(gemeenten=[gemeente, elders])
    declaratie = DeclaratieFactory(contract=contract, gemeente_id=gemeente.id, status=DeclaratieStatus.INGEDIEND)
    vreemd = DeclaratieFactory(contract=contract, gemeente_id=elders.id, status=DeclaratieStatus.INGEDIEND)
    return {"gemeente": gemeente, "elders": elders, "manager": manager, "contract": contract,
            "declaratie": declaratie, "vreemd": vreemd}


def _regel(regio, doelgroep, onderdeel, cent, status, declaratie=None, gemeente=None, **kw):
    persoon = InburgeraarFactory(gemeente=gemeente or regio["gemeente"], doelgroep=doelgroep)
    verwijzing = VerwijzingFactory(inburgeraar=persoon, contract=regio["contract"], onderdeel=onderdeel)
    prestatie = PrestatieFactory(verwijzing=verwijzing, prestatiedatum=date(2026, 11, 30),
                                 indicator__onderdeel=onderdeel)
    return DeclaratieRegelFactory(prestatie=prestatie, declaratie=declaratie or regio["declaratie"],
                                  bedrag_cent=cent, status=status, **kw)


def test_approved_costs_per_voorziening_against_the_spuk_amount(db, regio):
    leerroute = _regel(regio, Doelgroep.ASIELSTATUSHOUDER, Onderdeel.B1_ROUTE, 15_000, RegelStatus.GOEDGEKEURD)
    # Corrected: a credit of the whole line and a new approved one on the same prestatie.
    DeclaratieRegelFactory(prestatie=leerroute.prestatie, declaratie=regio["declaratie"], bedrag_cent=-15_000,
                           status=RegelStatus.GOEDGEKEURD, credit_van_regel_id=leerroute.id)
    DeclaratieRegelFactory(prestatie=leerroute.prestatie, declaratie=regio["declaratie"], bedrag_cent=12_000,
                           status=RegelStatus.GOEDGEKEURD)
    _regel(regio, Doelgroep.ASIELSTATUSHOUDER, Onderdeel.PVT, 5_000, RegelStatus.GOEDGEKEURD)
    _regel(regio, Doelgroep.ASIELSTATUSHOUDER, Onderdeel.PVT, 9_999, RegelStatus.AFGEWEZEN,
           afwijsreden="dubbel")
    _regel(regio, Doelgroep.ASIELSTATUSHOUDER, Onderdeel.PVT, 77_777, RegelStatus.GOEDGEKEURD,
           declaratie=regio["vreemd"], gemeente=regio["elders"])  # another gemeente: out of scope
    instellingen.opslaan(db, regio["manager"], regio["gemeente"],
                         instellingen.InstellingInput(jaar="2026", spuk_bedrag="17.000,00"))

    r = kosten(db, regio["manager"], KpiFilters(), J2026, date(2026, 12, 3))
    waarden = {rij.label: rij.waarde for rij in r.rijen}
    assert waarden["Hoorn 2026, Leerroute: goedgekeurd"] == 12_000
    assert waarden["Hoorn 2026, PVT: goedgekeurd"] == 5_000
    assert not any("Elders" in label for label in waarden)
    assert r.rij("spuk-Hoorn-2026").waarde == 1  # 170 euro of 17,000 = 1.0%


def test_cost_per_inburgeraar_against_the_spuk_amounts(db, regio):
    for cent in (50_000, 58_900, 60_000, 70_000, 80_000):  # gezinsmigranten; the norm is 589 euro
        _regel(regio, Doelgroep.GEZINSMIGRANT_OVERIG, Onderdeel.PVT, cent, RegelStatus.GOEDGEKEURD)
    r = kosten(db, regio["manager"], KpiFilters(), J2026, date(2026, 12, 3))
    boven = r.rij("boven-gezinsmigrant_overig").aandeel
    assert (boven.aantal, boven.totaal) == (3, 5)  # 589 itself is not above
    assert r.rij("mediaan-gezinsmigrant_overig").waarde == 60_000
    assert r.rij("mediaan-asielstatushouder").waarde is None


def test_settings_are_validated_and_audited(db, regio):
    with pytest.raises(ValidationError) as error:
        instellingen.opslaan(db, regio["manager"], regio["gemeente"], instellingen.InstellingInput(
            jaar="26", spuk_bedrag="-5", streef_start_6_maanden_pct="120"))
    assert set(error.value.errors) == {"jaar", "spuk_bedrag", "streef_start_6_maanden_pct"}
    row = instellingen.opslaan(db, regio["manager"], regio["gemeente"],
                               instellingen.InstellingInput(jaar="2026", streef_start_6_maanden_pct="75"))
    assert db.scalars(select(KpiJaarInstelling)).one() is row
    assert instellingen.streefwaarde(db, regio["gemeente"].id, 2026, 80) == 75
    assert instellingen.streefwaarde(db, regio["gemeente"].id, 2025, 80) == 80
    assert instellingen.streefwaarde(db, None, 2026, 80) == 80
    event = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "kpi_jaar_instelling")).one()
    assert event.details["nieuw"] == {"spuk_bedrag_cent": None, "streef": 75}
