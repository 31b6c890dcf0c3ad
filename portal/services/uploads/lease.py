"""Whether the run that checks or confirms an upload is still alive: a lease the run keeps renewing.

Every claim (the upload itself, a confirmation, "opnieuw") counts the upload's `poging` up and grants a lease
(`lease_expires_at`, LEASE from now). While it works, the run renews the lease every third of LEASE through a
heartbeat (portal.tasks.Heartbeat). The heartbeat goes to the job queue's key-value store, not to the database:
a confirmation is one transaction, and on SQLite that transaction holds the only write lock until it commits.

A run whose lease ran out has stopped (its worker was killed, the machine restarted): the upload page says so
and offers to start again, which claims the upload with the next `poging`. A run that was only slow and comes
back finds another `poging` on the upload and stores nothing (`still_owned`), so at most one run ever commits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.models import Upload, UploadStatus
from portal.models.base import utcnow

LEASE = timedelta(seconds=45)
BEZIG = (UploadStatus.UPLOADED, UploadStatus.VALIDATING, UploadStatus.CONFIRMING)


class LeaseLost(Exception):
    """Another run owns the upload now: this one must store nothing."""


def expires_at(upload: Upload, renewed: datetime | None) -> datetime | None:
    """When the current run's lease ends: the lease of its claim, or the later one its heartbeat renewed."""
    granted = _aware(upload.lease_expires_at)
    if renewed is None:
        return granted
    return renewed if granted is None else max(granted, _aware(renewed))  # type: ignore[type-var]


def is_stopped(upload: Upload, renewed: datetime | None, now: datetime | None = None) -> bool:
    """Whether the upload waits for a run that no longer renews its lease (only while a step is busy)."""
    if upload.status not in BEZIG:
        return False
    until = expires_at(upload, renewed)
    return until is not None and until < (now or utcnow())


def claim_values(lease: timedelta, **values: Any) -> dict[str, Any]:
    """The column values of a new claim: the next poging and a fresh lease, plus the step's own values."""
    now = utcnow()
    return {"poging": Upload.poging + 1, "lease_expires_at": now + lease, "updated_at": now, **values}


def begin_run(session: Session, upload_id: str, poging: int, lease: timedelta) -> bool:
    """A run starts: True (lease renewed) when the upload is still busy with this very poging; the caller commits.

    False for a job that waited in the queue while its lease ran out and someone started again.
    """
    return session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.poging == poging, Upload.status.in_(BEZIG))
        .values(lease_expires_at=utcnow() + lease)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def still_owned(session: Session, upload_id: str, poging: int) -> None:
    """Just before a run stores its result: raise LeaseLost unless the upload is still this run's.

    The conditional UPDATE also locks the row (PostgreSQL) until the caller commits, so a claim that comes in
    now waits and then sees the stored result instead of claiming a finished upload.
    """
    owned = session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.poging == poging, Upload.status.in_(BEZIG))
        .values(lease_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if owned != 1:
        raise LeaseLost("Deze upload is intussen opnieuw gestart; deze verwerking heeft niets opgeslagen.")


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive UTC datetimes; the lease is compared with aware UTC now.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
