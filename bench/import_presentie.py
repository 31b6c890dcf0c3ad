"""Benchmark: a 100,000-row presence upload end to end against a bare calamine + executemany baseline.

In one run, on the same scratch database (a SQLite temp file, or a throwaway PostgreSQL database with
--pg / DATABASE_URL=postgresql://...), with N seeded deelnemers whose trajecten have started:

* baseline: python-calamine parses the xlsx and a plain Core executemany inserts the same rows (verwijzing
  looked up by kenmerk in a dict) into a scratch copy of the presentie table, then commits;
* portal: what a provider's upload does: store (hash + guard: zip/XML/formula/dimension scan), check
  (read, BSN → verwijzing, validate_presentie, preview counts), confirm (re-read, re-validate,
  save_presentie, one commit).

Prints rows/s of both and their ratio (target ≥ 0.5) with the time per phase. `--memory` runs the portal
pipeline on 300,000 rows in a child process and prints its peak RSS (target < 500 MB).

Run: `.venv/bin/python -m bench import_presentie [--pg] [--rows N] [--memory]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook
from sqlalchemy import create_engine, insert, make_url, text
from stdnum.nl import bsn as stdnum_bsn

from portal import create_app, tasks
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
    UploadSoort,
    User,
    Verwijzing,
    contract_gemeente,
)
from portal.models.base import Base
from portal.models.enums import AanbiederSoort, Doelgroep, Onderdeel, Rol, VerwijzingStatus
from portal.services import uploads
from portal.spreadsheets.guard import Limits

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")
DAYS_PER_DEELNEMER = 50
HEADER = ["BSN", "Naam", "Onderdeel", "Traject", "Datum", "Activiteit", "Uren aanwezig",
          "Uren afwezig geoorloofd", "Uren afwezig ongeoorloofd", "Reden afwezigheid"]


# --- scratch databases ----------------------------------------------------------------------------------------

@contextmanager
def scratch_database(use_pg: bool) -> Iterator[str]:
    """A SQLite temp file, or a throwaway PostgreSQL database dropped afterwards."""
    if not use_pg:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    base = make_url(database_url_from_env() or PG_ADMIN_URL)
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    name = f"portal_bench_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _bsns(count: int) -> list[str]:
    found: list[str] = []
    n = 10_000_000
    while len(found) < count:
        n += 1
        candidate = f"{n:09d}"
        if stdnum_bsn.is_valid(candidate):
            found.append(candidate)
    return found


def seed(session: Any, deelnemers: int, first_day: date) -> tuple[int, list[tuple[str, str, int]]]:
    """One aanbieder with `deelnemers` started B1-route verwijzingen; returns the user id and (bsn, kenmerk, id)."""
    now = datetime.now(UTC)
    gemeente = Gemeente(cbs_code="0999", naam="Benchstad")
    aanbieder = Aanbieder(kvk_nummer="99999999", naam="Bench Taal", soort=AanbiederSoort.TAAL)
    session.add_all([gemeente, aanbieder])
    session.flush()
    contract = Contract(kenmerk="C-BENCH", naam="Bench", aanbieder_id=aanbieder.id,
                        startdatum=first_day - timedelta(days=400), einddatum=first_day + timedelta(days=2000))
    session.add(contract)
    session.flush()
    session.execute(insert(contract_gemeente), [{"contract_id": contract.id, "gemeente_id": gemeente.id}])
    session.add(ContractOnderdeel(contract_id=contract.id, onderdeel=Onderdeel.B1_ROUTE))
    user = User(email="bench@example.nl", naam="Bench", rol=Rol.AANBIEDER_MEDEWERKER, aanbieder_id=aanbieder.id,
                password_hash="-", totp_secret="A" * 32, totp_bevestigd=True)  # noqa: S106 - never logs in
    session.add(user)
    session.flush()
    bsns = _bsns(deelnemers)
    session.execute(insert(Inburgeraar), [
        {"bsn": b, "voornamen": "Deel", "achternaam": f"Nemer {i}", "geboortedatum": date(1990, 1, 1),
         "doelgroep": Doelgroep.ASIELSTATUSHOUDER, "gemeente_id": gemeente.id, "created_at": now, "updated_at": now}
        for i, b in enumerate(bsns)
    ])
    ids = dict(session.execute(text("SELECT bsn, id FROM inburgeraar")).all())
    session.execute(insert(Verwijzing), [
        {"kenmerk": f"V-{i:06d}", "inburgeraar_id": ids[b], "aanbieder_id": aanbieder.id, "contract_id": contract.id,
         "onderdeel": Onderdeel.B1_ROUTE, "beoogde_startdatum": first_day - timedelta(days=1),
         "uiterste_einddatum": first_day + timedelta(days=1000), "status": VerwijzingStatus.GESTART,
         "created_at": now, "updated_at": now}
        for i, b in enumerate(bsns)
    ])
    verwijzingen = session.execute(text("SELECT kenmerk, id, inburgeraar_id FROM verwijzing")).all()
    session.execute(insert(TrajectStart), [
        {"verwijzing_id": vid, "gerealiseerde_startdatum": first_day - timedelta(days=1), "niet_gestart": False,
         "created_at": now, "updated_at": now}
        for _k, vid, _i in verwijzingen
    ])
    session.commit()
    by_inburgeraar = {v: k for k, v in ids.items()}
    return user.id, [(by_inburgeraar[inb], kenmerk, vid) for kenmerk, vid, inb in verwijzingen]


def write_xlsx(path: Path, people: list[tuple[str, str, int]], first_day: date, rows: int) -> None:
    """A template-shaped presence file: BSN as text, real date cells, hours as numbers (xlsxwriter)."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Presentie")
    date_format = workbook.add_format({"num_format": "dd-mm-yyyy"})
    for col, header in enumerate(HEADER):
        sheet.write_string(0, col, header)
    row = 1
    for day in range(DAYS_PER_DEELNEMER):
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
            sheet.write_number(row, 6, 2.5 if row % 3 else 3)
            row += 1
    workbook.close()


# --- the two pipelines ----------------------------------------------------------------------------------------

def baseline(engine: Any, path: Path, kenmerk_ids: dict[str, int], user_id: int) -> int:
    """calamine parse + plain Core executemany into a copy of the presentie table, one commit."""
    # Same columns, keys, checks and indexes as presentie (foreign keys need the referenced tables' metadata).
    copy = Base.metadata.tables.get("presentie_baseline")
    if copy is None:
        copy = Presentie.__table__.to_metadata(Base.metadata, name="presentie_baseline")
        for item in [*copy.indexes, *copy.constraints]:
            if item.name and not str(item.name).endswith("_baseline"):
                item.name = f"{item.name}_baseline"  # PostgreSQL wants unique index/constraint names
    copy.create(engine, checkfirst=True)
    now = datetime.now(UTC)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    records = []
    for values in sheet.iter_rows():
        if values[0] == "BSN":
            continue
        dag = values[4]
        records.append({
            "verwijzing_id": kenmerk_ids[values[3]], "datum": dag.date() if isinstance(dag, datetime) else dag,
            "activiteit": "taalles_knm", "uren_aanwezig": values[6], "uren_afwezig_geoorloofd": 0,
            "uren_afwezig_ongeoorloofd": 0, "reden_afwezig": None, "geregistreerd_door_id": user_id,
            "created_at": now, "updated_at": now,
        })
    with engine.begin() as connection:
        connection.execute(insert(copy), records)
    return len(records)


def portal_pipeline(app: Any, path: Path, user_id: int, upload_dir: Path, today: date) -> dict[str, float]:
    """Store → check → confirm as the upload pages do it; returns seconds per phase."""
    phases: dict[str, float] = {}
    limits = Limits(max_bytes=200 * 1024 * 1024, max_rows=300_000)
    config = {**app.config, "UPLOAD_DIR": str(upload_dir), "UPLOAD_MAX_BYTES": limits.max_bytes,
              "UPLOAD_MAX_ROWS": limits.max_rows}
    with app.app_context():
        session = portal_db.session
        user = session.get(User, user_id)
        started = time.perf_counter()
        with path.open("rb") as stream:
            upload = uploads.store(session, user, UploadSoort.PRESENTIE, stream, path.name, upload_dir, limits)
        session.commit()
        phases["opslaan + guard"] = time.perf_counter() - started

        started = time.perf_counter()
        tasks.run_upload_validation(session, config, upload.id, report=False)
        phases["controle (preview)"] = time.perf_counter() - started
        upload = session.get(Upload, upload.id)
        assert upload.aantal_fout == 0, upload.fouten[:3]

        started = time.perf_counter()
        uploads.request_confirmation(session, user, upload)
        session.commit()
        tasks.run_upload_confirmation(session, config, upload.id, user_id, report=False)
        phases["bevestigen (hercontrole + opslaan + commit)"] = time.perf_counter() - started
        session.expire_all()
        upload = session.get(Upload, upload.id)
        assert upload.status.value == "confirmed" and upload.aantal_nieuw > 0, (upload.status, upload.melding)
    return phases


def run(use_pg: bool, rows: int, portal_only: bool = False) -> None:
    deelnemers = -(-rows // DAYS_PER_DEELNEMER)
    today = date.today()
    first_day = today - timedelta(days=DAYS_PER_DEELNEMER + 5)
    with scratch_database(use_pg) as url, tempfile.TemporaryDirectory() as tmp:
        config = TestConfig()
        config.DATABASE_URL = url
        config.HUEY_IMMEDIATE = True
        app = create_app(config)
        engine = portal_db.engine
        Base.metadata.create_all(engine)
        with app.app_context():
            user_id, people = seed(portal_db.session, deelnemers, first_day)
        path = Path(tmp) / "presentie.xlsx"
        write_xlsx(path, people, first_day, rows)
        dialect = engine.dialect.name
        print(f"{dialect}: {rows:,} rijen, {deelnemers:,} deelnemers, bestand {path.stat().st_size / 1e6:.1f} MB")

        if not portal_only:
            started = time.perf_counter()
            count = baseline(engine, path, {kenmerk: vid for _b, kenmerk, vid in people}, user_id)
            base_seconds = time.perf_counter() - started
            assert count == rows

        phases = portal_pipeline(app, path, user_id, Path(tmp) / "uploads", today)
        portal_seconds = sum(phases.values())
        for name, seconds in phases.items():
            print(f"  portal {name:<45} {seconds:6.2f} s")
        if not portal_only:
            base_rate, portal_rate = rows / base_seconds, rows / portal_seconds
            print(f"  baseline (calamine + executemany)  {base_seconds:6.2f} s  {base_rate:10,.0f} rijen/s")
            print(f"  portal end-to-end                  {portal_seconds:6.2f} s  {portal_rate:10,.0f} rijen/s")
            print(f"  verhouding portal/baseline: {portal_rate / base_rate:.2f} (doel ≥ 0,50)")
            # The confirmation alone is one parse + validate + commit pass, like the baseline's one pass.
            confirm_rate = rows / phases["bevestigen (hercontrole + opslaan + commit)"]
            print(f"  alleen bevestigen: {confirm_rate:10,.0f} rijen/s, verhouding {confirm_rate / base_rate:.2f}")
        engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  piekgeheugen van dit proces: {peak:,.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench import_presentie", description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (DATABASE_URL or BENCH_PG_URL)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory", action="store_true", help="300,000 rows in a child process; peak RSS")
    parser.add_argument("--portal-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    use_pg = args.pg or (database_url_from_env() or "").startswith("postgres")
    if args.memory:
        command = [sys.executable, "-m", "bench", "import_presentie", "--rows", "300000", "--portal-only"]
        if use_pg:
            command.append("--pg")
        subprocess.run(command, check=True)  # noqa: S603 - our own interpreter and module
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"piekgeheugen (RSS) 300.000 rijen end-to-end: {peak:,.0f} MB (doel < 500 MB)")
        return
    run(use_pg, args.rows, args.portal_only)


if __name__ == "__main__":
    main()
