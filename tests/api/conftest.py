"""The API's test world: gemeenten A and B, aanbieders P (works for A) and Q (for B), one case each, and one
API client per organisation with a bearer token made without the token endpoint (that has its own tests)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.models import ApiClient, Gemeente, Inburgeraar, Verwijzing
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from portal.services import api_clients
from portal.services.api_clients import AANBIEDER_SCOPES, GEMEENTE_SCOPES
from tests.factories import (
    AanbiederFactory,
    ApiClientFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date.today()
START = TODAY - timedelta(days=120)


@dataclass
class ApiWorld:
    """Side A (own) and side B (foreign), and a client of each kind on side A."""

    gemeente_a: Gemeente
    gemeente_b: Gemeente
    own: Verwijzing  # a started B1-route of aanbieder P for a resident of A
    foreign: Verwijzing  # the same for aanbieder Q and a resident of B
    client_p: ApiClient
    client_q: ApiClient
    client_a: ApiClient  # gemeente A's cliëntvolgsysteem
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def inburgeraar(self) -> Inburgeraar:
        return self.own.inburgeraar


def make_case(gemeente: Gemeente, contract: Any) -> Verwijzing:
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    inburgeraar = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur,
                                     datum_kennisgeving=START - timedelta(days=90))
    PipFactory(inburgeraar=inburgeraar, dagtekening=START - timedelta(days=30), leerroute=Leerroute.B,
               niveau=NiveauPip.B1)
    verwijzing = VerwijzingFactory(inburgeraar=inburgeraar, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                                   beoogde_startdatum=START, status=VerwijzingStatus.GESTART)
    TrajectStartFactory(verwijzing=verwijzing, gerealiseerde_startdatum=START)
    return verwijzing


def bearer(db, client: ApiClient, scopes: str | None = None) -> str:
    """A valid token of the client (all its scopes unless named), stored as the token endpoint would."""
    value = secrets.token_urlsafe(24)
    api_clients.store_token(db, client, value, client.scopes if scopes is None else scopes, 900)
    db.flush()
    return value


@pytest.fixture
def world(db) -> ApiWorld:
    gemeente_a, gemeente_b = GemeenteFactory(naam="Gemeente A"), GemeenteFactory(naam="Gemeente B")
    aanbieder_p, aanbieder_q = AanbiederFactory(naam="Aanbieder P"), AanbiederFactory(naam="Aanbieder Q")
    contract_p = ContractFactory(aanbieder=aanbieder_p, gemeenten=[gemeente_a], startdatum=START - timedelta(days=400))
    contract_q = ContractFactory(aanbieder=aanbieder_q, gemeenten=[gemeente_b], startdatum=START - timedelta(days=400))
    world = ApiWorld(
        gemeente_a, gemeente_b, make_case(gemeente_a, contract_p), make_case(gemeente_b, contract_q),
        ApiClientFactory(aanbieder=aanbieder_p, scopes=" ".join(AANBIEDER_SCOPES)),
        ApiClientFactory(aanbieder=aanbieder_q, scopes=" ".join(AANBIEDER_SCOPES)),
        ApiClientFactory(aanbieder=None, gemeente=gemeente_a, scopes=" ".join(GEMEENTE_SCOPES)),
    )
    world.tokens = {"p": bearer(db, world.client_p), "q": bearer(db, world.client_q),
                    "a": bearer(db, world.client_a)}
    return world


class ApiClientSession:
    """A test client that sends a bearer token and JSON to /api/v1."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        if self.token:
            out.setdefault("Authorization", f"Bearer {self.token}")
        return out

    def get(self, path: str, **kwargs: Any):
        return self.client.get(f"/api/v1{path}", headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(kwargs.pop("headers", None)),
                                **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any):
        return self.client.put(f"/api/v1{path}", json=json, headers=self._headers(kwargs.pop("headers", None)),
                               **kwargs)


@pytest.fixture
def api(client: FlaskClient, world: ApiWorld) -> ApiClientSession:
    """Aanbieder P's system."""
    return ApiClientSession(client, world.tokens["p"])


@pytest.fixture
def as_client(client: FlaskClient):
    """A session for any token (or none)."""
    return lambda token: ApiClientSession(client, token)


@pytest.fixture
def api_app(app: Flask) -> Flask:
    """The mounted API app itself (for its settings)."""
    return app.extensions["api"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app: Flask) -> Iterator[None]:
    """Rate limit counters live in memory per process: every test starts with none used."""
    app.extensions["api"].extensions["api_limiter"].reset()
    yield
