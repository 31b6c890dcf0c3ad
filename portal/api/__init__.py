"""The API for providers' and gemeenten' systems under /api/v1: the third door into the same services.

An APIFlask app with strict pydantic models, mounted beside the portal (werkzeug's DispatcherMiddleware), so it
has none of the web's cookies, CSRF or login redirects: OAuth2 client credentials, bearer tokens, problem+json.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from portal.api import adapter

PREFIX = "/api/v1"

# Before any blueprint module decorates its views: APIFlask picks a model's adapter when `input` decorates, so
# registering it here (every portal.api module imports this package first) makes the fast JSON path independent
# of which module a process happens to import first.
adapter.install()


def register_api(app: Flask) -> None:
    """Build the API app from the portal's config and mount it under /api/v1."""
    from portal.api.app import create_api

    api = create_api(app)
    app.extensions["api"] = api
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {PREFIX: api})  # type: ignore[method-assign]
