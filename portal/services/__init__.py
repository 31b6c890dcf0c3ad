"""Domain operations: take objects and data, apply the rules, flush; the caller commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ValidationError(Exception):
    """Input that breaks a rule; `errors` maps field names to plain-Dutch messages saying what to fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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
