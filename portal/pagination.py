"""Pagination of scoped queries with real links that keep the current search and filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PAGE_PARAM = "pagina"
DEFAULT_PER_PAGE = 25


@dataclass
class Page:
    """One page of results plus what the pagination macro needs to link to the others."""

    items: list[Any]
    number: int
    per_page: int
    total: int
    base_args: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Number of pages (at least 1, so "pagina 1 van 1" reads well for an empty list)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to show: first, last and a few around the current one; None marks a gap."""
        wanted = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        result: list[int | None] = []
        for n in numbers:
            if result and n - (result[-1] or 0) > 1:
                result.append(None)
            result.append(n)
        return result

    def args(self, number: int) -> dict[str, Any]:
        """url_for keyword arguments for page `number`, keeping search, filters and sort order."""
        result = dict(self.base_args)
        if number > 1:
            result[PAGE_PARAM] = number
        return result


def page_number(raw: str | None) -> int:
    """The requested page number from a query string; anything odd means page 1."""
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 1_000_000 else 1


def paginate(
    session: Session,
    query: Select[Any],
    number: int,
    *,
    per_page: int = DEFAULT_PER_PAGE,
    args: Mapping[str, Any] | None = None,
) -> Page:
    """Run one page of an ordered query; a page past the end shows the last page."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = _existing_page(number, total, per_page)
    items = list(session.scalars(query.limit(per_page).offset((number - 1) * per_page)))
    return Page(items=items, number=number, per_page=per_page, total=total, base_args=_link_args(args))


def paginate_list(
    items: Sequence[Any], number: int, *, per_page: int = DEFAULT_PER_PAGE, args: Mapping[str, Any] | None = None
) -> Page:
    """One page of an already computed list; a page past the end shows the last page."""
    number = _existing_page(number, len(items), per_page)
    start = (number - 1) * per_page
    return Page(items=list(items[start:start + per_page]), number=number, per_page=per_page, total=len(items),
                base_args=_link_args(args))


def _existing_page(number: int, total: int, per_page: int) -> int:
    return min(max(1, number), max(1, -(-total // per_page)))


def _link_args(args: Mapping[str, Any] | None) -> dict[str, Any]:
    """The non-empty search, filter and sort values that page links repeat."""
    return {k: v for k, v in (args or {}).items() if v not in (None, "", False) and k != PAGE_PARAM}
