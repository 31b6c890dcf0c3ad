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

import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, text

from bench._common import (
    GEMEENTEN,
    NOW,
    TODAY,
    app_with_schema,
    insert_presentie,
    insert_region_cases,
    insert_region_contracts,
    page_against_bare_sql,
    run_on_each_database,
    timed_value,
    weekdays,
)
from portal.extensions import db as portal_db
from portal.models import User, user_gemeente
from portal.services import signalen

INBURGERAARS = 5_000
PRESENTIE_PER_VERWIJZING = 200
RUNS = 7


def _presentie_rows(verwijzingen: list[tuple[int, date, str]], rng: random.Random) -> Iterator[tuple]:
    for verwijzing_id, start, activiteit in verwijzingen:
        for datum in weekdays(start, PRESENTIE_PER_VERWIJZING):
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
        insert_region_contracts(conn)
        conn.execute(insert(User), [
            {"id": 1, "email": "regisseur@example.nl", "naam": "Klantregisseur", "rol": "klantregisseur",
             "password_hash": "x", "totp_bevestigd": True, "created_at": NOW, "updated_at": NOW}
        ])
        conn.execute(insert(user_gemeente), [{"user_id": 1, "gemeente_id": g} for g in range(1, GEMEENTEN + 1)])

        def verwijzing_dates() -> tuple[date, date, date]:
            start = TODAY - timedelta(days=290 + rng.randrange(40))
            return start, start - timedelta(days=rng.randrange(30)), start + timedelta(days=400)

        presentie_plan = insert_region_cases(conn, INBURGERAARS, lambda i: 1, verwijzing_dates)
        rows = _presentie_rows(presentie_plan, rng)
        count = insert_presentie(conn, rows)
    return 1, count


def run(url: str, label: str) -> float:
    """Seed, warm up and time both; returns the ratio overview / bare SQL."""
    app, engine = app_with_schema(url)
    seed_time, (user_id, count) = timed_value(lambda: _seed_and_analyze(engine))

    timing = page_against_bare_sql(
        app, engine, user_id, lambda user: signalen.caseload_queries(user, TODAY).values(),
        "/regie/?alle=1", RUNS, profile_sort="tottime", profile_lines=25)
    sql_time, page_time, sql_rows, page_bytes = timing.sql_time, timing.page_time, timing.sql_rows, timing.page_bytes
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


def _seed_and_analyze(engine: Any) -> tuple[int, int]:
    """The seed, then fresh statistics, as autovacuum / a DBA would have them."""
    seeded = seed(engine)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return seeded


def main(argv: list[str] | None = None) -> None:
    """Run on SQLite and PostgreSQL (BENCH_ONLY=sqlite|postgresql for one); exit 1 when a ratio exceeds 2x."""
    ratios = run_on_each_database(run, "bench_regie")
    if any(r > 2.0 for r in ratios):
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
