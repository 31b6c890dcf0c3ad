"""In a real browser: the aanbieder-beheerder's declaratie page and the contractmanager's review screen work by
keyboard and mouse and have no serious or critical axe-core violations, also with an error on the review form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

AANBIEDER_BEHEERDER = "beheerder@omringdijk.example.nl"
CONTRACTMANAGER = "contractmanager@hoorn.example.nl"

# How the heading of a column and every cell under it are aligned, as the browser lays them out.
_UITLIJNING = """kop => {
    const tabel = [...document.querySelectorAll('table')].find(t => t.tHead
        && [...t.tHead.rows[0].cells].some(c => c.innerText.trim() === kop));
    const i = [...tabel.tHead.rows[0].cells].findIndex(c => c.innerText.trim() === kop);
    const cellen = [tabel.tHead.rows[0].cells[i], ...[...tabel.tBodies[0].rows].map(r => r.cells[i])];
    return [...new Set(cellen.map(c => getComputedStyle(c).textAlign))];
}"""


def column_alignment(page, kop: str) -> list[str]:
    """The alignments (text-align, computed) of the column headed `kop` in the page's table: heading and cells."""
    # After a click the heading can be there before the stylesheet is: measure the page as it is shown.
    page.wait_for_load_state("load")
    return page.evaluate(_UITLIJNING, kop)


def test_aanbieder_beheerder_sees_the_concept_with_its_credit_regel_and_submits_it(page_as, axe):
    page = page_as(AANBIEDER_BEHEERDER)
    page.goto("/declaraties/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Declaraties")
    assert axe(page) == []
    # Hoorn's concept for the last periode carries the correction of an approved session: a credit regel.
    rij = page.locator("tr", has_text="Concept").filter(has_text="Hoorn").first
    rij.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Declaratie WF-LR-2022-0405-"))
    expect(page.locator("table")).to_contain_text("creditering van regel")
    expect(page.locator(".portal-badge", has_text="credit")).to_have_count(1)
    assert axe(page) == []
    page.get_by_role("button", name="Declaratie indienen").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is ingediend bij Hoorn")
    expect(page.locator(".portal-dl")).to_contain_text("Ingediend")
    expect(page.get_by_role("button", name="Declaratie indienen")).to_have_count(0)


def _vergeten_declaratie(live_server) -> str:
    """The nummer of the demo's left-over concept (portal/demo_billing.py): the regional contract's, of the month
    two before the last closed one, so past its termijn on any seeding day, whatever other concepts are late."""
    from sqlalchemy import select

    from portal import clock
    from portal.extensions import db
    from portal.models import Contract, Declaratie
    from portal.models.billing import DeclaratieStatus
    from portal.models.enums import Declaratieperiode
    from portal.services.billing.rules import laatst_afgesloten

    periode = laatst_afgesloten(clock.today(), Declaratieperiode.MAAND).vorige().vorige()
    with live_server.app.app_context():
        nummers = db.session.scalars(select(Declaratie.nummer).join(Contract).where(
            Contract.kenmerk == "WF-LR-2022", Declaratie.periode == periode.code,
            Declaratie.status == DeclaratieStatus.CONCEPT)).all()
    assert len(nummers) == 1
    return nummers[0]


def test_aanbieder_beheerder_is_warned_on_the_page_of_a_concept_past_its_declaratietermijn(page_as, axe, live_server):
    """c3082db's warning (a role="status" alert on the page, a line in the list's status cell) in the browser."""
    nummer = _vergeten_declaratie(live_server)
    page = page_as(AANBIEDER_BEHEERDER)
    page.goto("/declaraties/?status=concept")
    rij = page.locator("tr", has=page.get_by_role("link", name=nummer, exact=True))
    expect(rij).to_contain_text("Declaratietermijn verstreken: op tijd indienen kon tot en met")
    rij.get_by_role("link", name=nummer, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Declaratie {nummer}")
    expect(page.locator(".utrecht-alert--warning[role=status]")).to_contain_text(
        "De declaratietermijn is verstreken: op tijd indienen kon tot en met")
    expect(page.get_by_role("button", name="Declaratie indienen")).to_be_visible()
    assert axe(page) == []


def test_contractmanager_reviews_a_declaratie(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    page.goto("/declaraties/")
    expect(page.get_by_role("paragraph").filter(has_text="op uw beoordeling")).to_be_visible()
    # Counts and amounts line up on the right, under headings aligned the same way.
    for kop in ("Regels", "Totaal", "Goedgekeurd"):
        assert column_alignment(page, kop) == ["end"], kop
    page.locator("tr", has_text="Ingediend").filter(has_text="Medemblik").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Declaratie WF-LR-2022-0420-"))
    assert column_alignment(page, "Bedrag") == ["end"]
    assert axe(page) == []

    knop = page.get_by_role("button", name=re.compile(r"^Alle \d+ regels zonder bevindingen goedkeuren$"))
    knop.click()
    expect(page.get_by_role("status")).to_contain_text("zonder bevindingen goedgekeurd")
    expect(page.locator(".portal-dl")).to_contain_text("Deels beoordeeld")

    page.get_by_role("link", name=re.compile(r"^Beoordelen")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Regel \d+ beoordelen$"))
    rand = "el => getComputedStyle(el).borderColor"
    onaangeraakt = page.get_by_role("radio", name="Afwijzen").evaluate(rand)
    page.get_by_role("button", name="Besluit opslaan").press("Enter")
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_focused()
    # Only after the error does the required choice look invalid (red), not before anyone touched it.
    assert page.get_by_role("radio", name="Afwijzen").evaluate(rand) != onaangeraakt
    expect(summary).to_contain_text("Kies goedkeuren of afwijzen.")
    assert axe(page) == []

    page.get_by_role("radio", name="Afwijzen").check()
    page.get_by_label("Reden van afwijzen").select_option("aanwezigheid")
    page.get_by_role("button", name="Besluit opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("afgewezen")
    expect(page.locator("table")).to_contain_text("Aanwezigheid onder de voorwaarde")


def test_aanbieder_beheerder_declares_a_rejected_regel_again_from_the_list(page_as, axe):
    page = page_as(AANBIEDER_BEHEERDER)
    page.goto("/declaraties/")
    lijst = page.get_by_role("table", name="Afgewezen regels om opnieuw te declareren")
    link = lijst.get_by_role("link", name=re.compile(r"^Regel \d+$")).first
    naam = link.inner_text()
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(naam)
    expect(page.locator(".portal-dl")).to_contain_text("Afgewezen")
    assert axe(page) == []
    page.get_by_role("button", name=re.compile("^Opnieuw declareren")).press("Enter")
    expect(page.get_by_role("status")).to_contain_text("De regel is opnieuw gedeclareerd op")
    # Back on the regel's page, which now says where it went.
    expect(page.get_by_role("heading", level=1)).to_have_text(naam)
    expect(page.get_by_role("link", name=re.compile(r"^regel \d+ op declaratie "))).to_be_visible()
    page.goto("/declaraties/")
    expect(page.get_by_role("link", name=naam, exact=True)).to_have_count(0)
