"""In a real browser, for every demo login: the start page shows the work waiting with counts that link on, has
no serious or critical axe findings, and does not scroll sideways at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_LOGINS
from tests.e2e.test_small_screens import PHONE, sideways_overflow

pytestmark = pytest.mark.e2e


# The begeleider's password is changed by test_account.py (same live server); the docent covers that role.
ROLLEN = [login.email for login in DEMO_LOGINS if login.email != "begeleider@debrug.example.nl"]


@pytest.mark.parametrize("email", ROLLEN)
def test_start_page_shows_the_work_of_each_role(page_as, axe, email):
    page = page_as(email)
    page.goto("/")
    expect(page.get_by_role("heading", level=2, name="Wat er voor u klaarligt")).to_be_visible()
    kaarten = page.locator(".portal-taak")
    assert kaarten.count() >= 3
    for i in range(kaarten.count()):
        expect(kaarten.nth(i).locator(".portal-taak__aantal")).to_have_text(re.compile(r"^\d+ \S+"))
    assert axe(page) == []
    # The first count with a link leads somewhere that opens.
    link = page.locator(".portal-taak__aantal a").first
    href = link.get_attribute("href")
    assert page.request.get(href).status == 200
    page.set_viewport_size(PHONE)
    page.reload()
    assert sideways_overflow(page) <= 0
    assert axe(page) == []


def test_klantregisseur_start_page_counts_the_demo_work(page_as):
    page = page_as("klantregisseur@werksaam.example.nl")
    page.goto("/")
    kaart = page.locator(".portal-taak", has_text="Afschalingsverzoeken wachten op uw besluit")
    expect(kaart.locator(".portal-taak__aantal")).to_have_text(re.compile(r"^[1-9]\d* verzo"))
    kaart.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Afschalingsverzoeken")
