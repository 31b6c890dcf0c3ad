"""Scaffolding the benchmarks share: scratch databases, the app on them, the seeded region, logins and timing."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert

from portal import clock, create_app
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
    Verwijzing,
    contract_gemeente,
)
from portal.models.base import Base
from tests.helpers import open_session, throwaway_postgres_database

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
NOW = datetime.now(UTC)
TODAY = clock.today()  # the portal's day (Europe/Amsterdam), as the pages and kept signals use it
GEMEENTEN = 4
AANBIEDERS = 6
PRESENTIE_COLUMNS = (
    "verwijzing_id", "datum", "activiteit", "uren_aanwezig", "uren_afwezig_geoorloofd",
    "uren_afwezig_ongeoorloofd", "created_at", "updated_at",
)
Result = TypeVar("Result")


# --- databases and the app ---------------------------------------------------------------------------------------

@contextmanager
def scratch_database(use_pg: bool, prefix: str, admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """A SQLite temp file, or a throwaway PostgreSQL database next to admin_url, dropped afterwards."""
    if not use_pg:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / (prefix + '.db')}"
        return
    with throwaway_postgres_database(admin_url, prefix=prefix) as url:
        yield url


def database_label(use_pg: bool) -> str:
    """How the printed figures name the database kind."""
    return "PostgreSQL" if use_pg else "SQLite"


def run_on_each_database(run: Callable[[str, str], Result], prefix: str,
                         only: str | None = None) -> list[Result]:
    """run(url, label) on SQLite, then on PostgreSQL unless unreachable; only='sqlite'|'postgresql' (default
    BENCH_ONLY) for one."""
    only = os.environ.get("BENCH_ONLY", "") if only is None else only
    results = []
    for use_pg in (False, True):
        if only == ("sqlite" if use_pg else "postgresql"):
            continue
        with ExitStack() as stack:
            try:
                url = stack.enter_context(scratch_database(use_pg, prefix))
            except Exception as error:  # no server: report and skip PostgreSQL
                print(f"[{database_label(use_pg)}] skipped: {error.__class__.__name__}")
                continue
            results.append(run(url, database_label(use_pg)))
    return results


def app_with_schema(url: str, **settings: Any) -> tuple[Any, Any]:
    """The app on this database (TestConfig plus settings) and its engine, with every table created."""
    config = TestConfig()
    config.DATABASE_URL = url
    for name, value in settings.items():
        setattr(config, name, value)
    app = create_app(config)
    engine = portal_db.engine
    assert engine is not None
    Base.metadata.create_all(engine)
    return app, engine


def client_logged_in_as(app: Any, user_id: int) -> Any:
    """A test client with a real server-side session of this user, as the TOTP step would open it."""
    with app.app_context():
        client = open_session(portal_db.session, app.test_client(), portal_db.session.get(User, user_id))
        portal_db.session.commit()
    return client


# --- the bare SQL floor ------------------------------------------------------------------------------------------

def _compiled_for_cursor(engine: Any, query: Any) -> tuple[str, Any]:
    """The query's SQL and parameters as the raw DBAPI cursor of this engine takes them."""
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    if engine.dialect.name == "sqlite":
        return str(compiled), tuple(compiled.params[name] for name in compiled.positiontup)
    return str(compiled), compiled.params


def _fetch_all_rows(engine: Any, statements: list[tuple[str, Any]]) -> int:
    """Run the statements on the raw DBAPI cursor, fetching every row; returns the number of rows."""
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


@dataclass
class PageAgainstSql:
    """Medians of a page and of the bare SQL of its queries, timed in turns, with what each returned."""

    sql_time: float
    page_time: float
    sql_rows: int
    page_bytes: int
    statements: int


def page_against_bare_sql(app: Any, engine: Any, user_id: int, queries_of: Callable[[User], Iterable[Any]],
                          path: str, runs: int, profile_sort: str, profile_lines: int) -> PageAgainstSql:
    """GET path as the user (real server-side session) against the user's queries on the raw DBAPI cursor, all
    rows fetched (the floor of the database work), interleaved."""
    with app.app_context():
        statements = [_compiled_for_cursor(engine, query)
                      for query in queries_of(portal_db.session.get(User, user_id))]
    client = client_logged_in_as(app, user_id)

    def bare_sql() -> int:
        return _fetch_all_rows(engine, statements)

    def page() -> int:
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return len(response.data)

    sql_time, page_time = interleaved_medians(bare_sql, page, runs, profile_sort, profile_lines)
    return PageAgainstSql(sql_time, page_time, bare_sql(), page(), len(statements))


# --- timing ------------------------------------------------------------------------------------------------------

def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call takes."""
    return timed_value(fn)[0]


def timed_value(fn: Callable[[], Result]) -> tuple[float, Result]:
    """Seconds one call takes, and what it returned."""
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def interleaved_medians(baseline: Callable[[], Any], measured: Callable[[], Any], runs: int,
                        profile_sort: str, profile_lines: int) -> tuple[float, float]:
    """Warm both up, profile `measured` when BENCH_PROFILE is set, then time both in turns (so load from other
    processes hits both alike); returns the medians (baseline, measured)."""
    baseline()
    measured()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(measured)
        pstats.Stats(profiler).sort_stats(profile_sort).print_stats(profile_lines)
    baseline_times, measured_times = [], []
    for _ in range(runs):
        baseline_times.append(timed(baseline))
        measured_times.append(timed(measured))
    return statistics.median(baseline_times), statistics.median(measured_times)


# --- the seeded region -------------------------------------------------------------------------------------------

def weekdays(start: date, count: int) -> Iterator[date]:
    """`count` weekdays from `start` on."""
    day, found = start, 0
    while found < count:
        if day.weekday() < 5:
            yield day
            found += 1
        day += timedelta(days=1)


def insert_presentie(conn: Any, rows: Iterator[tuple]) -> int:
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


def insert_region_contracts(conn: Any) -> None:
    """The region's gemeenten and aanbieders, each aanbieder with a contract for every gemeente and onderdeel."""
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


def insert_region_cases(conn: Any, inburgeraars: int, klantregisseur_of: Callable[[int], int],
                        verwijzing_dates: Callable[[], tuple[date, date, date]]) -> list[tuple[int, date, str]]:
    """The region's inburgeraars (every fifth on the Z-route, every second also on MAP or PVT) with their PIPs,
    started verwijzingen (dates: gerealiseerde start, beoogde start, uiterste einddatum) and signals; returns the
    presence plan (verwijzing id, start, activiteit)."""
    rows, pips, verwijzingen, starts, plan = [], [], [], [], []
    verwijzing_id = 0
    for i in range(1, inburgeraars + 1):
        z_route = i % 5 == 0
        rows.append({
            "id": i, "bsn": f"{100000000 + i}", "voornamen": f"Voornaam{i}", "achternaam": f"Achternaam{i:05d}",
            "geboortedatum": date(1990, 1, 1), "doelgroep": "Asielstatushouder",
            "gemeente_id": i % GEMEENTEN + 1, "klantregisseur_id": klantregisseur_of(i),
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
            start, beoogd, uiterst = verwijzing_dates()
            verwijzingen.append({
                "id": verwijzing_id, "kenmerk": f"V-{verwijzing_id:08d}", "inburgeraar_id": i,
                "aanbieder_id": verwijzing_id % AANBIEDERS + 1, "contract_id": verwijzing_id % AANBIEDERS + 1,
                "onderdeel": onderdeel, "beoogde_startdatum": beoogd, "uiterste_einddatum": uiterst,
                "gecontracteerde_uren": 600, "status": "gestart", "created_at": NOW, "updated_at": NOW,
            })
            starts.append({"verwijzing_id": verwijzing_id, "gerealiseerde_startdatum": start,
                           "niet_gestart": False, "created_at": NOW, "updated_at": NOW})
            plan.append((verwijzing_id, start, {"map": "map_praktijk", "pvt": "pvt"}.get(onderdeel, "taalles_knm")))
    conn.execute(insert(Inburgeraar), rows)
    conn.execute(insert(Pip), pips)
    conn.execute(insert(Verwijzing), verwijzingen)
    conn.execute(insert(TrajectStart), starts)
    _insert_region_signals(conn, inburgeraars, verwijzingen)
    return plan


def _insert_region_signals(conn: Any, inburgeraars: int, verwijzingen: list[dict[str, Any]]) -> None:
    """What raises signals: passed exams, afschalingsverzoeken and omstandigheden, spread over the region."""
    conn.execute(insert(Examenresultaat), [
        {"inburgeraar_id": i, "verwijzing_id": None, "onderdeel": "LE", "niveau": "B1", "resultaat": "Geslaagd",
         "examendatum": TODAY - timedelta(days=20), "bron": "duo", "created_at": NOW, "updated_at": NOW}
        for i in range(1, inburgeraars + 1, 7)
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
