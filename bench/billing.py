"""Benchmark: one billing run for one periode against the bare SQL aggregate that computes the same line totals.

Seeds a scratch database (a SQLite temp file, and a throwaway PostgreSQL database when the server is reachable)
with 10,000 trajecten (B1-route verwijzingen with a start, under one regional contract for four gemeenten) and
1,000,000 presentie rows (100 sessions per traject over five months), a contract with an hours indicator (paid
per hour, attendance condition) and a start indicator, both with fictitious tarieven. Then, paired in one run:

* bare SQL: on the raw DBAPI cursor, the hours per verwijzing in November times the tarief, and the starts up to
  the end of November times theirs, all rows fetched (the floor: the database work every line total needs);
* first run: `derive` for November on a database without prestaties (measure, store prestaties, find the
  paying gemeente, make the concept declaraties, run the checks, insert the regels) and commit;
* rerun: `derive` again for November, nothing changed: must create 0 regels;
* for reference only (no target): the same lines stored and priced by SQL alone (INSERT ... SELECT, rolled back), the
  floor of the writes a first run must do, whatever its code; and that floor again without the foreign-key checks,
  and without those and the line tables' secondary and unique indexes, to say where its time goes.

Between repetitions the prestaties, regels, declaraties and runs are deleted (not timed). Prints medians and the
ratios first run / bare SQL (target <= 2x) and rerun / first run (target <= 0.5x), and checks that the regels add
up to the cent to the bare SQL totals. Run: `.venv/bin/python -m bench billing [--sqlite | --pg]`.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, text

from bench._common import app_with_schema, insert_presentie, run_on_each_database, timed, timed_value, weekdays
from portal.extensions import db as portal_db
from portal.models import (
    Aanbieder,
    BillingRun,
    Contract,
    ContractOnderdeel,
    Declaratie,
    DeclaratieRegel,
    Gemeente,
    Inburgeraar,
    Pip,
    Prestatie,
    PrestatieIndicator,
    Tarief,
    TrajectStart,
    Verwijzing,
    contract_gemeente,
)
from portal.services.billing.derive import derive
from portal.services.billing.rules import bedrag_cent, periode_uit_code

TRAJECTEN = 10_000
SESSIES_PER_TRAJECT = 100
GEMEENTEN = 4
RUNS = 3
NOW = datetime.now(UTC)
PERIODE = periode_uit_code("2026-11")
START_EERSTE = date(2026, 7, 1)
UUR_CENT, START_CENT = 1050, 15000  # fictitious tarieven


def _presentie(plan: list[tuple[int, date]], rng: random.Random) -> Iterator[tuple]:
    for verwijzing_id, start in plan:
        for datum in weekdays(start, SESSIES_PER_TRAJECT):
            roll = rng.random()
            hours = ("3.00", "0.00", "0.00") if roll < 0.85 else (
                ("0.00", "3.00", "0.00") if roll < 0.93 else ("1.50", "0.00", "1.50"))
            yield (verwijzing_id, datum, "taalles_knm", *hours, NOW, NOW)


def seed(engine: Any) -> int:
    """Fill an empty schema; returns the number of presentie rows."""
    rng = random.Random(2021)
    with engine.begin() as conn:
        conn.execute(insert(Gemeente), [{"id": g, "cbs_code": f"{g:04d}", "naam": f"Gemeente {g}",
                                         "created_at": NOW, "updated_at": NOW} for g in range(1, GEMEENTEN + 1)])
        conn.execute(insert(Aanbieder), [{"id": 1, "kvk_nummer": "70000001", "naam": "Taalschool", "soort": "taal",
                                          "actief": True, "created_at": NOW, "updated_at": NOW}])
        conn.execute(insert(Contract), [{"id": 1, "kenmerk": "REGIO-LR", "naam": "Leerroutes regio", "aanbieder_id": 1,
                                         "startdatum": date(2025, 1, 1), "einddatum": date(2028, 12, 31),
                                         "created_at": NOW, "updated_at": NOW}])
        conn.execute(insert(contract_gemeente), [{"contract_id": 1, "gemeente_id": g}
                                                 for g in range(1, GEMEENTEN + 1)])
        conn.execute(insert(ContractOnderdeel), [{"contract_id": 1, "onderdeel": "b1_route"}])
        conn.execute(insert(PrestatieIndicator), [
            {"id": 1, "contract_id": 1, "code": "UUR-B1", "naam": "Uren taalles", "onderdeel": "b1_route",
             "soort": "inspanning", "trigger": "uren_aanwezig", "activiteit": "taalles_knm",
             "min_aanwezigheid_pct": 80, "telt_geoorloofd_afwezig": False, "created_at": NOW, "updated_at": NOW},
            {"id": 2, "contract_id": 1, "code": "START-B1", "naam": "Start", "onderdeel": "b1_route", "soort": "output",
             "trigger": "start", "activiteit": None, "min_aanwezigheid_pct": None, "telt_geoorloofd_afwezig": False,
             "created_at": NOW, "updated_at": NOW},
        ])
        conn.execute(insert(Tarief), [
            {"indicator_id": 1, "geldig_vanaf": date(2025, 1, 1), "bedrag_cent": UUR_CENT, "eenheid": "uur",
             "fictief": True, "created_at": NOW, "updated_at": NOW},
            {"indicator_id": 2, "geldig_vanaf": date(2025, 1, 1), "bedrag_cent": START_CENT, "eenheid": "stuk",
             "fictief": True, "created_at": NOW, "updated_at": NOW},
        ])
        inburgeraars, pips, verwijzingen, starts, plan = [], [], [], [], []
        for i in range(1, TRAJECTEN + 1):
            start = START_EERSTE + timedelta(days=rng.randrange(20))
            inburgeraars.append({
                "id": i, "bsn": f"{100000000 + i}", "voornamen": f"V{i}", "achternaam": f"A{i:05d}",
                "geboortedatum": date(1990, 1, 1), "doelgroep": "Asielstatushouder", "gemeente_id": i % GEMEENTEN + 1,
                "created_at": NOW, "updated_at": NOW})
            pips.append({"inburgeraar_id": i, "versie": 1, "dagtekening": date(2026, 5, 1), "leerroute": "B",
                         "niveau": "B1", "geschatte_intensiteit": 1200, "created_at": NOW, "updated_at": NOW})
            verwijzingen.append({
                "id": i, "kenmerk": f"V-{i:08d}", "inburgeraar_id": i, "aanbieder_id": 1, "contract_id": 1,
                "onderdeel": "b1_route", "beoogde_startdatum": start, "uiterste_einddatum": start + timedelta(days=500),
                "gecontracteerde_uren": 600 if i % 50 else 250, "status": "gestart", "created_at": NOW,
                "updated_at": NOW})
            starts.append({"verwijzing_id": i, "gerealiseerde_startdatum": start, "niet_gestart": False,
                           "created_at": NOW, "updated_at": NOW})
            plan.append((i, start))
        for table, rows in ((Inburgeraar, inburgeraars), (Pip, pips), (Verwijzing, verwijzingen),
                            (TrajectStart, starts)):
            conn.execute(insert(table), rows)
        return insert_presentie(conn, _presentie(plan, rng))


BARE_UREN = """
SELECT v.id, SUM(p.uren_aanwezig) AS uren, SUM(p.uren_aanwezig) * :uur_cent AS bedrag
FROM presentie p JOIN verwijzing v ON v.id = p.verwijzing_id
WHERE v.contract_id = 1 AND v.onderdeel = 'b1_route' AND p.activiteit = 'taalles_knm'
  AND p.datum >= :van AND p.datum <= :tot
GROUP BY v.id
"""
BARE_START = """
SELECT v.id, :start_cent AS bedrag FROM traject_start t JOIN verwijzing v ON v.id = t.verwijzing_id
WHERE v.contract_id = 1 AND v.onderdeel = 'b1_route' AND t.gerealiseerde_startdatum <= :tot
"""

# The floor of what a first run must store, for reference (no target): the same aggregates inserted as prestaties
# and priced into regels by the database alone, in one transaction that is rolled back. No Python between the
# statements, no rules (paying gemeente of today, no attendance, no checks): what storing the lines costs at least.
FLOOR_WRITES = (
    """INSERT INTO declaratie (nummer, contract_id, aanbieder_id, gemeente_id, periode, periode_van, periode_tot,
       status, created_at, updated_at)
       SELECT 'FLOOR-' || g.cbs_code, 1, 1, g.id, :code, :van, :tot, 'concept', :now, :now FROM gemeente g""",
    """INSERT INTO prestatie (verwijzing_id, indicator_id, periode, inburgeraar_id, gemeente_id, prestatiedatum,
       aantal, afgewezen, berekend_op)
       SELECT v.id, 1, :code, v.inburgeraar_id, i.gemeente_id, MAX(p.datum), SUM(p.uren_aanwezig), false, :now
       FROM presentie p JOIN verwijzing v ON v.id = p.verwijzing_id JOIN inburgeraar i ON i.id = v.inburgeraar_id
       WHERE v.contract_id = 1 AND v.onderdeel = 'b1_route' AND p.activiteit = 'taalles_knm'
         AND p.datum >= :van AND p.datum <= :tot
       GROUP BY v.id, v.inburgeraar_id, i.gemeente_id""",
    """INSERT INTO prestatie (verwijzing_id, indicator_id, periode, inburgeraar_id, gemeente_id, prestatiedatum,
       aantal, afgewezen, berekend_op)
       SELECT v.id, 2, 'eenmalig', v.inburgeraar_id, i.gemeente_id, t.gerealiseerde_startdatum, 1, false, :now
       FROM traject_start t JOIN verwijzing v ON v.id = t.verwijzing_id JOIN inburgeraar i ON i.id = v.inburgeraar_id
       WHERE v.contract_id = 1 AND v.onderdeel = 'b1_route' AND t.gerealiseerde_startdatum <= :tot""",
    """INSERT INTO declaratie_regel (declaratie_id, prestatie_id, tarief_id, eenheid, aantal, tarief_cent,
       bedrag_cent, prestatiedatum, status, created_at, updated_at)
       SELECT d.id, pr.id, t.id, t.eenheid, pr.aantal, t.bedrag_cent, ROUND(pr.aantal * t.bedrag_cent),
              pr.prestatiedatum, 'ingediend', :now, :now
       FROM prestatie pr JOIN tarief t ON t.indicator_id = pr.indicator_id
       JOIN declaratie d ON d.gemeente_id = pr.gemeente_id AND d.periode = :code""",
)


def run(url: str, label: str) -> tuple[float, float]:
    """Seed, then time bare SQL, first run and rerun, interleaved; returns (first / bare, rerun / first)."""
    app, engine = app_with_schema(url)
    seed_time, count = timed_value(lambda: _seed_and_analyze(engine))
    params = {"uur_cent": UUR_CENT, "start_cent": START_CENT, "van": PERIODE.van.isoformat(),
              "tot": PERIODE.tot.isoformat()}

    def bare_sql() -> int:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            total = 0
            for sql in (BARE_UREN, BARE_START):
                if engine.dialect.name == "sqlite":
                    cursor.execute(sql.replace(":uur_cent", "?1").replace(":start_cent", "?2")
                                   .replace(":van", "?3").replace(":tot", "?4"),
                                   (params["uur_cent"], params["start_cent"], params["van"], params["tot"]))
                else:
                    cursor.execute(sql.replace(":uur_cent", "%(uur_cent)s").replace(":start_cent", "%(start_cent)s")
                                   .replace(":van", "%(van)s::date").replace(":tot", "%(tot)s::date"), params)
                rows = cursor.fetchall()
                # The database's product is REAL on SQLite: the cents are taken from the exact hours instead.
                total += sum(bedrag_cent(Decimal(str(row[1])), UUR_CENT) if len(row) == 3 else int(row[1])
                             for row in rows)
            cursor.close()
            return total
        finally:
            raw.close()

    def billing_run() -> int:
        with app.app_context():
            session = portal_db.session
            result = derive(session, session.get(Contract, 1), PERIODE)
            session.commit()
            return result.nieuwe_regels

    def reset() -> None:
        with app.app_context():
            session = portal_db.session
            for model in (DeclaratieRegel, Declaratie, Prestatie, BillingRun):
                session.execute(delete(model))
            session.commit()

    def regels_total() -> tuple[int, int]:
        with app.app_context():
            session = portal_db.session
            return (session.scalar(select(func.count(DeclaratieRegel.id))) or 0,
                    session.scalar(select(func.sum(DeclaratieRegel.bedrag_cent))) or 0)

    def floor_writes(zonder_fk: bool = False, zonder_indexen: bool = False) -> float:
        """The floor's writes, timed without the setup; optionally without the foreign-key checks and without the
        secondary and unique indexes of prestatie and declaratie_regel (to say where the floor's time goes)."""
        raw = engine.raw_connection()
        sqlite = engine.dialect.name == "sqlite"
        try:
            cursor = raw.cursor()
            if sqlite and zonder_fk:
                cursor.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction
            if sqlite:
                cursor.execute("BEGIN")  # the portal's connections leave transactions to the caller
            elif zonder_fk:
                cursor.execute("SET LOCAL session_replication_role = replica")  # no RI triggers (superuser)
            if zonder_indexen:
                for statement in _drop_indexes(cursor, sqlite):
                    cursor.execute(statement)
            values = {"code": PERIODE.code, "van": PERIODE.van.isoformat(), "tot": PERIODE.tot.isoformat(),
                      "now": NOW.isoformat(sep=" ")}
            started = time.perf_counter()
            for sql in FLOOR_WRITES:
                if sqlite:
                    cursor.execute(sql, values)
                else:
                    cursor.execute(sql.replace(":code", "%(code)s").replace(":van", "%(van)s::date")
                                   .replace(":tot", "%(tot)s::date").replace(":now", "%(now)s::timestamptz"), values)
            elapsed = time.perf_counter() - started
            cursor.close()
            return elapsed
        finally:
            raw.rollback()
            if sqlite and zonder_fk:
                raw.cursor().execute("PRAGMA foreign_keys=ON")
            raw.close()

    bare_sql()  # warm the caches for both
    first_times, rerun_times, sql_times, floor_times = [], [], [], []
    created = recreated = 0
    for _ in range(RUNS):
        reset()
        sql_times.append(timed(bare_sql))
        t, created = timed_value(billing_run)
        first_times.append(t)
        t, recreated = timed_value(billing_run)
        rerun_times.append(t)
        lines, total = regels_total()
        reset()
        floor_times.append(floor_writes())
    expected = bare_sql()
    sql_time, first, rerun, floor = (statistics.median(x) for x in (sql_times, first_times, rerun_times, floor_times))
    print(f"[{label}] seeded {TRAJECTEN} trajecten, {count} presentie rows in {seed_time:.1f}s")
    print(f"[{label}] bare SQL line totals (median of {RUNS}): {sql_time * 1000:.0f} ms, total {expected} cent")
    print(f"[{label}] first billing run (median of {RUNS}): {first * 1000:.0f} ms, {created} regels, "
          f"total {total} cent ({lines} regels stored)")
    print(f"[{label}] rerun (median of {RUNS}): {rerun * 1000:.0f} ms, {recreated} new regels")
    print(f"[{label}] ratio first run / bare SQL: {first / sql_time:.2f}x (target <= 2.00x)")
    print(f"[{label}] ratio rerun / first run: {rerun / first:.2f}x (target <= 0.50x)")
    print(f"[{label}] for reference: the same lines aggregated, stored and priced by SQL alone (rolled back), "
          f"median {floor * 1000:.0f} ms = {floor / sql_time:.2f}x the bare SQL; first run / that floor: "
          f"{first / floor:.2f}x; load average {os.getloadavg()[0]:.1f}")
    # Where the floor's time goes (no target): the same writes without foreign-key checks, and without those and
    # the secondary and unique indexes of the two line tables. What is left is the aggregate and the rows.
    try:
        zonder_fk = statistics.median(floor_writes(zonder_fk=True) for _ in range(RUNS))
        kaal = statistics.median(floor_writes(zonder_fk=True, zonder_indexen=True) for _ in range(RUNS))
        print(f"[{label}] the floor without foreign-key checks: {zonder_fk * 1000:.0f} ms = "
              f"{zonder_fk / sql_time:.2f}x; without those and the indexes of prestatie and declaratie_regel: "
              f"{kaal * 1000:.0f} ms = {kaal / sql_time:.2f}x the bare SQL (the foreign-key checks take "
              f"{(floor - zonder_fk) * 1000:.0f} ms of the floor, the indexes {(zonder_fk - kaal) * 1000:+.0f} ms: "
              f"negative where the writes' own joins need them); "
              f"load average {os.getloadavg()[0]:.1f}")
    except Exception as error:  # e.g. not a superuser on PostgreSQL: no breakdown
        print(f"[{label}] no breakdown of the floor: {error.__class__.__name__}")
    if total != expected or recreated != 0:
        print(f"[{label}] MISMATCH: regels {total} cent vs bare SQL {expected} cent, rerun made {recreated} regels")
        raise SystemExit(1)
    engine.dispose()
    return first / sql_time, rerun / first


def _drop_indexes(cursor: Any, sqlite: bool) -> list[str]:
    """DROP statements for the secondary and unique indexes of prestatie and declaratie_regel (in the caller's
    transaction, rolled back). SQLite's unique constraints are automatic indexes it cannot drop: they stay."""
    if sqlite:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                       "AND tbl_name IN ('prestatie', 'declaratie_regel')")
        return [f'DROP INDEX "{name}"' for (name,) in cursor.fetchall()]
    cursor.execute("SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype = 'u' "
                   "AND conrelid::regclass::text IN ('prestatie', 'declaratie_regel')")
    statements = [f'ALTER TABLE {table} DROP CONSTRAINT "{name}" CASCADE' for name, table in cursor.fetchall()]
    cursor.execute("SELECT i.indexname FROM pg_indexes i WHERE i.tablename IN ('prestatie', 'declaratie_regel') "
                   "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")
    return statements + [f'DROP INDEX "{name}"' for (name,) in cursor.fetchall()]


def _seed_and_analyze(engine: Any) -> int:
    """The seed, then fresh statistics."""
    count = seed(engine)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return count


def main(argv: list[str] | None = None) -> None:
    """Run on SQLite and PostgreSQL (--sqlite or --pg, or BENCH_ONLY=sqlite|postgresql, for one); exit 1 when a
    target is missed."""
    args = argv or []
    only = "postgresql" if "--pg" in args else "sqlite" if "--sqlite" in args else os.environ.get("BENCH_ONLY", "")
    results = run_on_each_database(run, "bench_billing", only)
    if any(first > 2.0 or rerun > 0.5 for first, rerun in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
