"""The API app: config, database hooks, client identification, rate limits, headers, errors, routes, document."""

from __future__ import annotations

import logging
from typing import Any

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Flask, Response, abort, g, request
from flask_limiter import Limiter
from pydantic import ValidationError as PydanticValidationError
from werkzeug.exceptions import HTTPException

from portal.api import PREFIX, auth, oauth, openapi
from portal.api.problems import invalid_params_of_pydantic, problem
from portal.api.views import record_call
from portal.extensions import db

API_VERSION = "1.0.0"
logger = logging.getLogger(__name__)

# Flask settings the API takes over from the portal (every project setting is taken over as well).
SHARED_CONFIG = ("TESTING", "SECRET_KEY", "SESSION_COOKIE_SECURE", "MAX_CONTENT_LENGTH")


def create_api(portal: Flask) -> APIFlask:
    """The API app, sharing the portal's engine and settings."""
    api = APIFlask("portal.api", title="Inburgering aanbiedersportaal API", version=API_VERSION,
                   spec_path="/openapi.json", docs_path=None, enable_openapi=True)
    api.config.update(
        OPENAPI_VERSION="3.0.3",
        VALIDATION_ERROR_STATUS_CODE=400,
        AUTO_OPERATION_ID=True,
        AUTO_404_RESPONSE=False,
        AUTO_VALIDATION_ERROR_RESPONSE=False,
        AUTO_AUTH_ERROR_RESPONSE=False,
        AUTO_200_RESPONSE=True,
        AUTO_SERVERS=False,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=False,
    )
    for key, value in portal.config.items():  # the project's own settings, and the shared Flask ones
        if key not in api.config or key in SHARED_CONFIG:
            api.config[key] = value
    api.json.sort_keys = False  # type: ignore[attr-defined]
    openapi.configure(api, API_VERSION, PREFIX)

    db.attach(api)
    api.before_request(auth.identify_client)
    # Registered before the limiter's own: after_request functions run in reverse, so these see its headers.
    api.after_request(_headers)
    api.after_request(_audit_call)
    limiter = Limiter(
        auth.rate_limit_key, app=api,
        default_limits=[lambda: api.config["API_RATE_LIMIT"]],
        headers_enabled=True, storage_uri=api.config["RATELIMIT_STORAGE_URI"],
    )
    api.extensions["api_limiter"] = limiter
    server = oauth.create_server(api)

    from portal.api import aanbieder, gemeente, meta

    meta.register(api, server, limiter)
    api.register_blueprint(aanbieder.bp)
    api.register_blueprint(gemeente.bp)

    api.url_value_preprocessor(_ids_in_range)
    _register_errors(api)
    return api


MAX_ID = 2_147_483_647  # ids are 32-bit integers in the database: a larger id names nothing


def _ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A path id beyond the database's integer range is an unknown object (404), not an overflow."""
    for value in (values or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            abort(404)


def _headers(response: Response) -> Response:
    """API-Version on every response; the security headers of the NL API Design Rules; CORS on the document."""
    response.headers["API-Version"] = API_VERSION
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)  # flask-limiter sends it always; it means "wait" only here
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.url_rule is not None and request.url_rule.rule == "/openapi.json":
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "public, max-age=300"
    from flask import current_app

    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _audit_call(response: Response) -> Response:
    """Every call of an identified client is audited: which operation, with what result. A view that committed
    wrote the event in its own transaction (views.commit); any other answer is audited here."""
    if g.get("actor") is None or g.get("call_audited") == response.status_code:
        return response
    try:
        db.session.rollback()  # a failed view left nothing to keep; a successful one committed already
        record_call(response.status_code)
        db.session.commit()
    except Exception:  # the answer stands; a failing audit write is logged loudly
        logger.exception("Auditregel van API-aanroep niet opgeslagen")
        db.rollback()
    return response


def _register_errors(api: APIFlask) -> None:
    @api.error_processor
    def http_error(error: HTTPError) -> Response:
        db.rollback()
        cause = error.__cause__
        if isinstance(cause, PydanticValidationError):
            location = next(iter(error.detail), "json") if isinstance(error.detail, dict) else "json"
            prefix = "" if location == "json" else ("query" if location == "query" else location)
            return problem(400, invalid=invalid_params_of_pydantic(cause.errors(), prefix=prefix))
        return problem(error.status_code, headers=dict(error.headers or {}))

    @api.errorhandler(HTTPException)
    def werkzeug_error(error: HTTPException) -> Response:
        db.rollback()
        headers = {k: v for k, v in error.get_headers() if k.lower() not in ("content-type", "content-length")}
        return problem(error.code or 500, headers=headers)

    @api.errorhandler(Exception)
    def server_error(error: Exception) -> Response:
        logger.exception("Fout in API-aanroep", exc_info=error)
        db.rollback()
        return problem(500)
