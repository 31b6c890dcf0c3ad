"""The billing run's set-based paths: multi-row inserts split over several statements, and the checks reading the
whole contract at once, give the same prestaties, regels and findings as row by row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models import DeclaratieRegel, Prestatie
from portal.models.enums import Leerroute, Onderdeel
from portal.services.billing import bulk, checks
from portal.services.billing.derive import derive
from portal.services.billing.rules import bedrag_cent
from tests.factories import InburgeraarFactory, PipFactory, VerwijzingFactory
from tests.services.test_billing import NOV, PIP_DAG, sessie, wereld  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_a_run_in_many_insert_statements_and_with_contract_wide_checks_bills_every_prestatie_once(
        db, wereld, monkeypatch):  # noqa: F811
    monkeypatch.setattr(bulk, "_ROWS_PER_INSERT", 2)  # 7 regels: four INSERT statements, the last one half full
    monkeypatch.setattr(checks, "_BREED", 1)  # the checks read the whole contract, as in a large run
    verwijzingen = [wereld.verwijzing]
    for _ in range(5):
        persoon = InburgeraarFactory(gemeente=wereld.verwijzing.inburgeraar.gemeente)
        PipFactory(inburgeraar=persoon, dagtekening=PIP_DAG, leerroute=Leerroute.B)
        verwijzingen.append(VerwijzingFactory(
            inburgeraar=persoon, contract=wereld.contract, onderdeel=Onderdeel.B1_ROUTE,
            beoogde_startdatum=date(2026, 9, 1), uiterste_einddatum=date(2027, 9, 1), gecontracteerde_uren=600))
    dubbel = VerwijzingFactory(inburgeraar=wereld.verwijzing.inburgeraar, contract=wereld.contract,
                               onderdeel=Onderdeel.B1_ROUTE, beoogde_startdatum=date(2026, 9, 1),
                               uiterste_einddatum=date(2027, 9, 1), gecontracteerde_uren=600)
    verwijzingen.append(dubbel)
    uren = ["2.25", "3", "1.5", "0.75", "4", "2.5", "3.25"]
    for verwijzing, aanwezig in zip(verwijzingen, uren, strict=True):
        sessie(db, verwijzing, date(2026, 11, 3), aanwezig)
        sessie(db, verwijzing, date(2026, 11, 10), "1", afwezig="1")

    first = derive(db, wereld.contract, NOV)

    regels = list(db.scalars(select(DeclaratieRegel).order_by(DeclaratieRegel.prestatie_id)))
    assert first.nieuwe_regels == len(regels) == len(verwijzingen)
    for regel, verwijzing, aanwezig in zip(regels, verwijzingen, uren, strict=True):
        prestatie = db.get(Prestatie, regel.prestatie_id)
        assert prestatie.verwijzing_id == verwijzing.id
        assert prestatie.aantal == regel.aantal == Decimal(aanwezig) + 1
        assert regel.bedrag_cent == bedrag_cent(Decimal(aanwezig) + 1, 1250)
        assert prestatie.prestatiedatum == date(2026, 11, 10)
    codes = {db.get(Prestatie, r.prestatie_id).verwijzing_id: {b["code"] for b in r.bevindingen or []}
             for r in regels}
    assert "dubbel" in codes[wereld.verwijzing.id] and "dubbel" in codes[dubbel.id]
    assert not any("dubbel" in codes[v.id] for v in verwijzingen[1:-1])
    assert derive(db, wereld.contract, NOV).nieuwe_regels == 0
