"""The demo region is loaded on the portal's day (portal.clock, Europe/Amsterdam), not the machine's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from flask import Flask, g
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.demo import load_demo_region
from portal.models import SignaalStand


def test_demo_region_is_loaded_on_the_amsterdam_day_so_its_kept_signals_are_valid_today(
        app: Flask, db: Session, tmp_path) -> None:
    # 23:30 UTC on 4 December is 00:30 on 5 December in Amsterdam: the machine's date is still "yesterday".
    upload_dir = app.config.get("UPLOAD_DIR")
    app.config["UPLOAD_DIR"] = str(tmp_path)
    try:
        with time_machine.travel(datetime(2026, 12, 4, 23, 30, tzinfo=UTC), tick=False), app.app_context():
            g._db_session = db
            assert date.today() == date(2026, 12, 4)
            assert clock.today() == date(2026, 12, 5)
            region = load_demo_region(db, size=40)
            db.flush()
            g.pop("_db_session", None)
            assert region.today == date(2026, 12, 5)
            standen = db.scalars(select(SignaalStand)).all()
            assert standen
            # Every kept row is valid on the day the portal reads them, so the regie overview reads them.
            assert all(stand.geldig_van <= clock.today() < stand.geldig_tot for stand in standen)
    finally:
        app.config["UPLOAD_DIR"] = upload_dir
