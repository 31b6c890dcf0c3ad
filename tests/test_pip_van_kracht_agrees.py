"""One rule for "the PIP in force" (portal.domain.pip.van_kracht): after a withdrawal, every reader agrees that no PIP
is in force from that day, and before it that the withdrawn version still was — the case and regie screens (the
model), the KPIs, the signals, the required exam levels, billing's checks, the CBS file and DUO's PIP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.domain.perioden import Kwartaal
from portal.models import BerichtSoort, DeclaratieRegel, Presentie
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol
from portal.services import resultaten, signalen
from portal.services.billing.derive import derive
from portal.services.billing.rules import periode_uit_code
from portal.services.chain import cbs, duo
from portal.services.kpi import KpiFilters
from portal.services.kpi.gegevens import load
from tests.factories import (
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PrestatieIndicatorFactory,
    TariefFactory,
    UserFactory,
    VerwijzingFactory,
)
from tests.factories_chain import PipIntrekkingFactory

pytestmark = pytest.mark.usefixtures("app_ctx")

INGETROKKEN = date(2026, 8, 10)
VANDAAG = date(2026, 11, 20)


def test_every_reader_agrees_a_withdrawn_pip_is_none_from_its_date(db):
    hoorn = GemeenteFactory(naam="Hoorn", oin="00000001000000405000")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[hoorn])
    persoon = InburgeraarFactory(gemeente=hoorn, klantregisseur=regisseur)
    pip = PipFactory(inburgeraar=persoon, dagtekening=date(2026, 3, 1), leerroute=Leerroute.B, niveau=NiveauPip.B1)
    contract = ContractFactory(gemeenten=[hoorn], startdatum=date(2026, 1, 1), einddatum=date(2027, 12, 31))
    indicator = PrestatieIndicatorFactory(contract=contract, code="UUR")
    TariefFactory(indicator=indicator, geldig_vanaf=date(2026, 1, 1))
    verwijzing = VerwijzingFactory(inburgeraar=persoon, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                                   beoogde_startdatum=date(2026, 4, 1), uiterste_einddatum=date(2027, 4, 1))
    for dag in (date(2026, 7, 20), date(2026, 8, 20)):  # one prestatie before the withdrawal, one after
        db.add(Presentie(verwijzing_id=verwijzing.id, datum=dag, activiteit="taalles_knm", uren_aanwezig=Decimal(3),
                         uren_afwezig_geoorloofd=Decimal(0), uren_afwezig_ongeoorloofd=Decimal(0)))
    PipIntrekkingFactory(pip=pip, datum=INGETROKKEN)
    db.flush()
    db.refresh(persoon)

    # The model and the screens (cases.onderdeel_fout, resultaten.vereist_niveau): none in force now.
    assert persoon.pip_van_kracht is None and resultaten.vereist_niveau(db, persoon) == {}
    # The signals (regie, case page): no leerroute.
    case = signalen.caseload(db, regisseur, today=VANDAAG, filters=signalen.Filters(inburgeraar_id=persoon.id))[0]
    assert (case.leerroute, case.niveau) == (None, None)
    # The KPIs: in force in Q2, none in Q3.
    kpi = {k: load(db, manager, KpiFilters(), [k], VANDAAG).inburgeraars[0] for k in (Kwartaal(2026, 2),
                                                                                   Kwartaal(2026, 3))}
    assert (kpi[Kwartaal(2026, 2)].leerroute, kpi[Kwartaal(2026, 3)].leerroute) == (Leerroute.B, None)
    # The CBS file: the leerroute on the last day of the period.
    assert cbs.rij(db, hoorn, persoon, date(2026, 7, 1), date(2026, 8, 9)).leerroute == "B"
    q3 = cbs.rij(db, hoorn, persoon, date(2026, 7, 1), date(2026, 9, 30))
    assert (q3.leerroute, q3.pip_ingetrokken) == ("", INGETROKKEN)
    # DUO: no PIP body, the PIP is deleted.
    assert duo.pip_body(persoon) is None
    pip_wensen = [w for w in duo.gewenst(db, persoon, hoorn.id, duo.Bijgewerkt()) if w.soort is BerichtSoort.PIP]
    assert [w.methode for w in pip_wensen] == ["DELETE"]
    # Billing: the prestatie after the withdrawal is a finding, the one before is not.
    for code in ("2026-07", "2026-08"):
        derive(db, contract, periode_uit_code(code))
    pip_bevindingen = {r.prestatie.periode: [b["code"] for b in r.bevindingen or [] if b["code"] == "pip"]
                       for r in db.scalars(select(DeclaratieRegel))}
    assert pip_bevindingen == {"2026-07": [], "2026-08": ["pip"]}
