"""No BSN ever reaches a log: the filter masks them, and the whole test run's log output proves it."""

from __future__ import annotations

import logging
import re
import threading
from urllib.request import urlopen

import pytest
from flask import Flask
from stdnum.nl import bsn as stdnum_bsn
from werkzeug.serving import make_server

from portal.logging_setup import redact
from tests.factories import next_bsn
from tests.log_capture import CAPTURE

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
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urlopen(f"http://127.0.0.1:{server.port}/gezond?zoek={bsn}", timeout=10) as response:
            assert response.status == 200
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    request_lines = [line.text for line in CAPTURE.lines_of(request.node.nodeid) if line.logger == "werkzeug"]
    assert any("GET /gezond?zoek=[BSN]" in text for text in request_lines), request_lines
    assert not any(bsn in text for text in request_lines)


@pytest.mark.runs_last
def test_no_bsn_in_any_log_output_of_the_whole_test_run():
    """Scans everything logged during this run (requests, services, tracebacks) for valid BSNs."""
    leaks = [
        f"{line.test} | {line.logger} at {line.source}: {line.text[:300]}"
        for line in CAPTURE.lines
        if any(stdnum_bsn.is_valid(number) for number in NINE_DIGITS.findall(line.text))
    ]
    assert leaks == [], "BSN in log output:\n" + "\n".join(leaks)
