"""Benchmark: bulk presentie through the API against the true floor, in one run (issue 15, point 6).

100,000 presence rows are sent to POST /api/v1/presentie in calls of 10,000 items (JSON, bearer token, through
the whole WSGI app in process: authentication, rate limit, strict model, presentie.register with every rule,
kept totals, audit, commit), into a presentie table that already holds 1,000,000 rows (with kept totals that
match them, rebuilt before every round). The baseline inserts the
same 100,000 rows into a copy of the table holding the same 1,000,000 rows with the raw driver: sqlite3
executemany on SQLite, COPY on PostgreSQL, committing per 10,000 as well. Rounds alternate which goes first;
the paired ratio per round (baseline time / API time, measured back to back) and their median are printed
(goal ≥ 0.5), with the machine's load average.

Run: `.venv/bin/python -m bench api [--pg] [--rows N] [--history N] [--repeat N (5)]`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench._common import app_with_schema
from bench.import_presentie import scratch_database, seed
from portal import clock
from portal.config import database_url_from_env
from portal.extensions import db as portal_db
from portal.models import ApiClient, Presentie
from portal.models.base import Base
from portal.services import api_clients, kept_totals

CALL = 10_000
COLUMNS = ("verwijzing_id", "datum", "activiteit", "uren_aanwezig", "uren_afwezig_geoorloofd",
           "uren_afwezig_ongeoorloofd", "reden_afwezig", "geregistreerd_door_id", "created_at", "updated_at")


def _rows(vids: list[int], first_day: date, days: int) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    return [(vid, first_day + timedelta(days=d), "taalles_knm", 2.5 if (d + vid) % 3 else 3.0, 0, 0, None, None,
             now, now) for d in range(days) for vid in vids]


def _raw_insert(engine: Any, table: str, rows: list[tuple[Any, ...]], per_commit: int) -> None:
    """The floor: the driver itself, sqlite3 executemany or psycopg COPY, one commit per `per_commit` rows."""
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        for start in range(0, len(rows), per_commit):
            chunk = rows[start:start + per_commit]
            if engine.dialect.name == "postgresql":
                with driver.cursor() as cursor, cursor.copy(
                        f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                # The portal's engine puts sqlite3 in autocommit mode (portal/database.py): begin explicitly.
                driver.execute("BEGIN IMMEDIATE")
                driver.executemany(
                    f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                    [(*r[:2], *r[2:8], r[8].isoformat(" "), r[9].isoformat(" ")) for r in chunk])
            driver.commit()
    finally:
        raw.close()


def _baseline_table(engine: Any) -> None:
    copy = Base.metadata.tables.get("presentie_baseline")
    if copy is None:
        copy = Presentie.__table__.to_metadata(Base.metadata, name="presentie_baseline")
        for item in [*copy.indexes, *copy.constraints]:
            if item.name and not str(item.name).endswith("_baseline"):
                item.name = f"{item.name}_baseline"
    copy.create(engine, checkfirst=True)


def _rebuild_totals(app: Any) -> None:
    """The kept totals as a live installation has them: matching every stored row (bulk loads bypass them)."""
    with app.app_context():
        kept_totals.rebuild(portal_db.session)
        portal_db.session.commit()


def _delete_from(app: Any, engine: Any, first_new: date) -> None:
    """Back to the state before a round: the new rows gone from both tables, the kept totals matching.

    On PostgreSQL every table the reset rewrote is vacuumed, the kept totals as well: the rebuild deletes and
    inserts all of them, and their dead rows would otherwise slow the API's upserts more with every round (a
    live installation never rewrites them, and autovacuum keeps them clean), and a checkpoint ends the reset."""
    with engine.begin() as connection:
        for table in ("presentie", "presentie_baseline"):
            connection.execute(text(f"DELETE FROM {table} WHERE datum >= :d"), {"d": first_new})
    _rebuild_totals(app)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("presentie", "presentie_baseline", "presentie_totaal", "presentie_week"):
                connection.execute(text(f"VACUUM ANALYZE {table}"))
            # The reset writes hundreds of MB of WAL: without a checkpoint here, one falls inside whichever side
            # of the next round happens to run when max_wal_size is reached.
            connection.execute(text("CHECKPOINT"))


def run(use_pg: bool, rows: int, history: int, repeat: int) -> None:
    deelnemers = 2_000
    history_days = -(-history // deelnemers)
    new_days = -(-rows // deelnemers)
    today = clock.today()
    first_day = today - timedelta(days=history_days + new_days + 2)
    first_new = first_day + timedelta(days=history_days)
    with scratch_database(use_pg) as url:
        app, engine = app_with_schema(url, HUEY_IMMEDIATE=True, API_RATE_LIMIT="10000 per minute")
        _baseline_table(engine)
        # Aanbieder 1 with its `deelnemers` started verwijzingen (and an aanbieder 2 without any).
        _email, _secret, people = seed(engine, deelnemers, 0, first_day)
        with app.app_context():
            session = portal_db.session
            client = ApiClient(client_id="ic_bench", naam="Bench", secret_hash=api_clients.hash_secret("x"),
                               aanbieder_id=1, scopes="presentie:schrijven",
                               verloopt_op=datetime.now(UTC) + timedelta(days=1))
            session.add(client)
            session.flush()
            token = secrets.token_urlsafe(24)
            api_clients.store_token(session, client, token, "presentie:schrijven", 24 * 3600)
            session.commit()
        vids = sorted(vid for _b, _k, vid in people)
        started = time.perf_counter()
        old = _rows(vids, first_day, history_days)[:history]
        _raw_insert(engine, "presentie", old, 100_000)
        _raw_insert(engine, "presentie_baseline", old, 100_000)
        del old
        if use_pg:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
        print(f"{engine.dialect.name}: tabel gevuld met {history:,} rijen (twee keer) in "
              f"{time.perf_counter() - started:.0f} s; {rows:,} nieuwe rijen in aanroepen van {CALL:,}, "
              f"{repeat}× herhaald, belasting machine {os.getloadavg()[0]:.1f}", flush=True)

        new = _rows(vids, first_new, new_days)[:rows]
        bodies = [json.dumps({"items": [
            {"verwijzingId": r[0], "datum": r[1].isoformat(), "activiteit": r[2], "urenAanwezig": r[3]}
            for r in new[start:start + CALL]]}).encode() for start in range(0, len(new), CALL)]
        http = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def api_round() -> float:
            started = time.perf_counter()
            for body in bodies:
                response = http.post("/api/v1/presentie", data=body, headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)[:500]
                assert response.get_json()["nieuw"] == CALL, response.get_json()
            return time.perf_counter() - started

        def base_round() -> float:
            started = time.perf_counter()
            _raw_insert(engine, "presentie_baseline", new, CALL)
            return time.perf_counter() - started

        api_times, base_times = [], []
        for n in range(repeat):
            _delete_from(app, engine, first_new)
            order = (("baseline", base_round), ("api", api_round))
            for name, fn in order if n % 2 == 0 else reversed(order):
                (base_times if name == "baseline" else api_times).append(fn())
            print(f"  ronde {n + 1}: baseline {base_times[-1]:.2f} s, API {api_times[-1]:.2f} s, "
                  f"verhouding {base_times[-1] / api_times[-1]:.2f}", flush=True)
        with app.app_context():  # the kept totals the API kept in its transactions match a recomputation
            verschillen = kept_totals.differences(portal_db.session)
            assert not verschillen, verschillen[:5]
        print("  bijgehouden totalen na de laatste ronde: gelijk aan herberekening (0 verschillen)")
        base_rate, api_rate = rows / statistics.median(base_times), rows / statistics.median(api_times)
        floor = "COPY" if use_pg else "sqlite3 executemany"
        print(f"mediaan van {repeat} rondes:")
        print(f"  baseline ({floor}): {base_rate:10,.0f} rijen/s")
        print(f"  API (POST /presentie, {CALL:,} per aanroep): {api_rate:10,.0f} rijen/s")
        ratios = [b / a for b, a in zip(base_times, api_times, strict=True)]
        print(f"  verhouding API/baseline, mediaan van de gepaarde rondes: {statistics.median(ratios):.2f} "
              f"(doel ≥ 0,50; per ronde " + ", ".join(f"{r:.2f}" for r in ratios)
              + f"; mediaan API / mediaan baseline {api_rate / base_rate:.2f}), "
              f"belasting machine {os.getloadavg()[0]:.1f}")
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench api", description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (DATABASE_URL or BENCH_PG_URL)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=1_000_000, help="rows already in the table")
    parser.add_argument("--repeat", type=int, default=5, help="paired rounds (their median ratio is the figure)")
    args = parser.parse_args(argv)
    use_pg = args.pg or (database_url_from_env() or "").startswith("postgres")
    run(use_pg, args.rows, args.history, args.repeat)
