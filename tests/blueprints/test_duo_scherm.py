"""The DUO screen as a klantregisseur uses it: refresh, read a bericht's JSON, export a batch, record DUO's answer."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from portal.models import AuditEvent, AuditGezien, BerichtStatus, DuoBericht
from portal.models.enums import IndicatorAlfabetisering, Leerroute, NiveauPip, Rol
from tests.factories import GemeenteFactory, InburgeraarFactory, PipFactory, UserFactory
from tests.helpers import post_form


def test_refresh_export_and_answer(app, db, login_as):
    hoorn = GemeenteFactory(naam="Hoorn", oin="00000001000000405000")
    opmeer = GemeenteFactory(naam="Opmeer")  # no OIN yet: named on the screen
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn, opmeer])
    person = InburgeraarFactory(gemeente=hoorn)
    PipFactory(inburgeraar=person, dagtekening=date.today() - timedelta(days=30), leerroute=Leerroute.Z,
               niveau=NiveauPip.A2, geschatte_intensiteit=None, indicator_alfabetisering=IndicatorAlfabetisering.A)
    db.flush()
    client = login_as(regisseur)

    refreshed = post_form(client, "/keten/duo/bijwerken", page_url="/keten/duo", follow_redirects=True)
    html = refreshed.get_data(as_text=True)
    assert "1 nieuw bericht klaargezet." in html  # one bericht, in the singular
    assert "Opmeer heeft nog geen OIN" in html
    bericht = db.scalars(select(DuoBericht)).one()
    assert person.bsn not in html  # lists show no BSN

    page = client.get(f"/keten/duo/{bericht.id}").get_data(as_text=True)
    assert "&#34;leerroute&#34;: &#34;Z&#34;" in page or '"leerroute": "Z"' in page
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "duo_bericht_bekeken")) is not None

    export = post_form(client, "/keten/duo/export", {"gemeente_id": str(hoorn.id)}, page_url="/keten/duo")
    assert export.status_code == 200 and export.mimetype == "application/x-ndjson"
    lines = export.get_data(as_text=True).splitlines()
    assert [json.loads(line)["berichtId"] for line in lines] == [bericht.bericht_id]
    db.refresh(bericht)
    assert bericht.status is BerichtStatus.VERZONDEN
    # The file names the person by BSN: the export is found under that inburgeraar in the trail.
    uitvoer = db.scalar(select(AuditEvent).where(AuditEvent.action == "duo_berichten_geexporteerd"))
    assert db.scalars(select(AuditGezien.inburgeraar_id).where(AuditGezien.audit_event_id == uitvoer.id)).all() \
        == [person.id]

    bad = post_form(client, f"/keten/duo/{bericht.id}", {"status": "abc"})
    assert bad.status_code == 422 and "HTTP-status" in bad.get_data(as_text=True)
    ok = post_form(client, f"/keten/duo/{bericht.id}", {"status": "201"})
    assert ok.status_code == 302
    db.refresh(bericht)
    assert (bericht.status, bericht.antwoord_status) == (BerichtStatus.GEACCEPTEERD, 201)
    # From a page opened before that answer (another tab, a colleague): the refusal is shown, not swallowed.
    laat = post_form(client, f"/keten/duo/{bericht.id}", {"status": "400", "foutmeldingen": "x"})
    assert laat.status_code == 302 and laat.headers["Location"].endswith(f"/keten/duo/{bericht.id}")
    assert "Leg een antwoord vast voor een bericht dat verzonden is." in client.get(
        f"/keten/duo/{bericht.id}").get_data(as_text=True)
    db.refresh(bericht)
    assert (bericht.status, bericht.antwoord_status) == (BerichtStatus.GEACCEPTEERD, 201)


def test_the_results_to_confirm_say_how_many_wait_beyond_the_list(app, db, login_as, monkeypatch):
    """The list shows the oldest TE_BEVESTIGEN_MAX; the page says how many wait in all (the demo has 324 for 50
    rows, and nothing said so)."""
    from portal.blueprints.keten import duo as duo_scherm
    from tests.factories import RouteResultaatFactory, VerwijzingFactory

    hoorn = GemeenteFactory(naam="Hoorn", oin="00000001000000405000")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    for _ in range(3):
        RouteResultaatFactory(verwijzing=VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=hoorn)))
    db.flush()
    client = login_as(regisseur)
    alles = client.get("/keten/duo").get_data(as_text=True)
    assert alles.count('/bevestigen"') == 3 and "Er wachten" not in alles
    monkeypatch.setattr(duo_scherm, "TE_BEVESTIGEN_MAX", 2)
    deel = client.get("/keten/duo").get_data(as_text=True)
    assert deel.count('/bevestigen"') == 2
    assert "Er wachten 3 resultaten; hieronder de 2 oudste." in deel


def test_the_results_to_confirm_come_oldest_date_first(app, db, login_as, monkeypatch):
    # "de 50 oudste" next to a Datum column: by that date, not by the order they were entered in.
    from portal.blueprints.keten import duo as duo_scherm
    from tests.factories import RouteResultaatFactory, VerwijzingFactory

    hoorn = GemeenteFactory(naam="Hoorn", oin="00000001000000405000")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    vandaag = date.today()
    for dagen in (5, 40, 20):  # entered newest-but-one first
        RouteResultaatFactory(verwijzing=VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=hoorn)),
                              datum_eindgesprek_map=vandaag - timedelta(days=dagen))
    db.flush()
    monkeypatch.setattr(duo_scherm, "TE_BEVESTIGEN_MAX", 2)
    page = login_as(regisseur).get("/keten/duo").get_data(as_text=True)
    getoond = [f"{vandaag - timedelta(days=d):%d-%m-%Y}" for d in (40, 20, 5)]
    assert getoond[0] in page and getoond[1] in page and getoond[2] not in page
    assert page.index(getoond[0]) < page.index(getoond[1])


def test_the_export_offers_the_gemeente_with_berichten_waiting(app, db, login_as):
    """Each gemeente says how many berichten wait, and the first with any is chosen: not Drechterland (nothing to
    export, first alphabetically) when only Hoorn has berichten."""
    drechterland = GemeenteFactory(naam="Drechterland", oin="00000001000000498000")
    hoorn = GemeenteFactory(naam="Hoorn", oin="00000001000000405000")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[drechterland, hoorn])
    PipFactory(inburgeraar=InburgeraarFactory(gemeente=hoorn), dagtekening=date.today() - timedelta(days=30),
               leerroute=Leerroute.Z, niveau=NiveauPip.A2, geschatte_intensiteit=None,
               indicator_alfabetisering=IndicatorAlfabetisering.A)
    db.flush()
    client = login_as(regisseur)
    post_form(client, "/keten/duo/bijwerken", page_url="/keten/duo")
    html = client.get("/keten/duo").get_data(as_text=True)
    assert f'<option value="{drechterland.id}">Drechterland (0 klaar)</option>' in html
    assert f'<option selected value="{hoorn.id}">Hoorn (1 klaar)</option>' in html
