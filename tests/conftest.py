"""Fixtures: one app per run, one rolled-back transaction per test, login without the UI."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from portal import create_app
from portal.config import TestConfig, database_url_from_env
from portal.extensions import db as portal_db
from portal.models import Base, Gemeente, User
from portal.models.enums import Rol
from tests import factories
from tests.helpers import open_session, throwaway_postgres_database

# The portal's calendar is Dutch (portal.clock.today); tests that say date.today() must mean the same day,
# also between 22:00 and 24:00 UTC when the two calendars differ.
os.environ["TZ"] = "Europe/Amsterdam"
time.tzset()

# log_capture keeps every log line of the run, so tests/test_logging.py can prove no BSN reached a log;
# registraties_case gives the `case` and `log` fixtures of the registration tests.
# duo_schema validates every DUO bericht any test makes against DUO's OpenAPI files.
pytest_plugins = ["tests.log_capture", "tests.registraties_case", "tests.duo_schema"]


def on_postgres() -> bool:
    """Whether this run's DATABASE_URL points at PostgreSQL."""
    url = database_url_from_env()
    return bool(url and url.startswith("postgresql"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL, tests marked `sqlite` only when it
    does not; elsewhere they are deselected (not skipped: the CI run of their database is where they count)."""
    other = "sqlite" if on_postgres() else "postgres"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """In-memory SQLite by default; a throwaway database when DATABASE_URL points at PostgreSQL."""
    url = database_url_from_env()
    if url and on_postgres():
        with throwaway_postgres_database(url) as throwaway:
            yield throwaway
    else:
        yield "sqlite://"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The app on a fresh schema built from the models (migrations are checked separately)."""
    config = TestConfig()
    config.DATABASE_URL = database_url
    application = create_app(config)
    engine = portal_db.engine
    assert engine is not None
    Base.metadata.create_all(engine)
    yield application
    engine.dispose()


@contextmanager
def session_in_savepoints(connection: Connection) -> Iterator[Session]:
    """A test session on this connection; it and every request's session only ever release savepoints."""
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


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test.

    Requests made during the test get their own sessions on the same connection; their commits
    only release savepoints, so nothing outlives the test.
    """
    assert portal_db.engine is not None
    connection = portal_db.engine.connect()
    outer = connection.begin()
    try:
        with session_in_savepoints(connection) as session:
            yield session
    finally:
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

    return lambda user: open_session(db, client, user)


@pytest.fixture
def gemeente(db: Session) -> Gemeente:
    """One gemeente, for tests that need somewhere for their inburgeraars to live."""
    return factories.GemeenteFactory(naam="Hoorn")


@pytest.fixture
def regisseur(db: Session, gemeente: Gemeente) -> User:
    """A klantregisseur of the `gemeente` fixture."""
    return factories.UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])


@pytest.fixture
def app_ctx(app: Flask, db: Session) -> Iterator[None]:
    """An app context for calling services directly; db.session is the test session."""
    from flask import g

    with app.app_context():
        g._db_session = db
        yield
        g.pop("_db_session", None)  # the test session is closed by the db fixture, not by teardown


@pytest.fixture
def regiocontract(db: Session) -> dict:
    """A regional contract of Hoorn and Enkhuizen with one prestatie-indicator, Hoorn's own contractmanager
    (`hoorn_cm`) and the contractmanager of the whole contract (`regionaal`, a contract_beheerder)."""
    from sqlalchemy import insert

    from portal.models import contract_beheerder

    hoorn, enkhuizen = factories.GemeenteFactory(naam="Hoorn"), factories.GemeenteFactory(naam="Enkhuizen")
    contract = factories.ContractFactory(gemeenten=[hoorn, enkhuizen])
    indicator = factories.PrestatieIndicatorFactory(contract=contract)
    hoorn_cm = factories.UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[hoorn])
    regionaal = factories.UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[hoorn])
    db.execute(insert(contract_beheerder).values(contract_id=contract.id, user_id=regionaal.id))
    db.flush()
    return {"hoorn": hoorn, "enkhuizen": enkhuizen, "contract": contract, "indicator": indicator,
            "hoorn_cm": hoorn_cm, "regionaal": regionaal}
