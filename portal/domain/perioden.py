"""Reporting periods: a quarter or a year, written as "2026-K3" or "2026" in addresses and exports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PATROON = re.compile(r"^(\d{4})(?:-K([1-4]))?$")


@dataclass(frozen=True, order=True)
class Kwartaal:
    """One calendar quarter."""

    jaar: int
    nummer: int

    @property
    def van(self) -> date:
        return date(self.jaar, 3 * self.nummer - 2, 1)

    @property
    def tot(self) -> date:
        """The last day of the quarter."""
        volgende = self.volgende
        return volgende.van - timedelta(days=1)

    @property
    def volgende(self) -> Kwartaal:
        return Kwartaal(self.jaar + 1, 1) if self.nummer == 4 else Kwartaal(self.jaar, self.nummer + 1)

    @property
    def vorige(self) -> Kwartaal:
        return Kwartaal(self.jaar - 1, 4) if self.nummer == 1 else Kwartaal(self.jaar, self.nummer - 1)

    @property
    def code(self) -> str:
        return f"{self.jaar}-K{self.nummer}"

    @property
    def label(self) -> str:
        return f"{self.nummer}e kwartaal {self.jaar}"

    @property
    def kort(self) -> str:
        return f"{self.jaar} K{self.nummer}"

    @classmethod
    def van_datum(cls, day: date) -> Kwartaal:
        return cls(day.year, (day.month - 1) // 3 + 1)


@dataclass(frozen=True)
class Periode:
    """A quarter or a whole year: consecutive quarters from `van` to `tot`."""

    kwartalen: tuple[Kwartaal, ...]
    code: str
    label: str

    @property
    def van(self) -> date:
        return self.kwartalen[0].van

    @property
    def tot(self) -> date:
        return self.kwartalen[-1].tot

    def bevat(self, day: date | None) -> bool:
        return day is not None and self.van <= day <= self.tot

    def peildatum(self, vandaag: date) -> date:
        """The day the period's stand is read on: its last day, or today while it is still running."""
        return min(self.tot, vandaag)


def jaar(value: int) -> Periode:
    return Periode(tuple(Kwartaal(value, n) for n in range(1, 5)), str(value), f"jaar {value}")


def kwartaal(k: Kwartaal) -> Periode:
    return Periode((k,), k.code, k.label)


def parse(text: str | None, vandaag: date) -> Periode:
    """A period from its code ("2026" or "2026-K3"); the current year when empty or not understood."""
    match = _PATROON.match((text or "").strip().upper())
    if match and 2000 <= int(match.group(1)) <= vandaag.year + 1:
        y = int(match.group(1))
        return kwartaal(Kwartaal(y, int(match.group(2)))) if match.group(2) else jaar(y)
    return jaar(vandaag.year)


def keuzes(vandaag: date, jaren: int = 4) -> list[tuple[str, str]]:
    """(code, label) for the period selector: recent years, each followed by its quarters up to today."""
    result: list[tuple[str, str]] = []
    for y in range(vandaag.year, vandaag.year - jaren, -1):
        result.append((str(y), f"Jaar {y}"))
        result.extend((f"{y}-K{n}", f"{n}e kwartaal {y}") for n in range(1, 5) if Kwartaal(y, n).van <= vandaag)
    return result


def trend(eind: Kwartaal, aantal: int = 8) -> list[Kwartaal]:
    """The `aantal` quarters up to and including `eind`, oldest first."""
    result = [eind]
    while len(result) < aantal:
        result.insert(0, result[0].vorige)
    return result
