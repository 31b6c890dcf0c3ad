"""In a real browser (issue 11.5): the upload page states its limits before a file is chosen; a file over the
limit gets the Dutch message in place (not a silent 413 under "Verzonden"), also when the server is the one that
refuses it; a long file name does not make the page scroll sideways at 375 px. axe finds nothing serious."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

DOCENT = "docent@omringdijk.example.nl"
MB = 1024 * 1024
MESSAGE = re.compile(r"Het bestand is groter dan 1 MB\. Splits het in kleinere bestanden \(hoogstens 300\.000 regels")


@pytest.fixture
def small_limit(live_server: LiveServer, tmp_path: Path) -> Iterator[None]:
    """Uploads of at most 1 MB (the request at most 1.5 MB) on the live server, stored in a temp directory."""
    config = live_server.app.config
    saved = {k: config[k] for k in ("UPLOAD_MAX_BYTES", "MAX_CONTENT_LENGTH", "UPLOAD_DIR")}
    config.update(UPLOAD_MAX_BYTES=MB, MAX_CONTENT_LENGTH=MB + MB // 2, UPLOAD_DIR=str(tmp_path))
    yield
    config.update(saved)


def _big_csv(size: int) -> bytes:
    line = b"999990019;01-11-2026;Taalles en KNM;2,5;;\r\n"
    header = b"BSN;Datum;Activiteit;Uren aanwezig;Uren afwezig geoorloofd;Reden afwezigheid\r\n"
    return header + line * (size // len(line))


def _choose(page: Page, name: str, content: bytes) -> None:
    page.get_by_label("Bestand", exact=True).set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Uploaden en controleren").click()


def _expect_message_in_place(page: Page) -> None:
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(MESSAGE)
    expect(page.get_by_label("Bestand", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Verzonden, het bestand wordt gecontroleerd.")).to_have_count(0)
    expect(page.locator("[data-upload-send-error]")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spreadsheet uploaden")


def test_the_limits_are_stated_and_an_oversized_file_gets_the_message_in_place(page_as, axe, small_limit):
    page = page_as(DOCENT)
    page.goto("/uploads/")
    expect(page.locator("#bestand-hint")).to_have_text(re.compile(r"hoogstens 1 MB en 300\.000 regels"))
    assert axe(page) == []

    # The page's script sees the size and does not send the file for nothing.
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.method) if request.url.endswith("/uploads/") else None)
    _choose(page, "presentie-heel-groot.csv", _big_csv(2 * MB))
    _expect_message_in_place(page)
    assert "POST" not in sent
    assert axe(page) == []

    # Should the script not catch it (an older page, a bigger form), the server's refusal lands in place too.
    page.goto("/uploads/")
    page.get_by_label("Bestand", exact=True).evaluate("input => input.removeAttribute('data-max-bytes')")
    _choose(page, "presentie-heel-groot.csv", _big_csv(2 * MB))
    _expect_message_in_place(page)
    assert axe(page) == []


def test_a_long_file_name_does_not_widen_the_page_at_375_px(page_as, small_limit):
    page = page_as(DOCENT)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/uploads/")
    name = "Presentielijst_Taalcentrum_Omringdijk_groep_B1_avond_week_45_tot_en_met_48_definitief_v3_" \
           "gecontroleerd_door_administratie.csv"
    _choose(page, name, _big_csv(2_000))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Upload: Presentielijst_Taalcentrum")
    expect(page.get_by_role("heading", name="Controle: nog niets opgeslagen")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto("/uploads/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
