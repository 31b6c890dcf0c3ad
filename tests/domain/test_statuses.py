"""Which verwijzing statuses are open, take registrations, take presentie, or follow a start registration."""

from __future__ import annotations

from portal.models.enums import OPEN_STATUSSEN
from portal.models.enums import VerwijzingStatus as S


def test_open_means_still_to_be_delivered():
    assert {s for s in S if s.is_open} == {S.VERWEZEN, S.GESTART}
    assert set(OPEN_STATUSSEN) == {S.VERWEZEN, S.GESTART}


def test_only_a_withdrawn_verwijzing_takes_no_registrations_at_all():
    assert {s for s in S if not s.accepts_registrations} == {S.INGETROKKEN}


def test_presentie_is_refused_on_withdrawn_and_never_started_verwijzingen():
    assert {s for s in S if not s.accepts_presentie} == {S.INGETROKKEN, S.NIET_GESTART}


def test_a_start_registration_moves_only_unfinished_verwijzingen():
    assert {s for s in S if s.follows_start} == {S.VERWEZEN, S.GESTART, S.NIET_GESTART}
