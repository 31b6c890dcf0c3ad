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

import sys
from typing import Any

from sqlalchemy import func, insert, select, text

from bench._common import (
    GEMEENTEN,
    NOW,
    TODAY,
    app_with_schema,
    page_against_bare_sql,
    run_on_each_database,
    timed_value,
)
from bench.regie_overview import INBURGERAARS, seed
from portal.domain import perioden
from portal.models import Presentie, PresentieWeek, User, user_gemeente
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


def run(url: str, label: str) -> float:
    """Seed, warm up and time both; returns the ratio dashboard / bare SQL."""
    app, engine = app_with_schema(url)
    seed_time, (_, count) = timed_value(lambda: _seed_with_manager(engine))
    periode = perioden.jaar(TODAY.year)

    timing = page_against_bare_sql(
        app, engine, MANAGER_ID,
        lambda manager: queries(manager, KpiFilters(), list(periode.kwartalen), TODAY).values(),
        f"/kpi/?periode={periode.code}", RUNS, profile_sort="cumtime", profile_lines=30)
    sql_time, page_time, rows, page_bytes = timing.sql_time, timing.page_time, timing.sql_rows, timing.page_bytes
    ratio = page_time / sql_time
    print(f"[{label}] seeded {INBURGERAARS} inburgeraars, {count} presentie rows in {seed_time:.1f}s; "
          f"{timing.statements} queries returning {rows} rows")
    print(f"[{label}] bare SQL (median of {RUNS}): {sql_time * 1000:.0f} ms")
    print(f"[{label}] GET /kpi/ (median of {RUNS}): {page_time * 1000:.0f} ms ({page_bytes} bytes)")
    print(f"[{label}] ratio dashboard / bare SQL: {ratio:.2f}x (target <= 2.00x)")
    engine.dispose()
    return ratio


def _seed_with_manager(engine: Any) -> tuple[int, int]:
    """The regie region, then its contractmanager and kept weekly totals."""
    seeded = seed(engine)
    _add_manager(engine)
    return seeded


def main(argv: list[str] | None = None) -> None:
    """Run on SQLite and PostgreSQL (BENCH_ONLY=sqlite|postgresql for one); exit 1 when a ratio exceeds 2x."""
    ratios = run_on_each_database(run, "bench_kpi")
    if any(r > 2.0 for r in ratios):
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
