"""The same presentie through the form, a spreadsheet upload and the API: the same records and the same Dutch
messages, because all three doors call presentie.register with a PresentieInput (issue 15, point 4)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal import clock
from portal.audit import AuditActie
from portal.models import AuditEvent, Presentie, Upload
from portal.services import api_clients
from tests.blueprints.test_uploads import confirm, post_file
from tests.factories import ApiClientFactory
from tests.helpers import csrf_token
from tests.spreadsheets.conftest import HEADER, Provider, provider, xlsx_bytes  # noqa: F401 - fixture

ALL_HEADER = [*HEADER[:5], "Uren afwezig ongeoorloofd", HEADER[5]]


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def _form(client, verwijzing, values: dict[str, str]):
    url = f"/presentie/verwijzing/{verwijzing.id}/sessie"
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "activiteit": "taalles_knm", **values})


def _upload(client, db, rows: list[list]):
    response = post_file(client, xlsx_bytes([ALL_HEADER, *rows]), "presentie.xlsx")
    assert response.status_code == 302
    return db.scalars(select(Upload).order_by(Upload.created_at.desc())).first()


def _api(client, db, owner: Provider, items: list[dict]):
    api_client = ApiClientFactory(aanbieder=owner.user.aanbieder)
    token = "drie-deuren-" + api_client.client_id
    api_clients.store_token(db, api_client, token, api_client.scopes, 900)
    db.flush()
    return client.post("/api/v1/presentie", json={"items": items}, headers={"Authorization": f"Bearer {token}"})


def _row(v, day, aanwezig, geoorloofd, ongeoorloofd, reden) -> list:
    return [v.inburgeraar.bsn, day.strftime("%d-%m-%Y"), "Taalles en KNM", aanwezig, geoorloofd, ongeoorloofd, reden]


def test_valid_input_gives_the_same_records_through_every_door(app, db, login_as, provider):  # noqa: F811
    form_v, upload_v, api_v = provider.verwijzingen
    day = provider.start + timedelta(days=5)
    client = login_as(provider.user)

    assert _form(client, form_v, {"datum": day.strftime("%d-%m-%Y"), "uren_aanwezig": "2,5",
                                  "uren_afwezig_geoorloofd": "0,5", "reden_afwezig": "Tandarts"}).status_code == 302
    upload = _upload(client, db, [_row(upload_v, day, "2,5", "0,5", None, "Tandarts")])
    assert upload.fouten == []
    assert confirm(client, upload.id).status_code == 302
    response = _api(app.test_client(), db, provider, [{
        "verwijzingId": api_v.id, "datum": day.isoformat(), "activiteit": "taalles_knm", "urenAanwezig": 2.5,
        "urenAfwezigGeoorloofd": 0.5, "redenAfwezig": "Tandarts"}])
    assert response.status_code == 200, response.get_json()

    def stored(v) -> tuple:
        p = db.scalars(select(Presentie).where(Presentie.verwijzing_id == v.id)).one()
        return (p.datum, p.activiteit, p.uren_aanwezig, p.uren_afwezig_geoorloofd, p.uren_afwezig_ongeoorloofd,
                p.reden_afwezig)

    expected = (day, "taalles_knm", Decimal("2.50"), Decimal("0.50"), Decimal("0.00"), "Tandarts")
    assert stored(form_v) == stored(upload_v) == stored(api_v) == expected
    audited = db.scalars(select(AuditEvent).where(AuditEvent.action == AuditActie.PRESENTIE_GEREGISTREERD)).all()
    assert sorted(e.inburgeraar_id for e in audited) == sorted(v.inburgeraar_id for v in provider.verwijzingen)
    assert {tuple(sorted(e.details.items())) for e in audited} == {(("gewijzigd", 0), ("nieuw", 1))}


# Input that breaks a rule, as a form, a spreadsheet row and an API item would carry it.
CASES = {
    "toekomst": ({"datum": "+3", "uren_aanwezig": "2"}, 2, None, None, None),
    "kwartieren": ({"datum": "5", "uren_aanwezig": "2,1"}, 2.1, None, None, None),
    "geen reden": ({"datum": "5", "uren_aanwezig": "1", "uren_afwezig_ongeoorloofd": "2"}, 1, None, 2, None),
    "meer dan 24": ({"datum": "5", "uren_aanwezig": "25"}, 25, None, None, None),
    "negatief": ({"datum": "5", "uren_aanwezig": "-1"}, -1, None, None, None),
    "voor de start": ({"datum": "-10", "uren_aanwezig": "1"}, 1, None, None, None),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_broken_rules_give_the_same_dutch_messages_through_every_door(app, db, login_as, provider, case):  # noqa: F811
    form_values, aanwezig, geoorloofd, ongeoorloofd, reden = CASES[case]
    verwijzing = provider.verwijzingen[0]
    offset = form_values["datum"]  # "+n": n days after today; otherwise n days after the traject's start
    day = clock.today() + timedelta(days=3) if offset.startswith("+") else provider.start + timedelta(days=int(offset))
    client = login_as(provider.user)

    form_html = _form(client, verwijzing, {**form_values, "datum": day.strftime("%d-%m-%Y")}).get_data(as_text=True)
    upload = _upload(client, db, [_row(verwijzing, day, str(aanwezig).replace(".", ","), geoorloofd, ongeoorloofd,
                                       reden)])
    upload_messages = {f["melding"] for f in upload.fouten}
    item = {"verwijzingId": verwijzing.id, "datum": day.isoformat(), "activiteit": "taalles_knm",
            "urenAanwezig": aanwezig}
    if ongeoorloofd is not None:
        item["urenAfwezigOngeoorloofd"] = ongeoorloofd
    response = _api(app.test_client(), db, provider, [item])
    assert response.status_code == 400
    api_messages = {p["reason"] for p in response.get_json()["invalidParams"]}

    assert upload_messages and api_messages == upload_messages
    for message in api_messages:
        assert str(escape(message)) in form_html, message
    assert db.scalar(select(Presentie).where(Presentie.verwijzing_id == verwijzing.id)) is None
