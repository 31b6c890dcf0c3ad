"""Every API route × every kind of client × own/foreign: the same guarantees as the web's access matrix.

No token: 401. A client of the other kind (aanbieder vs gemeente) or without the route's scope: 403. The right
client: an answer for its own objects, and exactly 404 for another organisation's (as for one that does not
exist); lists never contain another organisation's objects. A new route fails this test until it is listed in
REQUESTS, so nothing is left uncovered.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from portal import create_app
from portal.config import TestConfig as _TestConfig
from portal.models.resultaat import AfschalingStatus
from tests.api.conftest import START, ApiWorld, bearer
from tests.factories import AfschalingsverzoekFactory, ApiClientFactory, OmstandighedenMeldingFactory


def _api_routes() -> list[tuple[str, str]]:
    api = create_app(_TestConfig()).extensions["api"]
    found = []
    for rule in api.url_map.iter_rules():
        if rule.endpoint in ("static", "openapi.spec", "token") or rule.rule == "/openapi.json":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return sorted(found, key=lambda r: (r[1], r[0]))


ROUTES = _api_routes()

# (method, rule) -> (scope, kind, body); {v} is the verwijzing's id.
REQUESTS: dict[tuple[str, str], tuple[str, str, Any]] = {
    ("GET", "/verwijzingen"): ("deelnemers:lezen", "aanbieder", None),
    ("GET", "/verwijzingen/<int:verwijzing_id>"): ("deelnemers:lezen", "aanbieder", None),
    ("PUT", "/verwijzingen/<int:verwijzing_id>/start"): ("traject:schrijven", "aanbieder", {
        "gerealiseerdeStartdatum": START.isoformat()}),
    ("POST", "/presentie"): ("presentie:schrijven", "aanbieder", {"items": [{
        "verwijzingId": "{v}", "datum": START.isoformat(), "activiteit": "taalles_knm", "urenAanwezig": 2}]}),
    ("POST", "/verwijzingen/<int:verwijzing_id>/voortgangsrapportages"): ("traject:schrijven", "aanbieder", {
        "peildatum": START.isoformat(), "motivatie": "Goed", "voortgang": "Goed"}),
    ("POST", "/verwijzingen/<int:verwijzing_id>/omstandigheden"): ("traject:schrijven", "aanbieder", {
        "soort": "verhuizing", "datum": START.isoformat(), "toelichting": "Verhuisd"}),
    ("POST", "/verwijzingen/<int:verwijzing_id>/afschalingsverzoeken"): ("traject:schrijven", "aanbieder", {
        "onderdelen": ["LE"], "observatiesAanbieder": "x", "ervaringInburgeraar": "y"}),
    ("POST", "/verwijzingen/<int:verwijzing_id>/examenresultaten"): ("resultaten:schrijven", "aanbieder", {
        "onderdeel": "LE", "niveau": "B1", "resultaat": "Geslaagd", "examendatum": START.isoformat()}),
    ("PUT", "/verwijzingen/<int:verwijzing_id>/routeresultaat"): ("resultaten:schrijven", "aanbieder", {}),
    ("GET", "/besluiten"): ("besluiten:lezen", "aanbieder", None),
    ("GET", "/registraties/<soort>"): ("registraties:lezen", "gemeente", None),
    ("GET", "/signalen"): ("signalen:lezen", "gemeente", None),
}


def test_every_api_route_is_in_the_matrix():
    assert set(ROUTES) == set(REQUESTS), "add the new API route to REQUESTS"


def _fill(body: Any, verwijzing_id: int) -> Any:
    if isinstance(body, dict):
        return {k: _fill(v, verwijzing_id) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill(v, verwijzing_id) for v in body]
    return verwijzing_id if body == "{v}" else body


def _call(client, method: str, rule: str, token: str | None, verwijzing_id: int, soort: str = "omstandigheden"):
    url = "/api/v1" + re.sub(r"<int:verwijzing_id>", str(verwijzing_id), rule).replace("<soort>", soort)
    body = _fill(REQUESTS[(method, rule)][2], verwijzing_id)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url, method=method, json=body if method != "GET" else None, headers=headers)


def _leaks(response, world: ApiWorld) -> list[Any]:
    """Items of the list that belong to side B: its resident's BSN or its verwijzing."""
    foreign_bsn = world.foreign.inburgeraar.bsn
    return [i for i in response.get_json()["items"]
            if foreign_bsn in str(i) or i.get("verwijzingId") == world.foreign.id
            or i.get("inburgeraarId") == world.foreign.inburgeraar_id]


@pytest.mark.parametrize(("method", "rule"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_api_route_client_scope_matrix(app: Flask, db, world: ApiWorld, method: str, rule: str):
    scope, kind, _body = REQUESTS[(method, rule)]
    # The same organisation's client with every scope of its kind except this route's.
    own_client = world.client_p if kind == "aanbieder" else world.client_a
    narrow = ApiClientFactory(aanbieder=own_client.aanbieder, gemeente=own_client.gemeente,
                              scopes=" ".join(s for s in own_client.scope_list if s != scope))
    other_kind = world.tokens["a"] if kind == "aanbieder" else world.tokens["p"]
    client = app.test_client()
    problems = []

    def expect(label: str, response, ok: bool, wanted: str) -> None:
        if not ok:
            problems.append(f"{method} {rule} {label}: {response.status_code}, verwacht {wanted}")

    r = _call(client, method, rule, None, world.own.id)
    expect("zonder token", r, r.status_code == 401, "401")
    r = _call(client, method, rule, other_kind, world.own.id)
    expect("andere soort koppeling", r, r.status_code == 403, "403")
    r = _call(client, method, rule, bearer(db, narrow), world.own.id)
    expect("zonder scope", r, r.status_code == 403, "403")

    if kind == "aanbieder":
        token, own_id, foreign_id = world.tokens["p"], world.own.id, world.foreign.id
    else:
        token, own_id, foreign_id = world.tokens["a"], world.own.id, world.foreign.id
        for v in (world.own, world.foreign):  # something to read on both sides
            OmstandighedenMeldingFactory(verwijzing=v, inburgeraar=v.inburgeraar, aanbieder_id=v.aanbieder_id)
    AfschalingsverzoekFactory(verwijzing=world.foreign, inburgeraar=world.foreign.inburgeraar,
                              status=AfschalingStatus.AFGEWEZEN, besluit_reden="Nee",
                              besloten_op=world.foreign.updated_at)
    r = _call(client, method, rule, token, own_id)
    expect("eigen", r, r.status_code not in (401, 403, 404) and r.status_code < 500, "toegang")
    if "verwijzing_id" in rule:
        r = _call(client, method, rule, token, foreign_id)
        expect("vreemd", r, r.status_code == 404, "404")
    elif method == "GET" and r.status_code == 200:
        leaked = _leaks(r, world)
        expect("lijst zonder vreemde", r, not leaked and (r.get_json()["items"] != [] or rule == "/besluiten"),
               f"eigen items en geen vreemde ({leaked})")
    elif method == "POST" and rule == "/presentie":
        r = _call(client, method, rule, token, foreign_id)
        reasons = [p["reason"] for p in r.get_json().get("invalidParams", [])]
        expect("vreemd", r, r.status_code == 400 and any("Onbekende deelnemer" in x for x in reasons),
               "400 onbekende deelnemer (zoals een die niet bestaat)")
    assert problems == []


def test_providers_reasons_reach_the_gemeente_koppeling_only_as_given(app: Flask, db, world: ApiWorld):
    """The gemeente's system reads as gemeente staff, not as the klantregisseur (as with health-type
    omstandigheden): a provider's free-text reasons and belemmeringen arrive as 'opgegeven', the hours as they are
    (the provider's own API, portal/api/aanbieder.py, does not pass through this rule)."""
    from datetime import timedelta
    from decimal import Decimal

    from portal.models import Presentie, TrajectStart, Voortgangsrapportage
    from portal.models.traject import Activiteit

    start = db.query(TrajectStart).filter_by(verwijzing_id=world.own.id).one()
    start.reden_latere_start = "Opname in het ziekenhuis"
    db.add(Presentie(verwijzing_id=world.own.id, datum=START + timedelta(days=1), activiteit=Activiteit.TAALLES_KNM,
                     uren_aanwezig=Decimal(0), uren_afwezig_geoorloofd=Decimal(3),
                     reden_afwezig="Afspraak bij de huisarts"))
    db.add(Voortgangsrapportage(verwijzing_id=world.own.id, peildatum=START + timedelta(days=7), motivatie="Goed",
                                voortgang="Goed op weg", belemmeringen="Slaapt slecht door medicatie"))
    db.flush()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.tokens['a']}"}
    gegevens = {}
    for soort in ("start", "presentie", "voortgang"):
        response = client.get(f"/api/v1/registraties/{soort}", headers=headers)
        assert response.status_code == 200
        gegevens[soort] = [i["gegevens"] for i in response.get_json()["items"] if i["verwijzingId"] == world.own.id]
    tekst = str(gegevens)
    assert "ziekenhuis" not in tekst and "huisarts" not in tekst and "medicatie" not in tekst
    assert gegevens["presentie"][0]["redenAfwezig"] == "Reden opgegeven (alleen zichtbaar voor de klantregisseur)"
    assert gegevens["presentie"][0]["urenAfwezigGeoorloofd"] == 3
    assert gegevens["start"][0]["redenLatereStart"] == "Reden opgegeven (alleen zichtbaar voor de klantregisseur)"
    assert gegevens["voortgang"][0]["belemmeringen"] == \
        "Belemmeringen opgegeven (alleen zichtbaar voor de klantregisseur)"
    assert gegevens["voortgang"][0]["voortgang"] == "Goed op weg"
