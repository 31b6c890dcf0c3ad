"""Run Alembic programmatically, so `make run`, the tests and operators use the same path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> AlembicConfig:
    """An Alembic config pointing at migrations/ and the given database."""
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_to_head(database_url: str) -> None:
    """Apply every migration that has not run yet."""
    command.upgrade(alembic_config(database_url), "head")
    analyze(database_url)


def analyze(database_url: str) -> None:
    """PostgreSQL: refresh the planner's statistics (new indexes, tables filled by a migration)."""
    if not database_url.startswith("postgres"):
        return
    from portal.database import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
