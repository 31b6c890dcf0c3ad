"""The portal starts, asks for a login and shows the start page to a logged-in user."""

from tests.factories import GemeenteFactory, UserFactory


def test_start_page_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_start_page_for_klantregisseur(login_as):
    user = UserFactory(gemeenten=[GemeenteFactory()])
    response = login_as(user).get("/")
    assert response.status_code == 200
    assert "Welkom" in response.text
