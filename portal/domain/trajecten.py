"""Where a traject stands on a day: open, on time, active. The regie signals and the KPI dashboard share these."""

from __future__ import annotations

from datetime import date

from portal.models.enums import VerwijzingStatus


def is_open(status: VerwijzingStatus, niet_gestart: bool) -> bool:
    """Still to be delivered: referred or running, and not reported as never started."""
    return status.is_open and not niet_gestart


def dagen_later_gestart(beoogd: date, gerealiseerd: date) -> int:
    """Days between the planned and the realised start (negative when it started early)."""
    return (gerealiseerd - beoogd).days


def op_tijd_gestart(beoogd: date, gerealiseerd: date | None, marge_dagen: int) -> bool:
    """Started at most `marge_dagen` after the beoogde startdatum (the gemeente's late-start threshold)."""
    return gerealiseerd is not None and dagen_later_gestart(beoogd, gerealiseerd) <= marge_dagen


def actief(open_: bool, gerealiseerd: date | None, einddatum: date, afgerond: bool, peildatum: date) -> bool:
    """A traject that has started by the peildatum, is not finished and has not passed its end date."""
    return (
        open_
        and gerealiseerd is not None
        and gerealiseerd <= peildatum
        and einddatum >= peildatum
        and not afgerond
    )
