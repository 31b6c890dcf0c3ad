"""Shared pieces of the forms: fields carry raw input, the services check it and their errors land on them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import Field, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.form import BaseForm

DATUM_HINT = "Dag-maand-jaar, bijvoorbeeld 05-03-2026."
DATUM_KW = {"autocomplete": "off", "inputmode": "numeric", "size": "12"}


class Verplicht:
    """Marks a field as required for the label and the browser; the service does the actual check (so a
    missing value is reported with the other errors, in the service's words)."""

    field_flags = {"required": True}  # WTForms reads this class attribute

    def __call__(self, form: BaseForm, field: Field) -> None:
        return None


VERPLICHT = [Verplicht()]


class Voorwaardelijk:
    """Marks a field that is required only in some cases (its description says when): the label then says neither
    "(niet verplicht)" nor required, because both would be wrong half of the time."""

    field_flags = {"voorwaardelijk": True}

    def __call__(self, form: BaseForm, field: Field) -> None:
        return None


VOORWAARDELIJK = [Voorwaardelijk()]


def options(pairs: Iterable[tuple[object, str]], leeg: str | None = None) -> list[SelectChoice]:
    """Select or radio choices from (value, label) pairs, with an empty first option when `leeg` names it
    (WTForms 3.3 deprecates plain tuples)."""
    first = [SelectChoice("", leeg)] if leeg is not None else []
    return first + [SelectChoice(value, label) for value, label in pairs]


def select(label: str, choices: list[SelectChoice] | None = None, **kwargs: Any) -> SelectField:
    """A select whose value the service checks (with a Dutch message), not WTForms."""
    return SelectField(label, choices=choices or [], validate_choice=False, **kwargs)


def strip(value: object) -> object:
    """Filter: surrounding whitespace off text."""
    return value.strip() if isinstance(value, str) else value
