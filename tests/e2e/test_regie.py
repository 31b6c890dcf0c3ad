"""In a real browser: the regie overview's filters and search update the results in place (and the URL),
and the overview and the regie case page have no serious or critical axe-core violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"


def _count(page) -> int:
    heading = page.locator("#regie-resultaten h2").first
    return int(re.match(r"\d+", heading.inner_text()).group(0))


def test_regie_overview_filters_search_and_accessibility(page_as, axe):
    page = page_as(KLANTREGISSEUR)
    page.goto("/regie/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Regie: caseload met signalen")
    expect(page.locator("#regie-resultaten h2")).to_contain_text("in uw caseload")
    eigen = _count(page)
    assert axe(page) == []

    # Widen to the whole gemeente: the results region updates without a page load and the URL follows.
    page.get_by_label("Alle inburgeraars van mijn gemeente(n), niet alleen mijn caseload").check()
    expect(page.locator("#regie-resultaten h2")).not_to_contain_text("in uw caseload")
    expect(page).to_have_url(re.compile(r"alle=1"))
    alle = _count(page)
    assert alle >= eigen

    # Filter on one signal: every remaining row names it.
    page.get_by_label("Signaal").select_option("termijn_einde")
    expect(page).to_have_url(re.compile(r"signaal=termijn_einde"))
    rows = page.locator("#regie-resultaten tbody tr")
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("Inburgeringstermijn eindigt")
    assert _count(page) <= alle

    # Active search on a surname shown in the list narrows the results to it.
    page.get_by_label("Signaal").select_option("")
    expect(page).not_to_have_url(re.compile(r"signaal=termijn_einde"))
    first = page.locator("#regie-resultaten tbody tr td a").first.inner_text()
    achternaam = first.split(",")[0]
    page.get_by_label("Zoek op naam of BSN").fill(achternaam)
    expect(page).to_have_url(re.compile(r"q="))
    expect(page.locator("#regie-resultaten tbody tr").first).to_contain_text(achternaam)
    assert axe(page) == []

    # Sorting is a real link that keeps the filters.
    page.get_by_role("link", name=re.compile(r"^Naam")).click()
    expect(page).to_have_url(re.compile(r"sort=naam"))
    expect(page).to_have_url(re.compile(r"alle=1"))


def test_regie_case_page_is_accessible(page_as, axe):
    page = page_as(KLANTREGISSEUR)
    page.goto("/regie/?alle=1")
    link = page.locator("#regie-resultaten tbody tr td a").first
    naam = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    achternaam, voornamen = (part.strip() for part in naam.split(",", 1))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{voornamen} {achternaam}")
    for kop in ("Signalen", "Verwijzingen", "Uren ten opzichte van de norm", "Examenresultaten", "Tijdlijn"):
        expect(page.get_by_role("heading", name=kop, exact=True)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Aanwezigheid per week"))).to_be_visible()
    page.get_by_text("Tabel met de uren per week").click()
    expect(page.get_by_role("table", name=re.compile("Uren per week"))).to_be_visible()
    assert axe(page) == []
