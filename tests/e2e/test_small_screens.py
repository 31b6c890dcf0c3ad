"""At 375 px (a small phone) the main pages never scroll sideways, wide tables scroll inside a labelled region
you can reach with the keyboard, and axe finds nothing serious or critical."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"
PHONE = {"width": 375, "height": 800}


def sideways_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_regie_list_fits_a_phone_and_shows_the_signals(page_as, axe):
    page = page_as(KLANTREGISSEUR)
    page.set_viewport_size(PHONE)
    page.goto("/regie/?alle=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Regie: caseload met signalen")
    assert sideways_overflow(page) <= 0
    # The first row's signals are on screen, not in a column off to the right.
    signalen = page.locator("#regie-resultaten tbody tr").first.locator("td[data-label='Signalen']")
    box = signalen.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert axe(page) == []
