"""DUO's formats of the reference data a gemeente keeps: OIN, instellingsnummer, Blik op Werk, telephone numbers.

Each parser takes raw input and returns the clean value or None for empty input; a FieldError says what to fix.
"""

from __future__ import annotations

import re

from portal.services.validation import FieldError

# Contactpersoongegevens.telefoonnummer in Contactpersoon.openapi.yml.
_TELEFOON = re.compile(r"^(\+|[0-9])((\s|\s?(-|\(0\))\s?)?[0-9]){2,15}([,][1-9][0-9]{1,8})?$")


def _text(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


def parse_oin(raw: object) -> str | None:
    """An Organisatie-identificatienummer: exactly 20 digits (DUO's bron and doel headers)."""
    text = re.sub(r"\s", "", _text(raw))
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{20}", text):
        raise FieldError("Een OIN bestaat uit precies 20 cijfers, bijvoorbeeld 00000001001234567000.")
    return text


def parse_instellingsnummer(raw: object) -> str | None:
    """DUO's instellingsnummer of a cursusinstelling: exactly 10 characters, as DUO's GET /instellingen gives it."""
    text = _text(raw).upper()
    if not text:
        return None
    if not re.fullmatch(r"[0-9A-Z]{10}", text):
        raise FieldError("Een DUO-instellingsnummer heeft precies 10 tekens (cijfers en hoofdletters), "
                         "zoals DUO het in de lijst van instellingen noemt.")
    return text


def parse_bow_nummer(raw: object) -> str | None:
    """A Blik op Werk registratienummer: 1 to 10 digits."""
    text = _text(raw)
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", text):
        raise FieldError("Een Blik op Werk-nummer bestaat uit 1 tot 10 cijfers.")
    return text


def parse_telefoonnummer(raw: object) -> str | None:
    """A telephone number as DUO takes it for a contactpersoon: digits, spaces and dashes, optionally +31."""
    text = " ".join(_text(raw).split())
    if not text:
        return None
    if len(text) > 22 or not _TELEFOON.fullmatch(text):
        raise FieldError("Vul een telefoonnummer in met cijfers, eventueel met spaties of een streepje, "
                         "bijvoorbeeld 0229 252 400 of +31 229 252 400.")
    return text
