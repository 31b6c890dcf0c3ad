"""Attendance: one percentage (portal.domain.afronding), one rounding, used by every screen, melding and rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.domain import aanwezigheid
from portal.domain.afronding import percentage


def test_attendance_is_present_over_planned_hours_to_one_decimal_rounded_half_up():
    assert percentage(Decimal(3), Decimal(4)) == Decimal("75.0")
    assert percentage(Decimal(2), Decimal(3)) == Decimal("66.7")
    # 79.96…% is shown as 80,0%, and that shown value is what the threshold is compared with.
    pct = percentage(Decimal("199.9"), Decimal("199.9") + Decimal("0.1") + Decimal("50"))
    assert pct == Decimal("80.0")
    assert not aanwezigheid.onder_drempel(pct, 80)
    assert aanwezigheid.onder_drempel(Decimal("79.9"), 80)


def test_no_planned_hours_has_no_percentage_and_is_never_under_the_threshold():
    assert percentage(Decimal(0), Decimal(0)) is None
    assert not aanwezigheid.onder_drempel(None, 80)


def test_the_window_is_the_last_four_weeks_including_today():
    assert aanwezigheid.venster_start(date(2026, 3, 28)) == date(2026, 3, 1)
