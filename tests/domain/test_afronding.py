"""One rounding of every figure (issue 11.9): hours to the quarter, percentages to one decimal, both half up."""

from __future__ import annotations

from decimal import Decimal

from portal.domain import afronding
from portal.formatting import euro, procent, uren


def test_a_percentage_is_rounded_half_up_to_one_decimal_never_truncated():
    # 57 of 100,07 hours is 56,96…%: one decimal makes it 57,0, a whole-percent truncation would say 56.
    assert afronding.percentage(Decimal(57), Decimal("100.07")) == Decimal("57.0")
    assert afronding.percentage(1, 8) == Decimal("12.5")  # half up, not to even
    assert afronding.percentage(Decimal("0.25"), Decimal("0.75")) == Decimal("33.3")
    assert afronding.percentage(5, 0) is None


def test_hours_are_rounded_to_the_quarter_half_up():
    assert afronding.uren(Decimal("182.3")) == Decimal("182.25")
    assert afronding.uren(Decimal("182.375")) == Decimal("182.5")  # half way: up
    assert afronding.uren(Decimal("182.36")) == Decimal("182.25")
    assert afronding.uren(Decimal("0.1")) == Decimal(0)
    assert afronding.uren(400) == Decimal(400)


def test_the_formatters_show_the_rounded_figure_in_dutch():
    assert procent(Decimal("56.96")) == "57%"
    assert procent(Decimal("76.25")) == "76,3%"  # babel alone would round this to even: 76,2
    assert procent(None) == ""
    assert uren(Decimal("266.6667")) == "266,75"
    assert uren(Decimal("1234.5")) == "1.234,5"
    assert euro(123456) == "€ 1.234,56"
    assert euro(-1250) == "−€ 12,50"


def test_a_computed_amount_is_rounded_half_up_to_the_cent():
    assert afronding.cent(Decimal("15.25") * 1250) == 19063  # 190,625 euro: half a cent goes up
    assert afronding.cent(Decimal(25000) * 33 / 100) == 8250
    assert afronding.cent(Decimal("0.5")) == 1
