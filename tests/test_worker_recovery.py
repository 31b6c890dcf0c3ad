"""Interrupted work recovers (issue 8.4): a real huey worker is killed (SIGKILL) in the middle of a confirmation,
after it wrote the rows inside its transaction. The upload page notices within the lease, says processing
stopped and offers "Opnieuw bevestigen"; nothing of the killed run was stored; confirming again with a new
worker stores every row exactly once.

Runs on a scratch database (a WAL-mode SQLite file, or a throwaway PostgreSQL database when DATABASE_URL points
at PostgreSQL), shared by this process (the web side, through the test client) and the worker processes.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import create_app, tasks
from portal.config import TestConfig as _TestConfig
from portal.extensions import db as portal_db
from portal.models import Base, Presentie, TrajectStart, Upload, UploadStatus
from portal.models.enums import Onderdeel, Rol
from portal.security import POLL_HEADER
from tests import factories
from tests.helpers import csrf_token, open_session, scratch_database
from tests.spreadsheets.conftest import HEADER, xlsx_bytes

LEASE_SECONDS = 2
ROOT = Path(__file__).resolve().parent.parent

# A real huey consumer whose presence save, after writing its rows (uncommitted), signals and then hangs: the
# test kills it there, in the middle of the confirmation's one transaction.
_HANGING_WORKER = """
import os, pathlib, sys, time
from portal.services import presentie
real_save = presentie.save_presentie
def save_then_hang(session, actor, rows, *more):
    result = real_save(session, actor, rows, *more)
    session.flush()
    pathlib.Path(os.environ["SIGNAL_FILE"]).write_text(str(len(rows)))
    time.sleep(600)
    return result
presentie.save_presentie = save_then_hang
sys.argv = ["huey_consumer", "portal.worker.huey", "--workers", "1"]
from huey.bin.huey_consumer import consumer_main
consumer_main()
"""
# The same for a check (validation): the worker signals once it is validating the rows, then hangs there.
_HANGING_CHECKER = """
import os, pathlib, sys, time
from portal.services import presentie
real_validate = presentie.validate_presentie
def validate_then_hang(session, actor, inputs, today, *more):
    result = real_validate(session, actor, inputs, today, *more)
    pathlib.Path(os.environ["SIGNAL_FILE"]).write_text(str(len(inputs)))
    time.sleep(600)
    return result
presentie.validate_presentie = validate_then_hang
sys.argv = ["huey_consumer", "portal.worker.huey", "--workers", "1"]
from huey.bin.huey_consumer import consumer_main
consumer_main()
"""
_WORKER = """
import sys
sys.argv = ["huey_consumer", "portal.worker.huey", "--workers", "1"]
from huey.bin.huey_consumer import consumer_main
consumer_main()
"""


class Site:
    """The web side (test client, logged in as an aanbieder-medewerker) and how to start workers."""

    def __init__(self, app: Flask, client: FlaskClient, env: dict[str, str], verwijzingen: list[tuple[str, int]],
                 log: Path):
        self.app, self.client, self.env, self.verwijzingen, self.log = app, client, env, verwijzingen, log

    def worker(self, code: str, **extra: str) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed snippet
                [sys.executable, "-c", code], cwd=ROOT, env={**self.env, **extra},
                stdout=log, stderr=subprocess.STDOUT)

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> float:
        """Seconds until `condition` held; fails with the workers' log after `timeout`."""
        start = time.monotonic()
        while not condition():
            if time.monotonic() - start > timeout:
                raise AssertionError(f"timed out waiting for {what}; worker log:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        return time.monotonic() - start

    def query(self, fn: Callable) -> object:
        with self.app.app_context():
            try:
                result = fn(portal_db.session)
                portal_db.session.expunge_all()  # plain snapshots: what the database said just now
                return result
            finally:
                portal_db.session.rollback()

    def upload(self) -> Upload:
        return self.query(lambda s: s.scalars(select(Upload)).one())  # type: ignore[return-value]

    def stored(self) -> int:
        return self.query(lambda s: s.scalar(select(func.count()).select_from(Presentie)))  # type: ignore[return-value]

    def status_page(self, upload_id: str) -> str:
        return self.client.get(f"/uploads/{upload_id}/status", headers={POLL_HEADER: "1"}).get_data(as_text=True)

    def upload_file(self, rows: list[list[object]], name: str) -> str:
        """Upload a presentie workbook (a title row above the header) through the upload form; the upload's id."""
        page = self.client.get("/uploads/").get_data(as_text=True)
        response = self.client.post("/uploads/", data={
            "csrf_token": csrf_token(page), "soort": "presentie",
            "bestand": (io.BytesIO(xlsx_bytes([HEADER, *rows], title_rows=1)), name),
        }, content_type="multipart/form-data")
        assert response.status_code == 302
        return self.upload().id

    def kill_mid_run(self, code: str, signal_file: Path, start: Callable[[], str], busy: str, offered: str) -> str:
        """Start a run on a worker that hangs mid-run, see the heartbeat keep it going past its lease, SIGKILL it,
        and return the upload's id once the page noticed the stop (within the lease, not a fixed 15 minutes)."""
        hanging = self.worker(code, SIGNAL_FILE=str(signal_file))
        try:
            upload_id = start()
            self.wait_for(signal_file.exists, 90, "the worker to reach the rows")
            assert signal_file.read_text() == "3"

            # Alive well past its claim's lease: the heartbeat keeps it running, nothing is offered again.
            time.sleep(2.5 * LEASE_SECONDS)
            page = self.status_page(upload_id)
            assert busy in page and offered not in page

            hanging.send_signal(signal.SIGKILL)
            hanging.wait(timeout=10)
        finally:
            _stop(hanging)
        noticed = self.wait_for(lambda: "De verwerking is gestopt" in self.status_page(upload_id), 30, "the stop")
        assert noticed <= LEASE_SECONDS + 2  # within the lease (plus polling)
        return upload_id

    def retry_with_worker(self, path: str, page: str, status: UploadStatus) -> None:
        """Press the retry button of a stopped run with a healthy worker running, and wait for it to finish."""
        worker = self.worker(_WORKER)
        try:
            response = self.client.post(path, data={"csrf_token": csrf_token(page)})
            assert response.status_code == 302
            self.wait_for(lambda: self.upload().status is status, 90, f"the upload to become {status.value}")
        finally:
            _stop(worker)


@pytest.fixture
def site(app: Flask, tmp_path: Path) -> Iterator[Site]:
    saved = (portal_db.engine, portal_db.session_factory)
    with scratch_database(tmp_path, "portal_herstel") as url:
        config = _TestConfig()
        config.DATABASE_URL = url
        config.HUEY_IMMEDIATE = False
        config.HUEY_URL = f"sqlite:///{tmp_path / 'huey.db'}"
        config.UPLOAD_DIR = str(tmp_path / "uploads")
        config.UPLOAD_LEASE_SECONDS = LEASE_SECONDS
        web = create_app(config)
        engine = portal_db.engine
        assert engine is not None
        Base.metadata.create_all(engine)
        env = {**os.environ, "PORTAL_DATABASE_URL": url, "DATABASE_URL": url, "PORTAL_HUEY_URL": config.HUEY_URL,
               "PORTAL_UPLOAD_DIR": config.UPLOAD_DIR, "PORTAL_UPLOAD_LEASE_SECONDS": str(LEASE_SECONDS),
               "PORTAL_SECRET_KEY": "worker-test-secret"}
        try:
            with web.app_context():
                session = portal_db.session
                for factory_class in factories.ALL_FACTORIES:
                    factory_class._meta.sqlalchemy_session = session
                aanbieder = factories.AanbiederFactory()
                gemeente = factories.GemeenteFactory()
                contract = factories.ContractFactory(aanbieder=aanbieder, gemeenten=[gemeente])
                user = factories.UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=aanbieder)
                verwijzingen = []
                for _ in range(3):
                    verwijzing = factories.VerwijzingFactory(
                        inburgeraar=factories.InburgeraarFactory(gemeente=gemeente), contract=contract,
                        onderdeel=Onderdeel.B1_ROUTE)
                    session.add(TrajectStart(verwijzing_id=verwijzing.id,
                                             gerealiseerde_startdatum=date.today() - timedelta(days=60)))
                    verwijzingen.append((verwijzing.inburgeraar.bsn, verwijzing.id))
                client = web.test_client()
                open_session(session, client, user)
                session.commit()
            yield Site(web, client, env, verwijzingen, tmp_path / "worker.log")
        finally:
            engine.dispose()
            portal_db.engine, portal_db.session_factory = saved
            tasks.init_app(app)  # the test app's immediate queue for the rest of the run


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_killed_mid_confirmation_is_noticed_and_confirming_again_stores_everything_once(
    site: Site, tmp_path: Path
):
    day = (date.today() - timedelta(days=7)).strftime("%d-%m-%Y")
    rows = [[bsn, day, "Taalles en KNM", "2,5", None, None] for bsn, _vid in site.verwijzingen]
    site.upload_file(rows, "presentie november.xlsx")
    upload = site.upload()
    assert upload.status is UploadStatus.PREVIEWED  # small file: checked in the request
    site.app.config["UPLOAD_INLINE_MAX_BYTES"] = 1  # from here on the worker saves

    def confirm() -> str:
        show = site.client.get(f"/uploads/{upload.id}").get_data(as_text=True)
        response = site.client.post(f"/uploads/{upload.id}/bevestigen", data={"csrf_token": csrf_token(show)})
        assert response.status_code == 302
        return upload.id

    site.kill_mid_run(_HANGING_WORKER, tmp_path / "saved-rows", confirm, "Wordt opgeslagen", "Opnieuw bevestigen")
    assert site.stored() == 0  # the killed run's rows went with its transaction
    assert site.upload().status is UploadStatus.CONFIRMING

    stopped = site.client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert "Er is niets opgeslagen" in stopped and "Opnieuw bevestigen" in stopped
    assert 'hx-trigger="every 1s"' not in stopped  # the page stops polling a run that stopped
    assert "Gestopt: opnieuw starten" in site.client.get("/uploads/").get_data(as_text=True)

    site.retry_with_worker(f"/uploads/{upload.id}/bevestigen", stopped, UploadStatus.CONFIRMED)
    upload = site.upload()
    assert (upload.aantal_nieuw, upload.aantal_gewijzigd, upload.poging) == (3, 0, 3)
    assert site.stored() == 3
    uren = site.query(lambda s: sorted(s.scalars(select(Presentie.uren_aanwezig))))
    assert uren == [Decimal("2.5")] * 3
    assert "Opgeslagen" in site.client.get(f"/uploads/{upload.id}").get_data(as_text=True)


def test_a_worker_killed_mid_check_is_noticed_and_checking_again_gives_the_preview(site: Site, tmp_path: Path):
    day = (date.today() - timedelta(days=7)).strftime("%d-%m-%Y")
    rows = [[bsn, day, "Taalles en KNM", "1,5", None, None] for bsn, _vid in site.verwijzingen]
    site.app.config["UPLOAD_INLINE_MAX_BYTES"] = 1  # the worker checks the file

    upload_id = site.kill_mid_run(_HANGING_CHECKER, tmp_path / "checked-rows",
                                  lambda: site.upload_file(rows, "presentie week 48.xlsx"),
                                  "Wordt gecontroleerd", "Opnieuw controleren")
    assert site.upload().status is UploadStatus.UPLOADED  # the killed run's transaction went, preview and all
    stopped = site.client.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert "De controle van dit bestand reageert niet meer" in stopped
    assert "Opnieuw controleren" in stopped and "Opnieuw bevestigen" not in stopped
    assert 'hx-trigger="every 1s"' not in stopped

    site.retry_with_worker(f"/uploads/{upload_id}/controleren", stopped, UploadStatus.PREVIEWED)
    upload = site.upload()
    assert (upload.aantal_rijen, upload.aantal_nieuw, upload.aantal_fout, upload.poging) == (3, 3, 0, 2)
    assert site.stored() == 0  # a check stores nothing; the preview waits for the confirmation
    assert "Controle: nog niets opgeslagen" in site.client.get(f"/uploads/{upload.id}").get_data(as_text=True)


def test_a_job_waiting_in_the_queue_is_not_called_stopped_one_lost_from_it_is(site: Site):
    day = (date.today() - timedelta(days=7)).strftime("%d-%m-%Y")
    rows = [[bsn, day, "Taalles en KNM", "3", None, None] for bsn, _vid in site.verwijzingen]
    site.upload_file(rows, "presentie.xlsx")
    upload = site.upload()
    site.app.config["UPLOAD_INLINE_MAX_BYTES"] = 1
    show = site.client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    site.client.post(f"/uploads/{upload.id}/bevestigen", data={"csrf_token": csrf_token(show)})

    # No worker is free (none runs): the job waits in the queue well past its claim's lease. That is not stopping.
    time.sleep(1.5 * LEASE_SECONDS)
    waiting = site.status_page(upload.id)
    assert "Wordt opgeslagen" in waiting and "De verwerking is gestopt" not in waiting

    # A worker took the job from the queue and died before its first heartbeat: nothing renews the lease now.
    tasks.huey.storage.flush_queue()
    stopped = site.client.get(f"/uploads/{upload.id}").get_data(as_text=True)
    assert "De verwerking is gestopt" in stopped and "Opnieuw bevestigen" in stopped

    site.retry_with_worker(f"/uploads/{upload.id}/bevestigen", stopped, UploadStatus.CONFIRMED)
    assert site.stored() == 3
