"""In a real browser: the week grid confirms each save next to its row, keeps its columns when an error appears,
shows a focus ring nobody can miss, asks before overwriting a stored value, and fits a 375 px phone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Presentie
from tests.e2e.test_small_screens import PHONE, sideways_overflow
from tests.e2e.test_weekgrid import DOCENT, rooster  # noqa: F401 - rooster is a fixture

pytestmark = pytest.mark.e2e


def _uren(live_server, verwijzing_id: int, dag: date) -> Decimal | None:
    """Hours present stored for one verwijzing on one day."""
    with live_server.app.app_context():
        return db.session.scalar(select(Presentie.uren_aanwezig).where(
            Presentie.verwijzing_id == verwijzing_id, Presentie.datum == dag))


def test_row_confirmation_stable_columns_focus_ring_and_overwrite_question(page_as, live_server, rooster, axe):  # noqa: F811
    anna = rooster[0]
    year, week, _ = (date.today() - timedelta(days=14)).isocalendar()  # test_weekgrid fills last week
    page = page_as(DOCENT)
    page.goto(f"/presentie/week?week={year}-W{week:02d}&activiteit=taalles_knm&q=Roostertest")
    maandag = page.locator(f"#aanwezig-{anna}-0")
    cel = page.locator(f"#rij-{anna} td").first
    breedte = cel.bounding_box()["width"]

    # An impossible amount: the error appears in the cell, and the column keeps its width.
    maandag.fill("30")
    maandag.press("Enter")
    expect(page.locator(f"#fout-aanwezig-{anna}-0")).to_be_visible()
    assert abs(page.locator(f"#rij-{anna} td").first.bounding_box()["width"] - breedte) <= 1

    # Saved: the confirmation stands next to the row itself.
    page.locator(f"#aanwezig-{anna}-0").fill("2")
    page.locator(f"#aanwezig-{anna}-0").press("Enter")
    expect(page.locator(f"#rij-{anna} .portal-grid__bewaard")).to_contain_text("Opgeslagen voor Anna Roostertest")

    # The focus ring is thick and dark.
    veld = page.locator(f"#aanwezig-{anna}-0")
    veld.focus()
    assert veld.evaluate("el => getComputedStyle(el).outlineWidth") == "3px"

    # Overwriting the stored 2 asks first; cancelling keeps it, confirming saves the correction.
    # (On the page as loaded: the stored value comes from the database.)
    page.reload()
    veld = page.locator(f"#aanwezig-{anna}-0")
    vragen: list[str] = []
    page.once("dialog", lambda d: (vragen.append(d.message), d.dismiss()))
    veld.fill("3")
    veld.press("Enter")
    for _ in range(50):  # the question is asked before any request; give a loaded machine time to show it
        if vragen:
            break
        page.wait_for_timeout(100)
    assert vragen and "2 wordt 3" in vragen[0]
    maandag_datum = date.fromisocalendar(year, week, 1)
    assert _uren(live_server, anna, maandag_datum) == Decimal(2)
    page.once("dialog", lambda d: d.accept())
    page.locator(f"#aanwezig-{anna}-0").press("Enter")
    expect(page.locator(f"#rij-{anna} .portal-grid__bewaard")).to_contain_text("1 gecorrigeerd")
    assert _uren(live_server, anna, maandag_datum) == Decimal(3)
    assert axe(page) == []

    page.set_viewport_size(PHONE)
    page.reload()
    assert sideways_overflow(page) <= 0
    assert axe(page) == []
