"""Searching inburgeraars as people type: a BSN (or its start) or words of the name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

MAX_WOORDEN = 5
_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class Zoekvraag:
    """What a search box holds: the digits of a BSN (spaces, dots and dashes dropped), or up to five words."""

    bsn: str | None
    woorden: tuple[str, ...]


def parse(raw: str | None) -> Zoekvraag | None:
    """The search as typed; None when empty. Only digits (after separators) mean a BSN, anything else words."""
    text = (raw or "").strip()
    if not text:
        return None
    digits = _SEPARATORS.sub("", text)
    if digits.isdigit():
        return Zoekvraag(bsn=digits, woorden=())
    return Zoekvraag(bsn=None, woorden=tuple(text.split()[:MAX_WOORDEN]))


def clause(
    raw: str | None, *, voornamen: Any, achternaam: Any, bsn: Any, extra: Sequence[Any] = ()
) -> ColumnElement[bool] | None:
    """A WHERE clause: a BSN matches from its start; otherwise every word must occur (any case) in the
    first names or surname (or one of the `extra` columns, e.g. a verwijzing's kenmerk). None: no filter."""
    vraag = parse(raw)
    if vraag is None:
        return None
    if vraag.bsn is not None:
        return bsn.startswith(vraag.bsn, autoescape=True)
    columns = (voornamen, achternaam, *extra)
    return and_(*[or_(*[c.icontains(woord, autoescape=True) for c in columns]) for woord in vraag.woorden])
