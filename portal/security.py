"""Login wiring: Flask-Login loader, server-side session check, idle timeout and response headers."""

from __future__ import annotations

import functools
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import Select

from portal import audit, database
from portal.extensions import db, login_manager
from portal.models import User
from portal.services import auth, meldingen

SESSION_KEY = "sid"
# Set in the emptied cookie session when a request finds its login ended, so the login page says why, whichever
# request of the browser noticed first (a background poll of the header badge often does).
ENDED_KEY = "beeindigd"
# Sent by htmx polling (e.g. the unread-meldingen badge); such requests do not count as user activity.
POLL_HEADER = "X-Portal-Poll"
HSTS_MAX_AGE = 365 * 24 * 3600  # one year, the minimum OWASP ASVS asks for


def init_app(app: Flask) -> None:
    """Register the user loader, the per-request session guard and security headers."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om deze pagina te bekijken."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our server-side session table does this job
    login_manager.user_loader(_load_user)
    app.before_request(_set_origin)
    app.before_request(_enforce_server_side_session)
    app.after_request(_security_headers)


# The header's unread-meldingen badge polls every 30 s in every open tab: full pages and that poll read the count
# with the login, in the same statement.
BADGE_ENDPOINT = "meldingen.badge"


def unread_meldingen() -> int | None:
    """The unread count read with this request's login, or None when it was not (htmx fragments, POST, forgotten)."""
    return g.get("_unread_meldingen") if has_request_context() else None


def forget_unread_meldingen() -> None:
    """After the request marked a melding read: the header counts again when it is shown."""
    if has_request_context():
        g.pop("_unread_meldingen", None)


def _shows_badge() -> bool:
    """Whether this request shows the badge: a whole page with its header (not an htmx fragment, not a form post),
    or the badge's own poll."""
    return request.method == "GET" and (
        request.headers.get("HX-Request") != "true" or request.headers.get("HX-History-Restore-Request") == "true"
        or request.endpoint == BADGE_ENDPOINT)


@functools.cache
def _login_statement(with_unread: bool) -> Select[Any]:
    """The login's statement, with the unread count or without it; each built once."""
    return auth.login_statement(*((meldingen.unread_column(),) if with_unread else ()))


def _load_user(user_id: str) -> User | None:
    """The user and its server-side session in one statement (plus the unread count when the badge is shown)."""
    if not user_id.isdigit():
        return None
    with_unread = has_request_context() and _shows_badge()
    row = auth.load_login(db.session, _login_statement(with_unread), int(user_id), session.get(SESSION_KEY))
    if row is None:
        return None
    # Held for the request: the identity map keeps objects only while referenced, and the session check gets it
    # from there without a query of its own.
    g._login_session = row[1]
    if with_unread:
        g._unread_meldingen = row[2]
    return row[0]


def _set_origin() -> None:
    audit.current_origin.set(f"web {request.remote_addr or '-'}")


def _enforce_server_side_session() -> Response | None:
    """A cookie alone is not enough: its session must exist, be unrevoked, recently used and not too old."""
    if request.endpoint == "static":
        return None
    # Reads first, without the SQLite write lock unless the session needs refreshing or ending. On SQLite a POST
    # ends this transaction, so its view holds the lock only for its own work (portal/database.py), unless the view
    # reads first and ends it itself (database.reads_first_view); a GET that wrote nothing goes on reading in it,
    # without a commit of its own, and so does every request on PostgreSQL, where a read takes no lock (a COMMIT,
    # a BEGIN and the pool's ping fewer per POST).
    with database.reading_first():
        if not current_user.is_authenticated:
            return None
        valid = current_user.actief and auth.session_is_valid(
            db.session, session.get(SESSION_KEY), current_user.id, current_app.config["IDLE_TIMEOUT_MINUTES"],
            activity=request.headers.get(POLL_HEADER) != "1", max_hours=current_app.config["SESSION_MAX_HOURS"],
        )
        reads_on = request.method in database.SAFE_METHODS or db.session.get_bind().dialect.name != "sqlite" \
            or database.view_reads_first()
        if auth.session_check_commits(db.session, valid=valid, safe_method=reads_on):
            db.session.commit()
    if valid:
        if request.method not in database.SAFE_METHODS:
            database.read_after_write()  # once the view's write is committed, rendering the answer needs no lock
        return None
    logout_user()
    session.clear()
    session[ENDED_KEY] = True
    g.session_expired = True
    target = url_for("auth.login", verlopen=1)
    if request.headers.get("HX-Request") == "true":
        # A redirect would be followed by htmx and the login page swapped into a fragment.
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    )
    if current_app.config["SESSION_COOKIE_SECURE"]:
        # Secure cookies mean the portal is served over TLS: browsers must never try plain HTTP again.
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}; includeSubDomains")
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("HX-Request")
    if content_type := response.headers.get("Content-Type"):
        response.headers["Content-Type"] = one_charset(content_type)
    return response


def one_charset(content_type: str) -> str:
    """The Content-Type with its first charset parameter only.

    werkzeug appends "; charset=utf-8" to a text mimetype that already names one; two charsets make some
    clients (and spreadsheet imports) guess, so every response leaves with exactly one.
    """
    parts = [part.strip() for part in content_type.split(";")]
    seen = False
    kept = [parts[0]]
    for part in parts[1:]:
        if part.lower().startswith("charset="):
            if seen:
                continue
            seen = True
        if part:
            kept.append(part)
    return "; ".join(kept)
