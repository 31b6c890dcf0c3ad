"""gunicorn.conf.py: workers freeze the app's objects out of garbage collection and collect less often."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_a_worker_freezes_its_app_and_collects_per_50000_objects(app):
    settings = runpy.run_path(str(CONF))
    before = gc.get_threshold()
    try:
        settings["post_worker_init"](None)
        assert gc.get_threshold() == (50_000, 20, 20)
        assert gc.get_freeze_count() > 10_000  # the app, its models and templates
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
