"""The one parsing module: BSNs, dates, hours, numbers, text, choices and ids from forms, uploads and the API.

Each parser takes raw input (text from a form or a cell, or an already typed value) and returns the
clean value or raises FieldError with a plain-Dutch message that says what to fix. Services collect
FieldErrors per field (portal.services.Errors) and raise one ValidationError.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from stdnum.nl import bsn as stdnum_bsn

from portal.formatting import getal
from portal.models.traject import Activiteit
from portal.spreadsheets.read import normalise_header

E = TypeVar("E", bound=enum.Enum)
MAX_TEKST = 4000  # free text fields (progress, circumstances, reasons of decisions)


class FieldError(ValueError):
    """One field's value breaks a rule; the message tells the user what to fix."""


def zinsbegin(label: str) -> str:
    """The label as the start of a sentence: its first letter a capital, the rest as written (str.capitalize()
    would turn "de HTTP-status van DUO" into "De http-status van duo")."""
    return label[:1].upper() + label[1:]


EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%y")
_HOURS_PATTERN = re.compile(r"^\d{1,4}([.,]\d{1,2})?$")
QUARTER = Decimal("0.25")


def parse_bsn(raw: object) -> str:
    """A nine-digit BSN passing the 11-proef; restores the leading zero spreadsheets drop."""
    text = _text(raw)
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    digits = re.sub(r"[\s.\-]", "", text)
    if not digits:
        raise FieldError("Vul het BSN in.")
    if not digits.isdigit():
        raise FieldError("Een BSN bestaat alleen uit cijfers.")
    if len(digits) in (7, 8):
        digits = digits.zfill(9)
    if len(digits) != 9:
        raise FieldError("Een BSN heeft negen cijfers.")
    if not stdnum_bsn.is_valid(digits):
        raise FieldError("Dit is geen geldig BSN: de elfproef klopt niet. Controleer de cijfers.")
    return digits


def parse_date(raw: object, *, required: bool = True, label: str = "de datum") -> date | None:
    """A date from a date object, an Excel serial number, or text like 05-03-2026 or 2026-03-05."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise FieldError(f"Vul {label} in (dd-mm-jjjj).")
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:  # Excel's serial range up to 31-12-9999
            return EXCEL_EPOCH + timedelta(days=int(raw))
        raise FieldError(f"{zinsbegin(label)} is geen geldige datum. Gebruik dd-mm-jjjj.")
    text = _text(raw)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FieldError(
        f"{zinsbegin(label)} '{text}' is geen geldige datum. Gebruik dd-mm-jjjj, bijvoorbeeld 05-03-2026."
    )


def parse_hours(raw: object, *, label: str = "het aantal uren", maximum: Decimal = Decimal(24)) -> Decimal:
    """Hours as a finite, non-negative quarter-hour amount; '2,5' and '2.5' both mean two and a half."""
    if isinstance(raw, bool):
        raise FieldError(f"Vul {label} in als getal, bijvoorbeeld 2,5.")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise FieldError(f"Vul {label} in als getal, bijvoorbeeld 2,5.")
        value = Decimal(str(raw))
    else:
        text = _text(raw)
        if not text:
            raise FieldError(f"Vul {label} in, bijvoorbeeld 2,5. Vul 0 in als er geen uren waren.")
        if text.startswith("-") and _HOURS_PATTERN.match(text[1:]) and Decimal(text[1:].replace(",", ".")) == 0:
            text = text[1:]  # "-0" is zero, not a negative amount
        if text.startswith("-"):
            raise FieldError(f"{zinsbegin(label)} kan niet negatief zijn.")
        if not _HOURS_PATTERN.match(text):
            raise FieldError(
                f"{zinsbegin(label)} '{text}' is geen geldig getal. Gebruik cijfers met hoogstens één komma, "
                "bijvoorbeeld 2,5 of 3."
            )
        value = Decimal(text.replace(",", "."))
    if not value.is_finite():
        raise FieldError(f"Vul {label} in als getal, bijvoorbeeld 2,5.")
    if value < 0:
        raise FieldError(f"{zinsbegin(label)} kan niet negatief zijn.")
    if value > maximum:
        raise FieldError(f"{zinsbegin(label)} kan niet meer dan {getal(maximum)} zijn.")
    if value % QUARTER != 0:
        raise FieldError(f"{zinsbegin(label)} moet in kwartieren: gebruik bijvoorbeeld 1,25, 1,5 of 1,75.")
    return value.quantize(Decimal("0.01")) + Decimal(0)  # normalises -0 to 0


# --- money ----------------------------------------------------------------------------------------------

MAX_BEDRAG_CENT = 10_000_000_00  # ten million euro: anything above is a typing error
_BEDRAG_VOORBEELD = ("Schrijf bijvoorbeeld 12,50 of 1.234,56: een punt tussen de duizendtallen, een komma voor "
                     "de centen.")
_DUIZENDTALLEN = re.compile(r"[1-9]\d{0,2}(\.\d{3})+(,\d{1,2})?")  # 52.301 / 1.234,56
_KOMMA = re.compile(r"\d+(,\d{1,2})?")  # 1234 / 1234,5 / 12,50
_DECIMALE_PUNT = re.compile(r"\d+\.\d{1,2}")  # 12.50 typed with a decimal point (a dot and three digits is 1.000)
_HELE_EUROS = re.compile(r"(\d+|[1-9]\d{0,2}(\.\d{3})+),[-–]")  # 250,- / 1.250,-
_ENGELS = re.compile(r"\d{1,3}(,\d{3})+(\.\d{1,2})?")  # 1,234.56 / 1,234,567


def parse_bedrag_cent(raw: object, *, label: str = "het bedrag", required: bool = True) -> int | None:
    """An amount in euro as people type it ("52.301", "1.234,56", "€ 1.234,56", "1234,5", "12.50", "250,-")
    or as a spreadsheet cell gives it, to whole cents: finite, not negative, at most two decimals. Every money
    field uses this one parser; ambiguous text ("1,234") is refused with a message, never guessed."""
    if isinstance(raw, bool):
        raise FieldError(f"Vul {label} in euro in. {_BEDRAG_VOORBEELD}")
    if isinstance(raw, int | float | Decimal):
        value = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
        if not value.is_finite():
            raise FieldError(f"Vul {label} in euro in. {_BEDRAG_VOORBEELD}")
        return _cent(value, label)
    text = re.sub(r"\s", "", _text(raw))
    text = re.sub(r"^(€|eur(o)?)|(€|eur(o)?)$", "", text, flags=re.IGNORECASE)
    if not text:
        if required:
            raise FieldError(f"Vul {label} in, in euro. {_BEDRAG_VOORBEELD}")
        return None
    if text[0] in "-−–":
        raise FieldError(f"{zinsbegin(label)} kan niet negatief zijn.")
    text = text.lstrip("+")
    if _HELE_EUROS.fullmatch(text):
        text = text[:-2]
    if _DUIZENDTALLEN.fullmatch(text) or _KOMMA.fullmatch(text):
        return _cent(Decimal(text.replace(".", "").replace(",", ".")), label)
    if _DECIMALE_PUNT.fullmatch(text):
        return _cent(Decimal(text), label)
    if re.fullmatch(r"\d{1,3},\d{3}", text):
        raise FieldError(f"{zinsbegin(label)} '{text}' is niet eenduidig: bedoelt u {text.replace(',', '.')} euro "
                         f"of {text[:-1]} euro? {_BEDRAG_VOORBEELD}")
    if _ENGELS.fullmatch(text):
        raise FieldError(f"{zinsbegin(label)} '{text}' staat in Engelse schrijfwijze. {_BEDRAG_VOORBEELD}")
    if re.fullmatch(r"\d+[.,]\d{3,}", text):
        raise FieldError(f"{zinsbegin(label)} '{text}' heeft meer dan twee cijfers achter de komma. "
                         f"{_BEDRAG_VOORBEELD}")
    raise FieldError(f"{zinsbegin(label)} '{text}' is geen bedrag. {_BEDRAG_VOORBEELD}")


def _cent(value: Decimal, label: str) -> int:
    if value < 0:
        raise FieldError(f"{zinsbegin(label)} kan niet negatief zijn.")
    cent = value * 100
    if cent != cent.to_integral_value():
        raise FieldError(f"{zinsbegin(label)} heeft meer dan twee cijfers achter de komma. {_BEDRAG_VOORBEELD}")
    if cent > MAX_BEDRAG_CENT:
        raise FieldError(f"{zinsbegin(label)} is onwaarschijnlijk hoog (meer dan tien miljoen euro); "
                         "controleer het bedrag.")
    return int(cent)


def parse_whole_number(raw: object, *, label: str, minimum: int, maximum: int, required: bool = True) -> int | None:
    """A whole number within bounds, e.g. DUO's geschatte intensiteit (1–9999)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise FieldError(f"Vul {label} in.")
        return None
    text = _text(raw)
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    # "-5" is a whole number: what is wrong with it is its range, so it gets the range's message below.
    if not re.fullmatch(r"-?\d+", text):
        raise FieldError(f"{zinsbegin(label)} moet een heel getal zijn, zonder punt of komma.")
    value = int(text)
    if not minimum <= value <= maximum:
        raise FieldError(f"{zinsbegin(label)} moet tussen {minimum} en {maximum} liggen.")
    return value


def parse_optional_hours(raw: object, *, label: str, maximum: Decimal) -> Decimal | None:
    """Hours that may be left empty (None), else as parse_hours."""
    if is_empty(raw):
        return None
    return parse_hours(raw, label=label, maximum=maximum)


def check_not_future(value: date, today: date, label: str = "De datum") -> None:
    """Registrations describe what happened: no dates after today."""
    if value > today:
        raise FieldError(f"{label} ligt in de toekomst. Vul een datum in tot en met vandaag.")


def parse_past_date(raw: object, today: date, *, label: str, subject: str, required: bool = True) -> date | None:
    """A date of something that happened: not after today (`subject` starts the message, "De examendatum")."""
    value = parse_date(raw, required=required, label=label)
    if value is not None:
        check_not_future(value, today, subject)
    return value


def parse_text(raw: object, label: str, *, required: bool = True, max_length: int = MAX_TEKST,
               single_line: bool = False) -> str | None:
    """Free text, trimmed (and on one line with single spaces when `single_line`); bounded in length."""
    text = "" if raw is None else str(raw).replace("\x00", "")
    text = " ".join(text.split()) if single_line else text.strip()
    if not text:
        if required:
            raise FieldError(f"Vul {label} in.")
        return None
    if len(text) > max_length:
        raise FieldError(f"Gebruik voor {label} hoogstens {max_length} tekens.")
    return text


def parse_choice(enum_cls: type[E], raw: object, message: str, *, required: bool = True) -> E | None:
    """One member of an enumeration, by its value, or (any case, accents or spacing) by its value or label as
    spreadsheets and people write it ('geslaagd', 'Lager dan A1'); `message` says what to choose."""
    if isinstance(raw, enum_cls):
        return raw
    if is_empty(raw):
        if required:
            raise FieldError(message)
        return None
    text = raw.strip() if isinstance(raw, str) else raw
    try:
        return enum_cls(text)
    except ValueError:
        wanted = normalise_header(text)
        for member in enum_cls:
            if wanted in (normalise_header(member.value), normalise_header(getattr(member, "label", member.value))):
                return member
    raise FieldError(message)


def parse_id(raw: object) -> int | None:
    """A database id from a select or a payload; anything that is not a positive whole number is None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    text = _text(raw)
    return int(text) if text.isdigit() and len(text) < 10 else None


_JA = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
_NEE = {"nee", "n", "no", "false", "onwaar", "0", ""}


def parse_yes_no(raw: object) -> bool:
    """Ja or Nee as spreadsheets write it (Ja, j, x, 1 / Nee, n, 0, empty)."""
    if isinstance(raw, bool):
        return raw
    text = _text(raw).casefold()
    if text in _JA:
        return True
    if text in _NEE:
        return False
    raise FieldError("Vul Ja of Nee in.")


_ACTIVITEIT_NAMEN: dict[str, Activiteit] = {}
for _a in Activiteit:
    for _name in (_a.value, _a.label, _a.name, _a.value.replace("_", " ")):
        _ACTIVITEIT_NAMEN[_name.casefold()] = _a
_ACTIVITEIT_NAMEN.update(
    {"taalles": Activiteit.TAALLES_KNM, "knm": Activiteit.TAALLES_KNM, "taalles+knm": Activiteit.TAALLES_KNM,
     "map": Activiteit.MAP_PRAKTIJK, "map praktijk": Activiteit.MAP_PRAKTIJK,
     "mb": Activiteit.MAATSCHAPPELIJKE_BEGELEIDING,
     "participatieactiviteit": Activiteit.PARTICIPATIE}
)


def parse_activiteit(raw: object) -> Activiteit:
    """An Activiteit from its code or Dutch label (case-insensitive)."""
    if isinstance(raw, Activiteit):
        return raw
    text = "" if raw is None else " ".join(str(raw).split()).casefold()
    if not text:
        raise FieldError("Kies een activiteit.")
    try:
        return _ACTIVITEIT_NAMEN[text]
    except KeyError:
        codes = ", ".join(a.value for a in Activiteit)
        raise FieldError(f"Onbekende activiteit '{raw}'. Kies een van: {codes}.") from None


def is_empty(raw: object) -> bool:
    """Nothing given: None or only whitespace."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _text(raw: object) -> str:
    return "" if raw is None else str(raw).strip().replace("\u00a0", " ")


# --- values coming back from the database -----------------------------------------------------------

_CENT = Decimal("0.01")


def as_decimal(value: object) -> Decimal:
    """Hours from the database as Decimal: PostgreSQL sums come back as Decimal, SQLite's as float or int
    (rounded to the column's two places, so both databases show and compare the same); None is 0."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(_CENT)


def as_date(value: object) -> date | None:
    """A date from a database value (SQLite may hand back text or a datetime)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def as_datetime(value: object) -> datetime | None:
    """A datetime from a database value (SQLite may hand back text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
