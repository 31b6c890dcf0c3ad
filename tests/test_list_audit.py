"""Lists that show inburgeraars leave one audit event per request naming exactly the people on the page shown
(audit_gezien), so the beheerder's "who saw inburgeraar X" finds being seen in a list, told apart from opening
the case page; only ids are stored, and nobody outside the reader's scope ever appears."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from portal.audit import AuditAppendOnlyError
from portal.extensions import db as portal_db
from portal.models import AuditEvent, AuditGezien, Verwijzing
from portal.models.enums import Rol
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    RouteResultaatFactory,
    UserFactory,
    VerwijzingFactory,
)


@pytest.fixture
def world(db):
    """Hoorn: 30 inburgeraars of klantregisseur Sanne, 3 of them referred to Omringdijk; Zwolle: Zora."""
    hoorn, zwolle = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Zwolle")
    sanne = UserFactory(rol=Rol.KLANTREGISSEUR, naam="Sanne", gemeenten=[hoorn])
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, naam="Fatima", gemeenten=[hoorn])
    omringdijk = AanbiederFactory(naam="Omringdijk")
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, naam="Joost", aanbieder=omringdijk)
    contract = ContractFactory(aanbieder=omringdijk, gemeenten=[hoorn])
    mensen = [InburgeraarFactory(gemeente=hoorn, klantregisseur=sanne, achternaam=f"Achternaam{n:02d}")
              for n in range(30)]
    for persoon in mensen[:3]:
        VerwijzingFactory(inburgeraar=persoon, contract=contract)
    zora = InburgeraarFactory(gemeente=zwolle, voornamen="Zora", achternaam="Zwols")
    db.flush()
    return {"sanne": sanne, "beheerder": beheerder, "docent": docent, "mensen": mensen, "zora": zora}


def _linked(html: str, prefix: str) -> set[int]:
    return {int(i) for i in re.findall(rf'href="{prefix}(\d+)"', html)}


def _new_events(db, after: int) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)))


def _shown(db, event_row: AuditEvent) -> set[int]:
    return set(db.scalars(select(AuditGezien.inburgeraar_id).where(AuditGezien.audit_event_id == event_row.id)))


def _last_id(db) -> int:
    return db.scalar(select(func.max(AuditEvent.id))) or 0


@pytest.mark.parametrize(("url", "object_type"), [
    ("/inburgeraars/?sort=naam", "inburgeraars_lijst"),
    ("/regie/?alle=1&sort=naam", "regie_overzicht"),
])
def test_a_list_page_records_exactly_the_inburgeraars_it_showed(world, login_as, db, url, object_type):
    client = login_as(world["sanne"])
    seen: set[int] = set()
    for pagina in (1, 2):
        before = _last_id(db)
        response = client.get(f"{url}&pagina={pagina}")
        assert response.status_code == 200
        on_page = _linked(response.get_data(as_text=True), "/inburgeraars/")
        [row] = _new_events(db, before)  # one event for the request, whatever the page holds
        assert (row.actor_id, row.action, row.object_type) == (world["sanne"].id, "overzicht_bekeken", object_type)
        assert row.inburgeraar_id is None and row.details == {"pagina": pagina, "aantal": len(on_page)}
        assert _shown(db, row) == on_page
        seen |= on_page
    assert len(on_page) == 5 and seen == {p.id for p in world["mensen"]}  # 25 + 5: the page shown, not all 30
    assert world["zora"].id not in set(db.scalars(select(AuditGezien.inburgeraar_id)))


def test_a_providers_deelnemers_list_records_only_its_referred_people(world, login_as, db):
    before = _last_id(db)
    html = login_as(world["docent"]).get("/deelnemers/").get_data(as_text=True)
    [row] = _new_events(db, before)
    assert row.object_type == "deelnemers_lijst" and row.actor_id == world["docent"].id
    assert _shown(db, row) == {p.id for p in world["mensen"][:3]}
    assert "Achternaam03" not in html  # the same people the page showed, no one else of Hoorn


def test_a_search_that_finds_nobody_records_nothing(world, login_as, db):
    before = _last_id(db)
    response = login_as(world["sanne"]).get("/inburgeraars/?q=Zwols")  # Zwolle's Zora: out of scope
    assert response.status_code == 200 and _linked(response.get_data(as_text=True), "/inburgeraars/") == set()
    assert _new_events(db, before) == []


def test_the_stored_list_read_holds_ids_only(world, login_as, db):
    login_as(world["sanne"]).get("/inburgeraars/?q=Achternaam01")
    [row] = _new_events(db, 0)
    stored = f"{row.object_id} {row.details} {row.origin}"
    persoon = world["mensen"][1]
    assert persoon.bsn not in stored and persoon.achternaam not in stored and persoon.voornamen not in stored
    assert _shown(db, row) == {persoon.id}


def test_the_beheerder_finds_who_saw_a_person_in_a_list_and_who_opened_the_case(world, login_as, db):
    persoon, ander = world["mensen"][0], world["mensen"][29]
    sanne = login_as(world["sanne"])
    sanne.get("/inburgeraars/?q=Achternaam00")  # a list with only `persoon`
    sanne.get(f"/inburgeraars/{persoon.id}")
    login_as(world["docent"]).get("/deelnemers/")

    client = login_as(world["beheerder"])
    html = client.get(f"/beheer/audit?bsn={persoon.bsn}").get_data(as_text=True)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count('<th scope="row"') == 3
    assert body.count("Gezien in overzicht") == 2 and body.count("Dossier geopend") == 1
    assert "lijst inburgeraars (lijst van 1 inburgeraar)" in body
    assert "lijst deelnemers (lijst van 3 inburgeraars)" in body
    assert "Joost (Aanbieder-medewerker)" in body and "Sanne (Klantregisseur)" in body
    assert '"Gezien in overzicht" betekent' in html  # the two kinds of inzage explained above the table
    assert body.count(f"{persoon.achternaam}, {persoon.voornamen}") == 3  # each row names the person looked up

    # Someone on none of these lists: neither list is among his events.
    other = client.get(f"/beheer/audit?bsn={ander.bsn}").get_data(as_text=True)
    assert "Geen gebeurtenissen gevonden" in other and "<tbody>" not in other

    # The AVG inzage overview and the trail's export of this person carry the list views too.
    sheet = load_workbook(io.BytesIO(client.get(f"/beheer/audit/inzage/{persoon.id}.xlsx").data)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert values.count("Gezien in overzicht") == 2 and values.count("Dossier geopend") == 1
    csv_text = client.get(f"/beheer/audit/export.csv?bsn={persoon.bsn}").data.decode("utf-8-sig")
    lijst_regels = [r for r in csv_text.splitlines() if "Gezien in overzicht" in r]
    assert len(lijst_regels) == 2 and all(f";{persoon.id};" in r for r in lijst_regels)
    assert persoon.bsn not in csv_text and persoon.achternaam not in csv_text


def test_a_beheerder_of_another_gemeente_does_not_find_the_list(world, login_as, db):
    login_as(world["sanne"]).get("/inburgeraars/?q=Achternaam00")
    zwolle = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[world["zora"].gemeente])
    client = login_as(zwolle)
    html = client.get(f"/beheer/audit?bsn={world['mensen'][0].bsn}").get_data(as_text=True)
    assert "Geen gebeurtenissen gevonden" in html and "<tbody>" not in html
    everything = client.get("/beheer/audit").get_data(as_text=True).split("<tbody>", 1)[1]
    assert "Gezien in overzicht" not in everything  # nor among the events of accounts it does not manage


def test_the_list_of_shown_people_is_append_only(world, login_as, db):
    login_as(world["sanne"]).get("/inburgeraars/?q=Achternaam00")
    row = db.scalar(select(AuditGezien))
    row.inburgeraar_id = world["zora"].id
    with pytest.raises(AuditAppendOnlyError):
        db.flush()
    db.rollback()


@pytest.mark.postgres
def test_on_postgresql_a_list_read_is_one_statement(world, login_as, db):
    client = login_as(world["sanne"])
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        if "INSERT INTO" in statement.upper():
            statements.append(statement)

    event.listen(portal_db.engine, "before_cursor_execute", seen)
    try:
        client.get("/regie/?alle=1")
    finally:
        event.remove(portal_db.engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and "audit_gezien" in statements[0] and "audit_event" in statements[0]


def test_the_presence_grid_records_the_deelnemers_in_its_rows(world, login_as, db):
    before = _last_id(db)
    html = login_as(world["docent"]).get("/presentie/week").get_data(as_text=True)
    rijen = {int(v) for v in re.findall(r'<tr id="rij-(\d+)"', html)}
    [row] = _new_events(db, before)
    assert (row.object_type, row.actor_id) == ("presentie_weekrooster", world["docent"].id)
    referred = {vid: iid for vid, iid in db.execute(select(Verwijzing.id, Verwijzing.inburgeraar_id))}
    assert rijen == set(referred) and _shown(db, row) == set(referred.values())
    assert row.details["aantal"] == 3 and "week" in row.details


def test_the_caseload_export_records_every_exported_inburgeraar(world, login_as, db):
    before = _last_id(db)
    response = login_as(world["sanne"]).get("/regie/export.xlsx?alle=1")
    assert response.status_code == 200
    [row] = _new_events(db, before)
    assert (row.action, row.object_type, row.details["aantal"]) == ("geexporteerd", "caseload", 30)
    assert _shown(db, row) == {p.id for p in world["mensen"]}  # all pages: the file holds them all


def test_an_empty_caseload_export_is_still_an_audit_event(world, login_as, db):
    """An export that held nobody still leaves a trail: who exported what, with which filters, and when."""
    nieuw = UserFactory(rol=Rol.KLANTREGISSEUR, naam="Nina", gemeenten=world["sanne"].gemeenten)
    db.flush()
    before = _last_id(db)
    response = login_as(nieuw).get("/regie/export.xlsx")  # her own caseload: nobody yet
    assert response.status_code == 200
    [row] = _new_events(db, before)
    assert (row.actor_id, row.action, row.object_type, row.details["aantal"]) == (
        nieuw.id, "geexporteerd", "caseload", 0)
    assert _shown(db, row) == set()


def test_the_results_to_confirm_for_duo_record_their_inburgeraars(world, login_as, db):
    for persoon in world["mensen"][:2]:
        RouteResultaatFactory(verwijzing=VerwijzingFactory(inburgeraar=persoon))
    db.flush()
    before = _last_id(db)
    html = login_as(world["sanne"]).get("/keten/duo").get_data(as_text=True)
    assert html.count('/bevestigen"') == 2
    [row] = _new_events(db, before)
    assert row.object_type == "duo_te_bevestigen" and _shown(db, row) == {p.id for p in world["mensen"][:2]}


def test_the_auditlog_page_records_the_inburgeraars_it_names(world, login_as, db):
    persoon = world["mensen"][0]
    login_as(world["sanne"]).get(f"/inburgeraars/{persoon.id}")
    before = _last_id(db)
    html = login_as(world["beheerder"]).get("/beheer/audit").get_data(as_text=True)
    assert f"{persoon.achternaam}, {persoon.voornamen}" in html
    [row] = _new_events(db, before)
    assert row.action == "auditlog_bekeken" and _shown(db, row) == {persoon.id}
    # Filtered on one person the event names that person, as before.
    login_as(world["beheerder"]).get(f"/beheer/audit?bsn={persoon.bsn}")
    last = db.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert last.action == "auditlog_bekeken" and last.inburgeraar_id == persoon.id
