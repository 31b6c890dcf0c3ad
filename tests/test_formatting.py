"""Dutch formats: the cached patterns give exactly what babel gives when it parses them per call."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from portal.formatting import datum, datum_element, datum_lang, datumtijd, getal

_quarters = st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda n: Decimal(n) / 4)


@given(value=st.one_of(_quarters, st.decimals(min_value=-10**9, max_value=10**9, places=3),
                       st.integers(min_value=-10**9, max_value=10**9)),
       decimals=st.integers(min_value=0, max_value=3))
def test_getal_matches_babel_for_every_number(value: Decimal | int, decimals: int) -> None:
    expected = format_decimal(value, format=f"#,##0.{'#' * decimals}", locale="nl_NL")
    assert getal(value, decimals) == expected


def test_getal_dutch_grouping_and_comma() -> None:
    assert getal(Decimal("1234.75")) == "1.234,75"
    assert getal(Decimal("2.50")) == "2,5"
    assert getal(Decimal("80.04"), 1) == "80"
    assert getal(None) == ""


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_datum_lang_matches_babel(value: date) -> None:
    assert datum_lang(value) == format_date(value, format="long", locale="nl_NL")


def test_dates() -> None:
    assert datum_lang(date(2026, 3, 5)) == "5 maart 2026"
    assert datum(date(2026, 3, 5)) == "05-03-2026"
    assert datumtijd(datetime(2026, 7, 1, 12, 7, tzinfo=UTC)) == "01-07-2026 14:07"


def test_a_date_element_reads_as_the_date_and_carries_it_for_machines() -> None:
    assert datum_element(date(2026, 3, 5)) == '<time datetime="2026-03-05">05-03-2026</time>'


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_date_is_written_day_month_year(value: date) -> None:
    """Each date is written once and then remembered: what is remembered is what strftime writes."""
    for _ in range(2):
        assert datum(value) == value.strftime("%d-%m-%Y")
        assert datum_element(value) == f'<time datetime="{value.isoformat()}">{value.strftime("%d-%m-%Y")}</time>'


def test_a_moment_is_dated_in_amsterdam_even_after_its_utc_date_was_shown() -> None:
    late = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)  # already 6 March in Amsterdam
    assert (datum(date(2026, 3, 5)), datum(late)) == ("05-03-2026", "06-03-2026")
    assert datum_element(late) == '<time datetime="2026-03-05T23:30:00+00:00">06-03-2026</time>'


def test_getal_formats_each_distinct_value_once(monkeypatch) -> None:
    """A case page shows ~150 numbers, mostly the same few hours: babel formats each distinct value once, and
    values that are equal but written differently (-0 and 0, 3 and 3.0) keep their own text."""
    from babel.numbers import NumberPattern

    calls = []
    original = NumberPattern.apply
    monkeypatch.setattr(NumberPattern, "apply", lambda self, *a, **k: calls.append(a[0]) or original(self, *a, **k))
    shown = [getal(Decimal("7.25"), 2) for _ in range(50)]
    assert shown == ["7,25"] * 50 and calls.count(Decimal("7.25")) <= 1
    assert (getal(Decimal("-0")), getal(0), getal(3.0), getal(Decimal("3.10"))) == ("-0", "0", "3", "3,1")


def test_a_file_size_is_written_one_way_for_a_limit_and_for_an_upload() -> None:
    from portal.formatting import bestandsgrootte
    from portal.services.uploads import size_text

    assert [bestandsgrootte(n) for n in (300, 10 * 1024, 2_150_000, 25 * 1024 * 1024)] == [
        "300 bytes", "10 kB", "2,1 MB", "25 MB"]
    assert size_text(25 * 1024 * 1024) == bestandsgrootte(25 * 1024 * 1024)
