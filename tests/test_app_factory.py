"""gunicorn --preload builds the app once in the master and forks the workers: importing the portal and
building the app must open no database connection (a forked connection would be shared by every worker)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import pkgutil, sqlite3, importlib
import psycopg
opened = []
real_sqlite, real_pg = sqlite3.connect, psycopg.Connection.connect
sqlite3.connect = lambda *a, **k: opened.append(("sqlite", a[:1])) or real_sqlite(*a, **k)
psycopg.Connection.connect = classmethod(lambda cls, *a, **k: opened.append(("pg", ())) or real_pg(*a, **k))
import portal
for module in pkgutil.walk_packages(portal.__path__, "portal."):
    if module.name != "portal.worker":  # the worker's entry point builds an app on purpose
        importlib.import_module(module.name)
assert opened == [], f"importing opened {opened}"
app = portal.create_app()
from portal.extensions import db
assert opened == [], f"create_app() opened {opened}"
assert db.engine.pool.checkedin() == 0
print("ok")
"""


def test_import_and_create_app_open_no_connection(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'preload.db'}", "PORTAL_HUEY_IMMEDIATE": "true",
           "PORTAL_SECRET_KEY": "preload-test"}
    env.pop("PORTAL_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,  # noqa: S603
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
