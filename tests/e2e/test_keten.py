"""In a real browser: the chain screens (verhuizing dossier with decisions, DUO berichten, handhaving, CBS) work
with the keyboard-free basics a user needs, have no serious or critical axe-core violations and do not scroll
sideways at 375 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import DuoBericht, Verhuizing

pytestmark = pytest.mark.e2e

KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"
BEHEERDER = "beheer@werksaam.example.nl"


def _no_sideways_scroll(page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width} px breed op een scherm van 375 px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_klantregisseur_decides_on_a_verhuizing_and_reads_duo_berichten(page_as, axe, live_server):
    with live_server.app.app_context():
        open_move = db.session.scalars(select(Verhuizing).order_by(Verhuizing.datum.desc())).first()
        bericht = db.session.scalars(select(DuoBericht).order_by(DuoBericht.id)).first()
        move_id, bericht_id = open_move.id, bericht.id
    page = page_as(KLANTREGISSEUR)

    page.goto("/keten/verhuizingen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verhuizingen")
    assert axe(page) == []
    page.goto(f"/keten/verhuizingen/{move_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdrachts\u00addossier")
    assert axe(page) == []
    _no_sideways_scroll(page)
    # Decide on the first open verwijzing. No contract of its aanbieder covers Hoorn: the form offers only ending
    # it and says why; posted without a choice, the error summary says what to do.
    form = page.locator("form[action*='/verwijzingen/']").first
    expect(form.get_by_label("Voortgezet onder een contract voor de nieuwe gemeente")).to_have_count(0)
    expect(form).to_contain_text("Voortzetten kan niet")
    form.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.locator(".portal-error-summary")).to_be_visible()
    assert axe(page) == []
    form = page.locator("form[action*='/verwijzingen/']").first
    form.get_by_label("Beëindigd").check()
    form.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_role("status").first).to_contain_text("is vastgelegd")

    page.goto("/keten/duo")
    expect(page.get_by_role("heading", level=1)).to_have_text("DUO-berichten")
    assert axe(page) == []
    _no_sideways_scroll(page)
    page.goto(f"/keten/duo/{bericht_id}")
    expect(page.locator("pre.portal-json")).to_contain_text("berichtId")
    assert axe(page) == []
    _no_sideways_scroll(page)


def test_beheerder_handhaving_and_cbs_pages(page_as, axe, live_server):
    with live_server.app.app_context():
        from portal.models import Handhaving

        person_id = db.session.scalars(select(Handhaving.inburgeraar_id)).first()
    page = page_as(BEHEERDER)
    page.goto(f"/keten/inburgeraars/{person_id}/handhaving")
    expect(page.get_by_role("heading", level=1)).to_have_text("Handhaving")
    assert axe(page) == []
    _no_sideways_scroll(page)
    page.goto("/keten/cbs")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CBS-levering")
    expect(page.locator("code.portal-hash").first).to_be_visible()
    assert axe(page) == []
    _no_sideways_scroll(page)
