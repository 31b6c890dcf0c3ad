"""In a real browser: the functioneel beheerder filters the audit trail by an inburgeraar's BSN and finds the
inzage overview; the page has no serious or critical axe findings at 1280 and 375 px; other roles get a 404."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.models import Inburgeraar, User
from tests.e2e.test_small_screens import PHONE, sideways_overflow

pytestmark = pytest.mark.e2e

BEHEERDER = "beheer@werksaam.example.nl"
KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"


def _case_of_the_region(live_server) -> tuple[int, str]:
    """An inburgeraar of the klantregisseur's caseload (id, BSN)."""
    from portal.extensions import db

    with live_server.app.app_context():
        regisseur = db.session.scalar(select(User).where(User.email == KLANTREGISSEUR))
        persoon = db.session.scalar(select(Inburgeraar).where(Inburgeraar.klantregisseur_id == regisseur.id)
                                    .order_by(Inburgeraar.id))
        return persoon.id, persoon.bsn


def test_beheerder_finds_who_saw_a_case_and_the_inzage_overview(page_as, axe, live_server):
    inburgeraar_id, bsn = _case_of_the_region(live_server)
    regisseur = page_as(KLANTREGISSEUR)
    regisseur.goto(f"/inburgeraars/{inburgeraar_id}")  # a reading the trail must show
    assert regisseur.goto("/beheer/audit").status == 404

    page = page_as(BEHEERDER)
    page.goto("/beheer/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Auditlog")
    assert axe(page) == []
    page.get_by_label("BSN van de inburgeraar").fill(bsn)
    page.get_by_label("Actie").select_option(label="Gegevens bekeken")
    page.get_by_role("button", name="Filteren").click()
    expect(page).to_have_url(re.compile(r"bsn="))
    expect(page.locator("tbody tr").first).to_contain_text("Sanne de Boer (Klantregisseur)")
    expect(page.get_by_role("link", name="inzageoverzicht downloaden (xlsx)")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="inzageoverzicht downloaden (xlsx)").click()
    assert download.value.suggested_filename.startswith("inzageoverzicht-")
    assert axe(page) == []

    page.set_viewport_size(PHONE)
    page.reload()
    assert sideways_overflow(page) <= 0
    assert axe(page) == []
