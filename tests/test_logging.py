"""No BSN or name ever reaches a log: the filter masks BSNs and searched words, and the whole test run's log
output proves it."""

from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote_plus, unquote_plus
from urllib.request import urlopen

import pytest
from flask import Flask
from stdnum.nl import bsn as stdnum_bsn

from portal.logging_setup import redact
from tests import factories
from tests.factories import next_bsn
from tests.helpers import serving
from tests.log_capture import CAPTURE, NAMES

NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def test_redact_masks_valid_bsns_only():
    bsn = "999993653"  # a BRP test person's number; passes the 11-proef
    assert stdnum_bsn.is_valid(bsn)
    assert redact(f"Inburgeraar {bsn} niet gevonden") == "Inburgeraar [BSN] niet gevonden"
    assert redact(f"/inburgeraars/?q={bsn}&pagina=2") == "/inburgeraars/?q=[BSN]&pagina=2"
    # Excel drops the leading zero of a BSN; the eight digits left are still that person's BSN.
    assert redact("bsn=012345672") == "bsn=[BSN]"
    assert redact("bsn=12345672") == "bsn=[BSN]"
    # Numbers that are not BSNs stay readable: they are what an operator needs to debug.
    assert redact("kenmerk 123456789 en telefoon 0612345678") == "kenmerk 123456789 en telefoon 0612345678"
    assert redact("1999993653") == "1999993653"  # ten digits: not a BSN


def test_a_bsn_in_a_log_message_is_masked(app: Flask, request: pytest.FixtureRequest):
    bsn = next_bsn()
    logging.getLogger("portal.services.voorbeeld").warning("Geen PIP voor inburgeraar %s", bsn)
    lines = [line.text for line in CAPTURE.lines_of(request.node.nodeid) if "Geen PIP" in line.text]
    assert lines and all("[BSN]" in text and bsn not in text for text in lines)


def test_a_bsn_in_a_logged_traceback_is_masked(app: Flask, request: pytest.FixtureRequest):
    bsn = next_bsn()
    try:
        raise ValueError(f"duplicate key value (bsn)=({bsn})")
    except ValueError:
        logging.getLogger("portal.services.voorbeeld").exception("Opslaan mislukt")
    records = [line.text for line in CAPTURE.lines_of(request.node.nodeid) if "Opslaan mislukt" in line.text]
    assert records and all("duplicate key" in text and bsn not in text and "[BSN]" in text for text in records)


def test_werkzeug_request_line_with_a_bsn_in_the_query_string_is_masked(
    app: Flask, request: pytest.FixtureRequest
):
    """A real HTTP request through werkzeug's server, as `flask run` serves it, with a BSN search."""
    bsn = next_bsn()
    with serving(app) as port, urlopen(f"http://127.0.0.1:{port}/gezond?zoek={bsn}", timeout=10) as response:
        assert response.status == 200
    request_lines = [line.text for line in CAPTURE.lines_of(request.node.nodeid) if line.logger == "werkzeug"]
    assert any("GET /gezond?zoek=[BSN]" in text for text in request_lines), request_lines
    assert not any(bsn in text for text in request_lines)


@pytest.mark.parametrize(("line", "expected"), [
    ('"GET /deelnemers/?q=Voornaam+Achternaam HTTP/1.1" 200 -', '"GET /deelnemers/?q=[ZOEKTERM] HTTP/1.1" 200 -'),
    ("/presentie/week?week=2026-W47&activiteit=taalles_knm&q=jans&pagina=2",
     "/presentie/week?week=2026-W47&activiteit=taalles_knm&q=[ZOEKTERM]&pagina=2"),
    ("/regie/?sort=-naam&q=%C3%96zt%C3%BCrk", "/regie/?sort=-naam&q=[ZOEKTERM]"),
    # gunicorn's access log prints the Referer too: the search the user came from.
    ('127.0.0.1 "GET /inburgeraars/7 HTTP/1.1" 200 512 "https://portal.nl/inburgeraars/?q=Amira%20Aziz" "Firefox"',
     '127.0.0.1 "GET /inburgeraars/7 HTTP/1.1" 200 512 "https://portal.nl/inburgeraars/?q=[ZOEKTERM]" "Firefox"'),
    ("/inloggen/?next=/inburgeraars/%3Fq%3DAziz", "/inloggen/?next=[ZOEKTERM]"),
    # A navigation parameter keeps short codes only; free text in it is masked like any other.
    ("/regie/?sort=Amira%20Aziz&pagina=2", "/regie/?sort=[ZOEKTERM]&pagina=2"),
    ("/beheer/gebruikers?q=&pagina=3", "/beheer/gebruikers?q=&pagina=3"),
])
def test_redact_masks_searched_words_in_urls(line: str, expected: str):
    assert redact(line) == expected


def test_werkzeug_request_line_of_a_name_search_has_no_name(app: Flask, db, request: pytest.FixtureRequest):
    """A real HTTP request through werkzeug's server searching an inburgeraar by full name."""
    person = factories.InburgeraarFactory(voornamen="Zoekbare", achternaam="Naamsvermelding")
    query = quote_plus(f"{person.voornamen} {person.achternaam}")
    with serving(app) as port:
        for path in (f"/inburgeraars/?q={query}", f"/presentie/week?q={query}&pagina=2"):
            # Not logged in: redirected to the login page; the search's request line is logged all the same.
            with contextlib.suppress(HTTPError):
                urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).close()
    request_lines = [line.text for line in CAPTURE.lines_of(request.node.nodeid) if line.logger == "werkzeug"]
    assert any("GET /inburgeraars/?q=[ZOEKTERM]" in text for text in request_lines), request_lines
    assert any("GET /presentie/week?q=[ZOEKTERM]&pagina=2" in text for text in request_lines), request_lines
    assert not any("Naamsvermelding" in unquote_plus(text) for text in request_lines)


def test_a_handler_added_later_by_huey_is_cleaned_too(app: Flask, tmp_path: Path):
    """huey's consumer adds its own handler after the app configured logging; records still arrive cleaned."""
    from huey.consumer_options import ConsumerConfig

    huey_logger = logging.getLogger("huey")
    level = huey_logger.level
    logfile = tmp_path / "huey.log"
    ConsumerConfig(logfile=str(logfile), workers=1).setup_logger(huey_logger)
    added = huey_logger.handlers[-1]
    bsn = next_bsn()
    try:
        logging.getLogger("huey.consumer").error("Taak mislukt voor %s via /deelnemers/?q=Amira+Aziz", bsn)
    finally:
        huey_logger.removeHandler(added)
        huey_logger.setLevel(level)
        added.close()
    written = logfile.read_text(encoding="utf-8")
    assert "Taak mislukt voor [BSN] via /deelnemers/?q=[ZOEKTERM]" in written
    assert bsn not in written and "Aziz" not in written


def _name_patterns() -> dict[str, list[str]]:
    """Last word → the name phrases ending in it: every surname, and first names of five letters or more."""
    patterns: dict[str, list[str]] = {}
    for voornamen, achternaam in NAMES:
        for phrase in (" ".join(achternaam.lower().split()), " ".join(voornamen.lower().split())):
            if len(phrase) >= 5 or (phrase == achternaam.lower() and len(phrase) >= 4):
                patterns.setdefault(re.findall(r"[\w'-]+", phrase)[-1], []).append(phrase)
    return patterns


@pytest.mark.runs_last
def test_no_inburgeraar_name_in_any_log_output_of_the_whole_test_run():
    """Every inburgeraar the run stored (factories, demo region, services), looked for in every log line,
    URL-decoded, after the tests that search by name through the live servers."""
    assert NAMES, "the run stored no inburgeraars: the name hook in tests/log_capture.py is not working"
    patterns = _name_patterns()
    leaks = []
    for line in CAPTURE.lines:
        text = " ".join(unquote_plus(line.text).lower().split())
        for word in set(re.findall(r"[\w'-]+", text)) & patterns.keys():
            for phrase in patterns[word]:
                if re.search(rf"(?<![\w'-]){re.escape(phrase)}(?![\w'-])", text):
                    leaks.append(f"{line.test} | {line.logger} at {line.source}: {line.text[:300]}")
    assert leaks == [], "Name of an inburgeraar in log output:\n" + "\n".join(leaks[:50])


@pytest.mark.runs_last
def test_no_bsn_in_any_log_output_of_the_whole_test_run():
    """Scans everything logged during this run (requests, services, tracebacks) for valid BSNs."""
    leaks = [
        f"{line.test} | {line.logger} at {line.source}: {line.text[:300]}"
        for line in CAPTURE.lines
        if any(stdnum_bsn.is_valid(number) for number in NINE_DIGITS.findall(line.text))
    ]
    assert leaks == [], "BSN in log output:\n" + "\n".join(leaks)
