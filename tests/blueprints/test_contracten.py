"""A regional contract shared by gemeenten: each gemeente's contractmanager sets its own budget and its own tarieven;
the other gemeenten's, and a tarief for all of them, are for whoever manages the whole contract."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.models import ContractBudget, Tarief
from tests.helpers import post_form


@pytest.fixture
def regio(regiocontract):
    """Hoorn and Enkhuizen's regional contract (tests/conftest.py)."""
    return regiocontract


def _budget(client, regio, gemeente):
    return post_form(client, f"/contracten/{regio['contract'].id}/budget",
                     {"gemeente_id": str(gemeente.id), "jaar": str(date.today().year), "bedrag": "1000"})


def _tarief(client, regio, gemeente):
    return post_form(client, f"/contracten/{regio['contract'].id}/indicatoren/{regio['indicator'].id}/tarief",
                     {"gemeente_id": str(gemeente.id) if gemeente else "", "geldig_vanaf": "01-01-2020",
                      "bedrag": "12,50", "eenheid": "uur"})


def _budgets(db):
    return {b.gemeente_id for b in db.scalars(select(ContractBudget))}


def _tarieven(db):
    return [t.gemeente_id for t in db.scalars(select(Tarief))]


def test_a_gemeentes_contractmanager_sets_only_its_own_budget_and_tarief(login_as, db, regio):
    client = login_as(regio["hoorn_cm"])
    form = client.get(f"/contracten/{regio['contract'].id}/budget").get_data(as_text=True)
    assert "Hoorn" in form and "Enkhuizen" not in form
    assert _budget(client, regio, regio["enkhuizen"]).status_code == 422
    assert _tarief(client, regio, regio["enkhuizen"]).status_code == 422
    assert _tarief(client, regio, None).status_code == 422  # for all gemeenten: Enkhuizen's too
    assert _budgets(db) == set() and _tarieven(db) == []

    assert _budget(client, regio, regio["hoorn"]).status_code == 302
    assert _tarief(client, regio, regio["hoorn"]).status_code == 302
    assert _budgets(db) == {regio["hoorn"].id} and _tarieven(db) == [regio["hoorn"].id]


def test_the_contractmanager_of_the_whole_contract_sets_every_gemeentes(login_as, db, regio):
    client = login_as(regio["regionaal"])
    assert _budget(client, regio, regio["enkhuizen"]).status_code == 302
    assert _tarief(client, regio, None).status_code == 302
    assert _budgets(db) == {regio["enkhuizen"].id} and _tarieven(db) == [None]
