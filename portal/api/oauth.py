"""The OAuth2 token endpoint (client credentials grant, RFC 6749 §4.4) with authlib.

authlib does the protocol: client authentication by HTTP Basic or form fields, the grant type, the scope
parameter and the token response. We supply the clients (portal/models/api_client.py) and store only a hash of
each token. Errors keep OAuth2's `error` code (clients look for it) inside a problem+json body.
"""

from __future__ import annotations

import hmac
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from flask import Flask, Response, json
from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiClient, ApiToken
from portal.models.base import utcnow
from portal.services import api_clients

AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class OAuthClient(ClientMixin):
    """authlib's view of an ApiClient."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        """The requested scopes the client was granted (all of them when none are asked)."""
        granted = self.client.scope_list
        if not scope:
            return " ".join(granted)
        return " ".join(s for s in scope.split() if s in granted)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.client.secret_hash, api_clients.hash_secret(client_secret or ""))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


def _query_client(client_id: str) -> OAuthClient | None:
    """A usable client (not revoked, not expired, organisation active) by its client_id."""
    client = db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None or not api_clients.is_usable(client, utcnow()):
        return None
    return OAuthClient(client)


def _save_token(token: dict[str, Any], request: Any) -> None:
    client: ApiClient = request.client.client
    api_clients.store_token(db.session, client, token["access_token"], token.get("scope") or "",
                            int(token["expires_in"]))


def create_server(app: Flask) -> AuthorizationServer:
    """An authorization server for the API app with the client credentials grant only."""
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {
        "client_credentials": int(api_clients.TOKEN_LIFETIME.total_seconds())})
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(api_clients.ALLE_SCOPES))
    server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(ClientCredentialsGrant)
    ClientCredentialsGrant.TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)
    return server


ERROR_DETAILS = {
    "invalid_client": "Onbekende koppeling, verkeerd geheim, of de koppeling is ingetrokken of verlopen.",
    "invalid_request": "Het verzoek is onvolledig: stuur grant_type=client_credentials met client_id en "
                       "client_secret (HTTP Basic of formuliervelden).",
    "unsupported_grant_type": "Alleen grant_type=client_credentials wordt ondersteund.",
    "unauthorized_client": "Deze koppeling mag geen tokens met deze grant aanvragen.",
    "invalid_scope": "Een of meer gevraagde bevoegdheden (scope) bestaan niet.",
    "invalid_grant": "Het verzoek is ongeldig.",
}


def as_problem(response: Response) -> Response:
    """An authlib error response (JSON with `error`) as problem+json, keeping `error` and the headers."""
    if response.status_code < 400:
        return response
    try:
        payload = json.loads(response.get_data(as_text=True) or "{}")
    except ValueError:
        payload = {}
    from portal.api.problems import problem

    code = str(payload.get("error") or "invalid_request")
    out = problem(response.status_code, ERROR_DETAILS.get(code, ERROR_DETAILS["invalid_request"]), error=code)
    for key in ("WWW-Authenticate",):
        if key in response.headers:
            out.headers[key] = response.headers[key]
    out.headers["Cache-Control"] = "no-store"
    return out


__all__ = ["ApiToken", "OAuthClient", "as_problem", "create_server"]
