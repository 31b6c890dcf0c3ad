"""In a real browser: the functioneel beheerder's threshold screens are usable by keyboard and have no serious or
critical axe-core violations, including the error state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BEHEERDER = "beheer@werksaam.example.nl"


def test_beheerder_changes_and_resets_a_gemeentes_thresholds(page_as, axe):
    page = page_as(BEHEERDER)
    page.goto("/beheer/signaaldrempels")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signaaldrempels")
    assert axe(page) == []

    page.locator("table").first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Signaaldrempels "))
    veld = page.get_by_label("Minimale aanwezigheid (procent)")
    expect(veld).to_have_value("80")
    veld.fill("150")
    veld.press("Enter")
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        "Minimale aanwezigheid (procent): Het percentage moet tussen 0 en 100 liggen.")
    expect(page.get_by_label("Minimale aanwezigheid (procent)")).to_have_attribute("aria-invalid", "true")
    assert axe(page) == []

    page.get_by_label("Minimale aanwezigheid (procent)").fill("70")
    page.get_by_role("button", name="Opslaan").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("zijn opgeslagen")
    expect(page.locator("table").first).to_contain_text("Minimale aanwezigheid: 70%")

    # Back to the defaults, so the other browser tests see the demo region as loaded.
    page.locator("table").first.get_by_role("link").first.click()
    page.get_by_role("button", name="Standaarddrempels gebruiken").click()
    expect(page.get_by_role("status")).to_contain_text("gebruikt weer de standaarddrempels")
