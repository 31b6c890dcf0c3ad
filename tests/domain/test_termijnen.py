"""Deadlines of the Wet inburgering 2021 and of a traject, each pinned once."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain import termijnen


@pytest.mark.parametrize("kennisgeving, brp, uiterlijk", [
    (date(2026, 3, 1), None, date(2026, 5, 10)),  # ten weeks after DUO's kennisgeving
    (None, date(2026, 3, 1), date(2026, 5, 10)),  # or after the BRP registration when that is all we know
    (date(2026, 3, 1), date(2026, 4, 1), date(2026, 6, 10)),  # the later of the two counts
    (date(2026, 4, 1), date(2026, 3, 1), date(2026, 6, 10)),
    (None, None, None),  # no start known: no deadline yet
])
def test_pip_deadline_is_ten_weeks_after_the_later_of_kennisgeving_and_brp(kennisgeving, brp, uiterlijk):
    assert termijnen.pip_uiterlijk(kennisgeving, brp) == uiterlijk


def test_the_term_runs_three_years_from_the_day_after_the_first_dagtekening():
    assert termijnen.termijn_start(date(2026, 3, 31)) == date(2026, 4, 1)
    assert termijnen.termijn_einde(date(2026, 3, 31)) == date(2029, 3, 31)
    # A term that starts on 29 February ends on the last day of February three years later.
    assert termijnen.termijn_einde(date(2028, 2, 28)) == date(2031, 2, 28)


def test_duo_extension_replaces_the_legal_end_and_without_pip_there_is_no_term():
    assert termijnen.inburgeringstermijn_einde(date(2026, 3, 31), date(2030, 1, 1)) == date(2030, 1, 1)
    assert termijnen.inburgeringstermijn_einde(date(2026, 3, 31)) == date(2029, 3, 31)
    assert termijnen.inburgeringstermijn_einde(None) is None


def test_the_leerroute_can_change_until_one_and_a_half_years_into_the_term():
    assert termijnen.leerroute_wijzigen_uiterlijk(date(2024, 3, 10)) == date(2025, 9, 10)
    assert termijnen.leerroute_wijzigen_uiterlijk(None) is None


def test_a_traject_runs_from_the_realised_start_to_the_adjusted_end_when_the_provider_gave_them():
    beoogd, uiterste = date(2026, 1, 5), date(2026, 12, 31)
    assert termijnen.traject_startdatum(None, beoogd) == beoogd
    assert termijnen.traject_startdatum(date(2026, 1, 19), beoogd) == date(2026, 1, 19)
    assert termijnen.traject_einddatum(uiterste, None) == uiterste
    assert termijnen.traject_einddatum(uiterste, date(2026, 10, 1)) == date(2026, 10, 1)


def test_add_months_clamps_to_the_end_of_the_month():
    assert termijnen.add_months(date(2024, 2, 29), 18) == date(2025, 8, 29)
    assert termijnen.add_months(date(2026, 8, 31), 18) == date(2028, 2, 29)
    assert termijnen.add_months(date(2026, 1, 31), -12) == date(2025, 1, 31)
