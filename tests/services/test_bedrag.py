"""The one money parser: Dutch amounts as people type them, spreadsheet cells, and plain-Dutch refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.services.billing import contracten
from portal.services.chain import handhaving
from portal.services.validation import FieldError, parse_bedrag_cent


@pytest.mark.parametrize("typed, cent", [
    ("52.301", 5_230_100),  # the SPUK table of 004 §4.2: fifty-two thousand three hundred and one euro
    ("1.234,56", 123_456),
    ("€ 1.234,56", 123_456),
    ("€1.234,56", 123_456),
    ("1234,5", 123_450),
    ("1234,56", 123_456),
    ("12,50", 1250),
    ("12.50", 1250),  # a decimal point with cents is unambiguous
    ("0,5", 50),
    ("85", 8500),
    ("1.250.000", 125_000_000),
    ("1 234,56", 123_456),
    ("1\u00a0234,56", 123_456),
    ("250,-", 25_000),
    ("1.250,-", 125_000),
    ("12,50 EUR", 1250),
    ("  17.000,00 ", 1_700_000),
])
def test_dutch_amounts_parse_to_cents(typed, cent):
    assert parse_bedrag_cent(typed) == cent


@pytest.mark.parametrize("cell, cent", [(85, 8500), (12.5, 1250), (Decimal("1234.56"), 123_456), (0, 0)])
def test_spreadsheet_numbers_parse_to_cents(cell, cent):
    assert parse_bedrag_cent(cell) == cent


@pytest.mark.parametrize("typed, says", [
    ("1,234", "niet eenduidig"),
    ("1,234.56", "Engelse schrijfwijze"),
    ("1,234,567", "Engelse schrijfwijze"),
    ("12,345", "niet eenduidig"),
    ("12,3456", "meer dan twee cijfers"),
    ("12.345.6", "geen bedrag"),
    ("0.500", "meer dan twee cijfers"),
    ("twaalf", "geen bedrag"),
    ("-5", "negatief"),
    ("−5", "negatief"),
    ("", "Vul het bedrag in"),
    ("20.000.000", "onwaarschijnlijk hoog"),
    (12.345, "meer dan twee cijfers"),
    (float("nan"), "Vul het bedrag in euro in"),
    (True, "Vul het bedrag in euro in"),
])
def test_ambiguous_or_wrong_amounts_are_refused_in_plain_dutch(typed, says):
    with pytest.raises(FieldError) as error:
        parse_bedrag_cent(typed)
    assert says in str(error.value)
    assert "Schrijf bijvoorbeeld" in str(error.value) or says in ("negatief", "onwaarschijnlijk hoog")


def test_empty_is_none_where_the_amount_is_optional():
    assert parse_bedrag_cent("  ", required=False) is None
    assert handhaving.parse_euro_cent("") is None


def test_every_money_field_uses_the_same_parser():
    """Contracts (tarief, budget), KPI settings (SPUK amount) and handhaving (boete) agree on the same text."""
    from portal.services.kpi import instellingen

    assert contracten.parse_bedrag_cent is parse_bedrag_cent
    assert instellingen.parse_bedrag_cent is parse_bedrag_cent
    assert handhaving.parse_euro_cent("52.301") == parse_bedrag_cent("52.301") == 5_230_100


@given(st.integers(min_value=0, max_value=10_000_000_00))
def test_what_the_portal_shows_parses_back_to_the_same_cents(cent):
    """euro() writes "€ 1.234,56"; typing that back in gives the same amount."""
    from portal.formatting import euro

    assert parse_bedrag_cent(euro(cent)) == cent
