"""Budgets and tarieven on a regional contract, through the billing service itself (the door every form, upload,
API call or script goes through): a gemeente's contractmanager sets only its own gemeente's budget and tarief;
another gemeente's, or a tarief for all of them, only whoever manages the whole contract."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import ContractBudget, PrestatieIndicator, Tarief
from portal.models.enums import Rol
from portal.services import NotAllowed, ValidationError
from portal.services.billing import contracten
from tests import factories


@pytest.fixture
def regio(regiocontract):
    """Hoorn and Enkhuizen's regional contract (tests/conftest.py); no request or app context, as in a script."""
    return regiocontract


def _budget(db, user, regio, gemeente):
    return contracten.set_budget(db, user, regio["contract"], contracten.BudgetInput(
        gemeente_id=str(gemeente.id), jaar=str(date.today().year), bedrag="1000"))


def _tarief(db, user, regio, gemeente):
    return contracten.add_tarief(db, user, regio["indicator"], contracten.TariefInput(
        gemeente_id=str(gemeente.id) if gemeente else None, geldig_vanaf="01-01-2020", bedrag="12,50",
        eenheid="uur"))


def test_hoorns_contractmanager_cannot_set_enkhuizens_budget(db, regio):
    with pytest.raises(ValidationError) as refused:
        _budget(db, regio["hoorn_cm"], regio, regio["enkhuizen"])
    assert "Kies een van uw gemeenten" in refused.value.errors["gemeente_id"]
    assert db.scalars(select(ContractBudget)).all() == []


@pytest.mark.parametrize("gemeente", ["enkhuizen", None], ids=["enkhuizen", "alle gemeenten"])
def test_hoorns_contractmanager_cannot_set_enkhuizens_tarief_nor_one_for_all_gemeenten(db, regio, gemeente):
    with pytest.raises(ValidationError) as refused:
        _tarief(db, regio["hoorn_cm"], regio, regio[gemeente] if gemeente else None)
    assert "Kies een van uw gemeenten" in refused.value.errors["gemeente_id"]
    assert db.scalars(select(Tarief)).all() == []


def test_hoorns_contractmanager_sets_hoorns_own_budget_and_tarief(db, regio):
    budget = _budget(db, regio["hoorn_cm"], regio, regio["hoorn"])
    tarief = _tarief(db, regio["hoorn_cm"], regio, regio["hoorn"])
    assert (budget.gemeente_id, budget.bedrag_cent) == (regio["hoorn"].id, 100_000)
    assert (tarief.gemeente_id, tarief.bedrag_cent) == (regio["hoorn"].id, 1250)


def test_the_contractmanager_of_the_whole_contract_sets_every_gemeentes_budget_and_a_tarief_for_all(db, regio):
    assert _budget(db, regio["regionaal"], regio, regio["enkhuizen"]).gemeente_id == regio["enkhuizen"].id
    assert _tarief(db, regio["regionaal"], regio, None).gemeente_id is None


def _instellingen(db, user, regio):
    return contracten.update_contract(db, user, regio["contract"], contracten.ContractInput(
        inkoopvorm="open_house", declaratieperiode="kwartaal", declaratietermijn_dagen="30"))


def _indicator(db, user, regio):
    return contracten.add_indicator(db, user, regio["contract"], contracten.IndicatorInput(
        code="NIEUW", naam="Start", onderdeel=regio["contract"].onderdelen[0].value, trigger="start"))


@pytest.mark.parametrize("wijziging", [_instellingen, _indicator], ids=["instellingen", "indicator"])
def test_hoorns_contractmanager_changes_nothing_that_holds_for_enkhuizen_too(db, regio, wijziging):
    contract = regio["contract"]
    voor = (contract.inkoopvorm, contract.declaratieperiode, contract.declaratietermijn_dagen)
    with pytest.raises(NotAllowed):
        wijziging(db, regio["hoorn_cm"], regio)
    db.refresh(contract)
    assert (contract.inkoopvorm, contract.declaratieperiode, contract.declaratietermijn_dagen) == voor
    assert db.scalars(select(PrestatieIndicator.code).where(PrestatieIndicator.contract_id == contract.id)).all() \
        == [regio["indicator"].code]


def test_the_contractmanager_of_the_whole_contract_changes_its_settings_and_indicators(db, regio):
    contract = _instellingen(db, regio["regionaal"], regio)
    assert (contract.declaratieperiode.value, contract.declaratietermijn_dagen) == ("kwartaal", 30)
    assert _indicator(db, regio["regionaal"], regio).contract_id == contract.id


def test_a_beheerder_of_one_of_its_gemeenten_changes_no_contract_wide_setting(db, regio):
    beheerder = factories.UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[regio["hoorn"]])
    with pytest.raises(NotAllowed):
        _instellingen(db, beheerder, regio)
    beide = factories.UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[regio["hoorn"], regio["enkhuizen"]])
    assert _instellingen(db, beide, regio).declaratietermijn_dagen == 30


def test_hoorns_contractmanager_cannot_set_the_regional_contracts_attendance_thresholds(db, regio):
    from portal.models import ContractSignaalDrempels
    from portal.services import drempels

    invoer = drempels.ContractDrempelsInput(aanwezigheid_min_pct="50")
    with pytest.raises(NotAllowed):
        drempels.save_contract_drempels(db, regio["hoorn_cm"], regio["contract"], invoer)
    assert db.scalars(select(ContractSignaalDrempels)).all() == []
    assert drempels.save_contract_drempels(db, regio["regionaal"], regio["contract"], invoer).aanwezigheid_min_pct == 50
