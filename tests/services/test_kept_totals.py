"""Kept presentie totals: whatever is written, corrected or deleted through the presentie service, the kept
totals per verwijzing/activity and per week equal a recomputation from presentie."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from portal.models import Presentie, PresentieTotaal, PresentieWeek
from portal.models.enums import Onderdeel, Rol, VerwijzingStatus
from portal.models.traject import Activiteit
from portal.services import ValidationError, kept_totals
from portal.services.presentie import PresentieInput, delete_presentie, register
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    InburgeraarFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 11, 20)
START = date(2026, 9, 28)  # a Monday: the days below span eight ISO weeks


@pytest.fixture
def aanbieder(db):
    """A provider's employee with three started verwijzingen: two of one inburgeraar (B1-route and MAP, so the
    24-hour day rule spans verwijzingen) and one of another."""
    contract = ContractFactory(startdatum=date(2026, 1, 1), einddatum=date(2028, 12, 31),
                               onderdelen=[Onderdeel.B1_ROUTE, Onderdeel.MAP])
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    amina, bram = InburgeraarFactory(), InburgeraarFactory()
    verwijzingen = []
    for inburgeraar, onderdeel in ((amina, Onderdeel.B1_ROUTE), (amina, Onderdeel.MAP), (bram, Onderdeel.B1_ROUTE)):
        verwijzing = VerwijzingFactory(contract=contract, inburgeraar=inburgeraar, onderdeel=onderdeel,
                                       beoogde_startdatum=START, uiterste_einddatum=date(2027, 12, 31),
                                       status=VerwijzingStatus.GESTART)
        TrajectStartFactory(verwijzing=verwijzing, gerealiseerde_startdatum=START)
        verwijzingen.append(verwijzing)
    return medewerker, verwijzingen


def _activiteit(verwijzing, n: int) -> Activiteit:
    if verwijzing.onderdeel is Onderdeel.MAP:
        return Activiteit.MAP_PRAKTIJK
    return (Activiteit.TAALLES_KNM, Activiteit.BREDE_INTAKE)[n % 2]


quarters = st.integers(min_value=0, max_value=40).map(lambda n: Decimal(n) / 4)
hours = st.tuples(quarters, quarters, quarters)
# Writes to random days (new rows, or corrections when the day is taken), corrections and deletions of a
# stored row picked by number (so they always hit one), over three weeks.
write = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 20), st.integers(0, 1), hours), min_size=1, max_size=6)
correct = st.tuples(st.just("corrigeer"), st.integers(0, 10_000), hours)
remove = st.tuples(st.just("verwijder"), st.integers(0, 10_000))
operations = st.lists(st.one_of(write, correct, remove), min_size=1, max_size=25)


def _input(regel, verwijzing, dag, activiteit, uren) -> PresentieInput:
    aanwezig, geoorloofd, ongeoorloofd = uren
    return PresentieInput(
        regel=regel, verwijzing_id=verwijzing.id, datum=dag, activiteit=activiteit.value, uren_aanwezig=aanwezig,
        uren_afwezig_geoorloofd=geoorloofd, uren_afwezig_ongeoorloofd=ongeoorloofd,
        reden_afwezig="ziek" if geoorloofd or ongeoorloofd else None,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=operations)
def test_random_writes_corrections_and_deletions_leave_no_difference(db, aanbieder, operations):
    medewerker, verwijzingen = aanbieder
    by_id = {v.id: v for v in verwijzingen}
    savepoint = db.begin_nested()
    try:
        for operation in operations:
            stored = db.execute(select(Presentie.verwijzing_id, Presentie.datum, Presentie.activiteit)
                                .order_by(Presentie.id)).all()
            if isinstance(operation, list):
                inputs = [_input(n, verwijzingen[v], START + timedelta(days=dag), _activiteit(verwijzingen[v], act),
                                 uren) for n, (v, dag, act, uren) in enumerate(operation, start=1)]
            elif not stored:
                continue
            elif operation[0] == "corrigeer":
                v_id, dag, activiteit = stored[operation[1] % len(stored)]
                inputs = [_input(1, by_id[v_id], dag, activiteit, operation[2])]
            else:
                v_id, dag, activiteit = stored[operation[1] % len(stored)]
                assert delete_presentie(db, medewerker, by_id[v_id], dag, activiteit)
                continue
            with contextlib.suppress(ValidationError):  # over 24 hours a day, or a day twice in one batch
                register(db, medewerker, inputs, TODAY)
        assert kept_totals.differences(db) == []
    finally:
        savepoint.rollback()


def test_kept_totals_follow_a_write_a_correction_and_a_deletion(db, aanbieder):
    medewerker, [b1, _map, _other] = aanbieder

    def save(dag: date, aanwezig: str, afwezig: str = "0") -> None:
        register(db, medewerker, [PresentieInput(
            regel=1, verwijzing_id=b1.id, datum=dag, activiteit="taalles_knm", uren_aanwezig=aanwezig,
            uren_afwezig_ongeoorloofd=afwezig, reden_afwezig="zonder bericht" if afwezig != "0" else None)], TODAY)

    save(date(2026, 11, 16), "3")
    save(date(2026, 11, 18), "2,5", "0,5")
    save(date(2026, 11, 9), "3")
    save(date(2026, 11, 18), "1", "2")  # a correction
    totaal = db.get(PresentieTotaal, (b1.id, Activiteit.TAALLES_KNM))
    assert (totaal.uren_aanwezig, totaal.uren_afwezig_ongeoorloofd, totaal.aantal, totaal.laatste_datum) == (
        Decimal(7), Decimal(2), 3, date(2026, 11, 18))
    week = db.get(PresentieWeek, (b1.id, Activiteit.TAALLES_KNM, date(2026, 11, 16)))
    assert (week.uren_aanwezig, week.uren_afwezig_ongeoorloofd, week.aantal) == (Decimal(4), Decimal(2), 2)

    assert delete_presentie(db, medewerker, b1, date(2026, 11, 18), Activiteit.TAALLES_KNM)
    db.expire_all()  # the totals change in SQL, past the session's identity map
    assert (totaal.uren_aanwezig, totaal.uren_afwezig_ongeoorloofd, totaal.aantal, totaal.laatste_datum) == (
        Decimal(6), Decimal(0), 2, date(2026, 11, 16))
    assert delete_presentie(db, medewerker, b1, date(2026, 11, 16), Activiteit.TAALLES_KNM)
    db.expire_all()
    assert db.get(PresentieWeek, (b1.id, Activiteit.TAALLES_KNM, date(2026, 11, 16))) is None
    assert delete_presentie(db, medewerker, b1, date(2026, 11, 9), Activiteit.TAALLES_KNM)
    assert db.scalars(select(PresentieTotaal).where(PresentieTotaal.verwijzing_id == b1.id)).all() == []
    assert kept_totals.differences(db) == []


def test_another_providers_session_cannot_be_deleted(db, aanbieder):
    medewerker, [b1, *_] = aanbieder
    register(db, medewerker, [PresentieInput(regel=1, verwijzing_id=b1.id, datum=TODAY, activiteit="taalles_knm",
                                             uren_aanwezig="3")], TODAY)
    vreemde = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=AanbiederFactory())
    assert not delete_presentie(db, vreemde, b1, TODAY, Activiteit.TAALLES_KNM)
    assert db.get(PresentieTotaal, (b1.id, Activiteit.TAALLES_KNM)).aantal == 1


def test_cli_says_what_differs_and_can_rebuild(app, db, aanbieder):
    medewerker, [b1, *_] = aanbieder
    register(db, medewerker, [PresentieInput(regel=1, verwijzing_id=b1.id, datum=date(2026, 11, 18),
                                             activiteit="taalles_knm", uren_aanwezig="3")], TODAY)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["totalen-controleren"])
    assert ok.exit_code == 0 and "Geen verschillen" in ok.output

    db.execute(update(PresentieTotaal).where(PresentieTotaal.verwijzing_id == b1.id).values(uren_aanwezig=5))
    db.execute(update(PresentieWeek).where(PresentieWeek.verwijzing_id == b1.id).values(aantal=2))
    bad = runner.invoke(args=["totalen-controleren"])
    assert bad.exit_code == 1
    assert f"verwijzing {b1.id}, Taalles en KNM: bewaard 5.00 aanwezig" in bad.output
    assert "herberekend 3.00 aanwezig" in bad.output
    assert "week van 2026-11-16" in bad.output and "2 regels" in bad.output

    fixed = runner.invoke(args=["totalen-controleren", "--herstellen"])
    assert fixed.exit_code == 0 and kept_totals.differences(db) == []


def test_week_start_in_sql_is_the_iso_monday(db, aanbieder):
    medewerker, [b1, *_] = aanbieder
    days = [START + timedelta(days=n) for n in range(0, 53)]
    for start in range(0, len(days), 7):
        register(db, medewerker, [PresentieInput(regel=n, verwijzing_id=b1.id, datum=d, activiteit="taalles_knm",
                                                 uren_aanwezig="1") for n, d in enumerate(days[start:start + 7])],
                 TODAY)
    _, weeks = kept_totals.recomputed(db, [b1.id])
    assert {w for _, _, w in weeks} == {kept_totals.maandag(d) for d in days}
    assert all(w.weekday() == 0 for _, _, w in weeks)


def test_kept_totals_agree_with_the_duo_counters_and_the_case_totals(db, aanbieder):
    """One rule: what DUO is sent (per gemeente of residence, from the days) and what the case page shows (from
    the kept totals) agree to the quarter hour for an inburgeraar who did not move."""
    from portal.domain import duo_uren
    from portal.services import totals
    from portal.services.chain import uren

    medewerker, [b1, map_, _] = aanbieder
    register(db, medewerker, [
        PresentieInput(regel=n, verwijzing_id=b1.id, datum=START + timedelta(days=n), activiteit=act,
                       uren_aanwezig=f"{n % 4},25") for n, act in enumerate(
            ["taalles_knm", "brede_intake", "taalles_knm", "taalles_knm", "brede_intake"], start=1)
    ] + [PresentieInput(regel=9, verwijzing_id=map_.id, datum=START, activiteit="map_praktijk", uren_aanwezig="4")],
        TODAY)
    inburgeraar = b1.inburgeraar
    kept, _weeks = kept_totals.kept(db, [b1.id, map_.id])
    per_activiteit = {a: s.aanwezig for (_v, a), s in kept.items()}
    chain = uren.tellers(db, inburgeraar.id, inburgeraar.gemeente_id)
    assert chain == duo_uren.tellers(per_activiteit)
    assert chain[duo_uren.DuoUrenSoort.PARTICIPATIETAALLES] == Decimal("4.75")  # 1,25 + 3,25 + 0,25
    page = totals.for_inburgeraar(db, medewerker, inburgeraar, TODAY)
    assert {t.label: t.uren for t in page.duo_tellers} == {s.label: u for s, u in chain.items()}
