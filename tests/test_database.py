"""SQLite transactions under concurrent writers: who holds the write lock when, on a real WAL file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, abort
from sqlalchemy import Column, Engine, Integer, MetaData, Table, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import registry

from portal import database
from portal.database import Database, is_write, make_engine
from portal.services.billing.bulk import bulk_insert


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


@pytest.fixture
def proef(database_url: str) -> Iterator[tuple[Flask, Database]]:
    """A bare app on this run's database with a table of its own, and routes that read or write it."""
    app = Flask(__name__)
    app.config.update(DATABASE_URL=database_url)
    extension = Database()
    extension.init_app(app)
    with extension.engine.begin() as connection:
        connection.execute(text("CREATE TABLE verzoek_proef (a INTEGER)"))

    @app.route("/lees")
    def lees() -> str:
        return str(extension.session.execute(text("SELECT count(*) FROM verzoek_proef WHERE a > :a"), {"a": 0})
                   .scalar())

    @app.route("/schrijf-en-faal", methods=["POST"])
    def schrijf_en_faal() -> str:
        extension.session.execute(text("INSERT INTO verzoek_proef VALUES (1)"))
        raise RuntimeError("mislukt na het schrijven")

    @app.route("/schrijf-en-weiger", methods=["POST"])
    def schrijf_en_weiger() -> str:
        extension.session.execute(text("INSERT INTO verzoek_proef VALUES (2)"))
        abort(409)

    @app.route("/schrijf-zonder-commit", methods=["POST"])
    def schrijf_zonder_commit() -> str:
        extension.session.execute(text("INSERT INTO verzoek_proef VALUES (3)"))
        return "ok"

    @app.route("/schrijf", methods=["POST"])
    def schrijf() -> str:
        extension.session.execute(text("INSERT INTO verzoek_proef VALUES (4)"))
        extension.session.commit()
        return "ok"

    try:
        yield app, extension
    finally:
        with extension.engine.begin() as connection:
            connection.execute(text("DROP TABLE verzoek_proef"))
        extension.engine.dispose()


def test_a_request_that_fails_or_does_not_commit_leaves_nothing_of_its_writes(proef):
    """Only a committed write stays: not that of a request that failed, answered with an error or did not commit."""
    app, _extension = proef
    client = app.test_client()
    assert client.post("/schrijf-en-faal").status_code == 500
    assert client.post("/schrijf-en-weiger").status_code == 409
    assert client.post("/schrijf-zonder-commit").status_code == 200
    assert client.get("/lees").text == "0"
    assert client.post("/schrijf").status_code == 200
    assert client.get("/lees").text == "1"


@pytest.mark.postgres
def test_reading_requests_keep_the_statements_postgresql_prepared(proef):
    """psycopg prepares a statement run five times on a connection, and forgets all it prepared at a ROLLBACK:
    requests that only read end without one, so a page's statements stay prepared across other reading pages."""
    app, extension = proef
    client = app.test_client()
    for _ in range(6):
        assert client.get("/lees").text == "0"
    with extension.engine.connect() as connection:  # the pool's one connection, as the requests used it
        prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE "
                                           "'%FROM verzoek_proef WHERE%'")).scalar()
    assert prepared == 1


def test_a_form_shown_again_after_a_dry_run_failed_in_the_database_is_answered(proef):
    """formflow's dry run of a form with errors: a flush that fails in a savepoint leaves the session waiting for a
    rollback; the form is still answered, nothing is stored, and the next request has a working session."""
    app, extension = proef
    with extension.engine.begin() as connection:
        connection.execute(text("CREATE TABLE verzoek_uniek (a INTEGER PRIMARY KEY)"))
        connection.execute(text("INSERT INTO verzoek_uniek VALUES (1)"))
    metadata = MetaData()
    uniek = Table("verzoek_uniek", metadata, Column("a", Integer, primary_key=True))

    class Uniek:
        pass

    registry().map_imperatively(Uniek, uniek)

    @app.route("/proef-met-fouten", methods=["POST"])
    def proef_met_fouten() -> str:
        extension.session.execute(text("SELECT count(*) FROM verzoek_proef")).scalar()
        savepoint = extension.session.begin_nested()
        try:
            dubbel = Uniek()
            dubbel.a = 1  # type: ignore[attr-defined]
            extension.session.add(dubbel)
            extension.session.flush()
        except IntegrityError:
            pass  # advisory, as formflow._service_errors_too: the form's own errors stand
        finally:
            if savepoint.is_active:
                savepoint.rollback()
        return "formulier opnieuw"

    try:
        client = app.test_client()
        response = client.post("/proef-met-fouten")
        assert (response.status_code, response.text) == (200, "formulier opnieuw")
        assert client.get("/lees").text == "0"
        with extension.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM verzoek_uniek")).scalar() == 1
    finally:
        with extension.engine.begin() as connection:
            connection.execute(text("DROP TABLE verzoek_uniek"))


def test_a_request_that_copied_rows_and_answered_with_an_error_leaves_nothing(proef):
    """A COPY on the driver's cursor (billing.bulk.bulk_insert, the presentie import) is unseen by SQLAlchemy's
    events: a request that wrote only that way and then answered with an error must still roll back."""
    app, extension = proef
    tabel = Table("verzoek_proef", MetaData(), Column("a", Integer))

    @app.route("/kopieer-en-weiger", methods=["POST"])
    def kopieer_en_weiger() -> tuple[str, int]:
        extension.session.execute(text("SELECT count(*) FROM verzoek_proef")).scalar()
        bulk_insert(extension.session, tabel, [{"a": 5}, {"a": 6}])
        return "niet opgeslagen", 422

    client = app.test_client()
    assert client.post("/kopieer-en-weiger").status_code == 422
    assert client.get("/lees").text == "0"


def test_a_statement_read_in_batches_with_a_parameter_works(app):
    """A query streamed in batches (yield_per: a server-side cursor on PostgreSQL) gets its parameters too."""
    from portal.extensions import db

    with db.engine.connect() as connection:
        rows = connection.execution_options(yield_per=2).execute(
            text("SELECT n FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) AS t WHERE n > :n"), {"n": 1})
        assert sorted(rows.scalars()) == [2, 3]
