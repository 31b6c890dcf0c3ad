"""The threshold screens: a functioneel beheerder keeps its gemeenten's, a contractmanager its contracts'."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, ContractSignaalDrempels, SignaalDrempels
from portal.models.enums import Rol
from portal.models.signaal import STANDAARD_DREMPELS
from tests.factories import AanbiederFactory, ContractFactory, GemeenteFactory, UserFactory
from tests.helpers import post_form


@pytest.fixture
def beheerder(db, gemeente):
    return UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])


def _form(**changes: object) -> dict[str, str]:
    return {**{name: str(value) for name, value in STANDAARD_DREMPELS.items()}, **changes}


def test_beheerder_sees_its_gemeenten_with_the_defaults_and_a_menu_entry(db, login_as, beheerder, gemeente):
    GemeenteFactory(naam="Elders")
    html = login_as(beheerder).get("/beheer/signaaldrempels").get_data(as_text=True)
    assert 'href="/beheer/signaaldrempels"' in html  # the menu
    assert gemeente.naam in html and "Elders" not in html
    assert "Minimale aanwezigheid" in html and "80%" in html and "14 dagen" in html


def test_beheerder_changes_a_gemeentes_thresholds(db, login_as, beheerder, gemeente):
    client = login_as(beheerder)
    url = f"/beheer/signaaldrempels/{gemeente.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="80"' in page and "Standaard: 80%." in page

    response = post_form(client, url, _form(aanwezigheid_min_pct="70", weken_niet_gestart="3"))
    assert response.status_code == 302
    row = db.scalar(select(SignaalDrempels).where(SignaalDrempels.gemeente_id == gemeente.id))
    assert (row.aanwezigheid_min_pct, row.weken_niet_gestart, row.dagen_nieuw) == (70, 3, 14)
    overview = client.get("/beheer/signaaldrempels").get_data(as_text=True)
    assert f"De signaaldrempels van {gemeente.naam} zijn opgeslagen." in overview
    assert "Minimale aanwezigheid: 70%" in overview
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "signaaldrempels_gewijzigd")).actor_id \
        == beheerder.id

    # Back to the defaults.
    assert post_form(client, f"{url}/standaard", page_url=url).status_code == 302
    assert db.scalar(select(SignaalDrempels).where(SignaalDrempels.gemeente_id == gemeente.id)) is None


def test_invalid_input_shows_dutch_errors_on_the_fields(db, login_as, beheerder, gemeente):
    client = login_as(beheerder)
    url = f"/beheer/signaaldrempels/{gemeente.id}"
    response = post_form(client, url, _form(aanwezigheid_min_pct="150", dagen_late_start="twee"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Er zijn 2 fouten gevonden" in html
    assert "Het percentage moet tussen 0 en 100 liggen." in html
    assert "Het aantal dagen moet een heel getal zijn, zonder punt of komma." in html
    assert 'aria-invalid="true"' in html
    assert db.scalar(select(SignaalDrempels)) is None


def test_beheerder_cannot_reach_another_gemeente_and_other_roles_are_refused(db, login_as, beheerder):
    elders = GemeenteFactory()
    client = login_as(beheerder)
    assert client.get(f"/beheer/signaaldrempels/{elders.id}").status_code == 404
    assert post_form(client, f"/beheer/signaaldrempels/{elders.id}", _form(aanwezigheid_min_pct="10"),
                     page_url="/beheer/signaaldrempels").status_code == 404
    assert db.scalar(select(SignaalDrempels)) is None
    assert client.get("/beheer/contractdrempels").status_code == 403


def test_klantregisseur_may_not_change_thresholds(db, login_as, gemeente):
    client = login_as(UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente]))
    assert client.get("/beheer/signaaldrempels").status_code == 403
    assert client.get(f"/beheer/signaaldrempels/{gemeente.id}").status_code == 403


def test_contractmanager_sets_and_clears_a_contracts_attendance_threshold(db, login_as, gemeente):
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    contract = ContractFactory(kenmerk="C-OPM-1", aanbieder=AanbiederFactory(naam="Taalhuis Opmeer"),
                               gemeenten=[gemeente])
    vreemd = ContractFactory(kenmerk="C-ELDERS", gemeenten=[GemeenteFactory()])
    client = login_as(manager)

    overview = client.get("/beheer/contractdrempels").get_data(as_text=True)
    assert "C-OPM-1" in overview and "C-ELDERS" not in overview
    assert "Drempel van de gemeente" in overview

    url = f"/beheer/contractdrempels/{contract.id}"
    page = client.get(url).get_data(as_text=True)
    assert gemeente.naam in page and "80%" in page  # the gemeente's threshold, for comparison
    response = post_form(client, url, {"aanwezigheid_min_pct": "90", "dagen_geen_presentie": ""})
    assert response.status_code == 302
    row = db.scalar(select(ContractSignaalDrempels).where(ContractSignaalDrempels.contract_id == contract.id))
    assert (row.aanwezigheid_min_pct, row.dagen_geen_presentie) == (90, None)
    assert "90%" in client.get("/beheer/contractdrempels").get_data(as_text=True)

    response = post_form(client, url, {"aanwezigheid_min_pct": "9,5", "dagen_geen_presentie": ""})
    assert "Het percentage moet een heel getal zijn, zonder punt of komma." in response.get_data(as_text=True)

    assert post_form(client, url, {"aanwezigheid_min_pct": "", "dagen_geen_presentie": ""}).status_code == 302
    assert db.scalar(select(ContractSignaalDrempels)) is None

    # A contract outside the manager's gemeenten does not exist as far as it is concerned.
    assert client.get(f"/beheer/contractdrempels/{vreemd.id}").status_code == 404
    assert post_form(client, f"/beheer/contractdrempels/{vreemd.id}", {"aanwezigheid_min_pct": "10"},
                     page_url="/beheer/contractdrempels").status_code == 404
    assert db.scalar(select(ContractSignaalDrempels)) is None


def test_a_gemeentes_contractmanager_leaves_a_regional_contracts_thresholds_to_the_whole_contracts(
        db, login_as, regiocontract):
    contract, url = regiocontract["contract"], f"/beheer/contractdrempels/{regiocontract['contract'].id}"
    hoorn = login_as(regiocontract["hoorn_cm"])
    overview = hoorn.get("/beheer/contractdrempels").get_data(as_text=True)
    assert contract.kenmerk in overview and url not in overview
    assert hoorn.get(url).status_code == 403
    assert post_form(hoorn, url, {"aanwezigheid_min_pct": "50", "dagen_geen_presentie": ""},
                     page_url="/beheer/contractdrempels").status_code == 403
    assert db.scalar(select(ContractSignaalDrempels)) is None

    regionaal = login_as(regiocontract["regionaal"])
    assert url in regionaal.get("/beheer/contractdrempels").get_data(as_text=True)
    assert post_form(regionaal, url, {"aanwezigheid_min_pct": "90", "dagen_geen_presentie": ""}).status_code == 302
    assert db.scalar(select(ContractSignaalDrempels.aanwezigheid_min_pct)) == 90
