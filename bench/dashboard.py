"""Benchmark: the KPI dashboard against the bare SQL of the same aggregates, SQLite and PostgreSQL in one run.

Seeds the 5,000-case region of bench.regie_overview (5,000 inburgeraars, 7,500 verwijzingen, 1.5 million
presentie rows, COPY on PostgreSQL) with its kept weekly totals and a regional contractmanager, then times in the
same run, interleaved:

* bare SQL: every query the dashboard runs (portal.services.kpi.gegevens.queries, compiled for the database)
  executed on the raw DBAPI cursor with all rows fetched: the floor of the database work;
* dashboard: GET /kpi/?periode=<this year> through the app's test client as the contractmanager with a real
  server-side session (routing, session check, scope, queries, every KPI rule, charts, template).

Prints both medians and their ratio; the target is at most 2x. Run: `.venv/bin/python -m bench dashboard`.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, make_url, select, text

from bench.regie_overview import GEMEENTEN, INBURGERAARS, NOW, PG_ADMIN_URL, TODAY, seed
from portal import create_app
from portal.config import TestConfig
from portal.domain import perioden
from portal.extensions import db as portal_db
from portal.models import Presentie, PresentieWeek, User, UserSession, user_gemeente
from portal.models.base import Base
from portal.security import SESSION_KEY
from portal.services import kept_totals
from portal.services.kpi import KpiFilters
from portal.services.kpi.gegevens import queries

RUNS = 7
MANAGER_ID = 2


def _add_manager(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(insert(User), [{
            "id": MANAGER_ID, "email": "contractmanager@example.nl", "naam": "Contractmanager",
            "rol": "contractmanager", "password_hash": "x", "totp_bevestigd": True, "created_at": NOW,
            "updated_at": NOW,
        }])
        conn.execute(insert(user_gemeente), [{"user_id": MANAGER_ID, "gemeente_id": g}
                                             for g in range(1, GEMEENTEN + 1)])
        # A BRP registration a month before the kennisgeving, so the six-month start has its cohorts.
        rows = conn.execute(text("SELECT id, datum_kennisgeving FROM inburgeraar")).all()
        conn.execute(text("UPDATE inburgeraar SET datum_brp_inschrijving = :d WHERE id = :i"),
                     [{"i": i, "d": _dag(d).replace(day=1)} for i, d in rows])
        # The kept weekly totals, as the presentie service keeps them with every write.
        week = kept_totals.week_start(Presentie.datum)
        conn.execute(insert(PresentieWeek).from_select(
            ["verwijzing_id", "activiteit", "week", "uren_aanwezig", "uren_afwezig_geoorloofd",
             "uren_afwezig_ongeoorloofd", "aantal"],
            select(Presentie.verwijzing_id, Presentie.activiteit, week, func.sum(Presentie.uren_aanwezig),
                   func.sum(Presentie.uren_afwezig_geoorloofd), func.sum(Presentie.uren_afwezig_ongeoorloofd),
                   func.count()).group_by(Presentie.verwijzing_id, Presentie.activiteit, week),
        ))
        conn.execute(text("ANALYZE"))


def _dag(value: Any) -> Any:
    from portal.services.validation import as_date

    return as_date(value)


def _compiled(engine: Any, query: Any) -> tuple[str, Any]:
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    if engine.dialect.name == "sqlite":
        return str(compiled), tuple(compiled.params[name] for name in compiled.positiontup)
    return str(compiled), compiled.params


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run(url: str, label: str) -> float:
    """Seed, warm up and time both; returns the ratio dashboard / bare SQL."""
    config = TestConfig()
    config.DATABASE_URL = url
    app = create_app(config)
    engine = portal_db.engine
    assert engine is not None
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    _, count = seed(engine)
    _add_manager(engine)
    seed_time = time.perf_counter() - started
    periode = perioden.jaar(TODAY.year)

    with app.app_context():
        manager = portal_db.session.get(User, MANAGER_ID)
        statements = [_compiled(engine, q) for q in
                      queries(manager, KpiFilters(), list(periode.kwartalen), TODAY).values()]
        session_id = secrets.token_hex(16)
        portal_db.session.add(UserSession(id=session_id, user_id=MANAGER_ID))
        portal_db.session.commit()

    def bare_sql() -> int:
        raw = engine.raw_connection()
        try:
            rows = 0
            cursor = raw.cursor()
            for sql, params in statements:
                cursor.execute(sql, params)
                rows += len(cursor.fetchall())
            cursor.close()
            return rows
        finally:
            raw.close()

    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(MANAGER_ID)
        flask_session["_fresh"] = True
        flask_session[SESSION_KEY] = session_id

    def dashboard() -> int:
        response = client.get(f"/kpi/?periode={periode.code}")
        assert response.status_code == 200, response.status_code
        return len(response.data)

    bare_sql()
    dashboard()  # warm caches and templates for both
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(dashboard)
        pstats.Stats(profiler).sort_stats("cumtime").print_stats(30)
    sql_times, page_times = [], []
    for _ in range(RUNS):  # interleaved, so load from other processes hits both alike
        sql_times.append(_timed(bare_sql))
        page_times.append(_timed(dashboard))
    sql_time, page_time = statistics.median(sql_times), statistics.median(page_times)
    rows, page_bytes = bare_sql(), dashboard()
    ratio = page_time / sql_time
    print(f"[{label}] seeded {INBURGERAARS} inburgeraars, {count} presentie rows in {seed_time:.1f}s; "
          f"{len(statements)} queries returning {rows} rows")
    print(f"[{label}] bare SQL (median of {RUNS}): {sql_time * 1000:.0f} ms")
    print(f"[{label}] GET /kpi/ (median of {RUNS}): {page_time * 1000:.0f} ms ({page_bytes} bytes)")
    print(f"[{label}] ratio dashboard / bare SQL: {ratio:.2f}x (target <= 2.00x)")
    engine.dispose()
    return ratio


def _sqlite() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return run(f"sqlite:///{Path(tmp) / 'dashboard_bench.db'}", "SQLite")


def _postgres() -> float | None:
    name = f"bench_kpi_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: report and skip PostgreSQL
        print(f"[PostgreSQL] skipped: {error.__class__.__name__}")
        return None
    try:
        return run(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), "PostgreSQL")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> None:
    """Run on SQLite and PostgreSQL (BENCH_ONLY=sqlite|postgresql for one); exit 1 when a ratio exceeds 2x."""
    only = os.environ.get("BENCH_ONLY", "")
    ratios = [
        r for r in (_sqlite() if only != "postgresql" else None, _postgres() if only != "sqlite" else None)
        if r is not None
    ]
    if any(r > 2.0 for r in ratios):
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
