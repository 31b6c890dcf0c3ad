"""The PIP in force on a day (portal.domain.pip.van_kracht): the highest version set by then, none when that
version was withdrawn by then; the versions before a withdrawn one never come back."""

from __future__ import annotations

from datetime import date

from portal.domain.kpi import KpiPip
from portal.domain.pip import ingetrokken_per, van_kracht
from portal.models.enums import Leerroute

V1 = KpiPip(1, 1, date(2025, 1, 10), Leerroute.B)
V2 = KpiPip(1, 2, date(2025, 6, 1), Leerroute.Z, ingetrokken_op=date(2025, 8, 1))
V3 = KpiPip(1, 3, date(2025, 10, 1), Leerroute.O)


def test_the_highest_version_set_by_the_day():
    assert van_kracht([V1, V2, V3], date(2025, 1, 9)) is None
    assert van_kracht([V2, V1], date(2025, 5, 31)) is V1
    assert van_kracht([V1, V2, V3], date(2025, 6, 1)) is V2  # withdrawn later: in force until then
    assert van_kracht([V1, V2, V3], date(2025, 10, 1)) is V3  # a new version after a withdrawal


def test_a_withdrawn_version_leaves_no_pip_in_force():
    assert van_kracht([V1, V2], date(2025, 8, 1)) is None  # not the previous version
    assert van_kracht([V1, V2]) is None  # as recorded now
    assert van_kracht([V1]) is V1
    assert van_kracht([]) is None


def test_the_withdrawal_that_leaves_no_pip_in_force():
    assert ingetrokken_per([V1, V2, V3], date(2025, 8, 1)) == date(2025, 8, 1)
    assert ingetrokken_per([V1, V2], date(2025, 7, 31)) is None  # V2 still in force
    assert ingetrokken_per([V1, V2, V3], date(2025, 10, 1)) is None  # V3 in force again
    assert ingetrokken_per([V1, V2]) == date(2025, 8, 1)
    assert ingetrokken_per([V1, V2], date(2025, 1, 9)) is None  # no PIP yet is not a withdrawal
    assert ingetrokken_per([]) is None
