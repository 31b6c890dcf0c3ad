"""In a real browser, as the regional contractmanager: the KPI dashboard, the comparison of aanbieders and the
printable beleidsrapportage have no serious or critical axe findings, fit a 375 px screen (a wide table scrolls in
its region under a caption that stays on screen), draw their charts with a text alternative and at least 12 px
text, and a figure opens the cases behind it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

CONTRACTMANAGER = "contractmanager@hoorn.example.nl"
PHONE = {"width": 375, "height": 800}


def _overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _smallest_chart_text(page: Page) -> float:
    """The smallest rendered font size (px) of any text in the page's SVG charts."""
    return page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg.portal-kpi-chart text')]
             .map(t => t.getBoundingClientRect().height > 0 ? parseFloat(getComputedStyle(t).fontSize)
               * t.getScreenCTM().a : 99))"""
    )


# Every table in a scrolling wrapper: is the visible text naming it (a <caption>, or the table macro's caption
# above the wrapper) on screen and above the table, with the wrapper scrolled to its start and to its end?
_CAPTIONS = """() => {
  const found = {checked: 0, scrolling: 0, problems: []};
  for (const table of document.querySelectorAll('main .portal-table-wrap table')) {
    const wrap = table.closest('.portal-table-wrap');
    const ids = (table.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const naam = (table.caption && !table.caption.classList.contains('visually-hidden')) ? table.caption
      : ids.map(id => document.getElementById(id)).find(el => el && el.matches('.portal-table-caption'));
    if (!naam) continue;
    found.checked += 1;
    if (wrap.scrollWidth > wrap.clientWidth + 1) found.scrolling += 1;
    for (const x of [0, 100000]) {
      wrap.scrollLeft = x;
      const r = naam.getBoundingClientRect(), t = (table.tHead || table).getBoundingClientRect();
      const tekst = naam.textContent.trim();
      if (r.left < 0 || r.right > window.innerWidth + 0.5)
        found.problems.push(`${tekst}: ${Math.round(r.left)}..${Math.round(r.right)} px at scrollLeft ${x}`);
      if (r.bottom > t.top + 1) found.problems.push(`${tekst}: not above the table's head`);
    }
    wrap.scrollLeft = 0;
  }
  return found;
}"""


def test_on_a_phone_kpi_tables_scroll_under_captions_that_stay_on_screen(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    page.set_viewport_size(PHONE)
    scrolling = 0
    for path in ("/kpi/", "/kpi/vergelijking", "/kpi/trend", "/kpi/instellingen"):  # the demo has SPUK years set
        page.goto(path)
        assert _overflow(page) <= 0, path
        found = page.evaluate(_CAPTIONS)
        assert found["checked"] > 0, path
        assert found["problems"] == [], path
        scrolling += found["scrolling"]
        assert _overflow(page) <= 0, path
        assert axe(page) == [], path
    assert scrolling > 0  # at least one table is wider than the phone and scrolls in its region
    # The caption names its table (and the region it scrolls in).
    page.goto("/kpi/vergelijking")
    expect(page.get_by_role("table", name=re.compile(r"^Aanleverdiscipline per aanbieder, "))).to_be_visible()


def test_dashboard_charts_tables_and_case_links(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    page.goto("/kpi/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prestatie-indicatoren")
    expect(page.get_by_role("heading", name="Tijdige start", level=2)).to_be_visible()
    # Every chart names itself and describes its figures for screen readers.
    charts = page.locator("svg.portal-kpi-chart")
    assert charts.count() >= 8
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        assert chart.locator("desc").text_content().strip()
    expect(page.get_by_role("heading", name="Kosten", level=2)).to_be_visible()  # from the billing
    assert axe(page) == []

    # The rule is on the page; the period selector is a plain form.
    page.locator("#kpi-tijdige_start ~ details summary").first.click()
    expect(page.get_by_text(re.compile("drempel 'later gestart'"))).to_be_visible()
    kwartaal = page.locator("#kpi-periode option").nth(1).get_attribute("value")
    page.get_by_label("Periode").select_option(kwartaal)
    page.get_by_role("button", name="Tonen").click()
    expect(page).to_have_url(re.compile(r"periode=\d{4}-K\d"))

    # A count opens the list of cases behind it, each linking to the case page.
    page.goto("/kpi/")
    page.locator("#kpi-tijdige_start").locator("xpath=..").get_by_role("link", name=re.compile("verwijzingen tonen")) \
        .first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tijdige start")
    expect(page.get_by_text("Het openen van deze lijst is vastgelegd")).to_be_visible()
    assert page.locator("main table tbody tr").count() > 0
    assert axe(page) == []

    page.set_viewport_size(PHONE)
    page.goto("/kpi/")
    assert _overflow(page) <= 0
    assert _smallest_chart_text(page) >= 12
    assert axe(page) == []


def test_comparison_of_aanbieders(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    page.goto("/kpi/vergelijking")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanbieders vergelijken")
    table = page.locator("#vgl-aanlevering").locator("xpath=..").locator("table")
    expect(table).to_contain_text("Participatiewerkplaats De Brug")
    expect(table).to_contain_text("Taalcentrum Omringdijk")
    assert page.get_by_text("te weinig gegevens").count() > 0
    assert axe(page) == []
    page.set_viewport_size(PHONE)
    page.reload()
    assert _overflow(page) <= 0
    assert axe(page) == []


def test_printable_beleidsrapportage(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    page.goto("/kpi/beleidsrapportage")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beleidsrapportage inburgering")
    expect(page.get_by_role("heading", name="Instroom")).to_be_visible()
    assert axe(page) == []
    page.emulate_media(media="print")
    expect(page.locator(".portal-nav")).to_be_hidden()
    expect(page.get_by_label("Periode")).to_be_hidden()
    expect(page.get_by_role("heading", name="Kernindicatoren")).to_be_visible()
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)
    page.reload()
    assert _overflow(page) <= 0
    assert axe(page) == []


def test_settings_form_errors_and_save(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    page.goto("/kpi/instellingen")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Instellingen prestatie-indicatoren")
    page.get_by_label("Jaar").fill("twintig")
    page.get_by_label("SPUK-bedrag (euro)").fill("-5")
    page.get_by_role("button", name="Opslaan").click()
    summary = page.get_by_role("heading", name=re.compile("fouten gevonden"))
    expect(summary).to_be_visible()
    expect(page.get_by_text("Het bedrag kan niet negatief zijn.").first).to_be_visible()
    assert axe(page) == []
    page.get_by_label("Jaar").fill("2026")
    page.get_by_label("SPUK-bedrag (euro)").fill("52.301,00")
    page.get_by_label("Streefwaarde start binnen 6 maanden (procent)").fill("85")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("zijn opgeslagen")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"2026 .*52\.301,00 .*85%"))).to_be_visible()
    page.set_viewport_size(PHONE)
    assert _overflow(page) <= 0
    assert axe(page) == []
