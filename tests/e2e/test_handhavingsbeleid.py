"""In a real browser: the functioneel beheerder sets a gemeente's handhaving beleid and Z-route norm in Dutch
notation, sees plain-Dutch errors, and the screens have no serious or critical axe-core violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BEHEERDER = "beheer@werksaam.example.nl"
TERMIJN = "Maximum aan boetes per inburgeringstermijn (euro)"
ESCALATIE = "Escalatie van boetes bij het PIP"
NORM = "Urennorm Z-route taal voor gezinsmigranten (uren)"


def test_beheerder_sets_a_gemeentes_handhaving_beleid(page_as, axe):
    page = page_as(BEHEERDER)
    page.goto("/beheer/handhavingsbeleid")
    expect(page.get_by_role("heading", level=1)).to_have_text("Handhavingsbeleid en normen")
    assert axe(page) == []

    rij = page.locator("table tbody tr").last
    rij.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Handhavingsbeleid "))
    oud = {label: page.get_by_label(label).input_value() for label in (TERMIJN, ESCALATIE, NORM)}

    page.get_by_label(TERMIJN).fill("2.500")
    page.get_by_label(ESCALATIE).fill("100\n50")
    page.get_by_label(NORM).press("Enter")
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("De wet staat per inburgeringstermijn van drie jaar ten hoogste € 2.400,00 toe.")
    expect(summary).to_contain_text("Stap 2 (€ 50,00) is lager dan stap 1 (€ 100,00)")
    expect(page.get_by_label(TERMIJN)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(TERMIJN)).to_have_value("2.500")  # what was typed stays
    assert axe(page) == []

    page.get_by_label(TERMIJN).fill("€ 1.600,00")
    page.get_by_label(ESCALATIE).fill("50\n100\n200\n400\n800")
    page.get_by_label(NORM).fill("700")
    page.get_by_role("button", name="Opslaan").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("zijn opgeslagen")
    rij = page.locator("table tbody tr").last
    expect(rij).to_contain_text("€ 1.600,00")
    expect(rij).to_contain_text("€ 50,00 → € 100,00 → € 200,00 → € 400,00 → € 800,00")
    expect(rij).to_contain_text("700 uur")

    # Put the demo's values back, so the other browser tests see the demo region as loaded.
    rij.get_by_role("link").click()
    for label, value in oud.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("zijn opgeslagen")
