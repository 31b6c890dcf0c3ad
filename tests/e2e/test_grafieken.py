"""In a real browser: every chart is announced once. The figure and the image inside it are named by the chart's
short title, and its summary in words reaches a screen reader exactly once: on the case page as the visible
caption (not also as the image's name or description), on the KPI pages as the image's description (not also in
its name). What is checked is Chromium's own accessibility tree, the one a screen reader reads, and axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"
CONTRACTMANAGER = "contractmanager@hoorn.example.nl"


def _accessible(page: Page, selector: str) -> dict[str, str]:
    """Role, name and description of the element, as Chromium exposes them to assistive technology."""
    # A finished load first: a nodeId dies when the document is replaced under it. The AX tree is then asked by
    # backendNodeId, which stays valid for the element's whole life, unlike the session-bound nodeId.
    page.wait_for_load_state("load")
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, selector
        backend = cdp.send("DOM.describeNode", {"nodeId": node})["node"]["backendNodeId"]
        ax = cdp.send("Accessibility.getPartialAXTree", {"backendNodeId": backend, "fetchRelatives": False})
        ax = ax["nodes"][0]
    finally:
        cdp.detach()
    return {key: (ax.get(key) or {}).get("value", "") for key in ("role", "name", "description")}


def _announced(page: Page, figure: str) -> str:
    """All a screen reader gets from one figure: its name and description, the chart's, and the caption's text."""
    parts = [_accessible(page, figure), _accessible(page, f"{figure} svg")]
    caption = page.locator(f"{figure} figcaption").inner_text()
    return " | ".join([*(p["name"] for p in parts), *(p["description"] for p in parts), caption])


def test_case_page_chart_is_named_once_and_its_summary_read_once(page_as, axe):
    page = page_as(KLANTREGISSEUR)
    page.goto("/regie/?alle=1")
    page.locator("#regie-resultaten tbody tr th a").first.click()
    expect(page).to_have_url(re.compile(r"/inburgeraars/\d+$"))
    figure = "#kop-aanwezigheid ~ figure"
    chart = _accessible(page, f"{figure} svg")
    assert chart == {"role": "image", "name": "Aanwezigheid per week", "description": ""}
    assert _accessible(page, figure)["name"] == "Aanwezigheid per week"
    samenvatting = re.match(r"(Presentie per week, .*? weken zonder geplande uren\.|Geen weken om te tonen\.)",
                            page.locator(f"{figure} figcaption").inner_text()).group(1)
    assert _announced(page, figure).count(samenvatting) == 1
    # The same figures stay available as a table.
    page.get_by_text("Tabel met de uren per week").click()
    expect(page.get_by_role("table", name=re.compile("Uren per week"))).to_be_visible()
    assert axe(page) == []


def test_kpi_charts_are_named_by_their_title_and_described_once(page_as, axe):
    page = page_as(CONTRACTMANAGER)
    for path in ("/kpi/", "/kpi/trend", "/kpi/vergelijking"):
        page.goto(path)
        idents = page.locator("svg.portal-kpi-chart title").evaluate_all("ts => ts.map(t => t.id.slice(0, -6))")
        assert idents, path
        for ident in idents:
            figure = f'figure[aria-labelledby="{ident}-titel"]'
            titel = page.locator(f"#{ident}-titel").text_content()
            desc = page.locator(f"#{ident}-desc").text_content()
            assert titel and desc, ident
            chart = _accessible(page, f"{figure} svg")
            assert chart == {"role": "image", "name": titel, "description": desc}, ident
            assert _accessible(page, figure)["name"] == titel, ident
            assert _announced(page, figure).count(desc) == 1, ident
        assert axe(page) == [], path
