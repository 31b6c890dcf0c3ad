"""Dutch presentation: dates as 05-03-2026, decimals as 2,5, times in Europe/Amsterdam.

Still babel, but its locale and patterns are parsed once: a case page formats thousands of numbers, and
`format_decimal` with a pattern string re-resolves both on every call (about 400 µs a call under load).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, parse_pattern
from flask import Flask
from markupsafe import Markup

from portal.domain import afronding

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LOCALE = Locale.parse("nl_NL")
_MAANDEN = dict(LOCALE.months["format"]["wide"])  # {1: 'januari', …}: babel's lookup cost more than week_lang


@cache
def _number_pattern(decimals: int) -> NumberPattern:
    """'#,##0.##' for two decimals: Dutch grouping, trailing zeros dropped; parsed once per number of decimals."""
    return parse_pattern(f"#,##0.{'#' * decimals}")


@cache
def _long_date_pattern() -> DateTimePattern:
    return parse_date_pattern(LOCALE.date_formats["long"])


def datum(value: date | datetime | None) -> str:
    """05-03-2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(AMSTERDAM).date() if value.tzinfo else value.date()
    return _datum(value)


def datum_element(value: date | datetime) -> Markup:
    """<time datetime="2026-03-05">05-03-2026</time>: the date for readers, ISO for machines (digits only)."""
    if type(value) is date:
        return _datum_element(value)
    return Markup(f'<time datetime="{value.isoformat()}">{datum(value)}</time>')  # noqa: S704 - digits and dashes


# A case page shows some sixty dates, most of them the same few Mondays and Sundays: each date is written once
# (a cache hit costs a quarter of building the text, and a tenth of building the <time> element).
@lru_cache(maxsize=4096)
def _datum(value: date) -> str:
    return f"{value.day:02d}-{value.month:02d}-{value.year}"  # strftime("%d-%m-%Y"), in a third less time


@lru_cache(maxsize=4096)
def _datum_element(value: date) -> Markup:
    return Markup(f'<time datetime="{value.isoformat()}">{_datum(value)}</time>')  # noqa: S704 - digits and dashes


def datum_lang(value: date | None) -> str:
    """5 maart 2026."""
    return _long_date_pattern().apply(value, LOCALE) if value else ""


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
    # Keyed by the exact text of the value: Decimal("-0") equals 0 but is shown as -0.
    return _getal(type(value), str(value), decimals, value)


@lru_cache(maxsize=8192)
def _getal(_type: type, _text: str, decimals: int, value: Decimal | float | int) -> str:
    """babel's apply() still costs ~25 µs a call (it looks up the locale's symbols every time) and a case page
    shows ~150 numbers, most of them the same few hours: each distinct value is formatted once."""
    return _number_pattern(decimals).apply(value, LOCALE)


# The singular of the nouns counts are shown with: '1 inburgeraar', '3 inburgeraars'.
ENKELVOUD = {"dagen": "dag", "weken": "week", "verzoeken": "verzoek", "inburgeraars": "inburgeraar",
             "sessies": "sessie", "verwijzingen": "verwijzing", "gevallen": "geval", "regels": "regel"}


def naamwoord(value: Decimal | float | int | None, meervoud: str) -> str:
    """The noun for a count: singular for exactly 1 ('1 inburgeraar'), else the plural given."""
    return ENKELVOUD.get(meervoud, meervoud) if value == 1 else meervoud


def aantal(value: Decimal | float | int | None, meervoud: str, decimals: int = 0) -> str:
    """A count with its noun, in Dutch notation: '1 inburgeraar', '22.459 sessies'."""
    if value is None:
        return ""
    return f"{getal(value, decimals)} {naamwoord(value, meervoud)}"


def uren(value: Decimal | float | int | None) -> str:
    """Hours as every page and export text shows them: to the quarter hour (portal.domain.afronding), 182,75."""
    if value is None:
        return ""
    return _uren(str(value))


def procent(value: Decimal | float | int | None) -> str:
    """A percentage as every page and export text shows it: one decimal, half up (portal.domain.afronding), with
    the sign: 56,96 -> '57%', 76,25 -> '76,3%'. A trailing ,0 is dropped, as everywhere in the portal."""
    if value is None:
        return ""
    return _procent(str(value))


# afronding rounds Decimal(str(value)), so the text of a value decides what is shown: each text is rounded and
# formatted once (a case page shows ~100 hours and percentages, most of them the same few values).
@lru_cache(maxsize=8192)
def _uren(text: str) -> str:
    return getal(afronding.uren(Decimal(text)))


@lru_cache(maxsize=8192)
def _procent(text: str) -> str:
    return f"{getal(afronding.procent(Decimal(text)), 1)}%"


def euro(cent: int | Decimal | None) -> str:
    """Euro cents as Dutch money, the one money formatter: € 1.234,56 (− for negative amounts), — for none."""
    if cent is None:
        return "—"
    cent = int(cent)  # database sums arrive as Decimal on PostgreSQL
    teken = "−" if cent < 0 else ""
    euros, centen = divmod(abs(cent), 100)
    return f"{teken}€ {euros:,}".replace(",", ".") + f",{centen:02d}"


def bestandsgrootte(aantal_bytes: int) -> str:
    """'25 MB', '500 kB' or '300 bytes' (binary units, as file managers on Windows count them): the one way a
    file size is written, for a limit and for an uploaded file alike."""
    if aantal_bytes < 1024:
        return f"{aantal_bytes} bytes"
    if aantal_bytes < 1024 * 1024:
        return f"{getal(round(aantal_bytes / 1024), 0)} kB"
    return f"{getal(aantal_bytes / (1024 * 1024), 1)} MB"


def week_lang(monday: date, offset: int = 0) -> str:
    """week 48 (23–29 november 2026): the ISO week number with its Monday to Sunday in words; `offset` weeks on."""
    monday = monday + timedelta(weeks=offset)
    sunday = monday + timedelta(days=6)
    maanden = _MAANDEN
    if monday.month == sunday.month:
        periode = f"{monday.day}–{sunday.day} {maanden[sunday.month]} {sunday.year}"
    elif monday.year == sunday.year:
        periode = f"{monday.day} {maanden[monday.month]} – {sunday.day} {maanden[sunday.month]} {sunday.year}"
    else:
        periode = (f"{monday.day} {maanden[monday.month]} {monday.year} – "
                   f"{sunday.day} {maanden[sunday.month]} {sunday.year}")
    return f"week {monday.isocalendar().week} ({periode})"


def waarde(value: object) -> str:
    """Any cell or stored value as a Dutch reader writes it: 16-11-2026, 2,5, Ja/Nee, a choice's label; '' for
    nothing. Whole numbers stay ungrouped (a BSN or kenmerk read as a number must not become 123.456.782)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nee"
    if isinstance(value, datetime):
        return datum(value) if value.time() == datetime.min.time() else datumtijd(value)
    if isinstance(value, date):
        return datum(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) >= 10_000:
        return str(int(value))  # an identifier that went through a float (Excel numbers)
    if isinstance(value, float | Decimal):
        return getal(value)
    label = getattr(value, "label", None)
    return str(label if isinstance(label, str) else value)


def register_filters(app: Flask) -> None:
    """Make the formatters available in templates."""
    app.add_template_filter(aantal)
    app.add_template_filter(bestandsgrootte)
    app.add_template_filter(datum)
    app.add_template_filter(datum_element)
    app.add_template_filter(datum_lang)
    app.add_template_filter(datumtijd)
    app.add_template_filter(euro)
    app.add_template_global(euro)  # also callable: {{ euro(cent) }}
    app.add_template_filter(getal)
    app.add_template_filter(naamwoord)
    app.add_template_filter(procent)
    app.add_template_filter(uren)
    app.add_template_filter(week_lang)
    app.add_template_filter(waarde)
