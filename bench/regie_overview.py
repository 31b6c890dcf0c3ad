"""The regie region seed used by `bench dashboard`; as a benchmark replaced by `bench regie_scale` (issue 10:
comparing the page with its own query could not show that the query was the problem).

Formerly: the regie caseload overview against the bare SQL query that computes the same figures.

Seeds a scratch database (a SQLite temp file, and a throwaway PostgreSQL database when the server is
reachable) with 5,000 active inburgeraars, 7,500 verwijzingen and 1.5 million presentie rows, then times
in the same run:

* bare SQL: the compiled metrics query of portal.services.signalen executed on the raw DBAPI cursor,
  all rows fetched (the floor: the database work every signal needs);
* overview: GET /regie/?alle=1 through the app's test client as a logged-in klantregisseur with a real
  server-side session (routing, session check, query, rules for all 5,000 cases, sort, page, template).

Prints both medians and their ratio; the target is at most 2x.
Run: `.venv/bin/python -m bench regie_overview` (or `-m bench.regie_overview`).
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, make_url, text

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as portal_db
from portal.models import (
    Aanbieder,
    Afschalingsverzoek,
    Contract,
    ContractOnderdeel,
    Examenresultaat,
    Gemeente,
    Inburgeraar,
    OmstandighedenMelding,
    Pip,
    TrajectStart,
    User,
    UserSession,
    Verwijzing,
    contract_gemeente,
    user_gemeente,
)
from portal.models.base import Base
from portal.security import SESSION_KEY
from portal.services import signalen

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
INBURGERAARS = 5_000
PRESENTIE_PER_VERWIJZING = 200
RUNS = 7
GEMEENTEN = 4
AANBIEDERS = 6
NOW = datetime.now(UTC)
TODAY = date.today()
PRESENTIE_COLUMNS = (
    "verwijzing_id", "datum", "activiteit", "uren_aanwezig", "uren_afwezig_geoorloofd",
    "uren_afwezig_ongeoorloofd", "created_at", "updated_at",
)


def _weekdays(start: date, count: int) -> Iterator[date]:
    day, found = start, 0
    while found < count:
        if day.weekday() < 5:
            yield day
            found += 1
        day += timedelta(days=1)


def _presentie_rows(verwijzingen: list[tuple[int, date, str]], rng: random.Random) -> Iterator[tuple]:
    for verwijzing_id, start, activiteit in verwijzingen:
        for datum in _weekdays(start, PRESENTIE_PER_VERWIJZING):
            roll = rng.random()
            if roll < 0.82:
                hours = ("3.00", "0.00", "0.00")
            elif roll < 0.92:
                hours = ("0.00", "3.00", "0.00")
            else:
                hours = ("0.00", "0.00", "3.00")
            yield (verwijzing_id, datum, activiteit, *hours, NOW, NOW)


def seed(engine: Any) -> tuple[int, int]:
    """Fill an empty schema; returns (klantregisseur id, number of presentie rows)."""
    rng = random.Random(2021)
    with engine.begin() as conn:
        conn.execute(insert(Gemeente), [
            {"id": g, "cbs_code": f"{g:04d}", "naam": f"Gemeente {g}", "created_at": NOW, "updated_at": NOW}
            for g in range(1, GEMEENTEN + 1)
        ])
        conn.execute(insert(Aanbieder), [
            {"id": a, "kvk_nummer": f"{70000000 + a}", "naam": f"Taalschool {a}", "soort": "taal",
             "actief": True, "created_at": NOW, "updated_at": NOW}
            for a in range(1, AANBIEDERS + 1)
        ])
        conn.execute(insert(Contract), [
            {"id": a, "kenmerk": f"C-{a:05d}", "naam": f"Contract {a}", "aanbieder_id": a,
             "startdatum": TODAY - timedelta(days=900), "einddatum": TODAY + timedelta(days=900),
             "created_at": NOW, "updated_at": NOW}
            for a in range(1, AANBIEDERS + 1)
        ])
        conn.execute(insert(contract_gemeente), [
            {"contract_id": a, "gemeente_id": g} for a in range(1, AANBIEDERS + 1) for g in range(1, GEMEENTEN + 1)
        ])
        conn.execute(insert(ContractOnderdeel), [
            {"contract_id": a, "onderdeel": o} for a in range(1, AANBIEDERS + 1)
            for o in ("b1_route", "z_route_taal", "z_route_participatie", "map", "pvt")
        ])
        conn.execute(insert(User), [
            {"id": 1, "email": "regisseur@example.nl", "naam": "Klantregisseur", "rol": "klantregisseur",
             "password_hash": "x", "totp_bevestigd": True, "created_at": NOW, "updated_at": NOW}
        ])
        conn.execute(insert(user_gemeente), [{"user_id": 1, "gemeente_id": g} for g in range(1, GEMEENTEN + 1)])

        inburgeraars, pips, verwijzingen, starts = [], [], [], []
        presentie_plan: list[tuple[int, date, str]] = []
        verwijzing_id = 0
        for i in range(1, INBURGERAARS + 1):
            z_route = i % 5 == 0
            inburgeraars.append({
                "id": i, "bsn": f"{100000000 + i}", "voornamen": f"Voornaam{i}", "achternaam": f"Achternaam{i:05d}",
                "geboortedatum": date(1990, 1, 1), "doelgroep": "Asielstatushouder",
                "gemeente_id": i % GEMEENTEN + 1, "klantregisseur_id": 1,
                "datum_kennisgeving": TODAY - timedelta(days=500 + i % 300), "created_at": NOW, "updated_at": NOW,
            })
            pips.append({
                "inburgeraar_id": i, "versie": 1, "dagtekening": TODAY - timedelta(days=430 + i % 300),
                "leerroute": "Z" if z_route else "B", "niveau": "A2" if z_route else "B1",
                "geschatte_intensiteit": None if z_route else 1200, "created_at": NOW, "updated_at": NOW,
            })
            onderdelen = ["z_route_taal"] if z_route else ["b1_route"]
            if i % 2 == 0:
                onderdelen.append("map" if i % 4 == 0 else "pvt")
            for onderdeel in onderdelen:
                verwijzing_id += 1
                start = TODAY - timedelta(days=290 + rng.randrange(40))
                verwijzingen.append({
                    "id": verwijzing_id, "kenmerk": f"V-{verwijzing_id:08d}", "inburgeraar_id": i,
                    "aanbieder_id": verwijzing_id % AANBIEDERS + 1, "contract_id": verwijzing_id % AANBIEDERS + 1,
                    "onderdeel": onderdeel, "beoogde_startdatum": start - timedelta(days=rng.randrange(30)),
                    "uiterste_einddatum": start + timedelta(days=400), "gecontracteerde_uren": 600,
                    "status": "gestart", "created_at": NOW, "updated_at": NOW,
                })
                starts.append({"verwijzing_id": verwijzing_id, "gerealiseerde_startdatum": start,
                               "niet_gestart": False, "created_at": NOW, "updated_at": NOW})
                activiteit = {"map": "map_praktijk", "pvt": "pvt"}.get(onderdeel, "taalles_knm")
                presentie_plan.append((verwijzing_id, start, activiteit))
        conn.execute(insert(Inburgeraar), inburgeraars)
        conn.execute(insert(Pip), pips)
        conn.execute(insert(Verwijzing), verwijzingen)
        conn.execute(insert(TrajectStart), starts)
        conn.execute(insert(Examenresultaat), [
            {"inburgeraar_id": i, "verwijzing_id": None, "onderdeel": "LE", "niveau": "B1", "resultaat": "Geslaagd",
             "examendatum": TODAY - timedelta(days=20), "bron": "duo", "created_at": NOW, "updated_at": NOW}
            for i in range(1, INBURGERAARS + 1, 7)
        ])
        conn.execute(insert(Afschalingsverzoek), [
            {"verwijzing_id": v["id"], "inburgeraar_id": v["inburgeraar_id"], "status": "ingediend",
             "observaties_aanbieder": "x", "ervaring_inburgeraar": "y", "uren_op_moment": 620,
             "ingediend_op": NOW, "created_at": NOW, "updated_at": NOW}
            for v in verwijzingen[::53]
        ])
        conn.execute(insert(OmstandighedenMelding), [
            {"inburgeraar_id": v["inburgeraar_id"], "verwijzing_id": v["id"], "aanbieder_id": v["aanbieder_id"],
             "soort": "werk", "datum": TODAY - timedelta(days=3), "toelichting": "z", "created_at": NOW,
             "updated_at": NOW}
            for v in verwijzingen[::31]
        ])
        rows = _presentie_rows(presentie_plan, rng)
        count = _insert_presentie(conn, rows)
    return 1, count


def _insert_presentie(conn: Any, rows: Iterator[tuple]) -> int:
    """COPY on PostgreSQL, Core executemany in chunks on SQLite."""
    count = 0
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY presentie ({', '.join(PRESENTIE_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    # Plain executemany without per-value type processing, in SQLAlchemy's SQLite storage formats.
    sql = f"INSERT INTO presentie ({', '.join(PRESENTIE_COLUMNS)}) VALUES ({', '.join('?' * len(PRESENTIE_COLUMNS))})"
    stamp = NOW.replace(tzinfo=None).isoformat(sep=" ")
    chunk: list[tuple] = []
    for v_id, datum, activiteit, a, g, o, _created, _updated in rows:
        chunk.append((v_id, datum.isoformat(), activiteit, a, g, o, stamp, stamp))
        if len(chunk) == 100_000:
            conn.exec_driver_sql(sql, chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        conn.exec_driver_sql(sql, chunk)
        count += len(chunk)
    return count


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run(url: str, label: str) -> float:
    """Seed, warm up and time both; returns the ratio overview / bare SQL."""
    config = TestConfig()
    config.DATABASE_URL = url
    app = create_app(config)
    engine = portal_db.engine
    assert engine is not None
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    user_id, count = seed(engine)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # fresh statistics, as autovacuum / a DBA would have them
    seed_time = time.perf_counter() - started

    with app.app_context():
        user = portal_db.session.get(User, user_id)
        statements = []
        for query in signalen.caseload_queries(user, TODAY).values():
            compiled = query.compile(dialect=engine.dialect)
            if engine.dialect.name == "sqlite":
                statements.append((str(compiled), tuple(compiled.params[name] for name in compiled.positiontup)))
            else:
                statements.append((str(compiled), compiled.params))
        session_id = secrets.token_hex(16)
        portal_db.session.add(UserSession(id=session_id, user_id=user_id))
        portal_db.session.commit()

    def bare_sql() -> int:
        raw = engine.raw_connection()
        try:
            rows = 0
            for sql, sql_params in statements:
                cursor = raw.cursor()
                cursor.execute(sql, sql_params)
                rows += len(cursor.fetchall())
                cursor.close()
            return rows
        finally:
            raw.close()

    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user_id)
        flask_session["_fresh"] = True
        flask_session[SESSION_KEY] = session_id

    def overview() -> int:
        response = client.get("/regie/?alle=1")
        assert response.status_code == 200, response.status_code
        return len(response.data)

    bare_sql()
    overview()  # warm caches and templates for both
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(overview)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    # Interleaved, so that load from other processes on the machine hits both alike.
    sql_times, page_times = [], []
    for _ in range(RUNS):
        sql_times.append(_timed(bare_sql))
        page_times.append(_timed(overview))
    sql_time, page_time = statistics.median(sql_times), statistics.median(page_times)
    sql_rows, page_bytes = bare_sql(), overview()
    with app.app_context():
        cases = signalen.caseload(portal_db.session, portal_db.session.get(User, user_id), today=TODAY)
        signalled = sum(1 for c in cases if c.signalen)
    ratio = page_time / sql_time
    print(f"[{label}] seeded {INBURGERAARS} inburgeraars, {sql_rows} metric rows, {count} presentie rows "
          f"in {seed_time:.1f}s; {signalled} cases with signals")
    print(f"[{label}] bare SQL (median of {RUNS}): {sql_time * 1000:.0f} ms")
    print(f"[{label}] GET /regie/ (median of {RUNS}): {page_time * 1000:.0f} ms ({page_bytes} bytes)")
    print(f"[{label}] ratio overview / bare SQL: {ratio:.2f}x (target <= 2.00x)")
    engine.dispose()
    return ratio


def _sqlite() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return run(f"sqlite:///{Path(tmp) / 'regie_bench.db'}", "SQLite")


def _postgres() -> float | None:
    name = f"bench_regie_{secrets.token_hex(4)}"
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
