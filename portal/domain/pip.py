"""Which PIP version is in force on a day: the one rule the model, the KPIs and the reports share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar


class PipVersie(Protocol):
    """What the rule reads of a PIP version (the model Pip, the KPI record KpiPip)."""

    @property
    def versie(self) -> int: ...

    @property
    def dagtekening(self) -> date: ...

    @property
    def ingetrokken_op(self) -> date | None: ...


P = TypeVar("P", bound=PipVersie)


def _laatste(versies: Iterable[P], op: date | None) -> P | None:
    """The highest version set by `op` (None: any), withdrawn or not."""
    return max((p for p in versies if op is None or p.dagtekening <= op), key=lambda p: p.versie, default=None)


def _ingetrokken(pip: PipVersie, op: date | None) -> bool:
    ingetrokken = pip.ingetrokken_op
    return ingetrokken is not None and (op is None or ingetrokken <= op)


def van_kracht(versies: Iterable[P], op: date | None = None) -> P | None:
    """The version in force on `op` (None: as recorded now): the highest version set by then; none when that
    version was withdrawn by then, since a withdrawal revokes the beschikking (DUO gets a DELETE) and the
    versions before it were already replaced, so nothing is in force until a new version is recorded."""
    laatste = _laatste(versies, op)
    if laatste is None or _ingetrokken(laatste, op):
        return None
    return laatste


def ingetrokken_per(versies: Iterable[P], op: date | None = None) -> date | None:
    """Why no version is in force on `op`, when that is a withdrawal: the date it took effect. None when a
    version is in force, or when none had been set by then (no PIP yet is not a withdrawal)."""
    laatste = _laatste(versies, op)
    return laatste.ingetrokken_op if laatste is not None and _ingetrokken(laatste, op) else None
