"""Helpers for tests that drive the real forms: CSRF tokens from pages and the full login flow."""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from portal.config import database_url_from_env
from portal.models import User, UserSession
from portal.security import SESSION_KEY

_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of a page: the form's hidden field, else the meta tag htmx uses."""
    match = _CSRF_INPUT.search(html) or _CSRF_META.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def without_csrf_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked: they carry the second they were signed, so two requests may differ."""
    html = _CSRF_INPUT.sub(lambda m: m.group(0).replace(m.group(1), ""), html)
    return _CSRF_META.sub(lambda m: m.group(0).replace(m.group(1), ""), html)


def post_form(client: FlaskClient, url: str, data: dict | None = None, page_url: str | None = None, **kwargs):
    """GET the page that holds the form (url unless page_url), then POST the data with its CSRF token."""
    page = client.get(page_url or url)
    payload = {"csrf_token": csrf_token(page.get_data(as_text=True)), **(data or {})}
    return client.post(url, data=payload, **kwargs)


def totp_code(secret: str) -> str:
    """The current code of an authenticator app holding this secret."""
    return pyotp.TOTP(secret).now()


def login_via_form(client: FlaskClient, email: str, password: str, totp_secret: str):
    """Log in through the real pages: e-mail and password, then the TOTP code. Returns the final response."""
    response = post_form(client, "/inloggen/", {"email": email, "password": password})
    assert response.status_code == 302, "password step failed"
    assert response.headers["Location"].endswith("/inloggen/tweede-factor"), response.headers["Location"]
    response = post_form(client, "/inloggen/tweede-factor", {"code": totp_code(totp_secret)})
    assert response.status_code == 302, "second factor failed"
    return response


def open_session(db: Session, client: FlaskClient, user: User) -> FlaskClient:
    """Log the user in on this client by opening a server-side session, as the TOTP step would."""
    user_session = UserSession(id=f"test-{user.id}-{secrets.token_hex(8)}", user_id=user.id)
    db.add(user_session)
    db.flush()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user.id)
        flask_session["_fresh"] = True
        flask_session[SESSION_KEY] = user_session.id
    return client


@contextmanager
def throwaway_postgres_database(url: str, prefix: str = "portal_test") -> Iterator[str]:
    """A fresh PostgreSQL database next to the one DATABASE_URL names, dropped afterwards.

    Each test run gets its own database, so parallel runs (and a crashed earlier run) never collide.
    """
    base = make_url(url)
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_database(tmp_path: Path, prefix: str) -> Iterator[str]:
    """A database other processes can open too: a WAL-mode SQLite file, or a throwaway PostgreSQL database next
    to the one DATABASE_URL names."""
    url = database_url_from_env()
    if url and url.startswith("postgresql"):
        with throwaway_postgres_database(url, prefix=prefix) as scratch:
            yield scratch
    else:
        yield f"sqlite:///{tmp_path / (prefix + '.db')}"


@contextmanager
def app_on_scratch_database(tmp_path: Path, prefix: str) -> Iterator[Flask]:
    """The app on a scratch database with the schema built from the models, for tests whose writers need committed
    data and connections of their own; the test run's engine is back afterwards."""
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db as portal_db
    from portal.models import Base

    saved = (portal_db.engine, portal_db.session_factory)
    with scratch_database(tmp_path, prefix) as url:
        config = TestConfig()
        config.DATABASE_URL = url
        app = create_app(config)
        engine = portal_db.engine
        assert engine is not None
        Base.metadata.create_all(engine)
        try:
            yield app
        finally:
            engine.dispose()
            portal_db.engine, portal_db.session_factory = saved


# --- a live server (issue 8: logs and concurrency through a real HTTP server) ------------------------------------

@contextmanager
def serving(app: Flask) -> Iterator[int]:
    """The app on a threaded werkzeug server on a free loopback port, as `flask run` serves it; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield server.port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def second_behind_first(
    app: Flask, first: Session, second: Session, write_second: Callable[[], object], *, may_finish: bool = False,
) -> list[BaseException]:
    """Let the second writer (its own session) write and commit in a thread until it waits for a lock the first one
    holds (or, with `may_finish`, is done without one), then commit the first (PostgreSQL). What the second one
    raised (it rolled back then)."""
    pid = second.execute(text("SELECT pg_backend_pid()")).scalar()
    errors: list[BaseException] = []

    def run_second() -> None:
        with app.app_context():
            try:
                write_second()
                second.commit()
            except BaseException as exc:  # reported by the caller's assertions
                errors.append(exc)
                second.rollback()

    thread = threading.Thread(target=run_second)
    thread.start()
    try:
        _wait_until_blocked(second.get_bind(), pid, thread, may_finish)
    finally:
        first.commit()
        thread.join(timeout=60)
    first.close()
    second.close()
    return errors


def _wait_until_blocked(engine: Engine | Connection, pid: int, thread: threading.Thread, may_finish: bool) -> None:
    """Until the backend `pid` waits for a lock, or (`may_finish`) the second writer is done without one."""
    with engine.connect() as connection:
        for _ in range(600):
            waiting = connection.execute(text(
                "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()
            connection.rollback()
            if waiting or (may_finish and not thread.is_alive()):
                return
            thread.join(timeout=0.05)
    raise AssertionError("the second writer never waited for the first")
