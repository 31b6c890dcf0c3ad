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


def van_kracht(versies: Iterable[P], op: date | None = None) -> P | None:
    """The version in force on `op` (None: as recorded now): the highest version set by then; none when that
    version was withdrawn by then, since a withdrawal revokes the beschikking (DUO gets a DELETE) and the
    versions before it were already replaced, so nothing is in force until a new version is recorded."""
    laatste = max((p for p in versies if op is None or p.dagtekening <= op), key=lambda p: p.versie, default=None)
    if laatste is None:
        return None
    ingetrokken = laatste.ingetrokken_op
    if ingetrokken is not None and (op is None or ingetrokken <= op):
        return None
    return laatste
