"""API koppelingen in the portal: registered by the organisation's beheerder, secret shown once, revocable."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.models import ApiClient
from portal.models.enums import Rol
from tests.factories import AanbiederFactory, ApiClientFactory, GemeenteFactory, UserFactory
from tests.helpers import post_form

EIND = (date.today() + timedelta(days=200)).strftime("%d-%m-%Y")


def _token(client, client_id: str, secret: str):
    return client.post("/api/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


def test_aanbieder_beheerder_registers_a_client_and_sees_the_secret_once(app, db, login_as):
    beheerder = UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=AanbiederFactory())
    client = login_as(beheerder)
    page = client.get("/beheer/koppelingen/nieuw").get_data(as_text=True)
    assert "presentie:schrijven" in page and "registraties:lezen" not in page
    response = post_form(client, "/beheer/koppelingen/nieuw", {
        "naam": "Eduarte", "scopes": ["deelnemers:lezen", "presentie:schrijven"], "verloopt_op": EIND})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    client_id = re.search(r'id="client-id">([^<]+)<', html).group(1)
    secret = re.search(r'id="client-secret">([^<]+)<', html).group(1)
    stored = db.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    assert stored.aanbieder_id == beheerder.aanbieder_id and stored.scopes == "deelnemers:lezen presentie:schrijven"
    assert secret not in stored.secret_hash
    assert EIND in html  # the chosen day, also at night in the Netherlands
    assert response.headers["Cache-Control"] == "no-store"
    # Afterwards the secret is nowhere to be seen again.
    assert secret not in client.get(f"/beheer/koppelingen/{stored.id}").get_data(as_text=True)
    assert secret not in client.get("/beheer/koppelingen").get_data(as_text=True)
    assert _token(app.test_client(), client_id, secret).status_code == 200


def test_form_errors_are_dutch_and_nothing_is_stored(db, login_as):
    beheerder = UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=AanbiederFactory())
    client = login_as(beheerder)
    response = post_form(client, "/beheer/koppelingen/nieuw", {"naam": "", "verloopt_op": "01-01-2020"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kies minstens één bevoegdheid" in html
    assert "Kies een datum na vandaag" in html
    assert db.scalar(select(ApiClient)) is None


def test_functioneel_beheerder_registers_a_gemeente_client_for_its_own_gemeente(db, login_as):
    eigen, andere = GemeenteFactory(), GemeenteFactory()
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[eigen])
    client = login_as(beheerder)
    refused = post_form(client, "/beheer/koppelingen/nieuw", {
        "naam": "Suite", "scopes": ["registraties:lezen"], "gemeente_id": str(andere.id)})
    assert refused.status_code == 422
    done = post_form(client, "/beheer/koppelingen/nieuw", {
        "naam": "Suite", "scopes": ["registraties:lezen", "presentie:schrijven"], "gemeente_id": str(eigen.id)})
    assert done.status_code == 422  # presentie:schrijven is not a gemeente's scope
    done = post_form(client, "/beheer/koppelingen/nieuw", {
        "naam": "Suite", "scopes": ["registraties:lezen"], "gemeente_id": str(eigen.id)})
    assert done.status_code == 200
    stored = db.scalar(select(ApiClient))
    assert stored.gemeente_id == eigen.id and stored.aanbieder_id is None


def test_revoking_ends_the_client_at_once(app, db, login_as):
    beheerder = UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=AanbiederFactory())
    stored = ApiClientFactory(aanbieder=beheerder.aanbieder)
    from tests.factories import CLIENT_SECRET

    assert _token(app.test_client(), stored.client_id, CLIENT_SECRET).status_code == 200
    client = login_as(beheerder)
    response = post_form(client, f"/beheer/koppelingen/{stored.id}", {})
    assert response.status_code == 302
    db.refresh(stored)
    assert stored.ingetrokken_op is not None
    assert "Ingetrokken" in client.get("/beheer/koppelingen").get_data(as_text=True)
    refused = _token(app.test_client(), stored.client_id, CLIENT_SECRET)
    assert refused.status_code == 400  # RFC 6749 §5.2: 401 only when the client authenticated with HTTP Basic
    assert refused.get_json()["error"] == "invalid_client"


def test_another_organisations_client_is_404(db, login_as):
    beheerder = UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=AanbiederFactory())
    foreign = ApiClientFactory()
    assert login_as(beheerder).get(f"/beheer/koppelingen/{foreign.id}").status_code == 404


def test_reference_page_lists_every_operation_without_login(client):
    html = client.get("/api-documentatie").get_data(as_text=True)
    assert "POST /presentie" in html and "GET /registraties/{soort}" in html
    assert "presentie:schrijven" in html
    assert "http" not in re.sub(r'href="/[^"]*"', "", html).split("<main", 1)[1].split("</main>")[0].replace(
        "https://eupl", "")  # no external resources in the page body
