"""OAuth2 client credentials: tokens, scopes, expiry, revocation, last use, rate limits and the audit trail."""

from __future__ import annotations

import base64
from datetime import timedelta

from sqlalchemy import select

from portal.audit import AuditActie
from portal.models import ApiToken, AuditEvent
from portal.models.base import utcnow
from portal.services import api_clients
from tests.api.conftest import START, ApiWorld, bearer
from tests.factories import CLIENT_SECRET


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_token_with_http_basic_works_for_a_call(client, db, world: ApiWorld, as_client):
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                           headers=_basic(world.client_p.client_id, CLIENT_SECRET))
    assert response.status_code == 200, response.get_data(as_text=True)
    token = response.get_json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 900
    assert set(token["scope"].split()) == set(world.client_p.scope_list)
    assert response.headers["Cache-Control"] == "no-store"
    # Only a hash is stored.
    stored = db.scalars(select(ApiToken.token_hash)).all()
    assert token["access_token"] not in stored
    assert api_clients.hash_secret(token["access_token"]) in stored
    assert as_client(token["access_token"]).get("/verwijzingen").status_code == 200
    db.refresh(world.client_p)
    assert world.client_p.laatst_gebruikt_at is not None


def test_token_with_form_credentials_and_a_narrower_scope(client, world: ApiWorld, as_client):
    response = client.post("/api/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": world.client_p.client_id, "client_secret": CLIENT_SECRET,
        "scope": "deelnemers:lezen"})
    assert response.status_code == 200
    assert response.get_json()["scope"] == "deelnemers:lezen"
    session = as_client(response.get_json()["access_token"])
    assert session.get("/verwijzingen").status_code == 200
    denied = session.post("/presentie", json={"items": [{"verwijzingId": 1, "datum": "2026-01-01",
                                                          "activiteit": "taalles_knm"}]})
    assert denied.status_code == 403
    assert "presentie:schrijven" in denied.get_json()["detail"]
    assert 'error="insufficient_scope"' in denied.headers["WWW-Authenticate"]


def test_wrong_secret_unknown_client_and_wrong_grant_are_refused(client, db, world: ApiWorld):
    wrong = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                        headers=_basic(world.client_p.client_id, "fout-geheim"))
    assert wrong.status_code == 401
    assert wrong.mimetype == "application/problem+json"
    assert wrong.get_json()["error"] == "invalid_client"
    unknown = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                          headers=_basic("ic_bestaatniet", CLIENT_SECRET))
    assert unknown.status_code == 401
    grant = client.post("/api/v1/oauth/token", data={"grant_type": "password"},
                        headers=_basic(world.client_p.client_id, CLIENT_SECRET))
    assert grant.status_code == 400
    refused = db.scalars(select(AuditEvent).where(AuditEvent.action == AuditActie.API_TOKEN_GEWEIGERD)).all()
    assert len(refused) >= 2


def test_expired_token_and_revoked_or_expired_client_get_401(db, world: ApiWorld, as_client):
    token = bearer(db, world.client_p)
    db.execute(ApiToken.__table__.update().where(ApiToken.token_hash == api_clients.hash_secret(token))
               .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert as_client(token).get("/verwijzingen").status_code == 401

    token = bearer(db, world.client_p)
    world.client_p.verloopt_op = utcnow() - timedelta(minutes=1)
    db.flush()
    assert as_client(token).get("/verwijzingen").status_code == 401

    world.client_p.verloopt_op = utcnow() + timedelta(days=1)
    token = bearer(db, world.client_p)
    beheerder = world.client_p.aanbieder and _beheerder(world)
    api_clients.revoke_client(db, beheerder, world.client_p)
    db.flush()
    assert as_client(token).get("/verwijzingen").status_code == 401
    assert db.scalar(select(ApiToken).where(ApiToken.api_client_id == world.client_p.id)) is None


def _beheerder(world: ApiWorld):
    from portal.models.enums import Rol
    from tests.factories import UserFactory

    return UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=world.client_p.aanbieder)


def test_rate_limit_per_client_answers_429_with_retry_after(api_app, world: ApiWorld, as_client, monkeypatch):
    monkeypatch.setitem(api_app.config, "API_RATE_LIMIT", "3 per minute")
    p, q = as_client(world.tokens["p"]), as_client(world.tokens["q"])
    assert [p.get("/verwijzingen").status_code for _ in range(3)] == [200, 200, 200]
    limited = p.get("/verwijzingen")
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert q.get("/verwijzingen").status_code == 200  # another client has its own count


def test_token_endpoint_has_its_own_limit(client, api_app, world: ApiWorld, monkeypatch):
    monkeypatch.setitem(api_app.config, "API_TOKEN_RATE_LIMIT", "2 per minute")
    codes = [client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                         headers=_basic(world.client_p.client_id, "geraden")).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_every_call_is_audited_with_the_client_and_no_user(db, world: ApiWorld, api):
    api.get(f"/verwijzingen/{world.own.id}")
    api.get(f"/verwijzingen/{world.foreign.id}")
    events = db.scalars(select(AuditEvent).where(AuditEvent.api_client_id == world.client_p.id)
                        .order_by(AuditEvent.id)).all()
    calls = [(e.result, e.details["pad"]) for e in events if e.action == AuditActie.API_AANROEP]
    assert ("200", "/verwijzingen/<int:verwijzing_id>") in calls
    assert ("404", "/verwijzingen/<int:verwijzing_id>") in calls
    reads = [e for e in events if e.action == AuditActie.BEKEKEN]
    assert [e.inburgeraar_id for e in reads] == [world.own.inburgeraar_id]
    assert all(e.actor_id is None and e.origin.startswith("api ") for e in events)


def test_each_call_is_audited_once_whether_it_wrote_or_failed(db, world: ApiWorld, api):
    item = {"verwijzingId": world.own.id, "datum": (START + timedelta(days=1)).isoformat(),
            "activiteit": "taalles_knm", "urenAanwezig": 3}
    assert api.post("/presentie", json={"items": [item]}).status_code == 200
    assert api.post("/presentie", json={"items": [{**item, "urenAanwezig": 25}]}).status_code == 400
    assert api.post(f"/verwijzingen/{world.own.id}/examenresultaten", json={}).status_code == 400
    events = db.scalars(select(AuditEvent).where(AuditEvent.api_client_id == world.client_p.id)
                        .order_by(AuditEvent.id)).all()
    calls = [(e.result, e.details["methode"], e.details["pad"]) for e in events if e.action == AuditActie.API_AANROEP]
    assert calls == [("200", "POST", "/presentie"), ("400", "POST", "/presentie"),
                     ("400", "POST", "/verwijzingen/<int:verwijzing_id>/examenresultaten")]
    write = [e.inburgeraar_id for e in events if e.action == AuditActie.PRESENTIE_GEREGISTREERD]
    assert write == [world.own.inburgeraar_id]  # the refused calls saved nothing
