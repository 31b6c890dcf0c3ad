"""Handhaving and the CBS file as the gemeente uses them: the register's form, the CSV download and its log."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.models import CbsLevering, Handhaving
from portal.models.enums import Rol
from tests.factories import (
    ContractFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
)
from tests.helpers import post_form


def test_klantregisseur_records_a_boete_with_evidence(db, gemeente, regisseur, login_as):
    person = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=person)
    verwijzing = VerwijzingFactory(inburgeraar=person, contract=ContractFactory(gemeenten=[gemeente]))
    absent = PresentieFactory(verwijzing=verwijzing, uren_aanwezig=Decimal(0), uren_afwezig_ongeoorloofd=Decimal(3))
    db.flush()
    client = login_as(regisseur)
    url = f"/keten/inburgeraars/{person.id}/handhaving"
    page = client.get(url).get_data(as_text=True)
    assert "Bewijs: presentie met afwezigheid" in page and f'value="{absent.id}"' in page
    bad = post_form(client, url, {"soort": "boete", "grond": "pip_verplichting", "datum": "01-01-2026",
                                  "verwijtbaarheid_pct": "50", "bedrag": "900"})
    assert bad.status_code == 422 and "maximum voor deze grond" in bad.get_data(as_text=True)
    ok = post_form(client, url, {"soort": "boete", "grond": "pip_verplichting",
                                 "datum": (date.today() - timedelta(days=1)).strftime("%d-%m-%Y"),
                                 "verwijtbaarheid_pct": "50", "bedrag": "400", "presentie_ids": [str(absent.id)]})
    assert ok.status_code == 302
    row = db.scalars(select(Handhaving)).one()
    assert (row.bedrag_cent, [p.id for p in row.bewijs]) == (40000, [absent.id])
    assert "€ 400,00" in client.get(url).get_data(as_text=True)


def test_beheerder_downloads_the_cbs_file_and_it_is_logged(db, gemeente, login_as):
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])
    InburgeraarFactory(gemeente=gemeente)
    db.flush()
    client = login_as(beheerder)
    response = post_form(client, "/keten/cbs", {"gemeente_id": str(gemeente.id)})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    levering = db.scalars(select(CbsLevering)).one()
    assert levering.sha256 == hashlib.sha256(response.get_data()).hexdigest()
    assert levering.aantal_rijen == 1
    assert levering.sha256 in client.get("/keten/cbs").get_data(as_text=True)


def test_a_pip_boete_dated_before_the_pip_is_refused(db, gemeente, regisseur, login_as):
    # Dated before the termijn, a boete would also escape the maximum per termijn (boetes_in_termijn).
    person = InburgeraarFactory(gemeente=gemeente)
    pip = PipFactory(inburgeraar=person)
    db.flush()
    client = login_as(regisseur)
    url = f"/keten/inburgeraars/{person.id}/handhaving"
    for datum in (date(1990, 1, 1), pip.dagtekening):
        response = post_form(client, url, {"soort": "boete", "grond": "pip_verplichting",
                                           "datum": datum.strftime("%d-%m-%Y"), "verwijtbaarheid_pct": "100",
                                           "bedrag": "800"})
        assert response.status_code == 422
        assert f"Het eerste PIP heeft dagtekening {pip.dagtekening:%d-%m-%Y}" in response.get_data(as_text=True)
    assert db.scalars(select(Handhaving)).first() is None


def test_a_brede_intake_boete_dated_before_the_kennisgeving_is_refused(db, gemeente, regisseur, login_as):
    kennisgeving = date.today() - timedelta(days=100)
    person = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=kennisgeving, datum_brp_inschrijving=None)
    db.flush()
    client = login_as(regisseur)
    url = f"/keten/inburgeraars/{person.id}/handhaving"
    response = post_form(client, url, {"soort": "boete", "grond": "brede_intake", "datum": "01-01-1990",
                                       "verwijtbaarheid_pct": "100", "bedrag": "250"})
    assert response.status_code == 422
    assert f"De termijn voor de brede intake begint op {kennisgeving:%d-%m-%Y}" in response.get_data(as_text=True)
    assert db.scalars(select(Handhaving)).first() is None


def test_the_cbs_page_explains_every_column_itself(db, gemeente, login_as):
    # A beheerder has no README: what each column of the file holds must be on the page that makes it.
    from portal.services.chain.cbs_layout import KOLOMMEN

    client = login_as(UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente]))
    html = client.get("/keten/cbs").get_data(as_text=True)
    assert "README" not in html
    for kolom in KOLOMMEN:
        assert f"<code>{kolom.naam}</code>" in html
    assert "Boetes van de gemeente in de periode" in html and "puntkomma" in html
