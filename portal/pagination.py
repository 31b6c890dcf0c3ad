"""Pagination of scoped queries with real links that keep the current search and filters."""

from __future__ import annotations

from collections.abc import Mapping
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

    @property
    def first_index(self) -> int:
        """1-based position of the first item on this page (0 when there are none)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

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
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    items = list(session.scalars(query.limit(per_page).offset((number - 1) * per_page)))
    base_args = {k: v for k, v in (args or {}).items() if v not in (None, "", False) and k != PAGE_PARAM}
    return Page(items=items, number=number, per_page=per_page, total=total, base_args=base_args)
