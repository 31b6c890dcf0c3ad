"""Domain operations: take objects and typed inputs, apply the rules, flush; the caller commits.

Every service reports bad input the same way, whatever door it came through (a form, a spreadsheet row,
the API): one `ValidationError` mapping field names to plain-Dutch messages that say what to fix, with the
row number for an upload. An actor who may not do something at all gets `NotAllowed` (views answer 403/404).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from typing import Any, TypeVar

from werkzeug.exceptions import Conflict

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - a typed input dataclass

# What a raw input field holds: text from a form field or a spreadsheet cell, or an already typed value
# (a date, a Decimal, an enum member) from the API or an Excel serial. The service parses it.
Raw = Any


class ValidationError(Exception):
    """Input that breaks a rule.

    `errors` maps field names to plain-Dutch messages saying what to fix; `row` is the row (of an upload,
    or a day of the presence grid) the errors are about, and `values` what was given per field there, so an
    upload's error list can show it. A batch reports all its rows at once: `rows` holds one ValidationError
    per row with errors (a single error is its own only row), and `errors` the first message per field.
    """

    def __init__(
        self, errors: Mapping[str, str], *, row: int | None = None, values: Mapping[str, Any] | None = None,
        rows: Sequence[ValidationError] = (),
    ) -> None:
        super().__init__()
        self.errors = dict(errors)
        self.row = row
        self.values = dict(values) if values else {}
        self.rows: tuple[ValidationError, ...] = tuple(rows) or (self,)

    def __str__(self) -> str:
        where = f"regel {self.row}: " if self.row is not None else ""
        return where + "; ".join(f"{k}: {v}" for k, v in self.errors.items())

    @classmethod
    def of_rows(cls, rows: Sequence[ValidationError]) -> ValidationError:
        """One error for a batch: every row's errors, and the first message per field at the top."""
        merged: dict[str, str] = {}
        for row in rows:
            for name, message in row.errors.items():
                merged.setdefault(name, message)
        return cls(merged, rows=rows)

    def value(self, name: str) -> str:
        """What was given for a field (text, at most 100 characters; empty when nothing)."""
        raw = self.values.get(name)
        return "" if raw is None else str(raw)[:100]


class NotAllowed(Exception):
    """The actor may not do this at all (wrong organisation or role): views answer 403, uploads name the row."""


class GelijktijdigGewijzigd(Conflict):
    """Someone else changed what this write read, between its read and its write (PostgreSQL runs writers side by
    side): nothing is stored; pages and the API answer 409 ("Tegelijk gewijzigd"), as for a duplicate insert."""


class Errors:
    """Collects field errors so that one submission reports every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def run(self, name: str, parse: Callable[[], T]) -> T | None:
        """Run a parser; remember its FieldError under `name` and return None on failure."""
        from portal.services.validation import FieldError

        try:
            return parse()
        except FieldError as error:
            self.add(name, str(error))
            return None

    def add(self, name: str, message: str) -> None:
        """Keep the first message per field: it is usually the one to fix first."""
        self.errors.setdefault(name, message)

    def raise_if_any(self) -> None:
        """Raise one ValidationError with every collected message."""
        if self.errors:
            raise ValidationError(self.errors)


def from_mapping(cls: type[I], data: Mapping[str, Any]) -> I:
    """A typed input (a dataclass of raw fields) from a form's data, a spreadsheet row or an API payload.

    Only the input's own fields are read; a field that is missing stays empty, so the service explains it.
    """
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: value for name, value in data.items() if name in names})
