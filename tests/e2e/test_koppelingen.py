"""In a real browser: the aanbieder-beheerder registers an API koppeling, copies the secret shown once, the system
gets a token with it, and revoking stops it; errors in an error summary, no serious axe findings, and the pages and
the API reference fit a phone."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.test_small_screens import PHONE, sideways_overflow

pytestmark = pytest.mark.e2e

BEHEERDER = "beheerder@omringdijk.example.nl"


def _token_status(url: str, client_id: str, secret: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - the live test server on 127.0.0.1
        url + "/api/v1/oauth/token", data=b"grant_type=client_credentials", method="POST",
        headers={"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
                 "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert json.load(response)["token_type"] == "Bearer"
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_beheerder_registers_uses_and_revokes_a_koppeling(page_as, axe, live_server):
    page = page_as(BEHEERDER)
    page.goto("/")  # a page from an earlier login's session starts blank
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="API-koppelingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API-koppelingen")
    expect(page.locator("main")).to_contain_text("Eduarte (studentadministratie)")
    expect(page.locator("main")).to_contain_text("Ingetrokken")
    assert axe(page) == []

    page.get_by_role("link", name="Koppeling registreren").click()
    page.get_by_label("Naam van de koppeling").fill("Presentiekoppeling test")
    page.get_by_role("button", name="Koppeling registreren").press("Enter")
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kies minstens één bevoegdheid voor deze koppeling.")
    assert axe(page) == []

    page.get_by_label("deelnemers:lezen").check()
    page.get_by_label("presentie:schrijven").check()
    page.get_by_role("button", name="Koppeling registreren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Presentiekoppeling test")
    client_id = page.locator("#client-id").inner_text()
    secret = page.locator("#client-secret").inner_text()
    assert re.fullmatch(r"ic_[0-9a-f]{24}", client_id) and len(secret) >= 40
    assert axe(page) == []
    assert _token_status(live_server.url, client_id, secret) == 200

    page.get_by_role("link", name="Naar API-koppelingen").click()
    page.get_by_role("link", name="Presentiekoppeling test").click()
    expect(page.locator("main")).not_to_contain_text(secret)
    page.get_by_role("button", name="Koppeling intrekken").click()
    expect(page.get_by_role("status")).to_contain_text("is ingetrokken")
    assert _token_status(live_server.url, client_id, secret) == 401  # HTTP Basic: 401 (RFC 6749 §5.2)


def test_koppelingen_and_the_api_reference_fit_a_phone(page_as, axe):
    page = page_as(BEHEERDER)
    page.set_viewport_size(PHONE)
    for path in ("/beheer/koppelingen", "/beheer/koppelingen/nieuw", "/api-documentatie"):
        page.goto(path)
        assert sideways_overflow(page) <= 0, path
        assert axe(page) == [], path
