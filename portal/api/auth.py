"""Bearer tokens on API calls: who is calling (a ClientActor in `g.actor`) and whether it may call this."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import g, request

from portal import audit, database
from portal.api.problems import problem
from portal.extensions import db
from portal.principal import ClientActor
from portal.services import api_clients

F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["aanbieder", "gemeente"]


def identify_client() -> None:
    """Before every call: the client of a valid bearer token, or none (the view answers 401)."""
    g.actor = None
    audit.current_origin.set(f"api {request.remote_addr or '-'}")
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return
    with database.reading_first():
        found = api_clients.client_of_token(db.session, value.strip())
        if found is not None:
            client, scopes = found
            g.actor = ClientActor.of(client, scopes)
            audit.current_origin.set(f"api {client.client_id} {request.remote_addr or '-'}"[:80])
            api_clients.touch(db.session, client)
        # On PostgreSQL a lookup that changed nothing runs on into the view's transaction (no COMMIT and BEGIN
        # per call); SQLite ends its read transaction here, before the view takes the write lock.
        if db.session.dirty or db.session.get_bind().dialect.name != "postgresql":
            db.session.commit()


def current_actor() -> ClientActor:
    """The calling client (only inside a view guarded by `requires`)."""
    actor = g.get("actor")
    assert actor is not None
    return actor


def requires(scope: str, kind: Kind) -> Callable[[F], F]:
    """Only clients of this kind (an aanbieder's or a gemeente's system) holding this scope: 401 without a valid
    token, 403 for another kind of client or a missing scope (like a web role without access)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor: ClientActor | None = g.get("actor")
            if actor is None:
                return problem(401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
            own_kind = "aanbieder" if actor.aanbieder_id is not None else "gemeente"
            if own_kind != kind:
                return problem(403, f"Dit deel van de API is voor koppelingen van een {kind}.")
            if scope not in actor.scopes:
                return problem(403, f"Deze koppeling of dit token heeft de bevoegdheid '{scope}' niet.", headers={
                    "WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'})
            return view(*args, **kwargs)

        wrapped.api_scope = scope  # type: ignore[attr-defined]
        wrapped.api_kind = kind  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def rate_limit_key() -> str:
    """Rate limits count per client; calls without a valid token per address."""
    actor = g.get("actor")
    return f"client:{actor.api_client_id}" if actor is not None else f"ip:{request.remote_addr or '-'}"
