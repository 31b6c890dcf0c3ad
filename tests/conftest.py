"""Fixtures: one app per run, one rolled-back transaction per test, login without the UI."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as portal_db
from portal.models import Base, User, UserSession
from portal.security import SESSION_KEY
from tests import factories


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    """The app on a fresh schema (in-memory SQLite, or DATABASE_URL's PostgreSQL)."""
    application = create_app(TestConfig())
    engine = portal_db.engine
    assert engine is not None
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield application
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test.

    Requests made during the test get their own sessions on the same connection; their commits
    only release savepoints, so nothing outlives the test.
    """
    assert portal_db.engine is not None
    connection = portal_db.engine.connect()
    outer = connection.begin()
    original_factory = portal_db.session_factory
    portal_db.session_factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    session = portal_db.session_factory()
    for factory_class in factories.ALL_FACTORIES:
        factory_class._meta.sqlalchemy_session = session
    try:
        yield session
    finally:
        session.close()
        portal_db.session_factory = original_factory
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db: Session) -> FlaskClient:
    """A test client whose requests share the test's transaction."""
    return app.test_client()


@pytest.fixture
def login_as(app: Flask, db: Session, client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Log a user in by opening a server-side session, as the TOTP step would."""

    def _login(user: User) -> FlaskClient:
        user_session = UserSession(id=f"test-{user.id}-{id(client)}", user_id=user.id)
        db.add(user_session)
        db.flush()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = str(user.id)
            flask_session["_fresh"] = True
            flask_session[SESSION_KEY] = user_session.id
        return client

    return _login


@pytest.fixture
def app_ctx(app: Flask, db: Session) -> Iterator[None]:
    """An app context for calling services directly; db.session is the test session."""
    from flask import g

    with app.app_context():
        g._db_session = db
        yield
        g.pop("_db_session", None)  # the test session is closed by the db fixture, not by teardown
