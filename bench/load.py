"""Benchmark: a working day's load on gunicorn with 4 workers, on SQLite (default) or PostgreSQL (--pg).

Seeds a scratch database with the demo region (a SQLite temp file in WAL mode, or a throwaway PostgreSQL
database) and 8 klantregisseurs and 8 docenten (colleagues of the demo's), starts `gunicorn -w 4` on loopback
against it, lets every client log in as people do (password, then the authenticator's code, with CSRF tokens),
and drives it with 8 concurrent clients (threads with plain HTTP connections, pure Python: nothing to install
besides `make install`). Five scenarios:

* GET /gezond: the floor (routing, one `SELECT 1`, JSON), the baseline of the ratios;
* GET /regie/: a klantregisseur's caseload overview with signals. The benchmark's klantregisseurs are new
  colleagues without cases of their own, so their own overview would be empty: each opens the demo
  klantregisseur's caseload (about 260 cases at the default size) through the overview's klantregisseur filter,
  the same queries, rules and page as an own caseload;
* GET /inburgeraars/<id>: the case page (an audited read: a GET that writes);
* POST /presentie/week/rij/<id>: a docent saves a week-grid row (htmx), each client its own deelnemer, every
  save a correction with history; only answers that say "Opgeslagen" count as saved;
* mixed: six clients save grid rows while two open caseload and case pages, all at once (where SQLite's locking
  shows: a long page read must not hold the savers up).

The machine is shared, so the scenarios run in rounds, all four in turn. Per scenario the report prints the
median requests/s of the rounds, p50 and p99 latency over all requests, errors (HTTP >= 500, connection failures,
saves not saved), and the median over the rounds of its requests/s divided by /gezond's in the same round.
Targets: 0 errors; grid save >= 0.2 x /gezond; afterwards `totalen-controleren` finds no differences on the
benchmark's database (the concurrent saves kept their totals and signals right). Also prints what create_app() costs
(every worker and CLI call).

Run: `.venv/bin/python -m bench load [--pg] [--requests N] [--rondes N] [--immediate-reads]`.
`--immediate-reads` also starts a second gunicorn on the same SQLite database in which GET requests take the write
lock at their start too (PORTAL_SQLITE_DEFERRED_READS=false), runs the rounds on both servers in turn, and prints
per scenario the paired throughput ratio: what the deferred reads of portal/database.py buy or cost.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pyotp
from sqlalchemy import func, select

from bench.import_presentie import scratch_database
from portal import clock, create_app
from portal.config import TestConfig
from portal.demo import analyze, load_demo_region
from portal.extensions import db as portal_db
from portal.models import Base, Inburgeraar, User
from portal.models.traject import Activiteit
from portal.services import weekrooster
from portal.services.auth import hash_password

CONCURRENCY = 8
SAVING_CLIENTS = 6  # in the mixed scenario; the other clients read
MIXED = "gemengd: 6 opslaan + 2 lezen"
WORKERS = 4
DOCENT = "docent@omringdijk.example.nl"
KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
_BERICHT = re.compile(r'data-bericht="([^"]*)"')
TIME_LIMIT_SECONDS = 120  # per scenario: the run always ends
PASSWORD = "load-benchmark-wachtwoord"  # noqa: S105 - throwaway accounts in a scratch database


@dataclass
class Client:
    """One browser of one colleague: the account it logs in with, its session cookie and CSRF token."""

    email: str
    totp_secret: str
    cookie: str = ""
    csrf: str = ""


@dataclass
class Result:
    """What one scenario measured."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    round_rps: list[float] = field(default_factory=list)
    save_latencies: list[float] = field(default_factory=list)  # mixed scenario: its saves only

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, pct: float, latencies: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if latencies is None else latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] * 1000


@dataclass
class Setup:
    """The seeded scratch database: who logs in where, and what they open."""

    cookie_name: str
    regisseur_clients: list[Client]
    docent_clients: list[tuple[Client, int]]  # with the verwijzing whose grid row that client saves
    inburgeraar_ids: list[int]
    week: str
    caseload: str  # the overview's address: the demo klantregisseur's caseload, filtered by klantregisseur
    typed: dict[int, dict[str, str]] = field(default_factory=dict)  # what each docent's grid row holds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(port: int, method: str, path: str, cookie_name: str, client: Client | None = None,
             form: dict[str, str] | None = None, htmx: bool = True) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers: dict[str, str] = {}
    if client is not None and client.cookie:
        headers["Cookie"] = f"{cookie_name}={client.cookie}"
    body = None
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        body = urlencode({"csrf_token": client.csrf if client else "", **form})
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if client is not None and name.lower() == "set-cookie" and value.startswith(f"{cookie_name}="):
                client.cookie = value.split(";", 1)[0].split("=", 1)[1]
        return response.status, content
    finally:
        connection.close()


def measure_create_app(url: str, repeat: int = 5) -> tuple[float, float]:
    """(first, median of the next `repeat`) create_app() time in ms; the first includes importing the blueprints."""
    config = TestConfig()
    config.DATABASE_URL = url
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        create_app(config)
        times.append((time.perf_counter() - started) * 1000)
        assert portal_db.engine is not None
        portal_db.engine.dispose()
    return times[0], statistics.median(times[1:])


def seed(url: str, size: int) -> Setup:
    """The demo region, and 8 klantregisseurs and 8 docenten: colleagues of the demo's klantregisseur and docent
    (same gemeenten, same aanbieder), each with a password and an authenticator, who log in as people do."""
    config = TestConfig()
    config.DATABASE_URL = url
    app = create_app(config)
    assert portal_db.engine is not None
    Base.metadata.create_all(portal_db.engine)
    # The portal's day (Europe/Amsterdam), not the machine's: the region's kept signals are valid from the day they
    # are stored, and the overview reads them on the portal's day (from 23:00 UTC seeded rows were a day old and
    # the overview worked most cases out itself).
    today = clock.today()
    monday = today - timedelta(days=today.weekday() + 7)
    with app.app_context():
        session = portal_db.session
        load_demo_region(session, size=size, today=today)
        session.commit()
        analyze(session)  # as seed-demo does (PostgreSQL: without statistics the caseload took 412 ms, not 40 ms)
        users = {u.email: u for u in session.query(User).filter(User.email.in_([DOCENT, KLANTREGISSEUR]))}
        rows = weekrooster.load_rows(session, users[DOCENT], monday, Activiteit.TAALLES_KNM, today, pagina=1)
        editable = [r.verwijzing.id for r in rows if all(c.editable for c in r.cells[:5])]
        if len(editable) < CONCURRENCY:
            raise SystemExit(f"De demoregio heeft te weinig gestarte deelnemers voor de docent: {len(editable)}")
        inburgeraar_ids = [i for (i,) in session.query(Inburgeraar.id).filter(
            Inburgeraar.klantregisseur_id == users[KLANTREGISSEUR].id).order_by(Inburgeraar.id).limit(200)]
        password_hash = hash_password(PASSWORD)

        def colleague(template: User, n: int) -> Client:
            secret = pyotp.random_base32()
            email = f"bench{n}.{template.email}"
            session.add(User(email=email, naam=f"{template.naam} ({n})", rol=template.rol,
                             aanbieder_id=template.aanbieder_id, gemeenten=list(template.gemeenten),
                             password_hash=password_hash, totp_secret=secret, totp_bevestigd=True))
            return Client(email, secret)

        regisseurs = [colleague(users[KLANTREGISSEUR], n) for n in range(CONCURRENCY)]
        docenten = [(colleague(users[DOCENT], n), editable[n]) for n in range(CONCURRENCY)]
        session.commit()
        caseload = session.scalar(select(func.count(Inburgeraar.id)).where(
            Inburgeraar.klantregisseur_id == users[KLANTREGISSEUR].id))
        print(f"caseload in het overzicht: {caseload} inburgeraars (van {KLANTREGISSEUR})")
        setup = Setup(app.config["SESSION_COOKIE_NAME"], regisseurs, docenten, inburgeraar_ids,
                      weekrooster.week_label(monday), f"/regie/?alle=1&klantregisseur={users[KLANTREGISSEUR].id}")
    portal_db.engine.dispose()
    return setup


def log_in(port: int, cookie_name: str, client: Client) -> None:
    """The real login through the forms: password, then the authenticator's code (CSRF on, as in production)."""
    _status, page = _request(port, "GET", "/inloggen/", cookie_name, client)
    match = _CSRF.search(page)
    if not match:
        raise SystemExit("Geen CSRF-token op de inlogpagina")
    client.csrf = match.group(1)
    status, _ = _request(port, "POST", "/inloggen/", cookie_name, client,
                         {"email": client.email, "password": PASSWORD}, htmx=False)
    if status != 302:
        raise SystemExit(f"Inloggen van {client.email} mislukte bij het wachtwoord: HTTP {status}")
    _status, page = _request(port, "GET", "/inloggen/tweede-factor", cookie_name, client)
    match = _CSRF.search(page)
    if not match:
        raise SystemExit("Geen CSRF-token op de pagina van de tweede factor")
    client.csrf = match.group(1)  # the password step started a new session, with a new token
    status, _ = _request(port, "POST", "/inloggen/tweede-factor", cookie_name, client,
                         {"code": pyotp.TOTP(client.totp_secret).now()}, htmx=False)
    if status != 302:
        raise SystemExit(f"Inloggen van {client.email} mislukte bij de code: HTTP {status}")
    client.csrf = ""  # the session was rotated: the saves read their token from the week page


def start_gunicorn(url: str, secret_key: str, port: int, log: Path, immediate_reads: bool) -> subprocess.Popen:
    """gunicorn -w 4 on loopback, started as in production."""
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_SECRET_KEY": secret_key,
           "PORTAL_SQLITE_DEFERRED_READS": "false" if immediate_reads else "true"}
    env.pop("PORTAL_DATABASE_URL", None)
    # As the README starts it in production: --preload, and the project's gunicorn.conf.py (garbage collection).
    command = [sys.executable, "-m", "gunicorn", "-c", str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"),
               "--preload", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "120", "portal:create_app()"]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopte meteen; zie {log}:\n{log.read_text()[-2000:]}")
        try:
            if _request(port, "GET", "/gezond", "")[0] == 200:
                for _ in range(WORKERS * 4):  # every worker has built its app
                    _request(port, "GET", "/gezond", "")
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn kwam niet op binnen 60 seconden")


def run_scenario(name: str, total: int, work: Callable[[int, int], str | None], start: int = 0) -> Result:
    """`total` requests over CONCURRENCY threads; work(thread, n) does one request and returns an error or None."""
    result = Result(name)
    lock = threading.Lock()
    counter = iter(range(start, start + total))
    deadline = time.monotonic() + TIME_LIMIT_SECONDS

    def loop(thread: int) -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            started = time.perf_counter()
            try:
                error = work(thread, n)
            except OSError as exc:
                error = f"verbinding: {type(exc).__name__}"
            elapsed = time.perf_counter() - started
            with lock:
                result.latencies.append(elapsed)
                if error:
                    result.errors.append(error)

    threads = [threading.Thread(target=loop, args=(t,)) for t in range(CONCURRENCY)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def _plan(port: int, setup: Setup, mixed_saves: list[float]) -> list[tuple[str, Callable[[int, int], str | None], int]]:
    """The scenarios against one server: (label, one request, share of the requests); the mixed scenario also
    keeps the latencies of its saves in `mixed_saves`."""
    name = setup.cookie_name

    def status_error(status: int) -> str | None:
        return f"HTTP {status}" if status >= 500 or status in (401, 403, 404) else None

    def gezond(_thread: int, _n: int) -> str | None:
        return status_error(_request(port, "GET", "/gezond", name)[0])

    def regie(thread: int, _n: int) -> str | None:
        return status_error(_request(port, "GET", setup.caseload, name, setup.regisseur_clients[thread])[0])

    def dossier(thread: int, n: int) -> str | None:
        inburgeraar = setup.inburgeraar_ids[n % len(setup.inburgeraar_ids)]
        return status_error(_request(port, "GET", f"/inburgeraars/{inburgeraar}", name,
                                     setup.regisseur_clients[thread])[0])

    def opslaan(thread: int, n: int) -> str | None:
        client, verwijzing_id = setup.docent_clients[thread]
        values = setup.typed.setdefault(thread, {f"aanwezig_{d}": "3" for d in range(5)})
        values[f"aanwezig_{n % 5}"] = f"{Decimal(1 + n % 12) / 4:.2f}".replace(".", ",")
        status, content = _request(port, "POST", f"/presentie/week/rij/{verwijzing_id}", name, client, {
            "week": setup.week, "activiteit": Activiteit.TAALLES_KNM.value, **values})
        bericht = _BERICHT.search(content)
        if status != 200 or not bericht or not bericht.group(1).startswith(("Opgeslagen", "Geen wijzigingen")):
            return f"niet opgeslagen: HTTP {status} {bericht.group(1)[:80] if bericht else ''}"
        return None

    def gemengd(thread: int, n: int) -> str | None:
        # A working day: six docenten save while two klantregisseurs open caseload and case pages.
        if thread < SAVING_CLIENTS:
            started = time.perf_counter()
            error = opslaan(thread, n)
            mixed_saves.append(time.perf_counter() - started)
            return error
        return regie(thread, n) if n % 4 == 0 else dossier(thread, n)

    return [("GET /gezond", gezond, 2), ("GET /regie/ (caseload)", regie, 1),
            ("GET /inburgeraars/<id> (dossier)", dossier, 1), ("POST weekrooster-rij (opslaan)", opslaan, 1),
            (MIXED, gemengd, 1)]


def scenarios(servers: dict[str, int], setup: Setup, total: int, rounds: int) -> dict[str, list[Result]]:
    """Per server the scenarios, each warmed up, then `rounds` rounds of every scenario on every server in turn.

    The machine is shared: taking turns makes a busy moment hit every scenario (and server) alike; each round's
    ratios are paired, and the report takes the median of the rounds.
    """
    port = next(iter(servers.values()))
    for client in [*setup.regisseur_clients, *(c for c, _v in setup.docent_clients)]:
        log_in(port, setup.cookie_name, client)  # one session each, valid on every server (same database)
    for client, _verwijzing in setup.docent_clients:  # the CSRF token lives in the session cookie
        _status, page = _request(port, "GET", f"/presentie/week?week={setup.week}", setup.cookie_name, client)
        match = _CSRF.search(page)
        if not match:
            raise SystemExit("Geen CSRF-token op de weekpagina: is de docent ingelogd?")
        client.csrf = match.group(1)
    mixed_saves: dict[str, list[float]] = {label: [] for label in servers}
    plans = {label: _plan(port, setup, mixed_saves[label]) for label, port in servers.items()}
    results = {label: [Result(name) for name, _work, _share in plan] for label, plan in plans.items()}
    for plan in plans.values():
        for name, work, _share in plan:
            run_scenario(name, CONCURRENCY * 2, work)  # warm-up: templates, caches, connections
    for latencies in mixed_saves.values():
        latencies.clear()  # only the measured rounds count
    per_round = max(total // rounds, CONCURRENCY)
    for round_number in range(rounds):
        for label, plan in plans.items():
            for result, (name, work, share) in zip(results[label], plan, strict=True):
                measured = run_scenario(name, per_round * share, work, start=round_number * per_round * share)
                result.latencies += measured.latencies
                result.errors += measured.errors
                result.seconds += measured.seconds
                result.round_rps.append(measured.rps)
    for label, latencies in mixed_saves.items():
        results[label][-1].save_latencies = latencies
    return results


def check_totals(url: str, label: str) -> bool:
    """After the load: `flask --app portal totalen-controleren` on the benchmark's database (every save went
    through the kept totals and kept signals in its own transaction, concurrently); prints what it says."""
    config = TestConfig()
    config.DATABASE_URL = url
    app = create_app(config)
    outcome = app.test_cli_runner().invoke(args=["totalen-controleren"])
    for line in outcome.output.strip().splitlines()[:12]:
        print(f"[{label}] totalen-controleren: {line}")
    assert portal_db.engine is not None
    portal_db.engine.dispose()
    return outcome.exit_code == 0


def ratio(result: Result, baseline: Result) -> float:
    """The median over the rounds of this scenario's requests/s divided by /gezond's in the same round."""
    return statistics.median(r / b for r, b in zip(result.round_rps, baseline.round_rps, strict=True) if b)


def report(label: str, results: list[Result]) -> float:
    """Print the table; returns the grid save's ratio to /gezond."""
    baseline = results[0]
    print(f"[{label}] gunicorn -w {WORKERS}, {CONCURRENCY} gelijktijdige clients, {len(baseline.round_rps)} rondes; "
          f"belasting machine (1/5/15 min) {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"[{label}] {'scenario':34} {'verzoeken':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'fouten':>6} "
          f"{'t.o.v. /gezond':>14}")
    for r in results:
        print(f"[{label}] {r.name:34} {len(r.latencies):9d} {statistics.median(r.round_rps):7.1f} "
              f"{r.percentile(50):7.1f} {r.percentile(99):7.1f} {len(r.errors):6d} {ratio(r, baseline):13.2f}x")
        if r.save_latencies:
            print(f"[{label}]   waarvan opslaan: {len(r.save_latencies)} verzoeken, p50 "
                  f"{r.percentile(50, r.save_latencies):.1f} ms, p99 {r.percentile(99, r.save_latencies):.1f} ms")
        for error in sorted(set(r.errors))[:5]:
            print(f"[{label}]     {r.errors.count(error)}× {error}")
    save = ratio(next(r for r in results if r.name.startswith("POST")), baseline)
    errors = sum(len(r.errors) for r in results)
    print(f"[{label}] doel: 0 fouten ({errors} gevonden); opslaan >= 0.20x /gezond ({save:.2f}x: "
          f"{'gehaald' if save >= 0.2 else 'NIET gehaald'})")
    return save


def main(argv: list[str] | None = None) -> None:
    """Seed, serve with gunicorn, load, report; exit 1 when there were errors or the save target was missed."""
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.split("\n")[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (DATABASE_URL or BENCH_PG_URL) i.p.v. SQLite")
    parser.add_argument("--requests", type=int, default=400, help="verzoeken per scenario (/gezond: het dubbele)")
    parser.add_argument("--rondes", dest="rounds", type=int, default=5, help="rondes van alle scenario's om beurten")
    parser.add_argument("--inburgeraars", type=int, default=300, help="grootte van de demoregio")
    parser.add_argument("--immediate-reads", action="store_true",
                        help="SQLite: draai ook een server waarin GET-verzoeken bij hun begin het schrijfslot nemen "
                             "en vergelijk beide, om beurten op dezelfde database")
    args = parser.parse_args(argv)
    label = "PostgreSQL" if args.pg else "SQLite (WAL)"
    variants = {label: False}
    if args.immediate_reads and not args.pg:
        variants["SQLite, GET ook IMMEDIATE"] = True
    with scratch_database(args.pg) as url, tempfile.TemporaryDirectory() as tmp:
        first, median = measure_create_app(url)
        print(f"[{label}] create_app(): eerste {first:.0f} ms (met imports), daarna mediaan {median:.1f} ms")
        started = time.perf_counter()
        setup = seed(url, args.inburgeraars)
        secret_key = secrets.token_hex(32)
        print(f"[{label}] demoregio met {args.inburgeraars} inburgeraars geladen in "
              f"{time.perf_counter() - started:.1f} s")
        servers: dict[str, tuple[int, subprocess.Popen, Path]] = {}
        try:
            for variant, immediate in variants.items():
                port, log = _free_port(), Path(tmp) / f"gunicorn-{len(servers)}.log"
                servers[variant] = (port, start_gunicorn(url, secret_key, port, log, immediate), log)
            results = scenarios({v: port for v, (port, _p, _l) in servers.items()}, setup, args.requests, args.rounds)
        finally:
            for _port, process, _log in servers.values():
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        tracebacks = {v: log.read_text(errors="replace").count("Traceback") for v, (_p, _s, log) in servers.items()}
        totals_ok = check_totals(url, label)
    saves = {}
    for variant, variant_results in results.items():
        saves[variant] = report(variant, variant_results)
        print(f"[{variant}] tracebacks in het gunicorn-log: {tracebacks[variant]}")
    if len(results) == 2:
        (base_label, base), (other_label, other) = results.items()
        print(f"[vergelijking] {other_label} gedeeld door {base_label}, per scenario (mediaan van de rondes):")
        for mine, theirs in zip(base, other, strict=True):
            paired = statistics.median(t / m for t, m in zip(theirs.round_rps, mine.round_rps, strict=True) if m)
            print(f"[vergelijking] {mine.name:34} {paired:5.2f}x")
    failed = any(r.errors for rs in results.values() for r in rs) or any(tracebacks.values()) or not totals_ok
    if failed or saves[label] < 0.2:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
