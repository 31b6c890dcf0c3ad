"""The SPUK pages through the web, as the contractmanager: costs per gemeente and voorziening with the SPUK amount,
per inburgeraar with the SPUK per person (audited, since names are shown), the exports, and the contract page's
budget against what was spent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.models import AuditEvent
from portal.services.billing import contracten
from portal.services.billing.derive import derive
from portal.services.kpi import instellingen
from tests.services.test_billing import sessie, wereld  # noqa: F401 - the fixture
from tests.services.test_spuk import NOV, _indienen_en_goedkeuren, _tolk


def test_contractmanager_sees_costs_per_voorziening_and_per_inburgeraar(app_ctx, db, wereld, login_as):  # noqa: F811
    gemeente = wereld.contract.gemeenten[0]
    instellingen.opslaan(db, wereld.manager, gemeente, instellingen.InstellingInput(jaar="2026", spuk_bedrag="52.301"))
    persoon = wereld.verwijzing.inburgeraar
    persoon.datum_brp_inschrijving = date(2026, 2, 1)
    _tolk(wereld)
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    db.commit()
    client = login_as(wereld.manager)

    page = client.get("/declaraties/kosten").get_data(as_text=True)
    assert "Tolken" in page and "€ 75,00" in page and "€ 37,50" in page
    assert "€ 52.301,00" in page and "€ 52.188,50" in page  # the SPUK amount and what is left of it

    page = client.get("/declaraties/kosten/inburgeraars").get_data(as_text=True)
    assert persoon.achternaam in page and "€ 12.712,00" in page
    assert "2026: € 112,50 van € 7.712,00" in page and "2027: € 0,00 van € 4.000,00" in page
    gezien = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "spuk_kosten_inburgeraars")).all()
    assert [e.details["inburgeraar_ids"] for e in gezien] == [[persoon.id]]

    csv_body = client.get(f"/declaraties/kosten/inburgeraars.csv?gemeente={gemeente.id}").get_data(as_text=True)
    assert f"\r\n{persoon.id};Asielstatushouder;2026;Hoorn;" in csv_body and persoon.achternaam not in csv_body
    xlsx = client.get("/declaraties/kosten/inburgeraars.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    assert client.get("/declaraties/kosten/inburgeraars?gemeente=999999").status_code == 404


def test_the_contract_page_shows_budget_against_spent(app_ctx, db, wereld, login_as):  # noqa: F811
    gemeente = wereld.contract.gemeenten[0]
    contracten.set_budget(db, wereld.manager, wereld.contract, contracten.BudgetInput(
        gemeente_id=str(gemeente.id), jaar="2026", bedrag="€ 1.000"))
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    db.commit()
    page = login_as(wereld.manager).get(f"/contracten/{wereld.contract.id}").get_data(as_text=True)
    rij = page[page.index("Hoorn 2026"):]
    rij = rij[:rij.index("</tr>")]
    assert [
        cel.split(">")[-1] for cel in rij.split("</td>")[:-1]] == ["€ 1.000,00", "€ 37,50", "€ 37,50", "€ 962,50"]
