"""Application logging that can never carry a BSN: numbers passing the 11-proef are masked."""

from __future__ import annotations

import logging
import re

from stdnum.nl import bsn as stdnum_bsn

_CANDIDATE = re.compile(r"(?<!\d)\d{8,9}(?!\d)")


def redact(text: str) -> str:
    """Replace every 8- or 9-digit number that is a valid BSN with a mask."""

    def mask(match: re.Match[str]) -> str:
        return "[BSN]" if stdnum_bsn.is_valid(match.group(0).zfill(9)) else match.group(0)

    return _CANDIDATE.sub(mask, text)


class RedactBsnFilter(logging.Filter):
    """Masks BSNs in the formatted message, including request lines with query strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        # Tracebacks carry exception texts such as a failed INSERT's parameters: format and mask them
        # here, so handlers print the cached, masked text instead of formatting the raw exception.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Attach the BSN filter to every root handler and to werkzeug's request log."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(isinstance(f, RedactBsnFilter) for f in handler.filters):
            handler.addFilter(RedactBsnFilter())
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "portal"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactBsnFilter) for f in logger.filters):
            logger.addFilter(RedactBsnFilter())
