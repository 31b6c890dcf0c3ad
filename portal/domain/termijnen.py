"""Deadlines and periods of the Wet inburgering 2021 and of a traject (DOMAIN.md §3)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

# Besluit inburgering 2021 art. 5.3: the first PIP within 10 weeks of DUO's kennisgeving or the BRP
# registration, whichever is later.
PIP_WEKEN = 10
# The inburgeringstermijn: three years from the day after the first PIP's dagtekening.
TERMIJN_JAREN = 3
# Dalfsen (001): the leerroute may be changed within 1.5 years of the start of the term.
LEERROUTE_WIJZIGEN_MAANDEN = 18


def add_months(value: date, months: int) -> date:
    """The same day `months` later (or earlier); the last day of the month when that day does not exist."""
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    return value.replace(year=year, month=month, day=min(value.day, calendar.monthrange(year, month)[1]))


def pip_startmoment(kennisgeving: date | None, brp_inschrijving: date | None) -> date | None:
    """The day the PIP deadline counts from: the later of kennisgeving and BRP registration."""
    known = [d for d in (kennisgeving, brp_inschrijving) if d]
    return max(known) if known else None


def pip_uiterlijk(kennisgeving: date | None, brp_inschrijving: date | None) -> date | None:
    """Deadline for the first PIP: 10 weeks after the later of kennisgeving and BRP registration."""
    start = pip_startmoment(kennisgeving, brp_inschrijving)
    return start + timedelta(weeks=PIP_WEKEN) if start else None


def termijn_start(eerste_dagtekening: date) -> date:
    """First day of the inburgeringstermijn: the day after the first PIP's dagtekening."""
    return eerste_dagtekening + timedelta(days=1)


def termijn_einde(eerste_dagtekening: date) -> date:
    """Last day of the term: three years from the day after the first PIP's dagtekening (29 February → 1 March)."""
    start = termijn_start(eerste_dagtekening)
    try:
        end = start.replace(year=start.year + TERMIJN_JAREN)
    except ValueError:  # a term starting on 29 February: its anniversary falls on 1 March
        end = start.replace(year=start.year + TERMIJN_JAREN, month=3, day=1)
    return end - timedelta(days=1)


def inburgeringstermijn_einde(eerste_dagtekening: date | None, verlengd_tot: date | None = None) -> date | None:
    """DUO's extended end date when DUO extended the term, else the legal end; None before the first PIP.

    Later PIP versions never move the term; only DUO's extension does (the portal records it, never computes it).
    """
    if verlengd_tot:
        return verlengd_tot
    return termijn_einde(eerste_dagtekening) if eerste_dagtekening else None


def leerroute_wijzigen_uiterlijk(eerste_dagtekening: date | None) -> date | None:
    """Last day on which the leerroute may still be changed: 1.5 years from the start of the term."""
    if eerste_dagtekening is None:
        return None
    return add_months(termijn_start(eerste_dagtekening), LEERROUTE_WIJZIGEN_MAANDEN) - timedelta(days=1)


def traject_startdatum(gerealiseerd: date | None, beoogd: date) -> date:
    """First day of a traject: the realised start the provider registered, else the planned start."""
    return gerealiseerd or beoogd


def traject_einddatum(uiterste: date, bijgesteld: date | None) -> date:
    """Last day of a traject: the provider's adjusted end date where given, else the gemeente's uiterste einddatum."""
    return bijgesteld or uiterste
