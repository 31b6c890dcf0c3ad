"""SQLite transactions under concurrent writers: who holds the write lock when, on a real WAL file."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from portal import database
from portal.database import Database, is_write, make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'sloten.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE teller (id INTEGER PRIMARY KEY, waarde INTEGER)"))
        connection.execute(text("INSERT INTO teller VALUES (1, 0)"))
    yield engine
    engine.dispose()


def _impatient(engine: Engine) -> Engine:
    """A second engine on the same file that gives up on a lock after 50 ms."""
    return make_engine(str(engine.url), connect_args={"check_same_thread": False, "timeout": 0.05})


def test_outside_requests_a_transaction_holds_the_write_lock_from_its_start(engine: Engine):
    other = _impatient(engine)
    try:
        with engine.connect() as holder:
            holder.begin()
            holder.execute(text("SELECT waarde FROM teller"))  # only read so far, yet the lock is taken
            with other.connect() as writer, pytest.raises(OperationalError, match="locked"):
                writer.begin()
            holder.execute(text("UPDATE teller SET waarde = waarde + 1"))
            holder.commit()
    finally:
        other.dispose()


def test_a_reading_request_that_writes_after_another_commit_waits_instead_of_failing(engine: Engine):
    """The failure of the first release: read (deferred), someone else commits a write, then our audit insert."""
    token = database._begin_mode.set(database.DEFERRED)
    try:
        with engine.connect() as reader, engine.connect() as writer:
            reader.begin()
            assert reader.execute(text("SELECT waarde FROM teller")).scalar_one() == 0
            database._begin_mode.set(database.IMMEDIATE)
            writer.begin()
            writer.execute(text("UPDATE teller SET waarde = 5"))
            writer.commit()
            reader.execute(text("INSERT INTO teller VALUES (2, 1)"))  # on a stale snapshot this was SQLITE_BUSY
            # The write runs in a new transaction that holds the lock: it sees the other commit.
            assert reader.execute(text("SELECT waarde FROM teller WHERE id = 1")).scalar_one() == 5
            reader.commit()
    finally:
        database._begin_mode.reset(token)
    with engine.connect() as check:
        assert check.execute(text("SELECT count(*) FROM teller")).scalar_one() == 2


def test_a_deferred_read_does_not_block_a_writer(engine: Engine):
    other = _impatient(engine)
    token = database._begin_mode.set(database.DEFERRED)
    try:
        with engine.connect() as reader:
            reader.begin()
            reader.execute(text("SELECT waarde FROM teller")).all()
            database._begin_mode.set(database.IMMEDIATE)
            with other.begin() as writer:
                writer.execute(text("UPDATE teller SET waarde = 7"))
            reader.rollback()
    finally:
        database._begin_mode.reset(token)
        other.dispose()


@pytest.mark.parametrize(("statement", "writes"), [
    ("SELECT * FROM presentie", False),
    ("  select 1", False),
    ("PRAGMA foreign_keys", False),
    ("WITH x AS (SELECT 1) SELECT * FROM x", False),
    ("INSERT INTO audit_event VALUES (1)", True),
    ("UPDATE user_session SET last_seen_at = ?", True),
    ("DELETE FROM melding", True),
    ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", True),
    ("SAVEPOINT sa_savepoint_1", True),
    ("CREATE TABLE t (a INTEGER)", True),
    ("COMMIT", False),
    ("ROLLBACK TO SAVEPOINT sa_savepoint_1", False),
])
def test_which_statements_count_as_writes(statement: str, writes: bool):
    assert is_write(statement) is writes


def test_requests_choose_how_their_transactions_begin(tmp_path: Path):
    """GET reads first; POST holds the write lock from the start until its write is committed, then reads first."""
    app = Flask(__name__)
    app.config.update(DATABASE_URL=f"sqlite:///{tmp_path / 'verzoeken.db'}", SQLITE_DEFERRED_READS=True)
    extension = Database()
    extension.init_app(app)
    seen: dict[str, list[str]] = {}

    @app.route("/lees")
    def lees() -> str:
        seen["GET"] = [database._begin_mode.get()]
        return "ok"

    @app.route("/schrijf", methods=["POST"])
    def schrijf() -> str:
        database.read_after_write()  # as the session check does for a logged-in user
        modes = [database._begin_mode.get()]
        extension.session.execute(text("CREATE TABLE IF NOT EXISTS t (a INTEGER)"))
        extension.session.execute(text("INSERT INTO t VALUES (1)"))
        modes.append(database._begin_mode.get())
        extension.session.commit()
        modes.append(database._begin_mode.get())
        seen["POST"] = modes
        return "ok"

    client = app.test_client()
    assert client.get("/lees").status_code == 200
    assert client.post("/schrijf").status_code == 200
    expected = {"GET": [database.DEFERRED],
                "POST": [database.IMMEDIATE, database.IMMEDIATE, database.DEFERRED]}
    assert seen == expected
    assert database._begin_mode.get() == database.IMMEDIATE  # outside requests, as before
    extension.engine.dispose()


@pytest.mark.postgres
def test_postgresql_connections_do_not_jit_compile(app):
    """JIT compilation cost seconds on the regie's signal query (priced high, cheap to run)."""
    from portal.extensions import db as portal_db

    with portal_db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
