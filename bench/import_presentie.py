"""Benchmark (issues 4 and 10): a 100,000-row presence upload through the whole HTTP flow, into a presentie table
that already holds 1,000,000 rows, against the true floor measured in the same run.

Per round, on the same scratch database (a SQLite temp file, or a throwaway PostgreSQL database with --pg):

* portal: what a provider does, through the app's test client after a real login (password + TOTP, CSRF on):
  multipart upload (POST /uploads/) → the worker takes the queued check from the huey queue and runs it →
  the preview page → POST confirm → the worker saves (re-validation, save_presentie with its kept totals, one
  commit, meldingen) → the upload page says confirmed;
* floor: the same workbook parsed by python-calamine, verwijzing looked up by kenmerk in a dict, and the rows
  inserted with the raw driver into `presentie_floor` (the same columns, keys and indexes, holding the same
  1,000,000 rows): sqlite3 executemany on SQLite, psycopg COPY on PostgreSQL; one commit.

The workbook is shaped as Excel saves one: shared strings, a bold header, date and number styles, column widths.
Every round uploads 100,000 new rows (the next 50 days), so both tables grow alike. Printed: per round the
seconds of both and their ratio floor/portal, and the median of those paired ratios (goal >= 0.5).
`--memory` seeds in this process, then runs only the HTTP flow for 300,000 rows in a fresh child process and
prints the child's peak RSS (goal < 400 MB).

Run: `.venv/bin/python -m bench import_presentie [--pg] [--rows 100000] [--bestaand 1000000] [--repeat 3]
[--memory [--correcties]]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import xlsxwriter
from huey.storage import SqliteStorage
from python_calamine import CalamineWorkbook
from sqlalchemy import insert, make_url, select, text
from stdnum.nl import bsn as stdnum_bsn

from bench._common import PG_ADMIN_URL
from bench._common import scratch_database as bench_scratch_database
from portal import clock, create_app, tasks
from portal.config import TestConfig, database_url_from_env
from portal.extensions import db as portal_db
from portal.models import (
    Aanbieder,
    Contract,
    ContractOnderdeel,
    Gemeente,
    Inburgeraar,
    Presentie,
    TrajectStart,
    Upload,
    User,
    Verwijzing,
    contract_gemeente,
    user_gemeente,
)
from portal.models.base import Base
from portal.models.enums import AanbiederSoort, Doelgroep, Onderdeel, Rol, VerwijzingStatus
from portal.services import kept_totals
from portal.services.auth import hash_password
from tests.helpers import csrf_token, login_via_form

DAYS_PER_ROUND = 50  # each deelnemer gets one row per day; rows / 50 deelnemers upload
HISTORY_DAYS = 60  # days of existing presence of the uploading deelnemers before the first round
KLANTREGISSEURS = 4
PASSWORD = "import-benchmark-wachtwoord"  # noqa: S105 - a throwaway account in a scratch database
HEADER = ["BSN", "Naam", "Onderdeel", "Traject", "Datum", "Activiteit", "Uren aanwezig",
          "Uren afwezig geoorloofd", "Uren afwezig ongeoorloofd", "Reden afwezigheid"]
COLUMNS = ("verwijzing_id", "datum", "activiteit", "uren_aanwezig", "uren_afwezig_geoorloofd",
           "uren_afwezig_ongeoorloofd", "reden_afwezig", "geregistreerd_door_id", "created_at", "updated_at")


def scratch_database(use_pg: bool) -> AbstractContextManager[str]:
    """A SQLite temp file, or a throwaway PostgreSQL database next to DATABASE_URL (else BENCH_PG_URL)."""
    base = make_url(database_url_from_env() or PG_ADMIN_URL)
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    return bench_scratch_database(use_pg, "portal_bench", base.render_as_string(hide_password=False))


def _bsns(count: int) -> list[str]:
    found: list[str] = []
    n = 10_000_000
    while len(found) < count:
        n += 1
        if stdnum_bsn.is_valid(f"{n:09d}"):
            found.append(f"{n:09d}")
    return found


def seed(engine: Any, uploaders: int, others: int, start: date) -> tuple[str, str, list[tuple[str, str, int]]]:
    """One aanbieder's `uploaders` started deelnemers and `others` of other aanbieders; returns the e-mail and
    TOTP secret of the provider's employee and (bsn, kenmerk, verwijzing id) of the uploading deelnemers."""
    now = datetime.now(UTC)
    secret = pyotp.random_base32()
    total = uploaders + others
    with engine.begin() as conn:
        conn.execute(insert(Gemeente), [{"id": 1, "cbs_code": "0999", "naam": "Benchstad",
                                         "created_at": now, "updated_at": now}])
        conn.execute(insert(Aanbieder), [
            {"id": a, "kvk_nummer": f"{99999990 + a}", "naam": f"Taal {a}", "soort": AanbiederSoort.TAAL,
             "actief": True, "created_at": now, "updated_at": now} for a in (1, 2)])
        conn.execute(insert(Contract), [
            {"id": a, "kenmerk": f"C-{a}", "naam": f"Contract {a}", "aanbieder_id": a,
             "startdatum": start - timedelta(days=30), "einddatum": start + timedelta(days=2000),
             "created_at": now, "updated_at": now} for a in (1, 2)])
        conn.execute(insert(contract_gemeente), [{"contract_id": a, "gemeente_id": 1} for a in (1, 2)])
        conn.execute(insert(ContractOnderdeel), [{"contract_id": a, "onderdeel": Onderdeel.B1_ROUTE} for a in (1, 2)])
        conn.execute(insert(User), [
            {"id": 1, "email": "docent@example.nl", "naam": "Docent", "rol": Rol.AANBIEDER_MEDEWERKER,
             "aanbieder_id": 1, "password_hash": hash_password(PASSWORD), "totp_secret": secret,
             "totp_bevestigd": True, "created_at": now, "updated_at": now},
            *({"id": 2 + n, "email": f"regie{n}@example.nl", "naam": f"Regie {n}", "rol": Rol.KLANTREGISSEUR,
               "aanbieder_id": None,
               "password_hash": "-", "totp_secret": pyotp.random_base32(), "totp_bevestigd": True,
               "created_at": now, "updated_at": now} for n in range(KLANTREGISSEURS)),
        ])
        conn.execute(insert(user_gemeente), [{"user_id": 2 + n, "gemeente_id": 1} for n in range(KLANTREGISSEURS)])
        bsns = _bsns(total)
        conn.execute(insert(Inburgeraar), [
            {"id": i + 1, "bsn": b, "voornamen": "Deel", "achternaam": f"Nemer {i}", "geboortedatum": date(1990, 1, 1),
             "doelgroep": Doelgroep.ASIELSTATUSHOUDER, "gemeente_id": 1, "created_at": now, "updated_at": now,
             "klantregisseur_id": None if i % 10 == 9 else 2 + i % KLANTREGISSEURS}
            for i, b in enumerate(bsns)])
        conn.execute(insert(Verwijzing), [
            {"id": i + 1, "kenmerk": f"V-{i:07d}", "inburgeraar_id": i + 1, "aanbieder_id": 1 if i < uploaders else 2,
             "contract_id": 1 if i < uploaders else 2, "onderdeel": Onderdeel.B1_ROUTE, "beoogde_startdatum": start,
             "uiterste_einddatum": start + timedelta(days=1500), "status": VerwijzingStatus.GESTART,
             "created_at": now, "updated_at": now} for i in range(total)])
        conn.execute(insert(TrajectStart), [
            {"verwijzing_id": i + 1, "gerealiseerde_startdatum": start, "niet_gestart": False,
             "created_at": now, "updated_at": now} for i in range(total)])
    return "docent@example.nl", secret, [(bsns[i], f"V-{i:07d}", i + 1) for i in range(uploaders)]


def existing_rows(total: int, verwijzingen: int, start: date) -> Iterator[tuple]:
    """`total` rows spread over the verwijzingen, day by day from the traject start (before any round)."""
    now = datetime.now(UTC)
    per = -(-total // verwijzingen)
    made = 0
    for vid in range(1, verwijzingen + 1):
        for day in range(per):
            if made == total:
                return
            yield (vid, start + timedelta(days=day), "taalles_knm", 3 if day % 5 else 2, 0, 0, None, None, now, now)
            made += 1


def bulk_insert(engine: Any, table: str, rows: Iterator[tuple] | list[tuple]) -> int:
    """The true floor: psycopg COPY on PostgreSQL, sqlite3 executemany on SQLite; one commit."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            count = 0
            with cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            stamp_rows = [(v, d.isoformat(), a, p, g, o, r, u, c.replace(tzinfo=None).isoformat(sep=" "),
                           m.replace(tzinfo=None).isoformat(sep=" ")) for v, d, a, p, g, o, r, u, c, m in rows]
            # The portal's connections run sqlite3 in autocommit mode (it manages transactions itself): one
            # explicit transaction, as a bulk load would use.
            cursor.execute("BEGIN")
            cursor.executemany(f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 10)})",
                               stamp_rows)
            count = len(stamp_rows)
        raw.commit()
        return count
    finally:
        raw.close()


def create_floor_table(engine: Any) -> None:
    """`presentie_floor`: presentie's columns, keys, checks and indexes, filled with the same rows."""
    copy = Presentie.__table__.to_metadata(Base.metadata, name="presentie_floor")
    for item in [*copy.indexes, *copy.constraints]:
        if item.name and not str(item.name).endswith("_floor"):
            item.name = f"{item.name}_floor"  # PostgreSQL wants unique index and constraint names
    copy.create(engine)
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO presentie_floor ({', '.join(COLUMNS)}) "
                          f"SELECT {', '.join(COLUMNS)} FROM presentie"))


def write_xlsx(path: Path, people: list[tuple[str, str, int]], first_day: date, rows: int) -> None:
    """A workbook as Excel saves one: shared strings (xlsxwriter's default mode), bold header, styled dates and
    hours, column widths; text BSNs, real date cells."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Presentie")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_format = workbook.add_format({"num_format": "dd-mm-yyyy"})
    hours = workbook.add_format({"num_format": "0.00"})
    for col, (header, width) in enumerate(zip(HEADER, (12, 22, 22, 12, 12, 16, 14, 14, 14, 24), strict=True)):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, width)
    row = 1
    for day in range(DAYS_PER_ROUND):
        dag = datetime.combine(first_day + timedelta(days=day), datetime.min.time())
        for bsn, kenmerk, _vid in people:
            if row > rows:
                break
            sheet.write_string(row, 0, bsn)
            sheet.write_string(row, 1, "Deel Nemer")
            sheet.write_string(row, 2, "B1-route (taalcursus)")
            sheet.write_string(row, 3, kenmerk)
            sheet.write_datetime(row, 4, dag, date_format)
            sheet.write_string(row, 5, "Taalles en KNM")
            absent = row % 11 == 0
            sheet.write_number(row, 6, 0 if absent else (2.5 if row % 3 else 3), hours)
            sheet.write_number(row, 7, 3 if absent else 0, hours)
            sheet.write_number(row, 8, 0, hours)
            sheet.write_string(row, 9, "Ziek gemeld" if absent else "")
            row += 1
    workbook.close()


def floor(engine: Any, path: Path, kenmerk_ids: dict[str, int], user_id: int) -> int:
    """calamine parse, kenmerk lookup, raw-driver insert into presentie_floor."""
    now = datetime.now(UTC)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    records = []
    for values in sheet.iter_rows():
        if values[0] == "BSN":
            continue
        dag = values[4]
        records.append((kenmerk_ids[values[3]], dag.date() if isinstance(dag, datetime) else dag, "taalles_knm",
                        values[6], values[7], values[8], values[9] or None, user_id, now, now))
    return bulk_insert(engine, "presentie_floor", records)


def work_queue() -> int:
    """What a worker does: take every queued job from huey's queue and run it (in the job's app context)."""
    done = 0
    while (task := tasks.huey.dequeue()) is not None:
        tasks.huey.execute(task)
        done += 1
    return done


def portal_flow(client: Any, path: Path) -> dict[str, float]:
    """Upload → worker → preview → confirm → worker, over HTTP; seconds per step."""
    phases: dict[str, float] = {}
    started = time.perf_counter()
    token = csrf_token(client.get("/uploads/").get_data(as_text=True))
    with path.open("rb") as stream:
        response = client.post("/uploads/", data={"csrf_token": token, "soort": "presentie",
                                                  "bestand": (stream, path.name)},
                               content_type="multipart/form-data")
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:500])
    location = response.headers["Location"]
    phases["upload"] = time.perf_counter() - started
    started = time.perf_counter()
    queued = work_queue()  # 0: a small file (under UPLOAD_INLINE_MAX_BYTES) was checked in the request itself
    phases["worker: controle" if queued else "controle in het verzoek"] = time.perf_counter() - started
    started = time.perf_counter()
    preview = client.get(location).get_data(as_text=True)
    assert "Bevestigen" in preview or "bevestigen" in preview, preview[:2000]
    phases["voorbeeld"] = time.perf_counter() - started
    started = time.perf_counter()
    response = client.post(f"{location}/bevestigen", data={"csrf_token": csrf_token(preview)})
    assert response.status_code == 302, response.status_code
    work_queue()
    page = client.get(location).get_data(as_text=True)
    phases["bevestigen + worker: opslaan"] = time.perf_counter() - started
    assert "opgeslagen" in page.lower(), page[:3000]
    return phases


@dataclass
class Opzet:
    """A seeded scratch database: the app, the provider's login and the uploading deelnemers."""

    app: Any
    engine: Any
    email: str
    secret: str
    people: list[tuple[str, str, int]]
    count: int
    start: date


def configure(url: str, tmp: Path) -> Any:
    """The app on this database, with a huey queue of its own in `tmp` (never the instance's, where a running
    worker could take the jobs), CSRF on, files processed by the worker as in production."""
    config = TestConfig()
    config.DATABASE_URL = url
    config.UPLOAD_DIR = str(tmp / "uploads")
    config.MAX_CONTENT_LENGTH = config.UPLOAD_MAX_BYTES = 200 * 1024 * 1024
    app = create_app(config)
    app.config.update(HUEY_IMMEDIATE=False, WTF_CSRF_ENABLED=True, TESTING=False)
    tasks.huey.storage_class, tasks.huey.storage_kwargs = SqliteStorage, {"filename": str(tmp / "queue.db")}
    tasks.huey.immediate = False
    return app


def prepare(url: str, tmp: Path, rows: int, existing: int, repeat: int) -> Opzet:
    """Seed the provider, its deelnemers and `existing` rows of presence (kept totals built), and the floor copy."""
    uploaders = -(-rows // DAYS_PER_ROUND)
    others = max(0, existing // 100 - uploaders)
    other_days = -(-max(0, existing - uploaders * HISTORY_DAYS) // others) if others else 0
    start = clock.today() - timedelta(days=max(HISTORY_DAYS + DAYS_PER_ROUND * repeat, other_days) + 5)
    app = configure(url, tmp)
    engine = portal_db.engine
    Base.metadata.create_all(engine)
    email, secret, people = seed(engine, uploaders, others, start)
    # History: the uploading deelnemers' first HISTORY_DAYS days, the rest of `existing` for the others.
    count = bulk_insert(engine, "presentie", list(existing_rows(uploaders * HISTORY_DAYS, uploaders, start)))
    if others:
        count += bulk_insert(engine, "presentie", (
            (vid + uploaders, *rest) for vid, *rest in existing_rows(existing - count, others, start)))
    with app.app_context():
        kept_totals.rebuild(portal_db.session)
        portal_db.session.commit()
    create_floor_table(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return Opzet(app, engine, email, secret, people, count, start)


def run(use_pg: bool, rows: int, existing: int, repeat: int) -> None:
    """Seed once, then `repeat` rounds of floor and portal (alternating which goes first); paired ratios."""
    with scratch_database(use_pg) as url, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        opzet = prepare(url, tmp, rows, existing, repeat)
        engine = opzet.engine
        client = opzet.app.test_client()
        login_via_form(client, opzet.email, PASSWORD, opzet.secret)
        kenmerk_ids = {kenmerk: vid for _b, kenmerk, vid in opzet.people}
        print(f"{engine.dialect.name}: {rows:,} rijen per upload in een tabel met {opzet.count:,} rijen, klaargezet "
              f"in {time.perf_counter() - started:.0f} s; belasting machine {os.getloadavg()[0]:.1f}", flush=True)
        portal_times: list[float] = []
        floor_times: list[float] = []
        for n in range(repeat):
            path = tmp / f"presentie-ronde-{n + 1}.xlsx"
            write_xlsx(path, opzet.people, opzet.start + timedelta(days=HISTORY_DAYS + n * DAYS_PER_ROUND), rows)
            line = []
            for which in ("floor", "portal") if n % 2 == 0 else ("portal", "floor"):
                if which == "floor":
                    began = time.perf_counter()
                    assert floor(engine, path, kenmerk_ids, 1) == rows
                    floor_times.append(time.perf_counter() - began)
                    line.append(f"vloer {floor_times[-1]:.2f} s")
                else:
                    phases = portal_flow(client, path)
                    portal_times.append(sum(phases.values()))
                    line.append(f"portal {portal_times[-1]:.2f} s ("
                                + ", ".join(f"{k} {v:.2f}" for k, v in phases.items()) + ")")
            print(f"  ronde {n + 1}: {'; '.join(line)}, verhouding {floor_times[-1] / portal_times[-1]:.2f}  "
                  f"({path.stat().st_size / 1e6:.1f} MB)", flush=True)
        ratios = [f / p for f, p in zip(floor_times, portal_times, strict=True)]
        print(f"  vloer ({'COPY' if engine.dialect.name == 'postgresql' else 'sqlite3 executemany'}): mediaan "
              f"{statistics.median(floor_times):.2f} s, {rows / statistics.median(floor_times):,.0f} rijen/s")
        print(f"  portal volledig: mediaan {statistics.median(portal_times):.2f} s, "
              f"{rows / statistics.median(portal_times):,.0f} rijen/s")
        print(f"  mediaan van de gepaarde verhoudingen portal/vloer (doorvoer): {statistics.median(ratios):.2f} "
              f"(doel >= 0,50; per ronde {', '.join(f'{r:.2f}' for r in ratios)})")
        with opzet.app.app_context():
            verschillen = kept_totals.differences(portal_db.session)
            print(f"  bewaarde totalen na de uploads: {len(verschillen)} verschillen met de herberekening")
        engine.dispose()


def memory(use_pg: bool, rows: int, existing: int, correcties: bool = False) -> None:
    """Seed here, then let a fresh process do nothing but the HTTP flow for `rows` rows; print its peak RSS.
    `correcties`: every row of the file is already stored with other hours, so each one is a correction."""
    with scratch_database(use_pg) as url, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        opzet = prepare(url, tmp, rows, existing, 1)
        path = tmp / "presentie.xlsx"
        first_day = opzet.start + timedelta(days=HISTORY_DAYS)
        write_xlsx(path, opzet.people, first_day, rows)
        if correcties:
            now = datetime.now(UTC)
            stored = [(vid, first_day + timedelta(days=day), "taalles_knm", 1, 0, 0, None, None, now, now)
                      for day in range(DAYS_PER_ROUND) for _b, _k, vid in opzet.people][:rows]
            opzet.count += bulk_insert(opzet.engine, "presentie", stored)
            with opzet.app.app_context():
                kept_totals.rebuild(portal_db.session)
                portal_db.session.commit()
        opzet.engine.dispose()
        command = [sys.executable, "-m", "bench", "import_presentie", "--alleen-stroom", url, str(path), opzet.email,
                   opzet.secret, str(tmp)]
        child = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if child.returncode != 0:
            raise SystemExit(f"het kindproces faalde:\n{child.stderr[-3000:]}")
        output = child.stdout
        peak = float(output.rsplit("PEAK_RSS_MB=", 1)[1].split()[0])
        print(output.split("PEAK_RSS_MB=")[0].rstrip())
        if correcties:
            with opzet.engine.connect() as conn:
                nieuw, gewijzigd = conn.execute(select(Upload.aantal_nieuw, Upload.aantal_gewijzigd)).one()
            print(f"  bevestigd: {nieuw:,} nieuw, {gewijzigd:,} gewijzigd")
        print(f"piekgeheugen (RSS) van het proces dat {rows:,} rijen{' (alle correcties)' if correcties else ''} "
              "door de hele HTTP-stroom haalde (upload, "
              f"worker, voorbeeld, bevestigen, worker; tabel met {opzet.count:,} rijen): {peak:,.0f} MB "
              "(doel < 400 MB)")


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: that survives exec, so a child
    started from the big seeding parent would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def flow_only(url: str, path: str, email: str, secret: str, tmp: str) -> None:
    """The child of --memory: log in and run the flow once on a seeded database."""
    app = configure(url, Path(tmp))
    client = app.test_client()
    login_via_form(client, email, PASSWORD, secret)
    before = peak_rss_mb()
    phases = portal_flow(client, Path(path))
    print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print(f"  piek-RSS vóór de stroom (imports, app, ingelogd): {before:,.0f} MB")
    print(f"PEAK_RSS_MB={peak_rss_mb():.0f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench import_presentie", description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (DATABASE_URL or BENCH_PG_URL)")
    parser.add_argument("--rows", type=int, default=None, help="rijen per upload (100.000; met --memory 300.000)")
    parser.add_argument("--bestaand", type=int, default=1_000_000, help="presentierijen vooraf in de tabel")
    parser.add_argument("--repeat", type=int, default=3, help="rondes; medianen worden afgedrukt")
    parser.add_argument("--memory", action="store_true", help="piek-RSS van een proces dat alleen de stroom doet")
    parser.add_argument("--correcties", action="store_true",
                        help="met --memory: elke rij van het bestand staat al opgeslagen met andere uren")
    parser.add_argument("--alleen-stroom", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.alleen_stroom:
        flow_only(*args.alleen_stroom)
        return
    use_pg = args.pg or (database_url_from_env() or "").startswith("postgres")
    if args.memory:
        memory(use_pg, args.rows or 300_000, args.bestaand, args.correcties)
        return
    run(use_pg, args.rows or 100_000, args.bestaand, args.repeat)


if __name__ == "__main__":
    main()
