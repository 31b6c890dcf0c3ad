"""In a real browser, as the demo contractmanager: the SPUK costs per gemeente, year and voorziening (tolken
included), then per inburgeraar against the SPUK per person, filtered by keyboard; no serious or critical axe-core
violations, and on a phone the pages do not scroll sideways: the tables scroll inside their region under a caption
that stays on screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_declaraties import column_alignment
from tests.e2e.test_small_screens import PHONE, sideways_overflow

pytestmark = pytest.mark.e2e

CONTRACTMANAGER = "contractmanager@hoorn.example.nl"


def test_contractmanager_accounts_for_the_spuk_per_voorziening_and_per_inburgeraar(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    page.goto("/")
    page.get_by_role("link", name="Kosten per voorziening").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kosten per gemeente, jaar en voorziening")
    tabel = page.get_by_role("table")
    koppen = ("Leerroute", "Maatschappelijke begeleiding", "PVT", "MAP", "Tolken", "SPUK-bedrag en wat ervan over is")
    for kop in koppen:
        expect(tabel.get_by_role("columnheader", name=kop, exact=True)).to_be_visible()
    hoorn = tabel.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"^Hoorn \d{4}$")))
    expect(hoorn.first).to_be_visible()
    # Hoorn's latest year has approved money in every voorziening, not just the leerroute.
    bedragen = hoorn.last.locator("td").all_inner_texts()[:5]
    assert all(re.match(r"^€ [1-9]", b) for b in bedragen), bedragen
    expect(page.get_by_text("telt in het jaar van de prestatiedatum")).to_be_visible()
    # Amounts and their headings on the right; what was declared besides the approved amount says so in full.
    for kop in ("Leerroute", "Tolken", "Totaal"):
        assert column_alignment(page, kop) == ["end"], kop
    expect(tabel.get_by_text(re.compile(r"^gedeclareerd € [\d.]+,\d\d$")).first).to_be_visible()
    expect(tabel).not_to_contain_text("gedecl.")
    assert axe(page) == []

    page.get_by_role("link", name="Kosten per inburgeraar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kosten per inburgeraar")
    expect(page.get_by_role("table")).to_contain_text("€ 12.712,00")
    assert column_alignment(page, "Goedgekeurd") == ["end"]
    # At 1280 px the table fits: the SPUK column is not cut off behind a sideways scroll.
    assert page.viewport_size["width"] == 1280
    assert page.locator(".portal-table-wrap").first.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    assert axe(page) == []

    page.get_by_label("Gemeente (betaalt)").select_option(label="Medemblik")
    page.get_by_label("Doelgroep").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"gemeente=\d+"))
    cellen = page.get_by_role("table").locator("tbody tr td:nth-child(2)")  # the paying gemeente
    expect(cellen.first).to_have_text("Medemblik")
    assert set(cellen.all_inner_texts()) == {"Medemblik"}
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "kosten-per-inburgeraar.csv"
    assert axe(page) == []

    page.set_viewport_size(PHONE)
    assert sideways_overflow(page) <= 0
    page.goto("/declaraties/kosten")
    assert sideways_overflow(page) <= 0


def test_on_a_phone_the_costs_tables_scroll_under_a_caption_that_stays_on_screen(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    page.set_viewport_size(PHONE)
    for path, caption in (("/declaraties/kosten", "Goedgekeurde en gedeclareerde kosten per gemeente en jaar"),
                          ("/declaraties/kosten/inburgeraars",
                           "Goedgekeurde kosten per inburgeraar naast de SPUK per persoon")):
        page.goto(path)
        assert sideways_overflow(page) <= 0, path
        # The table is wider than the phone: it scrolls sideways inside its labelled region, not the page.
        tabel = page.get_by_role("table", name=caption)
        region = page.get_by_role("region", name=re.compile(re.escape(caption)))
        expect(region).to_have_attribute("tabindex", "0")
        assert region.evaluate("el => el.scrollWidth > el.clientWidth + 1"), path
        kop = page.get_by_text(caption, exact=True)
        for scroll_left in (0, 10_000):  # the region scrolled to its start and to its end
            region.evaluate("(el, x) => { el.scrollLeft = x; }", scroll_left)
            box, tabel_box = kop.bounding_box(), tabel.bounding_box()
            assert box is not None and tabel_box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, scroll_left, box)
            assert box["y"] + box["height"] <= tabel_box["y"] + 1, (path, "the caption is above the table")
        assert sideways_overflow(page) <= 0, path
        assert axe(page) == []
