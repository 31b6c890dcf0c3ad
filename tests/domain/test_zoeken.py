"""Searching inburgeraars by BSN or name, the same on every list page and in the presence grid."""

from __future__ import annotations

from sqlalchemy import select

from portal.domain import zoeken
from portal.models import Inburgeraar
from tests.factories import InburgeraarFactory


def test_digits_with_separators_are_a_bsn_anything_else_is_words():
    assert zoeken.parse("  ") is None
    assert zoeken.parse("1234 56-7.8") == zoeken.Zoekvraag(bsn="12345678", woorden=())
    assert zoeken.parse("Amina  yusuf") == zoeken.Zoekvraag(bsn=None, woorden=("Amina", "yusuf"))
    assert len(zoeken.parse("a b c d e f g").woorden) == zoeken.MAX_WOORDEN


def _found(db, q: str) -> set[str]:
    clause = zoeken.clause(q, voornamen=Inburgeraar.voornamen, achternaam=Inburgeraar.achternaam,
                           bsn=Inburgeraar.bsn)
    return set(db.scalars(select(Inburgeraar.achternaam).where(clause)))


def test_every_word_must_occur_in_first_names_or_surname_in_any_case_and_order(db):
    InburgeraarFactory(voornamen="Amina", achternaam="Yusuf")
    InburgeraarFactory(voornamen="Amir", achternaam="Yusuf-Hassan")
    InburgeraarFactory(voornamen="Yusuf", achternaam="100%_Jansen")
    assert _found(db, "yusuf amina") == {"Yusuf"}
    assert _found(db, "AMI yusuf") == {"Yusuf", "Yusuf-Hassan"}
    assert _found(db, "100%_") == {"100%_Jansen"}  # LIKE wildcards are taken literally
    assert _found(db, "100%x") == set()


def test_a_bsn_matches_from_its_start(db):
    person = InburgeraarFactory(achternaam="Bakker")
    assert _found(db, person.bsn[:4] + " " + person.bsn[4:6]) == {"Bakker"}
    assert _found(db, person.bsn[2:8]) == set()
