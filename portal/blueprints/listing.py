"""The plumbing of the list pages (inburgeraars, deelnemers, regie caseload): query-string values, search,
filter and sort clauses, and rendering the page or only its htmx results region."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from flask import render_template
from sqlalchemy import ColumnElement, Select, exists, select

from portal.domain import zoeken
from portal.extensions import htmx
from portal.models import Inburgeraar, Pip


def search_clause(q: str) -> ColumnElement[bool] | None:
    """Digits search the BSN from its start; words must each occur in the first names or surname."""
    return zoeken.clause(q, voornamen=Inburgeraar.voornamen, achternaam=Inburgeraar.achternaam, bsn=Inburgeraar.bsn)


def huidige_pip(column: Any) -> Any:
    """A correlated subquery giving a column of the inburgeraar's current (highest) PIP version."""
    return (
        select(column)
        .where(Pip.inburgeraar_id == Inburgeraar.id)
        .order_by(Pip.versie.desc())
        .limit(1)
        .correlate(Inburgeraar)
        .scalar_subquery()
    )


def leerroute_clause(value: str) -> ColumnElement[bool] | None:
    """Filter on the current PIP's leerroute; "geen" means no PIP yet."""
    if value == "geen":
        return ~exists().where(Pip.inburgeraar_id == Inburgeraar.id)
    if value in ("B", "O", "Z"):
        return huidige_pip(Pip.leerroute) == value
    return None


def apply_sort(
    query: Select[Any], sort: str, columns: Mapping[str, Any], default: str, tiebreak: Any = Inburgeraar.id
) -> tuple[Select[Any], str]:
    """Order by a whitelisted column; a leading '-' sorts descending. Returns the query and the sort used."""
    key = sort.lstrip("-")
    if key not in columns:
        sort, key = default, default.lstrip("-")
    descending = sort.startswith("-")
    order = [c.desc() if descending else c.asc() for c in columns[key]]
    return query.order_by(*order, tiebreak), sort


def int_arg(raw: str | None) -> int | None:
    """A positive id (up to nine digits) from the query string, or None."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def choice_arg(raw: str | None, allowed: Collection[str]) -> str:
    """A filter value from the query string when it is one of `allowed`, else "" (no filter)."""
    return raw if raw and raw in allowed else ""


def render_list(folder: str, context: Mapping[str, Any], page_context: Callable[[], Mapping[str, Any]]) -> str:
    """Only the results region (`<folder>/_resultaten.html`) for an htmx search, else the whole page
    (`<folder>/index.html`) with what `page_context` adds, such as the filters' choices."""
    if htmx and not htmx.history_restore_request:
        return render_template(f"{folder}/_resultaten.html", **context)
    return render_template(f"{folder}/index.html", **context, **page_context())
