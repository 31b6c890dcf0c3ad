"""Benchmark (issue 10): the regie pages cost what they show, not the whole presence history.

A region of 5,000 active inburgeraars (about 7,500 verwijzingen, one klantregisseur with a caseload of about
150 of them) is seeded twice: with a short presence history (150,000 rows: the last ~20 school days per
verwijzing) and with a long one (1,500,000 rows: ~200 school days). Both end today, so the four-week
attendance window holds the same rows; only the history grows. Kept totals are built from presentie as the
presentie service keeps them.

For each size, through the test client after a real login (password and TOTP code), in rounds:
`/gezond` (the baseline, same process, same round), the own caseload `/regie/`, everything `/regie/?alle=1` and
the case page `/inburgeraars/<id>` of cases in the own caseload. Printed: medians of the paired ratios
page / `/gezond` per size, each page's normalised time at the long history against the short one (goal
<= 1.2x), SQL statements per page, and the plans (EXPLAIN) of the presence queries.

Goals: own caseload and case page <= 40x /gezond, `?alle=1` <= 200x, each page long/short <= 1.2x.
Run: `.venv/bin/python -m bench regie_scale [--pg] [--inburgeraars 5000] [--rijen 150000,1500000] [--rondes 9]`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pyotp
from sqlalchemy import event, insert

from bench._common import (
    GEMEENTEN,
    NOW,
    TODAY,
    app_with_schema,
    database_label,
    insert_presentie,
    insert_region_cases,
    insert_region_contracts,
    scratch_database,
    weekdays,
)
from portal.extensions import db as portal_db
from portal.models import User, user_gemeente
from portal.services import kept_signalen, kept_totals, signalen
from portal.services.auth import hash_password

EIGEN_CASELOAD_DEEL = 33  # every 33rd inburgeraar is the measured klantregisseur's own: ~150 of 5,000
PASSWORD = "regie-scale-benchmark-wachtwoord"  # noqa: S105 - a throwaway account in a scratch database
GOALS = {"eigen caseload": 40.0, "dossier": 40.0, "alle": 200.0}


@dataclass
class Meting:
    """One size's measurements: seconds per round per page, and SQL statements per page."""

    rijen: int
    tijden: dict[str, list[float]] = field(default_factory=dict)
    statements: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)

    def ratios(self, page: str) -> list[float]:
        """Paired ratios page / /gezond of the same round."""
        return [t / g for t, g in zip(self.tijden[page], self.tijden["gezond"], strict=True)]


def _presentie(plan: list[tuple[int, str]], per_verwijzing: int, rng: random.Random) -> Iterator[tuple]:
    """`per_verwijzing` school days per verwijzing, ending today."""
    first = TODAY - timedelta(days=per_verwijzing * 7 // 5 + 2)
    days = [d for d in weekdays(first, per_verwijzing + 3) if d <= TODAY][-per_verwijzing:]
    for verwijzing_id, activiteit in plan:
        for datum in days:
            roll = rng.random()
            hours = ("3.00", "0.00", "0.00") if roll < 0.82 else \
                ("0.00", "3.00", "0.00") if roll < 0.92 else ("0.00", "0.00", "3.00")
            yield (verwijzing_id, datum, activiteit, *hours, NOW, NOW)


def seed(engine: Any, inburgeraars: int, rijen: int) -> tuple[str, str, list[int], int]:
    """The region; returns the klantregisseur's e-mail, TOTP secret, own inburgeraar ids and presentie rows."""
    rng = random.Random(2021)
    totp_secret = pyotp.random_base32()
    email = "regisseur@example.nl"
    with engine.begin() as conn:
        insert_region_contracts(conn)
        conn.execute(insert(User), [
            {"id": 1, "email": email, "naam": "Klantregisseur", "rol": "klantregisseur",
             "password_hash": hash_password(PASSWORD), "totp_secret": totp_secret, "totp_bevestigd": True,
             "created_at": NOW, "updated_at": NOW},
            {"id": 2, "email": "collega@example.nl", "naam": "Collega", "rol": "klantregisseur", "password_hash": "x",
             "totp_secret": pyotp.random_base32(), "totp_bevestigd": True, "created_at": NOW, "updated_at": NOW},
        ])
        conn.execute(insert(user_gemeente), [
            {"user_id": u, "gemeente_id": g} for u in (1, 2) for g in range(1, GEMEENTEN + 1)])

        eigen = [i for i in range(1, inburgeraars + 1) if i % EIGEN_CASELOAD_DEEL == 0]
        start = TODAY - timedelta(days=700)
        plan = [(verwijzing_id, activiteit) for verwijzing_id, _start, activiteit in insert_region_cases(
            conn, inburgeraars, lambda i: 1 if i % EIGEN_CASELOAD_DEEL == 0 else 2,
            lambda: (start, start, TODAY + timedelta(days=400)))]
        count = insert_presentie(conn, _presentie(plan, max(1, rijen // len(plan)), rng))
    return email, totp_secret, eigen, count


def _login(client: Any, email: str, totp_secret: str) -> None:
    """The real login: password, then a TOTP code, through the forms (CSRF off in the test config)."""
    response = client.post("/inloggen/", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen/tweede-factor"), \
        response.status_code
    response = client.post("/inloggen/tweede-factor", data={"code": pyotp.TOTP(totp_secret).now()})
    assert response.status_code == 302, response.status_code


_READS_PRESENTIE = re.compile(r"\b(SCAN|SEARCH|Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)"
                              r"\b.*\b(presentie(_totaal|_week)?|ix_presentie\w*)\b")


def _explain(engine: Any, user: User, inburgeraar_id: int) -> list[str]:
    """Plans of the caseload's queries (own caseload, everything, one case): every line that reads a presentie
    table, so a read that is not served by an index shows (SQLite: SCAN, PostgreSQL: Seq Scan)."""
    lines = []
    postgres = engine.dialect.name == "postgresql"
    queries = {
        (label, name): str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        for label, filters in (("eigen caseload", signalen.Filters(klantregisseur_id=user.id)),
                               ("alle", signalen.Filters()),
                               ("dossier", signalen.Filters(inburgeraar_id=inburgeraar_id)))
        for name, query in signalen.caseload_queries(user, TODAY, filters).items()
    }
    portal_db.session.rollback()  # no transaction of ours open while EXPLAIN runs (SQLite's write lock)
    with engine.connect() as conn:
        for (label, name), compiled in queries.items():
            plan = conn.exec_driver_sql(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + compiled).all()
            rows = [str(r[0] if postgres else r[-1]) for r in plan]
            shown = [r for r in rows if _READS_PRESENTIE.search(r)]
            lines += [f"  {label} / {name}: {r.strip()}" for r in shown]
    return lines


@dataclass
class Omgeving:
    """One seeded size: its app (with the database extension's engine and session factory) and logged-in client."""

    label: str
    engine: Any
    session_factory: Any
    client: Any
    eigen: list[int]
    meting: Meting
    pages: dict[str, Callable[[int], str]]

    def activate(self) -> None:
        """Point the database extension at this size (one process holds both, so rounds can alternate)."""
        portal_db.engine, portal_db.session_factory = self.engine, self.session_factory


def prepare(url: str, label: str, inburgeraars: int, rijen: int) -> Omgeving:
    """Seed one size, log in, warm up and count each page's SQL statements."""
    app, engine = app_with_schema(url, WTF_CSRF_ENABLED=False)
    started = time.perf_counter()
    email, totp_secret, eigen, count = seed(engine, inburgeraars, rijen)
    with app.app_context():
        kept_totals.rebuild(portal_db.session)
        kept_signalen.alles_opslaan(portal_db.session)  # as seed-demo and every write keep them
        portal_db.session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")  # as migrate does
    print(f"[{label}] {inburgeraars} inburgeraars, {count:,} presentierijen, eigen caseload {len(eigen)}; "
          f"klaargezet in {time.perf_counter() - started:.0f} s", flush=True)
    client = app.test_client()
    _login(client, email, totp_secret)
    pages: dict[str, Callable[[int], str]] = {
        "gezond": lambda n: "/gezond",
        "eigen caseload": lambda n: "/regie/",
        "alle": lambda n: "/regie/?alle=1",
        "dossier": lambda n: f"/inburgeraars/{eigen[n % len(eigen)]}",
    }
    meting = Meting(count, {p: [] for p in pages})
    statements = [0]

    def count_statement(*_args: Any) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count_statement)
    for name, path in pages.items():  # warm up; count statements once
        statements[0] = 0
        response = client.get(path(0))
        assert response.status_code == 200, (name, response.status_code)
        meting.statements[name], meting.bytes[name] = statements[0], len(response.data)
    event.remove(engine, "before_cursor_execute", count_statement)
    with app.app_context():
        user = portal_db.session.get(User, 1)
        for line in _explain(engine, user, eigen[0]):
            print(f"[{label} {count:,}] {line}")
    return Omgeving(f"{label} {count:,}", engine, portal_db.session_factory, client, eigen, meting, pages)


def measure_round(omgeving: Omgeving, n: int) -> None:
    """Every page once (/gezond: the median of five calls, it takes ~2 ms and one call is mostly noise)."""
    omgeving.activate()
    for name, path in omgeving.pages.items():
        samples = []
        for _ in range(5 if name == "gezond" else 1):
            began = time.perf_counter()
            response = omgeving.client.get(path(n))
            samples.append(time.perf_counter() - began)
            assert response.status_code == 200
        omgeving.meting.tijden[name].append(statistics.median(samples))


def report(omgeving: Omgeving) -> None:
    meting = omgeving.meting
    print(f"[{omgeving.label} rijen] belasting machine (1/5/15 min) {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for name in omgeving.pages:
        median_ms = statistics.median(meting.tijden[name]) * 1000
        ratio = "" if name == "gezond" else (
            f", mediaan van gepaarde verhoudingen {statistics.median(meting.ratios(name)):.1f}x /gezond "
            f"(doel <= {GOALS[name]:.0f}x)")
        print(f"[{omgeving.label} rijen] {name:<15} {median_ms:8.1f} ms, "
              f"{meting.statements[name]:>3} SQL-statements, {meting.bytes[name] // 1024} KB{ratio}")


def main(argv: list[str] | None = None) -> None:
    """Both sizes on one database kind, measured in alternating rounds; exit 1 when a goal is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench regie_scale")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (BENCH_PG_URL) instead of SQLite")
    parser.add_argument("--inburgeraars", type=int, default=5_000)
    parser.add_argument("--rijen", default="150000,1500000", help="presentierijen per meting, kommagescheiden")
    parser.add_argument("--rondes", type=int, default=15)
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        omgevingen = []
        for rijen in (int(r) for r in args.rijen.split(",")):
            url = stack.enter_context(scratch_database(args.pg, "bench_scale"))
            omgevingen.append(prepare(url, database_label(args.pg), args.inburgeraars, rijen))
        for n in range(args.rondes):  # the sizes take turns, first one way round, then the other
            for omgeving in omgevingen if n % 2 == 0 else reversed(omgevingen):
                measure_round(omgeving, n)
        for omgeving in omgevingen:
            report(omgeving)
            omgeving.engine.dispose()
    missed = []
    for omgeving in omgevingen:
        for page, goal in GOALS.items():
            if statistics.median(omgeving.meting.ratios(page)) > goal:
                missed.append(f"{page} bij {omgeving.label} rijen")
    if len(omgevingen) > 1:
        small, large = omgevingen[0].meting, omgevingen[-1].meting
        for page in GOALS:
            # Paired per round: the same round's two sizes, each against its own /gezond.
            growth = statistics.median(
                (lt / lg) / (st / sg) for lt, lg, st, sg in zip(
                    large.tijden[page], large.tijden["gezond"], small.tijden[page], small.tijden["gezond"],
                    strict=True))
            raw = statistics.median(lt / st for lt, st in zip(large.tijden[page], small.tijden[page], strict=True))
            print(f"{page:<15} {large.rijen:,} / {small.rijen:,} rijen: {growth:.2f}x (mediaan per ronde, elk op zijn "
                  f"/gezond; ruw {raw:.2f}x; doel <= 1.2x)")
            if growth > 1.2:
                missed.append(f"{page} groeit {growth:.2f}x")
    if missed:
        print("Doel niet gehaald: " + "; ".join(missed))
        raise SystemExit(1)
    print("Alle doelen gehaald.")
