"""Attendance: hours present against hours planned, over a window, with one rounding shown everywhere.

Attendance is portal.domain.afronding.percentage(aanwezig, aanwezig + afwezig): hours present over hours present
plus absent (geoorloofd and ongeoorloofd), to one decimal half up; None when no hours were planned. The rounded
value is the one every screen, export, melding and rule uses, and the one compared with the threshold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

# "Over the last four weeks": the window of the attendance signal, the case page and the daily job.
VENSTER_DAGEN = 28


def venster_start(today: date) -> date:
    """The first day of the four-week attendance window that ends today."""
    return today - timedelta(days=VENSTER_DAGEN - 1)


def onder_drempel(pct: Decimal | None, drempel_pct: int) -> bool:
    """Whether attendance is under the threshold; no planned hours is never under it."""
    return pct is not None and pct < drempel_pct
