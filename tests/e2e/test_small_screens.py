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


def _case_of_the_caseload(live_server) -> int:
    """A case of the demo klantregisseur with a waiting afschalingsverzoek: the fullest case page of the demo."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models.resultaat import AfschalingStatus, Afschalingsverzoek

    with live_server.app.app_context():
        return db.session.scalar(select(Afschalingsverzoek.inburgeraar_id).where(
            Afschalingsverzoek.status == AfschalingStatus.INGEDIEND).order_by(Afschalingsverzoek.id))


def test_case_page_fits_1280_and_a_phone_with_wide_tables_in_focusable_regions(page_as, axe, live_server):
    inburgeraar_id = _case_of_the_caseload(live_server)
    page = page_as(KLANTREGISSEUR)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/inburgeraars/{inburgeraar_id}")
    assert sideways_overflow(page) <= 0
    # At 1280 px the verwijzingen table is not cut off: it fits its column without scrolling.
    verwijzingen = page.locator("#kop-verwijzingen ~ .portal-table-wrap").first
    assert verwijzingen.evaluate("el => el.scrollWidth <= el.clientWidth + 1")

    page.set_viewport_size(PHONE)
    page.reload()
    assert sideways_overflow(page) <= 0
    # Every wrapper that scrolls is a labelled region the keyboard can reach.
    scrolling = page.evaluate("""() => [...document.querySelectorAll('.portal-table-wrap, .portal-scroll')]
        .filter(el => el.scrollWidth > el.clientWidth + 1)
        .map(el => [el.getAttribute('role'), el.getAttribute('tabindex'), el.getAttribute('aria-label')])""")
    assert scrolling and all(r == "region" and t == "0" and label for r, t, label in scrolling)
    assert axe(page) == []
