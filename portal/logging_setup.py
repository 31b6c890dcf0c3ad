"""Application logging that never carries a BSN or a searched name.

Two kinds of personal data reach logs by accident: numbers (a BSN in a URL, an error text, a traceback) and the
text people search for (`GET /deelnemers/?q=Voornaam+Achternaam`, also in the Referer that gunicorn's access log
prints). So every log line is cleaned in two ways:

* every 8- or 9-digit number that passes the 11-proef becomes [BSN];
* every value in a URL query string becomes [ZOEKTERM], except the values of a few known navigation parameters
  (page, week, sort order …) that are short codes; searches stay linkable and bookmarkable, and the log keeps
  what an operator needs (path, which parameters, status) without the words that were searched for.

The cleaning happens when a record is created (a LogRecord factory), so a handler that a library adds later, such
as huey's consumer or gunicorn's access log, cannot bypass it; the same filter also sits on the root handlers
and the named loggers' handlers for records built elsewhere (logging.makeLogRecord).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from stdnum.nl import bsn as stdnum_bsn

_CANDIDATE = re.compile(r"(?<!\d)\d{8,9}(?!\d)")
_QUERY_PAIR = re.compile(r"(?<=[?&])([^=&\s\"'#<>]+)=([^&\s\"'#<>]*)")
SEARCH_MASK = "[ZOEKTERM]"
BSN_MASK = "[BSN]"
# Navigation parameters whose values are codes, never free text; any other parameter's value is masked.
NAVIGATION_PARAMETERS = frozenset({
    "pagina", "page", "per_pagina", "week", "activiteit", "sort", "status", "alle", "verlopen", "formaat", "soort",
    "signaal", "rol", "onderdeel", "gemeente", "gemeente_id", "aanbieder_id", "contract_id", "periode", "jaar",
    "kwartaal", "filter", "tab", "v", "tijdlijn",
})
_CODE = re.compile(r"^[-+\w.:,]{0,40}$", re.ASCII)
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "portal", "huey", "huey.consumer", "sqlalchemy")


def redact(text: str) -> str:
    """Mask BSNs and the values of free-text URL parameters in a log text."""
    return _redact_query_values(_redact_bsns(text))


def _redact_bsns(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        return BSN_MASK if stdnum_bsn.is_valid(match.group(0).zfill(9)) else match.group(0)

    return _CANDIDATE.sub(mask, text)


def _redact_query_values(text: str) -> str:
    if "=" not in text or ("?" not in text and "&" not in text):
        return text

    def mask(match: re.Match[str]) -> str:
        key, value = match.group(1), match.group(2)
        if not value or value in (BSN_MASK, SEARCH_MASK):
            return match.group(0)
        if key.lower() in NAVIGATION_PARAMETERS and _CODE.match(value):
            return match.group(0)
        return f"{key}={SEARCH_MASK}"

    return _QUERY_PAIR.sub(mask, text)


def redact_record(record: logging.LogRecord) -> None:
    """Clean a record in place: its message, its exception text and its stack."""
    try:
        message = record.getMessage()
    except Exception:  # a broken log call: leave it to the handler to report
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    # Tracebacks carry exception texts such as a failed INSERT's values: format and mask them here, so
    # handlers print the cached, masked text instead of formatting the raw exception.
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactBsnFilter(logging.Filter):
    """Masks BSNs and searched words in the formatted message, including request lines with query strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _redacting_factory(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        redact_record(record)
        return record

    factory.portal_redacting = True  # type: ignore[attr-defined]
    return factory


def _add_filter(filterer: logging.Filterer) -> None:
    if not any(isinstance(f, RedactBsnFilter) for f in filterer.filters):
        filterer.addFilter(RedactBsnFilter())


def configure_logging(level: int = logging.INFO) -> None:
    """Clean every record at creation, and put the filter on every handler and named logger there is now."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "portal_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        _add_filter(handler)
    for name in LOGGERS:
        _add_filter(logging.getLogger(name))
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            for handler in logger.handlers:
                _add_filter(handler)
