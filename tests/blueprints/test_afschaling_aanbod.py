"""The afschalingsverzoek form is offered only when it can succeed; otherwise the page says why (already A2,
a request waiting, hours short: how many). The decision page links to the dossier."""

from __future__ import annotations

from portal.models.enums import Leerroute, NiveauPip
from portal.models.resultaat import Afschalingsverzoek
from tests.factories import PipFactory
from tests.registraties_case import add_lesuren


def _url(case) -> str:
    return f"/registraties/verwijzing/{case.b1.id}/afschalingsverzoek"


def test_form_is_offered_from_600_hours(db, login_as, case):
    add_lesuren(case.b1, 600)
    client = login_as(case.aanbieder_a)
    html = client.get(_url(case)).text
    assert "Verzoek indienen" in html and "Nu geen verzoek mogelijk" not in html
    overzicht = client.get(f"/registraties/verwijzing/{case.b1.id}").text
    assert f'href="{_url(case)}">Afschalingsverzoek indienen' in overzicht


def test_hours_short_says_how_many_and_offers_no_form(db, login_as, case):
    add_lesuren(case.b1, 520)
    client = login_as(case.aanbieder_a)
    html = client.get(_url(case)).text
    assert "Nu geen verzoek mogelijk" in html and "nog 80 uur nodig" in html
    assert "Verzoek indienen" not in html and 'name="observaties_aanbieder"' not in html
    overzicht = client.get(f"/registraties/verwijzing/{case.b1.id}").text
    assert "Nu geen afschalingsverzoek mogelijk" in overzicht and "nog 80 uur nodig" in overzicht
    assert "Afschalingsverzoek indienen" not in overzicht


def test_pip_already_at_a2_says_so_and_offers_no_form(db, login_as, case):
    add_lesuren(case.b1, 700)
    PipFactory(inburgeraar=case.inburgeraar, versie=2, leerroute=Leerroute.B, niveau=NiveauPip.A2,
               dagtekening=case.pip.dagtekening)
    db.refresh(case.inburgeraar)
    html = login_as(case.aanbieder_a).get(_url(case)).text
    assert "al op niveau A2" in html and 'name="observaties_aanbieder"' not in html


def test_decision_page_links_to_the_dossier(db, login_as, case):
    add_lesuren(case.b1, 600)
    verzoek = Afschalingsverzoek(verwijzing=case.b1, inburgeraar_id=case.inburgeraar.id, observaties_aanbieder="x",
                                 ervaring_inburgeraar="y", uren_op_moment=600)
    db.add(verzoek)
    db.flush()
    html = login_as(case.klantregisseur).get(f"/registraties/afschalingsverzoeken/{verzoek.id}").text
    assert f'href="/inburgeraars/{case.inburgeraar.id}">Dossier van' in html


def test_decision_page_shows_the_pip_in_force_not_a_withdrawn_one(db, login_as, case):
    """domain.pip.van_kracht: after a withdrawal the page says no PIP is in force (and since when), not "versie 1,
    B1-route, niveau B1" as if there were one to lower."""
    from datetime import date

    from tests.factories_chain import PipIntrekkingFactory

    add_lesuren(case.b1, 600)
    verzoek = Afschalingsverzoek(verwijzing=case.b1, inburgeraar_id=case.inburgeraar.id, observaties_aanbieder="x",
                                 ervaring_inburgeraar="y", uren_op_moment=600)
    db.add(verzoek)
    db.flush()
    url = f"/registraties/afschalingsverzoeken/{verzoek.id}"
    client = login_as(case.klantregisseur)
    assert "<dt>PIP van kracht</dt><dd>Versie 1, B1-route, niveau B1</dd>" in client.get(url).text
    ingetrokken = date.today()
    PipIntrekkingFactory(pip=case.pip, datum=ingetrokken)
    db.flush()
    html = client.get(url).text
    assert f"Geen: versie 1 is ingetrokken per {ingetrokken:%d-%m-%Y}." in html and "Versie 1, B1-route" not in html
