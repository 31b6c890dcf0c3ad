"""NL API Design Rules on the wire: the document, API-Version, problem+json, no trailing slashes, security headers."""

from __future__ import annotations

from tests.api.conftest import ApiWorld

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


def test_openapi_document_is_public_with_open_cors(as_client):
    response = as_client(None).get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["API-Version"] == "1.0.0"
    spec = response.get_json()
    assert spec["openapi"] == "3.0.3"
    assert spec["servers"][0]["url"] == "/api/v1"
    assert {"email", "name", "url"} <= set(spec["info"]["contact"])
    assert "/openapi.json" in spec["paths"]


def test_every_answer_has_api_version_and_security_headers(as_client, world: ApiWorld):
    anonymous, provider = as_client(None), as_client(world.tokens["p"])
    answers = [
        anonymous.get("/verwijzingen"),  # 401
        provider.get("/verwijzingen"),  # 200
        provider.get(f"/verwijzingen/{world.foreign.id}"),  # 404
        provider.get("/bestaat-niet"),  # 404
        provider.post("/presentie", json={"items": "geen lijst"}),  # 400
    ]
    for response in answers:
        assert response.headers["API-Version"] == "1.0.0", response.status_code
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
        assert response.headers["Cache-Control"] == "no-store"
        assert "Retry-After" not in response.headers  # only a 429 asks to wait


def test_errors_are_problem_json_in_dutch(as_client, world: ApiWorld):
    response = as_client(None).get("/verwijzingen")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 401 and body["title"] == "Niet geauthenticeerd"
    assert "Bearer" in response.headers["WWW-Authenticate"]

    response = as_client(world.tokens["p"]).post("/presentie", json={"items": [{"datum": 5}], "extra": 1})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    names = {p["name"]: p["reason"] for p in response.get_json()["invalidParams"]}
    assert names["items[0].datum"] == "Geef tekst."
    assert names["items[0].activiteit"] == "Dit veld is verplicht."
    assert names["extra"].startswith("Onbekend veld")


def test_invalid_json_is_a_400_problem(as_client, world: ApiWorld):
    response = as_client(world.tokens["p"]).post(
        "/presentie", data="{niet: json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_no_trailing_slashes(as_client, world: ApiWorld):
    response = as_client(world.tokens["p"]).get("/verwijzingen/")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_wrong_method_is_a_405_problem(as_client, world: ApiWorld):
    response = as_client(world.tokens["p"]).put("/presentie", json={})
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "POST" in response.headers["Allow"]


def test_bulk_bodies_take_the_fast_json_path_whatever_is_imported_first():
    """The bulk endpoint validates straight from the request bytes (portal.api.adapter) even in a process that
    imports a blueprint module before building the app (APIFlask picks the adapter when the view is decorated)."""
    import subprocess
    import sys

    script = (
        "import inspect\n"
        "import portal.api.aanbieder as views\n"
        "from portal.api.adapter import JsonBytesAdapter\n"
        "view = views.upsert_presentie\n"
        "while 'adapter' not in inspect.getclosurevars(view).nonlocals:  # the decorators, outside in\n"
        "    view = view.__wrapped__\n"
        "print(isinstance(inspect.getclosurevars(view).nonlocals['adapter'], JsonBytesAdapter))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,  # noqa: S603 - own interpreter, fixed snippet
                          check=True)
    assert done.stdout.strip() == "True", done.stderr


def test_signalen_description_says_providers_reasons_are_replaced_as_they_are(db, as_client, world):
    """Review finding: /signalen promised 'Dezelfde signalen als de caseload van de klantregisseur', but since
    1815428 the koppeling reads that a reason was given, not the provider's text. The document says what it gets."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal.models import TrajectStart
    from tests.api.conftest import START

    start = db.scalar(select(TrajectStart).where(TrajectStart.verwijzing_id == world.own.id))
    start.gerealiseerde_startdatum, start.reden_latere_start = START + timedelta(days=60), "Medische afspraken"
    db.flush()
    response = as_client(world.tokens["a"]).get("/signalen")
    assert response.status_code == 200
    uitleg = [s["uitleg"] for item in response.get_json()["items"] for s in item["signalen"]
              if s["code"] == "late_start"]
    assert uitleg and all("alleen zichtbaar voor de klantregisseur" in u for u in uitleg)
    assert "Medische" not in response.get_data(as_text=True)
    description = as_client(None).get("/openapi.json").get_json()["paths"]["/signalen"]["get"]["description"]
    assert "Dezelfde signalen als de caseload" not in description
    assert "alleen zichtbaar voor de klantregisseur" in description
