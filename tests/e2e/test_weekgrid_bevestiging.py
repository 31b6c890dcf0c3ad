"""In a real browser: the week grid confirms each save next to its row, keeps its columns when an error appears,
shows a focus ring nobody can miss, asks before overwriting a stored value, and fits a 375 px phone."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Presentie
from tests.e2e.test_small_screens import PHONE, sideways_overflow
from tests.e2e.test_weekgrid import DOCENT, rooster  # noqa: F401 - rooster is a fixture

pytestmark = pytest.mark.e2e
VRAAG_WACHTTIJD = 15  # seconds: the browser context's action timeout


def _uren(live_server, verwijzing_id: int, dag: date) -> Decimal | None:
    """Hours present stored for one verwijzing on one day."""
    with live_server.app.app_context():
        return db.session.scalar(select(Presentie.uren_aanwezig).where(
            Presentie.verwijzing_id == verwijzing_id, Presentie.datum == dag))


def _vraag_bij_enter(page: Page, veld: Locator, *, accept: bool) -> str:
    """Press Enter in a grid input and return the overwrite question it asks (answered as told).

    The question is a confirm() the page shows before any request; the browser reports it asynchronously, so
    this waits for it (up to the context's action timeout) instead of for a fixed time.
    """
    vragen: list[str] = []

    def antwoord(dialog: Dialog) -> None:
        vragen.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", antwoord)
    veld.press("Enter")
    deadline = time.monotonic() + VRAAG_WACHTTIJD
    while not vragen and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # lets Playwright deliver the dialog event; the loop ends on the event
    assert vragen, "Enter in the grid did not ask before overwriting a stored value"
    return vragen[0]


def _bewaard(page: Page, rij: Locator, bericht: str) -> None:
    """See the row's answer, and wait until the page has settled it: the status line is written together with the
    focus move to the next row, so typing before that would land wherever the focus goes (as it would for a user)."""
    expect(rij.locator(".portal-grid__bewaard")).to_contain_text(bericht)
    expect(page.locator("#presentie-status")).to_contain_text(bericht)


def _opslaan_zonder_vraag(page: Page, veld: Locator, rij: Locator, bericht: str) -> None:
    """Press Enter and see the row answered with this message, without a question asked first."""
    vragen: list[str] = []

    def noteer(dialog: Dialog) -> None:
        vragen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", noteer)
    veld.press("Enter")
    _bewaard(page, rij, bericht)
    page.remove_listener("dialog", noteer)
    assert vragen == []


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
    veld.fill("3")
    assert "2 wordt 3" in _vraag_bij_enter(page, veld, accept=False)
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


def test_the_question_is_asked_again_right_after_a_save_and_on_a_row_with_errors(page_as, live_server, rooster):  # noqa: F811
    """The value a row just stored is the new existing value, and a row returned with errors still knows what is
    stored: neither a second change straight after a save nor the retry of a refused row overwrites silently."""
    bilal = rooster[1]
    year, week, _ = (date.today() - timedelta(days=21)).isocalendar()  # a week the other grid tests leave alone
    maandag, dinsdag, woensdag = (date.fromisocalendar(year, week, d) for d in (1, 2, 3))
    page = page_as(DOCENT)
    page.goto(f"/presentie/week?week={year}-W{week:02d}&activiteit=taalles_knm&q=Roostertest")
    rij = page.locator(f"#rij-{bilal}")
    ma, di, wo = (page.locator(f"#aanwezig-{bilal}-{d}") for d in (0, 1, 2))

    # Nothing stored yet: saved without a question.
    ma.fill("2")
    _opslaan_zonder_vraag(page, ma, rij, "Opgeslagen voor Bilal Roostertest: 1 dag nieuw")
    expect(ma).to_have_attribute("value", "2")  # the swapped row came with what it stored

    # Straight after that htmx save, changing the same day asks; cancelling sends nothing.
    ma.fill("3")
    assert "2 wordt 3" in _vraag_bij_enter(page, ma, accept=False)
    assert _uren(live_server, bilal, maandag) == Decimal(2)
    assert "2 wordt 3" in _vraag_bij_enter(page, ma, accept=True)
    _bewaard(page, rij, "1 gecorrigeerd")
    assert _uren(live_server, bilal, maandag) == Decimal(3)

    # The correction just saved is now the existing value the next change is asked about (wait for the swapped row).
    expect(ma).to_have_attribute("value", "3")
    ma.fill("4")
    assert "3 wordt 4" in _vraag_bij_enter(page, ma, accept=False)

    # A row refused for an error elsewhere (tuesday) keeps monday's typed 4, and still knows 3 is stored.
    di.fill("30")
    assert "3 wordt 4" in _vraag_bij_enter(page, di, accept=True)
    _bewaard(page, rij, "Niet opgeslagen voor Bilal Roostertest")
    expect(ma).to_have_value("4")
    assert _uren(live_server, bilal, maandag) == Decimal(3)  # all or nothing
    di.fill("1")
    assert "3 wordt 4" in _vraag_bij_enter(page, di, accept=False)
    assert _uren(live_server, bilal, maandag) == Decimal(3)
    assert _uren(live_server, bilal, dinsdag) is None
    assert "3 wordt 4" in _vraag_bij_enter(page, di, accept=True)
    _bewaard(page, rij, "1 dag nieuw, 1 gecorrigeerd")
    assert (_uren(live_server, bilal, maandag), _uren(live_server, bilal, dinsdag)) == (Decimal(4), Decimal(1))

    # No question where no stored value changes: an error on an empty day, the same hours written differently.
    wo.fill("30")
    _opslaan_zonder_vraag(page, wo, rij, "Niet opgeslagen voor Bilal Roostertest")
    wo.fill("2,5")
    _opslaan_zonder_vraag(page, wo, rij, "Opgeslagen voor Bilal Roostertest: 1 dag nieuw")
    ma.fill("4,0")
    _opslaan_zonder_vraag(page, ma, rij, "Geen wijzigingen voor Bilal Roostertest")
    assert _uren(live_server, bilal, woensdag) == Decimal("2.5")
