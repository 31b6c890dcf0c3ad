"""The demo region is loaded once for this package; each test runs in a savepoint that is rolled back after it.

Loading the region takes far longer than any of these tests (seconds on SQLite, more on PostgreSQL), and the tests
only read it or change it inside their own savepoint, so one load serves them all.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from portal.demo import load_demo_region
from portal.extensions import db as portal_db
from tests.conftest import session_in_savepoints
from tests.demo import TODAY


@pytest.fixture(scope="package")
def demo_connection(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    """A connection whose outer transaction holds the demo region, rolled back when the package is done."""
    assert portal_db.engine is not None
    upload_dir = app.config.get("UPLOAD_DIR")
    app.config["UPLOAD_DIR"] = str(tmp_path_factory.mktemp("demo-uploads"))  # the region's files stay out of uploads/
    connection = portal_db.engine.connect()
    outer = connection.begin()
    try:
        # In an app context, as `flask seed-demo` runs it: the region's uploads are then processed too.
        with app.app_context(), session_in_savepoints(connection) as session:
            g._db_session = session
            load_demo_region(session, today=TODAY)
            session.commit()  # releases the session's savepoint into the outer transaction
            g.pop("_db_session", None)
        yield connection
    finally:
        if outer.is_active:
            outer.rollback()
        connection.close()
        app.config["UPLOAD_DIR"] = upload_dir


@pytest.fixture
def db(demo_connection: Connection) -> Iterator[Session]:
    """The demo region in a savepoint of its own: what a test or its requests write is gone after it."""
    savepoint = demo_connection.begin_nested()
    try:
        with session_in_savepoints(demo_connection) as session:
            yield session
    finally:
        if savepoint.is_active:
            savepoint.rollback()


@pytest.fixture
def region(db: Session) -> Session:
    """The demo region, loaded as of TODAY."""
    return db
