"""The SPUK pages through the web, as the contractmanager: costs per gemeente and voorziening with the SPUK amount,
per inburgeraar with the SPUK per person (audited, since names are shown), the exports, and the contract page's
budget against what was spent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.models import AuditEvent, Declaratie, KostenTotaal
from portal.models.enums import Rol
from portal.services import kept_totals
from portal.services.billing import contracten, kosten_totalen
from portal.services.billing import declaraties as dcl
from portal.services.billing.derive import derive
from portal.services.kpi import instellingen
from tests.factories import GemeenteFactory, UserFactory
from tests.services.test_billing import sessie, wereld  # noqa: F401 - the fixture
from tests.services.test_spuk import NA_NOV, NOV, _indienen_en_goedkeuren, _tolk


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


def _budgetrij(db, wereld, login_as, bedrag: str) -> str:  # noqa: F811
    """The contract page's Hoorn 2026 budget row after € 37,50 was declared and approved against `bedrag`."""
    gemeente = wereld.contract.gemeenten[0]
    contracten.set_budget(db, wereld.manager, wereld.contract, contracten.BudgetInput(
        gemeente_id=str(gemeente.id), jaar="2026", bedrag=bedrag))
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    db.commit()
    page = login_as(wereld.manager).get(f"/contracten/{wereld.contract.id}").get_data(as_text=True)
    rij = page[page.index("Hoorn 2026"):]
    return rij[:rij.index("</tr>")]


def test_the_contract_page_shows_budget_against_spent(app_ctx, db, wereld, login_as):  # noqa: F811
    rij = _budgetrij(db, wereld, login_as, "€ 1.000")
    assert [
        cel.split(">")[-1] for cel in rij.split("</td>")[:-1]] == ["€ 1.000,00", "€ 37,50", "€ 37,50", "€ 962,50"]


def test_an_exceeded_budget_says_by_how_much_without_a_double_negative(app_ctx, db, wereld, login_as):  # noqa: F811
    rij = _budgetrij(db, wereld, login_as, "€ 30")
    assert "€ 7,50 overschreden" in rij and "−€" not in rij


def test_costs_page_counts_submitted_declaraties_of_gemeenten_in_scope_only(app_ctx, db, wereld, login_as):  # noqa: F811
    """The page reads the kept totals: a concept declaratie does not count, approving moves the approved column,
    and a contractmanager of another gemeente sees none of it."""
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    db.commit()
    client = login_as(wereld.manager)
    assert "€ 37,50" not in client.get("/declaraties/kosten").get_data(as_text=True)  # still a concept

    declaratie = db.scalars(select(Declaratie)).one()
    dcl.submit(db, wereld.beheerder, declaratie, NA_NOV)
    db.commit()
    rij = client.get("/declaraties/kosten.csv").get_data(as_text=True)
    assert "\r\nHoorn;0405;2026;leerroute;3750;0\r\n" in rij
    dcl.approve_all_clean(db, wereld.manager, declaratie)
    db.commit()
    assert "\r\nHoorn;0405;2026;leerroute;3750;3750\r\n" in client.get("/declaraties/kosten.csv").get_data(as_text=True)
    assert kosten_totalen.differences(db) == []

    ander = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[GemeenteFactory(naam="Medemblik")])
    db.commit()
    vreemd = login_as(ander).get("/declaraties/kosten.csv").get_data(as_text=True)
    assert "Hoorn" not in vreemd and "3750" not in vreemd


def test_totalen_controleren_reports_and_repairs_kept_costs(app, app_ctx, db, wereld):  # noqa: F811
    sessie(db, wereld.verwijzing, date(2026, 11, 3), "3")
    derive(db, wereld.contract, NOV)
    _indienen_en_goedkeuren(db, wereld, NOV)
    kept_totals.rebuild(db)  # the test's session was stored around the presentie service
    db.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["totalen-controleren"])
    assert ok.exit_code == 0 and "Geen verschillen" in ok.output, ok.output

    totaal = db.scalars(select(KostenTotaal)).one()
    totaal.goedgekeurd_cent = 1
    db.commit()
    bad = runner.invoke(args=["totalen-controleren"])
    assert bad.exit_code == 1
    assert "bewaard 3750 gedeclareerd / 1 goedgekeurd cent, herberekend 3750 / 3750 cent" in bad.output

    fixed = runner.invoke(args=["totalen-controleren", "--herstellen"])
    assert fixed.exit_code == 0 and kosten_totalen.differences(db) == []
