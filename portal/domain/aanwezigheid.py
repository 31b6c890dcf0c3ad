"""Attendance: hours present against hours planned, over a window, with one rounding shown everywhere."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

# "Over the last four weeks": the window of the attendance signal, the case page and the daily job.
VENSTER_DAGEN = 28
_ONE_DECIMAL = Decimal("0.1")


def venster_start(today: date) -> date:
    """The first day of the four-week attendance window that ends today."""
    return today - timedelta(days=VENSTER_DAGEN - 1)


def percentage(aanwezig: Decimal, afwezig: Decimal) -> Decimal | None:
    """Hours present / (present + absent, geoorloofd and ongeoorloofd) × 100, to one decimal rounded half up;
    None when no hours were planned (nothing present and nothing absent).

    The rounded value is the one every screen, export, melding and rule uses, so a case never reads 79,96%
    in one place and 80,0% in another.
    """
    gepland = aanwezig + afwezig
    if gepland <= 0:
        return None
    return (Decimal(aanwezig) * 100 / Decimal(gepland)).quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


def onder_drempel(pct: Decimal | None, drempel_pct: int) -> bool:
    """Whether attendance is under the threshold; no planned hours is never under it."""
    return pct is not None and pct < drempel_pct
