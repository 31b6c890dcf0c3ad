"""The Alembic migrations build exactly the models' schema, on SQLite and on PostgreSQL.

Tests build their schema with create_all; production databases are built by the migrations.
If the two drift apart, the tests would pass against a schema no installation has.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, DateTime, Integer, String, column, insert, inspect, table, text

from portal.config import database_url_from_env
from portal.database import make_engine
from portal.migrate import alembic_config, upgrade_to_head
from portal.models import Base
from tests.helpers import throwaway_postgres_database


def schema_differences(url: str) -> list:
    """What autogenerate would still emit to bring the database to the models (empty: identical)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'migrations.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty throwaway database beside the one DATABASE_URL names (the test run's own has the models'
    schema already), dropped afterwards."""
    url = database_url_from_env()
    assert url is not None
    with throwaway_postgres_database(url, prefix="portal_migtest") as throwaway:
        yield throwaway


def test_upgrade_head_on_empty_sqlite_matches_models(sqlite_url: str):
    upgrade_to_head(sqlite_url)
    assert schema_differences(sqlite_url) == []


@pytest.mark.postgres
def test_upgrade_head_on_empty_postgresql_matches_models(postgres_url: str):
    upgrade_to_head(postgres_url)
    assert schema_differences(postgres_url) == []


@pytest.mark.postgres
def test_migrate_leaves_planner_statistics_on_postgresql(postgres_url: str):
    """Without ANALYZE the planner guesses row counts (the own caseload took 323 ms instead of 36 ms)."""
    upgrade_to_head(postgres_url)
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            analysed = connection.scalar(text(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('presentie', 'presentie_totaal') "
                "AND last_analyze IS NOT NULL"))
    finally:
        engine.dispose()
    assert analysed == 2


def test_downgrade_to_base_and_upgrade_again_on_sqlite(sqlite_url: str):
    upgrade_to_head(sqlite_url)
    command.downgrade(alembic_config(sqlite_url), "base")
    engine = make_engine(sqlite_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade_to_head(sqlite_url)
    assert schema_differences(sqlite_url) == []


def _seed_sqlite_at(url: str, revision: str, *statements: str) -> None:
    """Upgrade to `revision`, then insert with plain sqlite3 (foreign keys off: only the tables the next
    migration reads need rows)."""
    command.upgrade(alembic_config(url), revision)
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection, connection:
        for statement in statements:
            connection.execute(statement)


def _rows(url: str, query: str) -> list[tuple]:
    """The rows a query returns, on an engine of its own."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def test_0026_gives_existing_regels_the_date_of_their_prestatie(sqlite_url: str):
    """The regels declared before 0026 keep the date they showed (their prestatie's), credits included."""
    _seed_sqlite_at(
        sqlite_url, "0025",
        "INSERT INTO prestatie (id, verwijzing_id, indicator_id, periode, inburgeraar_id, gemeente_id, "
        "prestatiedatum, aantal, afgewezen, berekend_op) VALUES "
        "(1, 1, 1, 'eenmalig', 1, 1, '2026-03-31', 1, 0, '2026-04-01 00:00:00'), "
        "(2, 2, 1, '2026-04', 1, 1, '2026-04-30', 3, 0, '2026-05-01 00:00:00')",
        "INSERT INTO declaratie_regel (id, declaratie_id, prestatie_id, credit_van_regel_id, tarief_id, "
        "eenheid, aantal, tarief_cent, bedrag_cent, status, created_at, updated_at) VALUES "
        "(1, 1, 1, NULL, 1, 'stuk', 1, 40000, 40000, 'goedgekeurd', '2026-04-02', '2026-04-02'), "
        "(2, 2, 1, 1, 1, 'stuk', 1, 40000, -40000, 'ingediend', '2026-05-02', '2026-05-02'), "
        "(3, 2, 2, NULL, 1, 'uur', 3, 1250, 3750, 'ingediend', '2026-05-02', '2026-05-02')")
    upgrade_to_head(sqlite_url)
    rows = _rows(sqlite_url, "SELECT id, prestatiedatum FROM declaratie_regel ORDER BY id")
    assert [(i, str(d)) for i, d in rows] == [(1, "2026-03-31"), (2, "2026-03-31"), (3, "2026-04-30")]


def _pre_0025_list_reads(url: str) -> None:
    """Stop at 0026 with list reads that kept their ids only in details; one pair is already in audit_gezien."""
    command.upgrade(alembic_config(url), "0026")
    event = table("audit_event", column("id", Integer), column("occurred_at", DateTime), column("action", String),
                  column("object_type", String), column("result", String), column("origin", String),
                  column("details", JSON))
    common = {"occurred_at": datetime(2026, 12, 1, 9), "action": "overzicht_bekeken", "object_type": "inburgeraar",
              "result": "ok", "origin": "test"}
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(event), [
                {"id": 1, **common, "details": {"inburgeraar_ids": [11, 12, "13", None, True, 12.5]}},
                {"id": 2, **common, "details": {"inburgeraar_ids": [11, 14]}},
                {"id": 3, **common, "details": {"periode": "2026", "aantal": 2, "inburgeraars": [15, 16]}},
                {"id": 4, **common, "details": {"aantal": 3, "inburgeraars": 3}},
                {"id": 5, **common, "details": None},
            ])
            connection.execute(text("INSERT INTO audit_gezien (inburgeraar_id, audit_event_id) VALUES (14, 2)"))
    finally:
        engine.dispose()


def _gezien(url: str) -> list[tuple[int, int]]:
    return _rows(url, "SELECT audit_event_id, inburgeraar_id FROM audit_gezien ORDER BY audit_event_id, inburgeraar_id")


_BACKFILLED = [(1, 11), (1, 12), (2, 11), (2, 14), (3, 15), (3, 16)]


def test_0027_makes_list_reads_before_0025_findable_by_inburgeraar_on_sqlite(sqlite_url: str):
    """Every integer id a pre-0025 list named gets its row once; strings, null, bools and floats do not."""
    _pre_0025_list_reads(sqlite_url)
    upgrade_to_head(sqlite_url)
    assert _gezien(sqlite_url) == _BACKFILLED
    command.downgrade(alembic_config(sqlite_url), "0026")
    command.upgrade(alembic_config(sqlite_url), "head")  # 0027 again, and what follows it
    assert _gezien(sqlite_url) == _BACKFILLED  # again: no duplicates, nothing lost
    assert schema_differences(sqlite_url) == []


@pytest.mark.postgres
def test_0027_makes_list_reads_before_0025_findable_by_inburgeraar_on_postgresql(postgres_url: str):
    _pre_0025_list_reads(postgres_url)
    upgrade_to_head(postgres_url)
    assert _gezien(postgres_url) == _BACKFILLED
    command.downgrade(alembic_config(postgres_url), "0026")
    command.upgrade(alembic_config(postgres_url), "head")
    assert _gezien(postgres_url) == _BACKFILLED
    assert schema_differences(postgres_url) == []


def test_0028_gives_presence_corrections_the_day_of_their_session(sqlite_url: str):
    """Corrections of a session that still exists get its day; of a deleted one, and of other registrations,
    none (the timeline then uses the day of the correction)."""
    _seed_sqlite_at(
        sqlite_url, "0027",
        "INSERT INTO presentie (id, verwijzing_id, datum, activiteit, uren_aanwezig, uren_afwezig_geoorloofd, "
        "uren_afwezig_ongeoorloofd, created_at, updated_at) VALUES "
        "(5, 1, '2026-11-23', 'taalles_knm', 2, 0, 0, '2026-11-23', '2026-11-23')",
        "INSERT INTO registratie_wijziging (id, object_type, object_id, veld, gewijzigd_op, bron) VALUES "
        "(1, 'presentie', 5, 'uren_aanwezig', '2026-12-06 08:00:00', 'web 127.0.0.1'), "
        "(2, 'presentie', 6, 'uren_aanwezig', '2026-12-06 08:00:00', 'web 127.0.0.1'), "
        "(3, 'verwijzing', 5, 'status', '2026-12-06 08:00:00', 'web 127.0.0.1')")
    upgrade_to_head(sqlite_url)
    rows = _rows(sqlite_url, "SELECT id, betreft_datum FROM registratie_wijziging ORDER BY id")
    assert [(i, None if d is None else str(d)) for i, d in rows] == [(1, "2026-11-23"), (2, None), (3, None)]
    assert schema_differences(sqlite_url) == []


def test_0032_gives_submitted_declaraties_their_contracts_termijn(sqlite_url: str):
    """Submitted declaraties get the termijn their contract has at the migration (the best known of the one that
    applied); concepts none: theirs is the contract's current one until they are submitted."""
    _seed_sqlite_at(
        sqlite_url, "0031",
        "INSERT INTO contract (id, kenmerk, naam, aanbieder_id, startdatum, einddatum, created_at, updated_at, "
        "declaratietermijn_dagen) VALUES "
        "(1, 'MB-0388', 'MB', 1, '2026-01-01', '2027-12-31', '2026-01-01', '2026-01-01', 30), "
        "(2, 'TAAL-1', 'Taal', 1, '2026-01-01', '2027-12-31', '2026-01-01', '2026-01-01', NULL)",
        "INSERT INTO declaratie (id, nummer, contract_id, aanbieder_id, gemeente_id, periode, periode_van, "
        "periode_tot, status, created_at, updated_at) VALUES "
        "(1, 'D-1', 1, 1, 1, '2026-10', '2026-10-01', '2026-10-31', 'afgehandeld', '2026-11-01', '2026-11-01'), "
        "(2, 'D-2', 1, 1, 1, '2026-11', '2026-11-01', '2026-11-30', 'ingediend', '2026-12-01', '2026-12-01'), "
        "(3, 'D-3', 1, 1, 1, '2026-12', '2026-12-01', '2026-12-31', 'concept', '2026-12-01', '2026-12-01'), "
        "(4, 'D-4', 2, 1, 1, '2026-11', '2026-11-01', '2026-11-30', 'ingediend', '2026-12-01', '2026-12-01')")
    upgrade_to_head(sqlite_url)
    rows = _rows(sqlite_url, "SELECT id, declaratietermijn_dagen FROM declaratie ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, 30), (2, 30), (3, None), (4, None)]
    assert schema_differences(sqlite_url) == []
