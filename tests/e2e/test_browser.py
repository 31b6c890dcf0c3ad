"""In a real browser: a keyboard user can log in with the second factor, and the pages meet WCAG 2.1 AA
(no serious or critical axe-core violations), with the Content-Security-Policy in force."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Inburgeraar
from tests.e2e.conftest import demo_login
from tests.log_capture import CAPTURE

pytestmark = pytest.mark.e2e

KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"
DOCENT = "docent@omringdijk.example.nl"


def _csp_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", collect)
    return errors


def test_login_page_is_accessible(page, axe):
    csp_errors = _csp_errors(page)
    page.goto("/inloggen/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    assert axe(page) == []
    assert csp_errors == []


def test_login_errors_get_focus_and_name_the_fields(page, axe):
    page.goto("/inloggen/")
    page.get_by_label("E-mailadres").focus()
    page.keyboard.press("Enter")  # submit the empty form with the keyboard
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="E-mailadres: Vul uw e-mailadres in.")).to_be_visible()
    expect(page.get_by_label("E-mailadres")).to_have_attribute("aria-invalid", "true")
    assert axe(page) == []


def test_keyboard_login_with_totp_reaches_an_accessible_start_page(new_context, login_with_keyboard, axe,
                                                                     storage_states):
    context = new_context()
    page = context.new_page()
    csp_errors = _csp_errors(page)
    code_page_violations: list[str] = []
    login_with_keyboard(page, demo_login(KLANTREGISSEUR), on_code_page=lambda p: code_page_violations.extend(axe(p)))
    storage_states[KLANTREGISSEUR] = context.storage_state()

    assert code_page_violations == []
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()
    assert axe(page) == []
    assert csp_errors == []


def test_inburgeraars_list_and_bsn_search_are_accessible(page_as, axe, live_server, request):
    with live_server.app.app_context():
        person = db.session.scalars(
            select(Inburgeraar).where(Inburgeraar.gemeente.has(cbs_code="0405")).order_by(Inburgeraar.id)
        ).first()
        assert person is not None
        bsn, achternaam = person.bsn, person.achternaam

    page = page_as(KLANTREGISSEUR)
    page.goto("/inburgeraars/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("table")).to_be_visible()
    assert axe(page) == []

    # Klantregisseurs search by BSN; the request line carries it through werkzeug's log (masked there).
    page.goto(f"/inburgeraars/?q={bsn}")
    expect(page.get_by_role("table")).to_contain_text(achternaam)
    assert axe(page) == []
    logged = [line.text for line in CAPTURE.lines_of(request.node.nodeid) if line.logger == "werkzeug"]
    assert any("/inburgeraars/?q=[BSN]" in text for text in logged)


def test_aanbieder_deelnemers_list_is_accessible(page_as, axe):
    page = page_as(DOCENT)
    page.goto("/deelnemers/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("table")).to_be_visible()
    assert axe(page) == []


def test_the_accessibility_check_catches_an_unlabelled_field(page, axe):
    """Guards the guard: if axe were not running, every check above would pass silently."""
    page.goto("/inloggen/")
    page.locator("label[for=email]").evaluate("label => label.remove()")
    assert any(line.startswith("label ") for line in axe(page))
