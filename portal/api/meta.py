"""The token endpoint (OAuth2 client credentials)."""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask
from flask import request
from flask_limiter import Limiter

from portal import audit
from portal.api import oauth
from portal.api.schemas import TokenIn, TokenOut
from portal.audit import AuditActie
from portal.extensions import db


def _token_limit_key() -> str:
    """Token requests count per client_id (HTTP Basic or form) and address, so guessing secrets is slow."""
    client_id = request.authorization.username if request.authorization else request.form.get("client_id", "")
    return f"token:{(client_id or '')[:64]}:{request.remote_addr or '-'}"


def register(api: APIFlask, server: Any, limiter: Limiter) -> None:
    """Add the token endpoint to the API app."""

    @api.post("/oauth/token")
    @limiter.limit(lambda: api.config["API_TOKEN_RATE_LIMIT"], key_func=_token_limit_key)
    @api.input(TokenIn, location="form", arg_name="form")
    @api.output(TokenOut, description="Een toegangstoken, 15 minuten geldig.")
    @api.doc(tags=["Algemeen"], summary="Toegangstoken aanvragen (client credentials)",
             description="Stuur `grant_type=client_credentials` met `client_id` en `client_secret` (HTTP Basic of "
                         "formuliervelden) en eventueel `scope`. Het token is 15 minuten geldig.",
             operation_id="create_token")
    def token(form: TokenIn) -> Any:
        response = server.create_token_response()
        if response.status_code == 200:
            db.session.commit()
        else:
            db.rollback()
            client_id = request.authorization.username if request.authorization else request.form.get("client_id")
            audit.record(db.session, None, AuditActie.API_TOKEN_GEWEIGERD, object_type="api_client",
                         object_id=(client_id or "-")[:40], result=str(response.status_code))
            db.session.commit()
        return oauth.as_problem(response)
