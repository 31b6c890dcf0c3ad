"""In a real browser: the klantregisseur withdraws a PIP (errors first, then done) and the functioneel beheerder
checks DUO's list of instellingen; no serious or critical axe-core violations."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Aanbieder, Inburgeraar, Pip, PipIntrekking

pytestmark = pytest.mark.e2e

KLANTREGISSEUR = "klantregisseur@werksaam.example.nl"
BEHEERDER = "beheer@werksaam.example.nl"


def test_klantregisseur_withdraws_a_pip(page_as, axe, live_server):
    with live_server.app.app_context():
        ingetrokken = select(PipIntrekking.inburgeraar_id)
        person_id = db.session.scalars(
            select(Inburgeraar.id).join(Pip, Pip.inburgeraar_id == Inburgeraar.id)
            .where(Inburgeraar.gemeente.has(cbs_code="0405"), Inburgeraar.id.not_in(ingetrokken))
            .order_by(Inburgeraar.id.desc())).first()
    page = page_as(KLANTREGISSEUR)
    page.goto(f"/inburgeraars/{person_id}")
    page.get_by_role("link", name="PIP intrekken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PIP intrekken")
    assert axe(page) == []
    page.get_by_label("Datum van intrekking").fill("31-12-2099")
    page.get_by_role("button", name="PIP intrekken").click()
    summary = page.locator(".portal-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Reden van intrekking")
    assert axe(page) == []
    page.get_by_label("Datum van intrekking").fill("01-12-2026")
    page.get_by_label("Reden van intrekking").fill("Ten onrechte vastgesteld.")
    page.get_by_role("button", name="PIP intrekken").click()
    expect(page.get_by_role("status").first).to_contain_text("is ingetrokken")
    expect(page.locator("main")).to_contain_text("ingetrokken per 01-12-2026")


def test_beheerder_checks_duos_list_of_instellingen(page_as, axe, live_server):
    with live_server.app.app_context():
        aanbieder = db.session.scalars(select(Aanbieder).where(Aanbieder.instellingsnummer.is_not(None))
                                       .order_by(Aanbieder.id)).first()
        nummer, naam, bow, tst = (aanbieder.instellingsnummer, aanbieder.naam, aanbieder.bow_keurmerk,
                                  aanbieder.tst_keurmerk)
    # The aanbieder's own flags: the other browser tests keep seeing the demo region as loaded.
    antwoord = [{"instellingsnummer": nummer, "naam": naam, "postcode": "1621AB", "huisnummer": 1,
                 "plaatsnaam": "Hoorn", "indicatieBowKeurmerk": bow, "indicatieTstKeurmerk": tst},
                {"instellingsnummer": "ZZ00000001", "naam": "Niet in het portaal", "postcode": "1621AB",
                 "huisnummer": 2, "plaatsnaam": "Hoorn"}]
    page = page_as(BEHEERDER)
    page.goto("/beheer/duo-instellingen")
    expect(page.get_by_role("heading", level=1)).to_have_text("DUO-instellingen overnemen")
    assert axe(page) == []
    page.get_by_label("Antwoord van DUO (JSON)").fill('[{"instellingsnummer": "kort"}]')
    page.get_by_role("button", name="Controleren").click()
    expect(page.locator(".portal-error-summary")).to_contain_text("het verplichte veld 'naam' ontbreekt")
    assert axe(page) == []
    page.get_by_label("Antwoord van DUO (JSON)").fill(json.dumps(antwoord))
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controle DUO-instellingen")
    expect(page.locator("main")).to_contain_text("Geen: niet gekoppeld")
    assert axe(page) == []
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("status").first).to_contain_text("DUO's lijst is overgenomen")
