"""Following a `next` value from a form or query string, without becoming an open redirect."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 500


def local_path(target: object) -> str | None:
    """The target when it is a path on this site ("/inburgeraars/12#afschaling"), else None.

    Refused: other sites ("https://…", "//host"), backslashes and control characters or spaces (browsers
    turn "/\\host" and "/\\t/host" into "//host"), and anything that is not a plain string.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
