"""The Alembic migrations build exactly the models' schema, on SQLite and on PostgreSQL.

Tests build their schema with create_all; production databases are built by the migrations.
If the two drift apart, the tests would pass against a schema no installation has.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

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
