"""Provider endpoints: verwijzingen (paged, changed since), registrations through the portal's services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.models import Presentie, RegistratieWijziging, TrajectStart
from portal.models.resultaat import AfschalingStatus, OmstandighedenMelding, Voortgangsrapportage
from tests.api.conftest import START, TODAY, ApiWorld, make_case
from tests.factories import AfschalingsverzoekFactory, ContractFactory


def _day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def test_list_shows_only_own_verwijzingen_with_deelnemer(api, world: ApiWorld):
    response = api.get("/verwijzingen")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["id"] for i in items] == [world.own.id]
    item = items[0]
    assert item["deelnemer"]["bsn"] == world.inburgeraar.bsn
    assert item["kenmerk"] == world.own.kenmerk
    assert item["start"]["gerealiseerdeStartdatum"] == START.isoformat()
    assert "Link" not in response.headers


def test_cursor_pages_in_a_stable_order_with_a_link_header(api, db, world: ApiWorld):
    contract = world.own.contract
    for _ in range(4):
        make_case(world.gemeente_a, contract)
    seen, url, pages = [], "/verwijzingen?limit=2", 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        seen += [i["id"] for i in response.get_json()["items"]]
        link = response.headers.get("Link")
        url = link.split(">")[0].split("/api/v1", 1)[1] if link else None
        assert link is None or 'rel="next"' in link
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5


def test_changed_since_and_bad_cursor(api, db, world: ApiWorld):
    later = (world.own.updated_at + timedelta(seconds=1)).isoformat()
    response = api.get("/verwijzingen", query_string={"gewijzigdSinds": later})
    assert response.get_json()["items"] == []
    response = api.get("/verwijzingen", query_string={"gewijzigdSinds": "2020-01-01T00:00:00+00:00"})
    assert len(response.get_json()["items"]) == 1
    bad = api.get("/verwijzingen?cursor=bm9vaXQ")
    assert bad.status_code == 400
    assert bad.get_json()["invalidParams"][0]["name"] == "cursor"
    naive = api.get("/verwijzingen", query_string={"gewijzigdSinds": "2026-01-01T00:00:00"})
    assert naive.status_code == 400


def test_one_verwijzing_own_and_foreign(api, world: ApiWorld):
    assert api.get(f"/verwijzingen/{world.own.id}").get_json()["id"] == world.own.id
    foreign = api.get(f"/verwijzingen/{world.foreign.id}")
    missing = api.get("/verwijzingen/999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()


def test_bulk_presentie_saves_and_is_idempotent(api, db, world: ApiWorld):
    items = [{"verwijzingId": world.own.id, "datum": _day(n), "activiteit": "taalles_knm", "urenAanwezig": 3}
             for n in range(1, 6)]
    items.append({"kenmerk": world.own.kenmerk, "datum": _day(7), "activiteit": "taalles_knm",
                  "urenAanwezig": 1.5, "urenAfwezigGeoorloofd": 1.5, "redenAfwezig": "Ziek"})
    first = api.post("/presentie", json={"items": items})
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"nieuw": 6, "gewijzigd": 0, "ongewijzigd": 0}
    again = api.post("/presentie", json={"items": items})
    assert again.get_json() == {"nieuw": 0, "gewijzigd": 0, "ongewijzigd": 6}
    items[0]["urenAanwezig"] = 2.5
    corrected = api.post("/presentie", json={"items": items})
    assert corrected.get_json() == {"nieuw": 0, "gewijzigd": 1, "ongewijzigd": 5}
    stored = db.scalars(select(Presentie).where(Presentie.verwijzing_id == world.own.id)).all()
    assert len(stored) == 6
    assert {p.uren_aanwezig for p in stored} == {Decimal("3.00"), Decimal("2.50"), Decimal("1.50")}
    assert all(p.geregistreerd_door_id is None for p in stored)
    history = db.scalars(select(RegistratieWijziging).where(RegistratieWijziging.object_type == "presentie")).all()
    assert [(h.oude_waarde, h.nieuwe_waarde) for h in history] == [("3.00", "2.50")]
    assert history[0].bron.startswith(f"api {world.client_p.client_id}")


def test_bulk_presentie_is_all_or_nothing_with_errors_per_item(api, db, world: ApiWorld):
    items = [
        {"verwijzingId": world.own.id, "datum": _day(1), "activiteit": "taalles_knm", "urenAanwezig": 3},
        {"verwijzingId": world.own.id, "datum": (TODAY + timedelta(days=1)).isoformat(),
         "activiteit": "taalles_knm", "urenAanwezig": 3},
        {"verwijzingId": world.foreign.id, "datum": _day(2), "activiteit": "taalles_knm", "urenAanwezig": 3},
        {"verwijzingId": world.own.id, "datum": _day(3), "activiteit": "taalles_knm", "urenAfwezigOngeoorloofd": 2},
        {"verwijzingId": world.own.id, "datum": _day(4), "activiteit": "taalles_knm", "urenAanwezig": 2.1},
    ]
    response = api.post("/presentie", json={"items": items})
    assert response.status_code == 400
    problems = {p["name"]: p["reason"] for p in response.get_json()["invalidParams"]}
    assert "toekomst" in problems["items[1].datum"]
    assert "Onbekende deelnemer" in problems["items[2].verwijzingId"]
    assert "reden" in problems["items[3].redenAfwezig"]
    assert "kwartieren" in problems["items[4].urenAanwezig"]
    assert not any(name.startswith("items[0]") for name in problems)
    assert db.scalar(select(func.count()).select_from(Presentie)) == 0


def test_bulk_presentie_refuses_more_than_ten_thousand_items(api, world: ApiWorld):
    item = {"verwijzingId": world.own.id, "datum": _day(1), "activiteit": "taalles_knm", "urenAanwezig": 1}
    response = api.post("/presentie", json={"items": [item] * 10_001})
    assert response.status_code == 400
    assert response.get_json()["invalidParams"][0]["reason"].startswith("Te veel regels")


def test_start_can_be_corrected_and_niet_gestart_needs_a_reason(api, db, world: ApiWorld):
    response = api.put(f"/verwijzingen/{world.own.id}/start",
                       json={"gerealiseerdeStartdatum": _day(2), "redenLatereStart": "Wachtlijst"})
    assert response.status_code == 200, response.get_json()
    start = db.scalar(select(TrajectStart).where(TrajectStart.verwijzing_id == world.own.id))
    assert start.gerealiseerde_startdatum.isoformat() == _day(2)
    refused = api.put(f"/verwijzingen/{world.own.id}/start", json={"nietGestart": True})
    assert refused.status_code == 400
    assert refused.get_json()["invalidParams"][0]["name"] == "redenNietGestart"
    foreign = api.put(f"/verwijzingen/{world.foreign.id}/start", json={"gerealiseerdeStartdatum": _day(2)})
    assert foreign.status_code == 404


def test_voortgang_and_omstandigheden(api, db, world: ApiWorld):
    response = api.post(f"/verwijzingen/{world.own.id}/voortgangsrapportages", json={
        "peildatum": _day(30), "motivatie": "Gemotiveerd", "voortgang": "Goed op weg"})
    assert response.status_code == 201, response.get_json()
    assert db.get(Voortgangsrapportage, response.get_json()["id"]).voortgang == "Goed op weg"
    response = api.post(f"/verwijzingen/{world.own.id}/omstandigheden", json={
        "soort": "verhuizing", "datum": _day(40), "toelichting": "Verhuist naar een andere wijk"})
    assert response.status_code == 201, response.get_json()
    assert db.get(OmstandighedenMelding, response.get_json()["id"]).gemeld_door_id is None
    bad = api.post(f"/verwijzingen/{world.own.id}/omstandigheden", json={
        "soort": "iets", "datum": _day(40), "toelichting": "x"})
    assert bad.status_code == 400
    assert bad.get_json()["invalidParams"][0]["name"] == "soort"


def test_afschalingsverzoek_below_600_hours_is_refused_in_dutch(api, world: ApiWorld):
    response = api.post(f"/verwijzingen/{world.own.id}/afschalingsverzoeken", json={
        "onderdelen": ["LE"], "observatiesAanbieder": "Stagneert", "ervaringInburgeraar": "Moeilijk"})
    assert response.status_code == 400
    reasons = [p["reason"] for p in response.get_json()["invalidParams"]]
    assert any("600 uur" in r for r in reasons)


def test_examen_and_route_results(api, db, world: ApiWorld):
    response = api.post(f"/verwijzingen/{world.own.id}/examenresultaten", json={
        "onderdeel": "LE", "niveau": "B1", "resultaat": "Geslaagd", "examendatum": _day(50)})
    assert response.status_code == 201, response.get_json()
    wrong = api.put(f"/verwijzingen/{world.own.id}/routeresultaat", json={"datumEindgesprekMap": _day(50)})
    assert wrong.status_code == 400  # a B1-route has no route result
    assert "B1-route" in wrong.get_json()["invalidParams"][0]["reason"]


def test_besluiten_feed_shows_decided_requests_of_own_verwijzingen(api, db, world: ApiWorld):
    from portal.models.base import utcnow

    AfschalingsverzoekFactory(verwijzing=world.own, inburgeraar=world.own.inburgeraar,
                              status=AfschalingStatus.AFGEWEZEN, besloten_op=utcnow(), besluit_reden="Te vroeg")
    AfschalingsverzoekFactory(verwijzing=world.own, inburgeraar=world.own.inburgeraar)  # still waiting
    AfschalingsverzoekFactory(verwijzing=world.foreign, inburgeraar=world.foreign.inburgeraar,
                              status=AfschalingStatus.AFGEWEZEN, besloten_op=utcnow(), besluit_reden="Nee")
    items = api.get("/besluiten").get_json()["items"]
    assert [(i["besluit"], i["reden"]) for i in items] == [("afgewezen", "Te vroeg")]


def test_aanbieder_of_another_gemeente_contract_sees_nothing_of_a(as_client, world: ApiWorld, db):
    ContractFactory(aanbieder=world.client_q.aanbieder, gemeenten=[world.gemeente_a])  # Q also works for A now
    items = as_client(world.tokens["q"]).get("/verwijzingen").get_json()["items"]
    assert [i["id"] for i in items] == [world.foreign.id]  # still only what was referred to Q


def test_besluiten_feed_includes_decided_declaratie_regels_in_one_paged_order(api, db, world: ApiWorld):
    from datetime import UTC, datetime

    from portal.models.billing import Afwijsreden, RegelStatus
    from tests.factories import DeclaratieRegelFactory, PrestatieFactory

    def regel(verwijzing, status, minute, **kwargs):
        return DeclaratieRegelFactory(prestatie=PrestatieFactory(verwijzing=verwijzing), status=status,
                                      beoordeeld_op=datetime(2026, 11, 30, 9, minute, tzinfo=UTC), **kwargs)

    afgewezen = regel(world.own, RegelStatus.AFGEWEZEN, 5, afwijsreden=Afwijsreden.AANWEZIGHEID)
    goedgekeurd = regel(world.own, RegelStatus.GOEDGEKEURD, 1)
    DeclaratieRegelFactory(prestatie=PrestatieFactory(verwijzing=world.own))  # still to be decided
    regel(world.foreign, RegelStatus.GOEDGEKEURD, 3)  # another aanbieder's
    AfschalingsverzoekFactory(verwijzing=world.own, inburgeraar=world.own.inburgeraar,
                              status=AfschalingStatus.AFGEWEZEN, besloten_op=datetime(2026, 11, 30, 9, 3, tzinfo=UTC),
                              besluit_reden="Te vroeg")
    first = api.get("/besluiten?limit=2")
    second = api.get(first.headers["Link"].split(">")[0].split("/api/v1", 1)[1])
    assert "Link" not in second.headers
    feed = first.get_json()["items"] + second.get_json()["items"]
    assert [(i["soort"], i["besluit"]) for i in feed] == [
        ("declaratieregel", "goedgekeurd"), ("afschalingsverzoek", "afgewezen"), ("declaratieregel", "afgewezen")]
    assert feed[0]["id"] == goedgekeurd.id and feed[2]["id"] == afgewezen.id
    assert feed[2]["reden"] == "Aanwezigheid onder de voorwaarde"
    assert feed[0]["bedragCent"] == 15000 and feed[0]["declaratieNummer"] == goedgekeurd.declaratie.nummer
