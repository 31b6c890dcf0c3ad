"""Background jobs (huey). Nothing happens at import: `init_app` points the queue at the app's config (a SQLite
file in instance/ by default, Redis when PORTAL_HUEY_URL says so, in-memory and immediate in tests) and gives
each job an app context. The worker's entry point is portal.worker (`huey_consumer portal.worker.huey`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, crontab
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy.orm import Session

from portal import clock
from portal.models.base import utcnow

# Registered tasks need a Huey object when this module is imported; it starts in-memory and immediate (no file,
# no connection) and gets its real storage from the app's config in init_app.
huey = Huey("portal", immediate=True)


def init_app(app: Flask) -> None:
    """Configure the queue from the app's config and run every job inside an app context of this app."""
    url = app.config.get("HUEY_URL") or ""
    if app.config.get("HUEY_IMMEDIATE"):
        huey.immediate = True
    else:
        if url.startswith("redis://"):
            huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
        else:
            # sqlite:///path names the queue file (a test's worker and server share one); default instance/.
            path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else (
                Path(app.instance_path) / "huey.db")
            path.parent.mkdir(parents=True, exist_ok=True)
            huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path)}
        if huey.immediate:
            huey.immediate = False  # the setter builds the storage named above
        else:
            huey.storage = huey.create_storage()
    # Worker threads run jobs side by side: each keeps its own app contexts.
    local = threading.local()

    @huey.pre_execute(name="app_context")
    def _push_app_context(_task: Any) -> None:
        context = app.app_context()
        context.push()
        local.__dict__.setdefault("contexts", []).append(context)

    @huey.post_execute(name="app_context")
    def _pop_app_context(_task: Any, _value: Any, exc: BaseException | None) -> None:
        contexts = local.__dict__.get("contexts")
        if contexts:
            # The job's exception goes to the teardown, as a request's does: its session then rolls back, never
            # takes the COMMIT that ends a transaction that only read (database.Database._close_session).
            contexts.pop().pop(exc)


@contextmanager
def _worker_session() -> Iterator[tuple[Session, Mapping[str, Any]]]:
    """The job's database session and config (the app context comes from init_app's hook)."""
    from portal.extensions import db

    yield db.session, current_app.config


def flush_outbox(session: Session, config: Mapping[str, Any]) -> int:
    """Try every due outbox mail once, committing after each: a crash can repeat at most one mail."""
    from portal.models import MailStatus
    from portal.services import mail

    sent = 0
    for outbox_id in mail.due_ids(session):
        sent += mail.deliver(session, outbox_id, config) is MailStatus.SENT
        session.commit()
    return sent


def digest(session: Session, base_url: str) -> int:
    """Write today's digest mails to the outbox; returns how many."""
    from portal.services import mail

    mails = mail.build_digests(session, base_url)
    session.commit()
    return len(mails)


@huey.periodic_task(crontab(minute="*"))
def mail_outbox_versturen() -> int:
    """Every minute: send due mails from the outbox (with retries and backoff)."""
    with _worker_session() as (session, config):
        return flush_outbox(session, config)


@huey.periodic_task(crontab(hour="6", minute="0"))
def meldingen_dagelijks_overzicht() -> int:
    """Every morning (06:00 UTC): one overview mail per user who chose the daily digest, then send."""
    with _worker_session() as (session, config):
        count = digest(session, config["BASE_URL"])
        flush_outbox(session, config)
        return count


# --- regie signals: attendance under the threshold -------------------------------------------------------

def signalen_aanwezigheid(session: Session, today: date | None = None) -> int:
    """Notify klantregisseurs of attendance under the threshold in every gemeente; returns new meldingen."""
    from portal.services import signalen_job

    result = signalen_job.notify_aanwezigheid_onder_drempel(session, today or clock.today())
    session.commit()
    return result.meldingen


@huey.periodic_task(crontab(hour="5", minute="30"))
def signalen_aanwezigheid_dagelijks() -> int:
    """Every morning (05:30 UTC, before the digest): attendance signals become meldingen (mailed by the outbox)."""
    with _worker_session() as (session, _config):
        return signalen_aanwezigheid(session)


@huey.periodic_task(crontab(minute="5"))
def signalen_stand_bijwerken() -> int:
    """Every hour: kept signals whose validity ended (a new day, a deadline) are stored again (kept_signalen)."""
    from portal.services import kept_signalen

    with _worker_session() as (session, _config):
        aantal = kept_signalen.verlopen_bijwerken(session)
        session.commit()
        return aantal


# --- the DUO outbox --------------------------------------------------------------------------------------

@huey.periodic_task(crontab(minute="40"))
def duo_berichten_bijwerken() -> int:
    """Every hour: every gemeente's DUO outbox gets a bericht for each value that changed since the last one
    (the "Berichten bijwerken" button does the same at once); returns how many were added."""
    from portal.services.chain import duo

    with _worker_session() as (session, _config):
        return duo.bijwerken_alle(session)


# --- spreadsheet uploads: check and confirm in the background ---------------------------------------------

UPLOAD_PROGRESS_KEY = "upload-voortgang:{}"


class UploadProgress:
    """Reports a job's progress through huey's key-value store (SQLite file or Redis), not the database:
    the confirmation's single transaction holds SQLite's write lock, and progress must stay visible."""

    def __init__(self, upload_id: str, enabled: bool = True) -> None:
        self.key = UPLOAD_PROGRESS_KEY.format(upload_id)
        self.enabled = enabled
        self._last = -1

    def __call__(self, pct: int, text: str) -> None:
        if self.enabled and pct != self._last:
            self._last = pct
            huey.put(self.key, {"pct": pct, "tekst": text})


def upload_progress(upload_id: str) -> dict[str, Any] | None:
    """The last progress a job reported for an upload, if any."""
    return huey.get(UPLOAD_PROGRESS_KEY.format(upload_id), peek=True)


def forget_progress(upload_id: str) -> None:
    """Drop a stopped run's progress, so a new run does not start at the old percentage."""
    huey.get(UPLOAD_PROGRESS_KEY.format(upload_id))


UPLOAD_LEASE_KEY = "upload-lease:{}"


class Heartbeat:
    """While a run checks or saves an upload: renew its lease every third of the lease in huey's key-value store
    (the run's own transaction may hold SQLite's write lock, so the database cannot take the renewal)."""

    def __init__(self, upload_id: str, poging: int, lease: timedelta) -> None:
        self.key = UPLOAD_LEASE_KEY.format(upload_id)
        self.poging = poging
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{upload_id[:8]}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with suppress(Exception):
            huey.get(self.key)  # done: the lease is no longer needed

    def beat(self) -> None:
        """Renew the lease now; a failing store is logged, and the lease then runs out (the run stays safe)."""
        try:
            huey.put(self.key, {"poging": self.poging, "tot": (utcnow() + self.lease).isoformat()})
        except Exception as exc:
            logging.getLogger("portal.uploads").warning("lease niet verlengd: %s", type(exc).__name__)

    def _run(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 3):
            self.beat()


def upload_heartbeat(upload: Any) -> datetime | None:
    """Until when the current run of an upload counts as alive beyond its claim's lease: its heartbeat's renewal,
    or, once the claim's lease ran out while the job still waits in the queue (the workers are busy with other
    files), one lease from now: waiting is not stopping."""
    from portal.services.uploads import lease

    data = huey.get(UPLOAD_LEASE_KEY.format(upload.id), peek=True)
    if data and data.get("poging") == upload.poging:
        return datetime.fromisoformat(data["tot"])
    granted = lease.expires_at(upload, None)
    if granted is None or granted >= utcnow() or not _queued(upload.id, upload.poging):
        return None  # the queue is only read when the claim's own lease has run out
    return utcnow() + timedelta(seconds=current_app.config.get("UPLOAD_LEASE_SECONDS") or 45)


def _queued(upload_id: str, poging: int) -> bool:
    """Whether a check or confirmation job of this run waits in the queue (read only when a lease ran out)."""
    if huey.immediate:
        return False
    wanted = {upload_controleren.task_class.__name__, upload_bevestigen.task_class.__name__}
    try:
        pending = huey.pending()
    except Exception as exc:  # the queue cannot be read: then only the lease counts
        logging.getLogger("portal.uploads").warning("wachtrij niet gelezen: %s", type(exc).__name__)
        return False
    return any(task.name in wanted and task.args and task.args[0] == upload_id and task.args[-1] == poging
               for task in pending)


def run_upload_validation(session: Session, config: Mapping[str, Any], upload_id: str, report: bool = True,
                          poging: int | None = None) -> None:
    """Check an upload and record its preview; a crash marks it failed with a clear message (commits).
    `poging` is the claim the job was queued for (None: the upload's current one)."""
    from portal.models import Upload, User
    from portal.services import uploads

    upload = session.get(Upload, upload_id)
    if upload is None:
        return
    actor = session.get(User, upload.user_id)
    assert actor is not None
    _run_upload_step(session, config, upload, actor, poging, uploads.validate, uploads.validation_failed,
                     "controle", report)


def run_upload_confirmation(session: Session, config: Mapping[str, Any], upload_id: str, user_id: int,
                            report: bool = True, poging: int | None = None) -> None:
    """Save a claimed upload in one transaction; on any failure nothing stays and it can be confirmed again."""
    from portal.models import Upload, User
    from portal.services import history, uploads

    upload = session.get(Upload, upload_id)
    actor = session.get(User, user_id)
    if upload is None or actor is None:
        return
    with history.via("upload"):  # the corrections it saves name the upload as their source
        _run_upload_step(session, config, upload, actor, poging, uploads.confirm, uploads.confirmation_failed,
                         "bevestiging", report)


def _run_upload_step(session: Session, config: Mapping[str, Any], upload: Any, actor: Any, poging: int | None,
                     step: Callable[..., Any], failed: Callable[[Session, str, int, BaseException], Any], name: str,
                     report: bool) -> None:
    """Run one upload step under its lease and commit; a crash rolls back, marks the upload failed (commits) and
    is logged. A job whose claim was taken over (it waited too long in the queue) does nothing."""
    from portal.services import uploads

    upload_id = upload.id  # read before a rollback expires the object
    poging = upload.poging if poging is None else poging
    settings = uploads.Settings.from_config(config)
    if not uploads.begin_run(session, upload_id, poging, settings.lease):
        session.rollback()
        logging.getLogger("portal.uploads").info("upload %s %s overgeslagen: opnieuw gestart", upload_id, name)
        return
    session.commit()
    try:
        with Heartbeat(upload_id, poging, settings.lease):
            step(session, actor, upload, settings.upload_dir, settings.today(), settings.limits,
                 UploadProgress(upload_id, report))
            session.commit()
    except Exception as exc:
        session.rollback()
        failed(session, upload_id, poging, exc)
        session.commit()
        # Only the exception type: messages of database errors can echo row values.
        logging.getLogger("portal.uploads").warning("upload %s %s mislukt: %s", upload_id, name,
                                                    type(exc).__name__)


@huey.task()
def upload_controleren(upload_id: str, poging: int | None = None) -> None:
    """Background check of a large upload."""
    with _worker_session() as (session, config):
        run_upload_validation(session, config, upload_id, poging=poging)


@huey.task()
def upload_bevestigen(upload_id: str, user_id: int, poging: int | None = None) -> None:
    """Background save of a confirmed large upload."""
    with _worker_session() as (session, config):
        run_upload_confirmation(session, config, upload_id, user_id, poging=poging)
