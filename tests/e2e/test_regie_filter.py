"""In a real browser: ticking "alle inburgeraars" reveals the klantregisseur filter at once, without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_klantregisseur_filter_appears_with_the_whole_gemeente(page_as):
    page = page_as("klantregisseur@werksaam.example.nl")
    page.goto("/regie/")
    filter_ = page.get_by_label("Klantregisseur", exact=True)
    expect(filter_).to_be_hidden()
    page.get_by_label("Alle inburgeraars van mijn gemeente(n), niet alleen mijn caseload").check()
    expect(filter_).to_be_visible()
    expect(filter_).to_be_enabled()
    page.get_by_label("Alle inburgeraars van mijn gemeente(n), niet alleen mijn caseload").uncheck()
    expect(filter_).to_be_hidden()
