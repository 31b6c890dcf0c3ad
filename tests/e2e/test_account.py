"""In a real browser: a user changes their own password from "Mijn account", by keyboard, with the errors in an
error summary and no serious or critical axe-core violations; another browser of the same user is logged out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import demo_login, keyboard_login

pytestmark = pytest.mark.e2e

BEGELEIDER = "begeleider@debrug.example.nl"  # no other browser test logs in as this demo user
NIEUW = "zeven bruggen over de Amstel"


def test_begeleider_changes_own_password_and_other_browsers_are_logged_out(new_context, axe):
    login = demo_login(BEGELEIDER)
    other = new_context().new_page()
    keyboard_login(other, login)
    page = new_context().new_page()
    keyboard_login(page, login)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
    expect(page.locator("main")).to_contain_text(BEGELEIDER)
    assert axe(page) == []

    page.get_by_label("Huidig wachtwoord").fill("niet het goede wachtwoord")
    page.get_by_label("Nieuw wachtwoord").fill("aaaaaaaaaaaa")
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill("aaaaaaaaaaaa")
    page.get_by_label("Herhaal het nieuwe wachtwoord").press("Enter")
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Uw huidige wachtwoord klopt niet.")
    expect(page.get_by_label("Huidig wachtwoord")).to_have_attribute("aria-invalid", "true")
    assert axe(page) == []

    page.get_by_label("Huidig wachtwoord").fill(login.wachtwoord)
    page.get_by_label("Nieuw wachtwoord").fill("aaaaaaaaaaaa")
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill("aaaaaaaaaaaa")
    page.get_by_role("button", name="Wachtwoord wijzigen").press("Enter")
    expect(page.locator(".portal-error-summary")).to_contain_text("te makkelijk te raden")

    page.get_by_label("Huidig wachtwoord").fill(login.wachtwoord)
    page.get_by_label("Nieuw wachtwoord").fill(NIEUW)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NIEUW)
    page.get_by_role("button", name="Wachtwoord wijzigen").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Uw wachtwoord is gewijzigd. Uw andere sessie is beëindigd.")
    assert axe(page) == []

    # Often a background request of the other browser (the header badge polls) notices first; the next page the
    # user opens must still say why they have to log in again (before, only the first request knew).
    answer = other.evaluate("""() => fetch("/", {headers: {"HX-Request": "true", "X-Portal-Poll": "1"}})
        .then(r => [r.status, r.headers.get("HX-Redirect")])""")
    assert answer == [204, "/inloggen/?verlopen=1"]
    other.reload()
    expect(other.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(other.get_by_role("status")).to_contain_text("Uw sessie is beëindigd")
