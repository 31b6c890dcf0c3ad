"""Dutch presentation: dates as 05-03-2026, decimals as 2,5, times in Europe/Amsterdam."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def datum(value: date | datetime | None) -> str:
    """05-03-2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(AMSTERDAM).date() if value.tzinfo else value.date()
    return value.strftime("%d-%m-%Y")


def datum_lang(value: date | None) -> str:
    """5 maart 2026."""
    return format_date(value, format="long", locale="nl_NL") if value else ""


def datumtijd(value: datetime | None) -> str:
    """05-03-2026 14:07, in Dutch local time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def getal(value: Decimal | float | int | None, decimals: int = 2) -> str:
    """2,5 and 1.234,75: Dutch grouping and decimal comma, trailing zeros dropped."""
    if value is None:
        return ""
    return format_decimal(value, format=f"#,##0.{'#' * decimals}", locale="nl_NL")


def register_filters(app: Flask) -> None:
    """Make the formatters available in templates."""
    app.add_template_filter(datum)
    app.add_template_filter(datum_lang)
    app.add_template_filter(datumtijd)
    app.add_template_filter(getal)
