"""Kept signals (SignaalStand): whatever is written, corrected or deleted, and however the date moves on, every kept
row that is valid today equals a recomputation, and that recomputation is what `caseload` shows each role."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError

from portal.models import Presentie, SignaalDrempels, SignaalStand
from portal.models.enums import Onderdeel, Rol, VerwijzingStatus
from portal.models.resultaat import OmstandighedenSoort
from portal.models.traject import Activiteit
from portal.services import ValidationError, kept_signalen, signalen
from portal.services.presentie import PresentieInput, delete_presentie, register
from tests.factories import (
    AfschalingsverzoekFactory,
    ContractFactory,
    ExamenresultaatFactory,
    InburgeraarFactory,
    OmstandighedenMeldingFactory,
    PipFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)

START = date(2026, 9, 28)
TODAY = date(2026, 11, 20)


@pytest.fixture
def regio(db, gemeente, regisseur):
    """Three cases of one gemeente: one with a PIP and a running B1-route and MAP, one without PIP whose
    verwijzing has not started, one with a running Z-route; an aanbieder's employee and a contractmanager."""
    contract = ContractFactory(gemeenten=[gemeente], startdatum=date(2026, 1, 1), einddatum=date(2028, 12, 31),
                               onderdelen=[Onderdeel.B1_ROUTE, Onderdeel.MAP, Onderdeel.Z_ROUTE_TAAL])
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    cases = [InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur,
                                datum_kennisgeving=START - timedelta(days=d)) for d in (200, 60, 120)]
    PipFactory(inburgeraar=cases[0], dagtekening=START - timedelta(days=100))
    verwijzingen = []
    for case_, onderdeel, gestart in ((cases[0], Onderdeel.B1_ROUTE, True), (cases[0], Onderdeel.MAP, True),
                                      (cases[1], Onderdeel.B1_ROUTE, False), (cases[2], Onderdeel.Z_ROUTE_TAAL, True)):
        verwijzing = VerwijzingFactory(
            contract=contract, inburgeraar=case_, onderdeel=onderdeel, beoogde_startdatum=START,
            uiterste_einddatum=TODAY + timedelta(days=40 if onderdeel is Onderdeel.MAP else 400),
            status=VerwijzingStatus.GESTART if gestart else VerwijzingStatus.VERWEZEN)
        if gestart:
            TrajectStartFactory(verwijzing=verwijzing, gerealiseerde_startdatum=START + timedelta(days=3))
        verwijzingen.append(verwijzing)
    return medewerker, manager, cases, verwijzingen


quarters = st.integers(min_value=0, max_value=24).map(lambda n: Decimal(n) / 4)
presentie = st.tuples(st.just("presentie"), st.integers(0, 3), st.integers(0, 40), quarters, quarters, quarters)
corrigeer = st.tuples(st.just("corrigeer"), st.integers(0, 10_000), quarters)
verwijder = st.tuples(st.just("verwijder"), st.integers(0, 10_000))
melding = st.tuples(st.just("omstandigheden"), st.integers(0, 3), st.booleans())
examen = st.tuples(st.just("examen"), st.integers(0, 3))
afschaling = st.tuples(st.just("afschaling"), st.integers(0, 3))
drempel = st.tuples(st.just("drempel"), st.integers(1, 30))
status = st.tuples(st.just("status"), st.integers(0, 3), st.sampled_from(list(VerwijzingStatus)))
dag = st.tuples(st.just("dag"), st.integers(1, 25))
operations = st.lists(st.one_of(presentie, corrigeer, verwijder, melding, examen, afschaling, drempel, status, dag),
                      min_size=1, max_size=20)


def _kept(db, today: date, met_gezondheid: bool) -> dict[int, kept_signalen.Stand]:
    """The kept rows valid today, per case."""
    return {i: kept_signalen.Stand(e, n, c, z) for i, e, n, c, z in db.execute(
        select(SignaalStand.inburgeraar_id, SignaalStand.hoogste_ernst, SignaalStand.aantal, SignaalStand.codes,
               SignaalStand.samenvatting)
        .where(SignaalStand.met_gezondheid.is_(met_gezondheid), SignaalStand.geldig_van <= today,
               SignaalStand.geldig_tot > today))}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=operations)
def test_random_writes_and_days_leave_no_difference(db, regio, regisseur, operations):
    medewerker, manager, cases, verwijzingen = regio
    savepoint = db.begin_nested()
    today = TODAY
    try:
        with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=UTC), tick=False) as klok:
            kept_signalen.alles_opslaan(db)
            for operation in operations:
                soort = operation[0]
                stored = db.execute(select(Presentie.verwijzing_id, Presentie.datum, Presentie.activiteit)
                                    .order_by(Presentie.id)).all()
                by_id = {v.id: v for v in verwijzingen}
                if soort == "presentie":
                    _, v, terug, aanwezig, geoorloofd, ongeoorloofd = operation
                    invoer = [PresentieInput(
                        regel=1, verwijzing_id=verwijzingen[v].id, datum=max(START, today - timedelta(days=terug)),
                        activiteit=(Activiteit.MAP_PRAKTIJK if verwijzingen[v].onderdeel is Onderdeel.MAP
                                    else Activiteit.TAALLES_KNM).value,
                        uren_aanwezig=aanwezig, uren_afwezig_geoorloofd=geoorloofd,
                        uren_afwezig_ongeoorloofd=ongeoorloofd,
                        reden_afwezig="ziek" if geoorloofd or ongeoorloofd else None)]
                    with contextlib.suppress(ValidationError):  # not started, ended, or over 24 hours a day
                        register(db, medewerker, invoer, today)
                elif soort in ("corrigeer", "verwijder") and stored:
                    v_id, datum, activiteit = stored[operation[1] % len(stored)]
                    if soort == "verwijder":
                        delete_presentie(db, medewerker, by_id[v_id], datum, activiteit)
                    else:
                        with contextlib.suppress(ValidationError):
                            register(db, medewerker, [PresentieInput(
                                regel=1, verwijzing_id=v_id, datum=datum, activiteit=activiteit.value,
                                uren_aanwezig=operation[2])], today)
                elif soort == "omstandigheden":
                    OmstandighedenMeldingFactory(verwijzing=verwijzingen[operation[1]], datum=today,
                                                 soort=OmstandighedenSoort.GEZONDHEID if operation[2]
                                                 else OmstandighedenSoort.VERHUIZING)
                elif soort == "examen":
                    with contextlib.suppress(IntegrityError), db.begin_nested():  # one result per exam a day
                        ExamenresultaatFactory(verwijzing=verwijzingen[operation[1]], examendatum=today)
                elif soort == "afschaling":
                    AfschalingsverzoekFactory(verwijzing=verwijzingen[operation[1]])
                elif soort == "drempel":
                    rij = db.scalar(select(SignaalDrempels).where(SignaalDrempels.gemeente_id == cases[0].gemeente_id))
                    if rij is None:
                        db.add(SignaalDrempels(gemeente_id=cases[0].gemeente_id, dagen_geen_presentie=operation[1]))
                    else:
                        rij.dagen_nieuw = operation[1]
                elif soort == "status":
                    verwijzingen[operation[1]].status = operation[2]
                elif soort == "dag":
                    today += timedelta(days=operation[1])
                    klok.move_to(datetime(today.year, today.month, today.day, 10, tzinfo=UTC))
                db.flush()
                kept_signalen.bijwerken(db)  # what every commit does
                assert kept_signalen.differences(db, today)[0] == []

            # And the recomputation is what the caseload shows: to the klantregisseur with health-related
            # omstandigheden, to a contractmanager without.
            for user, met_gezondheid in ((regisseur, True), (manager, False)):
                shown = {c.id: kept_signalen.stand_van(c.signalen) for c in signalen.caseload(db, user, today=today)}
                kept = _kept(db, today, met_gezondheid)
                assert {i: shown[i] for i in kept} == kept
    finally:
        savepoint.rollback()


def test_a_commit_keeps_the_signals_and_the_date_makes_them_stale(db, regio, regisseur):
    """A write reaches the kept row at commit; a row is used only in its validity, then worked out again."""
    _medewerker, _manager, cases, verwijzingen = regio
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=UTC), tick=False):
        AfschalingsverzoekFactory(verwijzing=verwijzingen[3])
        db.commit()
        row = db.get(SignaalStand, (cases[2].id, True))
        assert "afschaling_wacht" in row.codes.split() and row.geldig_van == TODAY and row.geldig_tot > TODAY
        # A write that bypasses the hook is what totalen-controleren catches.
        db.execute(update(SignaalStand).where(SignaalStand.inburgeraar_id == cases[2].id).values(codes=""))
        verschillen, _verlopen = kept_signalen.differences(db, TODAY)
        assert {(v.inburgeraar_id, v.met_gezondheid) for v in verschillen} == {(cases[2].id, True),
                                                                               (cases[2].id, False)}
    later = row.geldig_tot + timedelta(days=1)
    verschillen, verlopen = kept_signalen.differences(db, later)
    assert verschillen == [] and verlopen >= 2
    assert kept_signalen.verlopen_bijwerken(db, later) >= 1
    assert kept_signalen.differences(db, later) == ([], 0)


def test_cli_checks_the_kept_signals(app, db, regio):
    _medewerker, _manager, cases, _verwijzingen = regio
    runner = app.test_cli_runner()
    kept_signalen.alles_opslaan(db)
    ok = runner.invoke(args=["totalen-controleren"])
    assert ok.exit_code == 0 and "Geen verschillen" in ok.output
    db.execute(update(SignaalStand).where(SignaalStand.inburgeraar_id == cases[1].id,
                                          SignaalStand.met_gezondheid.is_(True)).values(aantal=7))
    bad = runner.invoke(args=["totalen-controleren"])
    assert bad.exit_code == 1
    assert f"signalen van inburgeraar {cases[1].id} (klantregisseur): bewaard 7 signaal/signalen" in bad.output
    fixed = runner.invoke(args=["totalen-controleren", "--herstellen"])
    assert fixed.exit_code == 0 and kept_signalen.differences(db)[0] == []


def test_a_threshold_change_reaches_every_case_of_the_gemeente(db, regio):
    _medewerker, _manager, cases, verwijzingen = regio
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=UTC), tick=False):
        AfschalingsverzoekFactory(verwijzing=verwijzingen[3])
        kept_signalen.bijwerken(db)
        assert "afschaling_wacht" in db.get(SignaalStand, (cases[2].id, True)).codes.split()
        db.add(SignaalDrempels(gemeente_id=cases[0].gemeente_id, dagen_afschaling_wachten=30))
        db.flush()
        kept_signalen.bijwerken(db)
        db.expire_all()
        assert "afschaling_wacht" not in db.get(SignaalStand, (cases[2].id, True)).codes.split()
        assert kept_signalen.differences(db, TODAY)[0] == []


def test_a_bulk_write_drops_the_rows_and_the_refresh_stores_them(db, regio, monkeypatch):
    """Past GROTE_BATCH cases a transaction only drops their rows (a bulk API call stays fast); the refresh
    stores them again, and meanwhile nothing kept is wrong."""
    _medewerker, _manager, cases, verwijzingen = regio
    kept_signalen.alles_opslaan(db)
    monkeypatch.setattr(kept_signalen, "GROTE_BATCH", 1)
    AfschalingsverzoekFactory(verwijzing=verwijzingen[0])
    AfschalingsverzoekFactory(verwijzing=verwijzingen[3])
    db.flush()
    kept_signalen.bijwerken(db)
    assert db.scalars(select(SignaalStand.inburgeraar_id).where(
        SignaalStand.inburgeraar_id.in_([cases[0].id, cases[2].id]))).all() == []
    assert kept_signalen.differences(db) == ([], 4)
    assert kept_signalen.verlopen_bijwerken(db) == 2
    assert kept_signalen.differences(db) == ([], 0)


def test_a_write_of_one_case_reads_it_in_one_statement_and_stores_what_a_recomputation_says(
        db, regio, gemeente, regisseur):
    """A write that touches one case (a grid save) works its signals out from one statement that reads the case's
    figures with its kept rows and the thresholds' stamp, the thresholds themselves only when that stamp is new to
    the process (and on PostgreSQL the case's lock); the presentie save names the case, so no verwijzing is looked
    up. Also for a case without verwijzingen, and for one whose only
    omstandigheden are health-related (other staff see none)."""
    medewerker, _manager, cases, verwijzingen = regio
    kaal = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur,
                              datum_kennisgeving=START - timedelta(days=60))
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=UTC), tick=False):
        kept_signalen.alles_opslaan(db)
        OmstandighedenMeldingFactory(verwijzing=verwijzingen[2], datum=TODAY, soort=OmstandighedenSoort.GEZONDHEID)
        db.flush()
        kept_signalen.bijwerken(db)
        kaal.datum_kennisgeving = START - timedelta(days=80)  # its PIP deadline nears: 'Let op'
        db.flush()
        kept_signalen.bijwerken(db)
        assert kept_signalen.differences(db, TODAY) == ([], 0)
        assert db.get(SignaalStand, (cases[1].id, True)).codes != db.get(SignaalStand, (cases[1].id, False)).codes
        assert "pip_termijn" in db.get(SignaalStand, (kaal.id, False)).codes.split()

        register(db, medewerker, [PresentieInput(
            regel=1, verwijzing_id=verwijzingen[0].id, datum=TODAY - timedelta(days=1),
            activiteit=Activiteit.TAALLES_KNM.value, uren_aanwezig=Decimal(1), uren_afwezig_ongeoorloofd=Decimal(2),
            reden_afwezig="ziek")], TODAY)
        db.flush()
        statements: list[str] = []
        engine = db.get_bind().engine

        def capture(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", capture)
        try:
            kept_signalen.bijwerken(db)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        assert len(reads) == (2 if db.get_bind().dialect.name == "postgresql" else 1), reads
        assert "aanwezigheid_laag" in db.get(SignaalStand, (cases[0].id, True)).codes.split()
        assert kept_signalen.differences(db, TODAY) == ([], 0)


def test_a_write_of_one_case_works_with_the_thresholds_as_stored_now(db, regio, gemeente):
    """The thresholds a write of one case remembers are used only while they are what is stored: a row added or
    changed behind its back (another worker, a rollback, SQL) is read at the next write. The thresholds are written
    here without the ORM, so no hook works the case out on their account."""
    _medewerker, _manager, cases, verwijzingen = regio
    tabel = SignaalDrempels.__table__
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=UTC), tick=False):
        AfschalingsverzoekFactory(verwijzing=verwijzingen[3])
        db.flush()
        kept_signalen.bijwerken(db)
        kept_signalen.opslaan(db, [cases[2].id])
        assert "afschaling_wacht" in db.get(SignaalStand, (cases[2].id, True)).codes.split()
        db.execute(tabel.insert().values(gemeente_id=cases[2].gemeente_id, dagen_afschaling_wachten=30,
                                         created_at=datetime(2026, 11, 20), updated_at=datetime(2026, 11, 20)))
        kept_signalen.opslaan(db, [cases[2].id])
        db.expire_all()
        assert "afschaling_wacht" not in db.get(SignaalStand, (cases[2].id, True)).codes.split()
        db.execute(tabel.update().where(tabel.c.gemeente_id == cases[2].gemeente_id)
                   .values(dagen_afschaling_wachten=0))
        kept_signalen.opslaan(db, [cases[2].id])
        db.expire_all()
        assert "afschaling_wacht" in db.get(SignaalStand, (cases[2].id, True)).codes.split()
        assert kept_signalen.differences(db, TODAY) == ([], 0)
