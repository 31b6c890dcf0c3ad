"""Error pages: the session is rolled back first and the user always gets the Dutch page, never werkzeug's English.

These tests build their own app on a scratch SQLite file, because routes that fail on purpose have to be added
before the app serves its first request.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal import create_app, errors
from portal.config import TestConfig as _TestConfig
from portal.extensions import db as portal_db
from portal.models import Base, User, UserSession
from portal.models.enums import Rol
from portal.security import SESSION_KEY


@pytest.fixture
def failing_app(tmp_path: Path) -> Iterator[Flask]:
    """The real app, exceptions not propagated (as in production), with routes that fail in known ways."""
    saved = (portal_db.engine, portal_db.session_factory)
    config = _TestConfig()
    config.DATABASE_URL = f"sqlite:///{tmp_path / 'fouten.db'}"
    app = create_app(config)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert portal_db.engine is not None
    Base.metadata.create_all(portal_db.engine)

    @app.get("/__test__/kapot")
    def broken() -> str:
        raise RuntimeError("onverwacht")

    @app.get("/__test__/sessie-kapot")
    def broken_session() -> str:
        # A failed flush leaves the session unusable until it is rolled back (PendingRollbackError).
        portal_db.session.add(User(email=None, naam="Zonder adres", rol=Rol.KLANTREGISSEUR, password_hash="x"))
        with contextlib.suppress(IntegrityError):
            portal_db.session.flush()
        portal_db.session.execute(text("SELECT 1"))
        return "niet bereikt"

    @app.get("/__test__/dubbel")
    def duplicate() -> str:
        for _ in range(2):
            portal_db.session.add(User(email="dubbel@example.nl", naam="Dubbel", rol=Rol.KLANTREGISSEUR,
                                       password_hash="x"))
            portal_db.session.flush()
        return "niet bereikt"

    @app.get("/__test__/tegelijk")
    def concurrent_change() -> str:
        from portal.services import GelijktijdigGewijzigd

        raise GelijktijdigGewijzigd

    for view in (broken, broken_session, duplicate, concurrent_change):
        view.access_public = True  # type: ignore[attr-defined]
    try:
        yield app
    finally:
        portal_db.engine.dispose()
        portal_db.engine, portal_db.session_factory = saved


def _logged_in_client(app: Flask):
    with app.app_context():
        user = User(email="fouten@example.nl", naam="Fenna Fouten", rol=Rol.KLANTREGISSEUR, password_hash="x",
                    totp_bevestigd=True)
        portal_db.session.add(user)
        portal_db.session.flush()
        portal_db.session.add(UserSession(id="sessie-fouten", user_id=user.id))
        portal_db.session.commit()
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user_id)
        flask_session[SESSION_KEY] = "sessie-fouten"
    return client


def test_an_unexpected_exception_gets_the_dutch_error_page(failing_app: Flask):
    response = failing_app.test_client().get("/__test__/kapot")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html and "Er ging iets mis" in html and "Internal Server Error" not in html


def test_a_broken_session_is_rolled_back_before_the_error_page_reads_the_database(failing_app: Flask):
    """The page header shows the logged-in user, read from the database after the rollback."""
    response = _logged_in_client(failing_app).get("/__test__/sessie-kapot")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Er ging iets mis" in html and "Fenna Fouten" in html
    assert "PendingRollbackError" not in html and "Internal Server Error" not in html


def test_a_duplicate_from_a_concurrent_insert_is_explained_not_a_server_error(failing_app: Flask):
    response = _logged_in_client(failing_app).get("/__test__/dubbel")
    assert response.status_code == 409
    assert "Iemand anders sloeg op hetzelfde moment dezelfde gegevens op" in response.get_data(as_text=True)


def test_a_row_changed_by_someone_else_meanwhile_is_explained_as_409(failing_app: Flask):
    """A service refusing a write whose read went stale (portal.services.GelijktijdigGewijzigd): the same page."""
    from portal.services import GelijktijdigGewijzigd
    from portal.services.uploads.lifecycle import failure_message

    response = _logged_in_client(failing_app).get("/__test__/tegelijk")
    assert response.status_code == 409
    assert "Iemand anders sloeg op hetzelfde moment dezelfde gegevens op" in response.get_data(as_text=True)
    assert "Bevestig de upload opnieuw" in failure_message(GelijktijdigGewijzigd())  # an upload's confirmation


def test_when_even_the_error_template_fails_a_static_dutch_page_is_sent(
    failing_app: Flask, monkeypatch: pytest.MonkeyPatch
):
    def unrenderable(*_args, **_kwargs):
        raise RuntimeError("database weg")

    monkeypatch.setattr(errors, "render_template", unrenderable)
    response = failing_app.test_client().get("/bestaat-niet")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html and "Pagina niet gevonden" in html
    response = failing_app.test_client().get("/__test__/kapot")
    assert response.status_code == 500 and "Er ging iets mis" in response.get_data(as_text=True)
