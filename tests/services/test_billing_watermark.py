"""A billing run never loses a registration that was written before it started but committed after it: the next
run looks back far enough to recompute it (derive.py, "the run's peilmoment").

Registration writers never take the contract lock, so a change can carry an updated_at from before a run's start
and still be invisible to that run: on PostgreSQL a transaction that has not committed yet, on SQLite a writer whose
updated_at was set before it waited for the write lock the run held.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.database import reading_first
from portal.models import Contract, Presentie, Prestatie
from portal.models.base import utcnow
from portal.services.billing.derive import derive
from tests.helpers import app_on_scratch_database
from tests.services.test_billing_concurrency import NOVEMBER, _aanwezig, _engine, _run, _wereld


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on its own database: the writer and the run need committed data and connections of their own."""
    with app_on_scratch_database(tmp_path, "portal_billing_watermark") as app, app.app_context():
        yield app


def _aantallen(verwijzing_id: int) -> list[Decimal]:
    with Session(_engine()) as check:
        return [p.aantal for p in check.scalars(select(Prestatie).where(Prestatie.verwijzing_id == verwijzing_id))]


@pytest.mark.postgres
def test_hours_corrected_before_a_run_and_committed_after_it_are_billed_by_the_next_run(live_app):
    wereld = _wereld()
    verwijzing_id = _aanwezig(wereld, date(2026, 11, 3))
    _run(wereld)
    assert _aantallen(verwijzing_id) == [Decimal(3)]
    writer = Session(_engine())  # e.g. a long upload confirmation: 3 hours become 1, not committed yet
    presentie = writer.scalars(select(Presentie).where(Presentie.verwijzing_id == verwijzing_id)).one()
    presentie.uren_aanwezig = Decimal(1)
    writer.flush()

    _run(wereld)  # starts after the change was written; cannot see it
    writer.commit()
    writer.close()
    _run(wereld)

    assert _aantallen(verwijzing_id) == [Decimal(1)]


@pytest.mark.sqlite
def test_hours_stamped_before_a_run_and_written_after_it_are_billed_by_the_next_run(live_app):
    wereld = _wereld()
    verwijzing_id = _aanwezig(wereld, date(2026, 11, 3))
    _run(wereld)
    run = Session(_engine())
    run.get(Contract, wereld.contract)  # the run's transaction holds SQLite's write lock from here on
    stamped = threading.Event()

    def correct() -> None:
        # As the grid's row save does: it reads first, stamps the change in Python, then waits for the write lock.
        with live_app.app_context(), reading_first(), Session(_engine()) as writer:
            presentie = writer.scalars(select(Presentie).where(Presentie.verwijzing_id == verwijzing_id)).one()
            presentie.uren_aanwezig = Decimal(1)
            presentie.updated_at = utcnow()
            stamped.set()
            writer.commit()

    thread = threading.Thread(target=correct)
    thread.start()
    try:
        assert stamped.wait(timeout=20)
        derive(run, run.get(Contract, wereld.contract), NOVEMBER)  # starts after the change was stamped
        run.commit()
    finally:
        run.close()
        thread.join(timeout=60)
    assert _aantallen(verwijzing_id) == [Decimal(3)]  # the run could not see it: it was not written yet

    _run(wereld)

    assert _aantallen(verwijzing_id) == [Decimal(1)]
