"""The plumbing of the list pages (inburgeraars, deelnemers, regie caseload): query-string values and rendering
the page or only its htmx results region. Their queries live in portal.services.overzichten."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from flask_login import current_user

from portal import audit
from portal.blueprints.formflow import render
from portal.extensions import db, htmx
from portal.services.validation import parse_id


def int_arg(raw: str | None) -> int | None:
    """A positive id (up to nine digits) from the query string, or None."""
    return parse_id(raw)


def choice_arg(raw: str | None, allowed: Collection[str]) -> str:
    """A filter value from the query string when it is one of `allowed`, else "" (no filter)."""
    return raw if raw and raw in allowed else ""


def render_list(folder: str, context: Mapping[str, Any], page_context: Callable[[], Mapping[str, Any]]) -> str:
    """Only the results region (`<folder>/_resultaten.html`) for an htmx search, else the whole page
    (`<folder>/index.html`) with what `page_context` adds, such as the filters' choices."""
    if htmx and not htmx.history_restore_request:
        return render(f"{folder}/index.html", f"{folder}/_resultaten.html", **context)[0]
    return render(f"{folder}/index.html", **context, **page_context())[0]


def record_shown(object_type: str, inburgeraar_ids: Iterable[int], **details: Any) -> None:
    """The list's read in the audit trail: which inburgeraars this request showed (the page rendered, not the
    whole result), then commit. Called after rendering: on SQLite the write lock is taken once the page's reads
    are done (as the case page does), and a page that failed to render showed nobody."""
    ids = set(inburgeraar_ids)
    audit.record_shown(db.session, current_user._get_current_object(), ids, object_type=object_type,
                       details={**details, "aantal": len(ids)})
    db.session.commit()
