"""A small SQLAlchemy 2.0 integration: one engine per app, one session per app context.

SQLite and concurrent writers. Under WAL, a transaction that started with a plain (deferred) BEGIN, read, and
then writes must upgrade its read snapshot to the write lock; when another connection committed in between,
SQLite answers SQLITE_BUSY at once and the busy timeout does not apply (the snapshot is stale, so waiting cannot
help). Measured on the first release: a third of the grid saves and half of the audited page reads failed with
"database is locked" at 8 concurrent users. So on SQLite:

* every transaction that may write starts with BEGIN IMMEDIATE: it waits (up to the busy timeout, in short
  steps) for the write lock and holds it, so its reads and writes are one serialisable unit. This is the default
  for everything: POST requests, CLI commands, background jobs, migrations. Once a POST request's transaction that
  wrote has committed (the view commits once), the rest of the request (rendering the answer) reads as GET
  requests do, so the lock is not held while templates render; the session check before the view reads first
  as well, and ends that read before the view, except for a view marked with `reads_first_view` (the grid row
  save), which continues it for its own reads and commits it itself before its BEGIN IMMEDIATE.
* GET/HEAD/OPTIONS requests start DEFERRED, so page reads run side by side with writers. At their first write
  (typically the audit event of what the page showed, or a session refresh) the read-only transaction is ended
  (nothing was written in it) and a BEGIN IMMEDIATE transaction continues on the same connection. The reads
  before that point and the write are then two transactions, as every statement is under PostgreSQL's default
  READ COMMITTED; GET handlers only append audit events or refresh markers, which do not depend on that.
  PORTAL_SQLITE_DEFERRED_READS=false makes GET requests take the write lock at the start too (measured by
  `python -m bench load`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import psycopg
from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError as DBAPIOperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from portal.statement_cache import StatementCache

IMMEDIATE = "immediate"
DEFERRED = "deferred"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_SECONDS = 30
# How the next SQLite transaction of this thread/context begins; requests set it, everything else is IMMEDIATE.
_begin_mode: ContextVar[str] = ContextVar("sqlite_begin_mode", default=IMMEDIATE)
# Whether, in this request, a committed transaction that wrote switches later transactions to DEFERRED.
_read_after_write: ContextVar[bool] = ContextVar("sqlite_read_after_write", default=False)
_READ_ONLY_SO_FAR = "portal_sqlite_deferred"  # key in the DBAPI connection's info: a deferred txn, no write yet
_WROTE = "portal_sqlite_wrote"  # key in the DBAPI connection's info: this transaction wrote
_READ_STATEMENTS = ("SELECT", "PRAGMA", "EXPLAIN")
_CONTROL_STATEMENTS = ("BEGIN", "COMMIT", "ROLLBACK", "RELEASE", "END")
_WRITE_WORDS = (" INSERT ", " UPDATE ", " DELETE ", " REPLACE ")
_PG_WROTE = "portal_pg_wrote"  # key in the DBAPI connection's info: this PostgreSQL transaction may have written

logger = logging.getLogger(__name__)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the per-dialect settings this project relies on.

    Statement parameters never appear in logs or exception texts (hide_parameters): they hold names and BSNs.
    """
    kwargs.setdefault("hide_parameters", True)
    # Compiled statements found again without hashing their whole cache key (portal.statement_cache).
    kwargs["execution_options"] = {"compiled_cache": StatementCache(), **kwargs.get("execution_options", {})}
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared in-memory database for all threads of the test app.
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _sqlite_take_write_lock)
        event.listen(engine, "commit", _sqlite_commit)
        event.listen(engine, "rollback", _sqlite_end)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # No JIT: the portal's queries are short, but PostgreSQL prices the regie's scoped signal query above
    # jit_above_cost and then spends seconds compiling it (measured: 4.7 s of JIT for a 0.3 s query over 5,000
    # cases, python -m bench regie_scale --pg).
    kwargs.setdefault("connect_args", {"options": "-c jit=off"})
    if url.startswith("postgresql+psycopg://"):
        # Statements in PostgreSQL's own $1 placeholders, which psycopg's RawCursor sends as they are: with the
        # default %(name)s, psycopg rewrites every statement's text at every execution, and caches that rewrite
        # only for statements under 4 kB; the case page's and the grid save's are 5-15 kB (measured: 0.17 ms of a
        # ~8 ms case page, interleaved gunicorn runs). Both are public, documented settings (psycopg >= 3.2).
        kwargs.setdefault("paramstyle", "numeric_dollar")
        kwargs["connect_args"] = {"cursor_factory": psycopg.RawCursor, **kwargs["connect_args"]}
        engine = create_engine(url, **kwargs)
        # Server-side cursors (yield_per, stream_results) get the same $1 statements: the default ServerCursor
        # reads %s placeholders and refuses them ("the query has 0 placeholders but 1 parameters were passed").
        event.listen(engine, "connect", _raw_server_cursors)
    else:
        engine = create_engine(url, **kwargs)
    event.listen(engine, "begin", _pg_begin)
    event.listen(engine, "before_cursor_execute", _pg_note_write)
    return engine


def _raw_server_cursors(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.server_cursor_factory = psycopg.RawServerCursor


def _pg_begin(connection: Any) -> None:
    connection.info[_PG_WROTE] = False


def _pg_note_write(
    connection: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _executemany: bool
) -> None:
    """Remember that this PostgreSQL transaction may have written (is_write: unknown statements count as writes)."""
    if not connection.info.get(_PG_WROTE, True) and is_write(statement):
        connection.info[_PG_WROTE] = True


def note_write(connection: Any) -> None:
    """Count a write that bypasses SQLAlchemy's execution events (a COPY on the driver's cursor) as one, so the
    request's transaction is not ended with COMMIT as one that only read."""
    connection.info[_PG_WROTE] = True


def wrote_nothing(session: Session) -> bool:
    """Whether the session's PostgreSQL transaction ran no statement that may write and holds no pending change:
    ending it with COMMIT or ROLLBACK is the same for the data."""
    # is_active is False while a failed flush waits for a rollback: close() rolls back, connection() would raise.
    if not session.is_active or not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    return session.connection().info.get(_PG_WROTE) is False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite ignores foreign keys unless told per connection; WAL lets readers run during writes."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # pysqlite's own transaction handling commits on SAVEPOINT release and ignores BEGIN semantics;
    # take control so savepoints and rollbacks behave as on PostgreSQL (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    """BEGIN IMMEDIATE unless this context reads first (GET requests): see the module docstring."""
    deferred = _begin_mode.get() == DEFERRED
    _sqlite_end(connection)
    if deferred:
        # On the driver itself, as BEGIN IMMEDIATE is: through SQLAlchemy's statement machinery (and this module's
        # own before_cursor_execute hook) the BEGIN cost more than the statement (every request begins one).
        connection.connection.dbapi_connection.execute("BEGIN")
    else:
        _begin_immediate(connection.connection.dbapi_connection)
    connection.info[_READ_ONLY_SO_FAR] = deferred


def _begin_immediate(dbapi_connection: Any) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock in steps of at most 2 ms, up to the busy timeout.

    SQLite's own busy handler sleeps 1, 2, 5, 10 … up to 100 ms between attempts, so under steady contention a
    waiter oversleeps a lock that is held for ~10 ms and the lock stands idle (measured: p99 of grid saves 1.6–1.9 s
    at 8 clients, against 0.3–0.5 s with short steps). Later statements keep the normal busy timeout.
    """
    timeout_ms = dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0]
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout_ms / 1000
        delay = 0.0002
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    # As SQLAlchemy reports any failed statement, so error pages and upload messages know it.
                    raise DBAPIOperationalError("BEGIN IMMEDIATE", None, exc) from exc
            time.sleep(delay)
            delay = min(delay * 1.5, 0.002)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")


def _sqlite_commit(connection: Any) -> None:
    if connection.info.get(_WROTE) and _read_after_write.get():
        _begin_mode.set(DEFERRED)  # the request's write is done: what follows only renders the answer
    _sqlite_end(connection)


def _sqlite_end(connection: Any) -> None:
    connection.info[_READ_ONLY_SO_FAR] = False
    connection.info[_WROTE] = False


@contextmanager
def reading_first() -> Iterator[None]:
    """Transactions begun inside this block begin DEFERRED and take the write lock at their first write.

    For short units whose only write does not depend on what they read (the session check's last-seen refresh).
    """
    token = _begin_mode.set(DEFERRED if _deferred_allowed() else IMMEDIATE)
    try:
        yield
    finally:
        _begin_mode.reset(token)


def reads_first_view(view: Any) -> Any:
    """Mark a POST view that reads first and ends that read itself before it writes (the grid row save): on SQLite
    the session check leaves its deferred read transaction open for the view's reads (a BEGIN and a COMMIT fewer)."""
    view.portal_reads_first = True
    return view


def view_reads_first() -> bool:
    """Whether this request's view was marked with `reads_first_view`."""
    return getattr(current_app.view_functions.get(request.endpoint or ""), "portal_reads_first", False)


def read_after_write() -> None:
    """In this request, once a transaction that wrote commits, begin later transactions DEFERRED.

    Called by the session check after its own commit, so that its occasional session refresh does not count.
    """
    _read_after_write.set(_deferred_allowed())


def _deferred_allowed() -> bool:
    """PORTAL_SQLITE_DEFERRED_READS=false: every transaction begins IMMEDIATE (to compare, see bench/load.py)."""
    return not has_app_context() or bool(current_app.config.get("SQLITE_DEFERRED_READS", True))


def is_write(statement: str) -> bool:
    """Whether a statement may write (or opens a savepoint, which only a writing unit of work does).

    Unknown statements count as writes: taking the lock once too often costs a little waiting, missing
    a write costs the user an error.
    """
    head = statement.lstrip()[:10].upper()
    if head.startswith(_CONTROL_STATEMENTS) or head.startswith(_READ_STATEMENTS):
        return False
    if head.startswith("WITH"):
        return _with_writes(statement)
    return True


@lru_cache(maxsize=256)
def _with_writes(statement: str) -> bool:
    """Whether a WITH statement writes: its whole text searched, once per statement (the compiled statements are
    the same few; a kept-signals read of one case is 15,000 characters, 0.1 ms to search at every execution)."""
    upper = " ".join(statement.upper().split())
    return any(word in f" {upper} " for word in _WRITE_WORDS)


def _sqlite_take_write_lock(
    connection: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _executemany: bool
) -> None:
    """Before the first write of a deferred (read-only so far) transaction: end it and BEGIN IMMEDIATE."""
    if not is_write(statement):
        return
    connection.info[_WROTE] = True
    if not connection.info.get(_READ_ONLY_SO_FAR):
        return
    connection.info[_READ_ONLY_SO_FAR] = False
    dbapi_connection = connection.connection.dbapi_connection
    # Nothing was written in the deferred transaction, so ending it loses nothing; BEGIN IMMEDIATE then waits
    # for the write lock with the busy timeout instead of failing on a stale snapshot.
    dbapi_connection.execute("COMMIT")
    _begin_immediate(dbapi_connection)


class Database:
    """Holds the engine and hands out the request's session as `db.session`."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        """Bind to the app's DATABASE_URL; choose how requests begin; close the session after each app context."""
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        app.extensions["database"] = self
        app.before_request(self._choose_begin_mode)
        app.teardown_request(self._restore_begin_mode)
        app.teardown_appcontext(self._close_session)

    def attach(self, app: Flask) -> None:
        """Serve a second app (the API under /api/v1) from the same engine, with the same per-request hooks."""
        app.extensions["database"] = self
        app.before_request(self._choose_begin_mode)
        app.teardown_request(self._restore_begin_mode)
        app.teardown_appcontext(self._close_session)

    @property
    def session(self) -> Session:
        """The session of the current app context, created on first use."""
        session = g.get("_db_session")
        if session is None:
            assert self.session_factory is not None, "Database.init_app was not called"
            session = self.session_factory()
            g._db_session = session
        return session

    def rollback(self) -> None:
        """Roll back the current session, if one was opened; never raises (error pages call it first)."""
        session = g.get("_db_session")
        if session is None:
            return
        try:
            session.rollback()
        except Exception:  # a dead connection: closing the session discards it and its transaction
            logger.warning("Terugdraaien van de databasesessie mislukt; de sessie wordt gesloten", exc_info=True)
            session.close()

    @staticmethod
    def _choose_begin_mode() -> None:
        deferred = request.method in SAFE_METHODS and _deferred_allowed()
        g._sqlite_begin_tokens = (_begin_mode.set(DEFERRED if deferred else IMMEDIATE), _read_after_write.set(False))

    @staticmethod
    def _restore_begin_mode(_exc: BaseException | None) -> None:
        tokens = g.pop("_sqlite_begin_tokens", None)
        if tokens is None:
            return
        mode_token, flag_token = tokens
        try:
            _begin_mode.reset(mode_token)
            _read_after_write.reset(flag_token)
        except ValueError:  # set in another context (streamed responses): back to the defaults
            _begin_mode.set(IMMEDIATE)
            _read_after_write.set(False)

    def _close_session(self, exc: BaseException | None) -> None:
        session = g.pop("_db_session", None)
        if session is None:
            return
        try:
            if exc is None and wrote_nothing(session):
                # A transaction that only read ends with COMMIT, not with the ROLLBACK of close(): the same for the
                # data, but after a ROLLBACK psycopg forgets every statement it prepared on the connection, so after
                # any reading page the next case pages and grid saves were planned afresh for five executions
                # (measured: a case page after each /gezond cost 4 ms more PostgreSQL CPU). A failed request, or one
                # that wrote without committing, still rolls back.
                session.commit()
        except Exception:  # a dead connection: close() below discards it, so the session never outlives the request
            logger.warning("Afsluiten van een lezende transactie mislukt", exc_info=True)
        session.close()
