"""The audit trail viewer of the functioneel beheerder: scope, filters, pages, exports without personal data,
the AVG inzage overview of one inburgeraar, reading it audited, and no other role even knows it exists."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.audit import AuditActie
from portal.models import AuditEvent
from portal.models.enums import Rol
from tests.factories import AanbiederFactory, GemeenteFactory, InburgeraarFactory, UserFactory


def _event(db, actor, action, inburgeraar=None, when=datetime(2026, 11, 20, 9, 0), object_type="inburgeraar"):
    row = AuditEvent(actor_id=actor.id if actor else None, action=action.value, object_type=object_type,
                     object_id=str(inburgeraar.id) if inburgeraar else None,
                     inburgeraar_id=inburgeraar.id if inburgeraar else None, result="ok", origin="web",
                     occurred_at=when)
    db.add(row)
    return row


@pytest.fixture
def trail(db):
    """Hoorn's beheerder; Hoorn's Emre Kaya seen by a klantregisseur and a docent; Zwolle's Zora seen by Zwolle."""
    hoorn, zwolle = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Zwolle")
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, naam="Fatima", gemeenten=[hoorn])
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, naam="Sanne", gemeenten=[hoorn])
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, naam="Joost", aanbieder=AanbiederFactory(naam="Omringdijk"))
    zwols = UserFactory(rol=Rol.KLANTREGISSEUR, naam="Zwolse Regisseur", gemeenten=[zwolle])
    emre = InburgeraarFactory(gemeente=hoorn, voornamen="Emre", achternaam="Kaya", bsn="999990019")
    zora = InburgeraarFactory(gemeente=zwolle, voornamen="Zora", achternaam="Zwols", bsn="999990032")
    _event(db, regisseur, AuditActie.BEKEKEN, emre, datetime(2026, 11, 20, 9, 0))
    _event(db, docent, AuditActie.PRESENTIE_GEREGISTREERD, emre, datetime(2026, 11, 25, 14, 0), "presentie")
    _event(db, regisseur, AuditActie.INLOGGEN, None, datetime(2026, 11, 26, 8, 0), "sessie")
    _event(db, zwols, AuditActie.BEKEKEN, zora, datetime(2026, 11, 21, 9, 0))
    _event(db, zwols, AuditActie.INLOGGEN, None, datetime(2026, 11, 21, 8, 0), "sessie")
    db.flush()
    return {"beheerder": beheerder, "regisseur": regisseur, "docent": docent, "emre": emre, "zora": zora}


def _rows(html: str) -> int:
    return html.count('<th scope="row"')


def _body(html: str) -> str:
    """The table's rows only (the action names also appear in the filter's options)."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""


def test_beheerder_reads_the_trail_of_its_own_gemeente_only(trail, login_as):
    html = _body(login_as(trail["beheerder"]).get("/beheer/audit").get_data(as_text=True))
    assert "Kaya, Emre" in html and "Presentie geregistreerd" in html and "Inloggen" in html
    assert "Zwols" not in html and "Zwolse Regisseur" not in html  # neither Zwolle's case nor its staff's logins
    assert "999990019" not in html and "BSN eindigt op 0019" in html


def test_filters_by_user_bsn_action_and_period(trail, login_as):
    client = login_as(trail["beheerder"])
    by_docent = client.get(f"/beheer/audit?gebruiker={trail['docent'].id}").get_data(as_text=True)
    assert _rows(by_docent) == 1 and "Presentie geregistreerd" in _body(by_docent)
    by_bsn = client.get("/beheer/audit?bsn=9999.90.019").get_data(as_text=True)
    # His two events, and the beheerder's own reading of the trail filtered by the docent, whose page named him.
    assert _rows(by_bsn) == 3 and "Inzageverzoek van Emre Kaya" in by_bsn and "Auditlog bekeken" in _body(by_bsn)
    # Another gemeente's BSN finds nothing, exactly like a BSN nobody has.
    foreign = client.get("/beheer/audit?bsn=999990032").get_data(as_text=True)
    assert _rows(foreign) == 0 and "Geen gebeurtenissen gevonden" in foreign and "Zora" not in foreign
    by_action = client.get("/beheer/audit?actie=inloggen").get_data(as_text=True)
    assert _rows(by_action) == 1
    period = client.get("/beheer/audit?van=21-11-2026&tot=25-11-2026").get_data(as_text=True)
    assert _rows(period) == 1 and "Presentie geregistreerd" in _body(period)


def test_every_filter_error_is_reported_at_once(trail, login_as):
    response = login_as(trail["beheerder"]).get("/beheer/audit?bsn=123456789&van=31-02-2026&tot=01-01-2020&actie=x")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Er zijn 3 fouten gevonden" in html or "Er zijn 4 fouten gevonden" in html
    assert "elfproef" in html and "Kies een actie uit de lijst" in html


def test_pages_of_25(trail, login_as, db):
    for n in range(30):
        _event(db, trail["regisseur"], AuditActie.BEKEKEN, trail["emre"], datetime(2026, 10, 1, 9, n))
    db.flush()
    client = login_as(trail["beheerder"])
    first = client.get("/beheer/audit").get_data(as_text=True)
    assert _rows(first) == 25 and "pagina=2" in first
    # 33 events, plus the beheerder's own reading of page 1: the trail shows its readers too.
    second = client.get("/beheer/audit?pagina=2").get_data(as_text=True)
    assert _rows(second) == 9
    assert "Auditlog bekeken" in _body(client.get("/beheer/audit").get_data(as_text=True))


def test_reading_and_exporting_the_trail_are_audited_without_the_bsn(trail, login_as, db):
    client = login_as(trail["beheerder"])
    client.get("/beheer/audit?bsn=999990019")
    read = db.scalar(select(AuditEvent).where(AuditEvent.action == AuditActie.AUDITLOG_BEKEKEN.value))
    assert read is not None and read.actor_id == trail["beheerder"].id
    assert read.inburgeraar_id == trail["emre"].id and "999990019" not in str(read.details)

    response = client.get("/beheer/audit/export.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Presentie geregistreerd" in values and str(trail["emre"].id) in values
    assert not any("Kaya" in v or "999990019" in v for v in values)  # the trail export needs no name or BSN
    csv_text = client.get("/beheer/audit/export.csv?actie=inloggen").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Tijdstip;Gebruiker") and "Inloggen" in csv_text
    exports = db.scalars(select(AuditEvent).where(AuditEvent.action == AuditActie.AUDITLOG_GEEXPORTEERD.value))
    assert sorted(e.details["formaat"] for e in exports) == ["csv", "xlsx"]


def test_inzage_export_answers_an_avg_request(trail, login_as, db):
    client = login_as(trail["beheerder"])
    response = client.get(f"/beheer/audit/inzage/{trail['emre'].id}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("Emre Kaya" in v for v in values) and any("BSN 999990019" in v for v in values)
    assert "Klantregisseur" in values and "Aanbieder-medewerker" in values and "Omringdijk" in values
    assert "Presentie geregistreerd" in values and "Dossier geopend" in values
    assert "Joost" not in values  # roles and organisations, not the employees' names
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == AuditActie.INZAGE_GEEXPORTEERD.value))
    assert event is not None and event.inburgeraar_id == trail["emre"].id
    assert client.get(f"/beheer/audit/inzage/{trail['zora'].id}.xlsx").status_code == 404
    assert client.get(f"/beheer/audit/inzage/{trail['emre'].id}.pdf").status_code == 404


@pytest.mark.parametrize("rol", [Rol.KLANTREGISSEUR, Rol.CONTRACTMANAGER, Rol.AANBIEDER_BEHEERDER])
def test_no_other_role_sees_the_trail_or_its_menu_item(trail, login_as, rol):
    user = UserFactory(rol=rol, gemeenten=[trail["emre"].gemeente]) if rol in (Rol.KLANTREGISSEUR,
                                                                              Rol.CONTRACTMANAGER) \
        else UserFactory(rol=rol, aanbieder=trail["docent"].aanbieder)
    client = login_as(user)
    assert client.get("/beheer/audit").status_code == 404
    assert client.get("/beheer/audit/export.csv").status_code == 404
    assert client.get(f"/beheer/audit/inzage/{trail['emre'].id}.csv").status_code == 404
    assert "Auditlog" not in client.get("/").get_data(as_text=True)


def test_events_are_stored_in_utc_and_the_period_follows_the_dutch_calendar(trail, login_as, db):
    # 23:30 UTC on 30 November is 00:30 on 1 December in Amsterdam.
    _event(db, trail["regisseur"], AuditActie.UITLOGGEN, None, datetime(2026, 11, 30, 23, 30), "sessie")
    db.flush()
    html = login_as(trail["beheerder"]).get("/beheer/audit?actie=uitloggen&van=01-12-2026").get_data(as_text=True)
    assert _rows(html) == 1 and "01-12-2026 00:30" in html
    assert UTC  # stored naive UTC, shown in Dutch time


def test_every_action_the_portal_logs_can_be_chosen_in_the_filter_by_its_dutch_name(trail, login_as, db):
    """A beheerder answering 'who approved this declaratie?' filters by action; the walk found 30 of the 82 actions
    (all of billing, contracts, DUO, CBS, API) missing from the choices and shown as 'Duo berichten geexporteerd'."""
    _event(db, trail["beheerder"], AuditActie.DECLARATIEREGEL_BEOORDEELD, trail["emre"], object_type="declaratie_regel")
    db.flush()
    html = login_as(trail["beheerder"]).get("/beheer/audit").get_data(as_text=True)
    for actie in AuditActie:
        assert f'value="{actie.value}"' in html, actie
    assert "Declaratieregel beoordeeld" in _body(html)
    assert "DUO-berichten geëxporteerd" in html and "CBS-bestand gemaakt" in html and "API-koppeling aangemaakt" in html
    chosen = login_as(trail["beheerder"]).get("/beheer/audit?actie=declaratieregel_beoordeeld").get_data(as_text=True)
    assert _rows(chosen) == 1
