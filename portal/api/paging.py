"""Cursor pagination in a deterministic order (changed-at, id), with the next page in a `Link` header.

A cursor is the position after the last item of a page, opaque to clients (base64url of JSON). Keyset paging
does not skip or repeat items when others are added meanwhile, and costs the same on page 1 and page 1,000.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import json, request
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from portal.services import ValidationError
from portal.services.validation import as_datetime

T = TypeVar("T")
MAX_LIMIT = 500
DEFAULT_LIMIT = 100


@dataclass
class Page:
    """One page of items and the cursor of the next page (None on the last page)."""

    items: Sequence[Any]
    next_cursor: str | None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def encode_cursor(moment: datetime, ident: int) -> str:
    """The opaque cursor after (moment, ident)."""
    raw = json.dumps([_aware(moment).isoformat(), ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(moment, id) of a cursor, or ValidationError in Dutch."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        parsed = datetime.fromisoformat(moment)
        if not isinstance(ident, int) or isinstance(ident, bool):
            raise ValueError
        return _aware(parsed), ident
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": "Deze cursor is ongeldig. Gebruik de link uit de Link-header van de "
                                         "vorige pagina, of laat cursor weg voor de eerste pagina."}) from None


def keyset_page(session: Session, query: Select[Any], changed_at: Any, ident: Any, *, since: datetime | None,
                cursor: str | None, limit: int, load: Callable[[Any], Any] | None = None) -> Page:
    """A page of `query` ordered by (changed_at, id), from `since` (inclusive) or after `cursor`."""
    if since is not None:
        query = query.where(changed_at >= _aware(since))
    if cursor:
        moment, last_id = decode_cursor(cursor)
        query = query.where(or_(changed_at > moment, and_(changed_at == moment, ident > last_id)))
    rows = list(session.scalars(query.order_by(changed_at, ident).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        moment = as_datetime(getattr(last, changed_at.key))
        assert moment is not None
        next_cursor = encode_cursor(moment, getattr(last, ident.key))
    return Page(rows, next_cursor)


def link_header(page: Page) -> dict[str, str]:
    """`Link: <…?cursor=…>; rel="next"` when there is a next page (RFC 8288), keeping the other parameters."""
    if page.next_cursor is None:
        return {}
    args = request.args.to_dict()
    args["cursor"] = page.next_cursor
    from urllib.parse import urlencode

    url = request.base_url + "?" + urlencode(args)
    return {"Link": f'<{url}>; rel="next"'}
