"""A small SQLAlchemy 2.0 integration: one engine per app, one session per app context."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the per-dialect settings this project relies on."""
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared in-memory database for all threads of the test app.
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


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
    connection.exec_driver_sql("BEGIN")


class Database:
    """Holds the engine and hands out the request's session as `db.session`."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        """Bind to the app's DATABASE_URL and close the session at the end of each app context."""
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        app.extensions["database"] = self
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

    def _close_session(self, _exc: BaseException | None) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()
