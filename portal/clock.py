"""Today's date in the Netherlands: 'not in the future' and every deadline mean Dutch calendar days.

One function, so a server in another timezone agrees with its users, and tests move the clock with
time-machine instead of patching functions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.formatting import AMSTERDAM


def today() -> date:
    """The current date in Europe/Amsterdam."""
    return datetime.now(AMSTERDAM).date()


def dag_van(moment: datetime) -> date:
    """The Dutch calendar day of a stored moment (kept in UTC; SQLite hands it back without a zone)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(AMSTERDAM).date()
