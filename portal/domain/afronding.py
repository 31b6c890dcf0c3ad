"""One rounding of every figure (issue 11.9), wherever it is shown, exported or compared with a threshold.

* Hours: to the quarter hour, half up (hours are registered in quarters; computed hours such as an expected
  pace are shown the same way).
* Percentages: one function, deel / geheel × 100 to one decimal, half up.
* Money: integer euro cents, amounts computed from them rounded half up to the cent (`cent`);
  `portal.formatting.euro` is its one formatter.

The rounded value is the one every screen, export, melding and rule uses, so a case never reads 56,9% on one page
and 57% on another, or 79,96% in one place and 80,0% in another.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KWARTIER = Decimal("0.25")
_EEN_DECIMAAL = Decimal("0.1")


def uren(value: Decimal | int | float) -> Decimal:
    """Hours to the nearest quarter hour, half up: 182,3 -> 182,25; 182,375 -> 182,5."""
    kwartieren = (Decimal(str(value)) / KWARTIER).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return kwartieren * KWARTIER + Decimal(0)  # + 0 normalises -0 to 0


def cent(value: Decimal | int) -> int:
    """A computed amount in euro cents (units × tarief, a boete × verwijtbaarheid) to a whole cent, half up."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def procent(value: Decimal | int | float) -> Decimal:
    """A percentage to one decimal, half up (56,96 -> 57,0; 12,45 -> 12,5, not to even)."""
    return Decimal(str(value)).quantize(_EEN_DECIMAAL, rounding=ROUND_HALF_UP)


def percentage(deel: Decimal | int, geheel: Decimal | int) -> Decimal | None:
    """`deel` of `geheel` in percent to one decimal, half up; None when `geheel` is nothing (no base to share).

    Attendance is percentage(aanwezig, aanwezig + afwezig) (portal.domain.aanwezigheid), a KPI share
    percentage(aantal, totaal), progress against a norm percentage(uren, norm)."""
    if not geheel or geheel <= 0:
        return None
    return procent(Decimal(deel) * 100 / Decimal(geheel))
