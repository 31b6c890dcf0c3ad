"""Search, filter and sort clauses for lists of inburgeraars (gemeente) and deelnemers (aanbieder)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select

from portal.models import Inburgeraar, Pip

MAX_SEARCH_TERMS = 5


def search_clause(q: str) -> ColumnElement[bool] | None:
    """Digits search the BSN from its start; words must each occur in the first names or surname."""
    q = q.strip()
    if not q:
        return None
    digits = re.sub(r"[\s.\-]", "", q)
    if digits.isdigit():
        return Inburgeraar.bsn.startswith(digits, autoescape=True)
    terms = q.split()[:MAX_SEARCH_TERMS]
    return and_(*[
        or_(Inburgeraar.voornamen.icontains(term, autoescape=True),
            Inburgeraar.achternaam.icontains(term, autoescape=True))
        for term in terms
    ])


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
    """A positive id from the query string, or None."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 12 else None
