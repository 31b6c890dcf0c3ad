"""The registration pages as their users meet them: providers on their own verwijzing, the klantregisseur
deciding afschalingsverzoeken, and nobody seeing what is not theirs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.models import (
    AuditEvent,
    Examenresultaat,
    OmstandighedenMelding,
    Pip,
    RouteResultaat,
    Voortgangsrapportage,
)
from portal.models.enums import NiveauPip, Onderdeel, Rol, VerwijzingStatus
from portal.models.resultaat import (
    AfschalingStatus,
    Afschalingsverzoek,
    AfschalingsverzoekOnderdeel,
    BereiktNiveau,
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    ResultaatBron,
    TaalschakelResultaat,
)
from tests.factories import ExamenresultaatFactory, UserFactory
from tests.helpers import csrf_token, post_form
from tests.registraties_case import TODAY, add_lesuren

DATUM = (TODAY - timedelta(days=2)).strftime("%d-%m-%Y")


def page(verwijzing) -> str:
    return f"/registraties/verwijzing/{verwijzing.id}"


def test_provider_sees_its_verwijzing_page_and_the_read_is_audited(db, login_as, case):
    response = login_as(case.aanbieder_a).get(page(case.b1))
    assert response.status_code == 200
    assert "Voortgangsrapportages" in response.text and "Examenresultaten" in response.text
    assert db.scalar(select(AuditEvent).where(
        AuditEvent.action == "bekeken", AuditEvent.object_type == "registraties",
        AuditEvent.actor_id == case.aanbieder_a.id)) is not None


def test_another_provider_gets_404_and_anonymous_users_are_sent_to_login(db, client, login_as, case):
    assert client.get(page(case.b1)).status_code == 302
    assert login_as(case.aanbieder_b).get(page(case.b1)).status_code == 404


def test_provider_registers_progress_and_sees_it_listed(db, login_as, case):
    client = login_as(case.aanbieder_a)
    response = post_form(client, f"{page(case.b1)}/voortgang", {
        "voortgang-peildatum": DATUM, "voortgang-motivatie": "Gemotiveerd", "voortgang-voortgang": "Goed op weg"},
        page_url=page(case.b1))
    assert response.status_code == 302
    assert db.scalar(select(Voortgangsrapportage.voortgang)) == "Goed op weg"
    assert "Goed op weg" in client.get(page(case.b1)).text


def test_belemmeringen_in_progress_notes_only_for_the_provider_and_the_klantregisseur(db, login_as, case):
    # Belemmeringen often name health matters: other gemeente roles read that some were given, not the text.
    client = login_as(case.aanbieder_a)
    response = post_form(client, f"{page(case.b1)}/voortgang", {
        "voortgang-peildatum": DATUM, "voortgang-motivatie": "Gemotiveerd", "voortgang-voortgang": "Goed op weg",
        "voortgang-belemmeringen": "Slaapt slecht door medicatie"}, page_url=page(case.b1))
    assert response.status_code == 302
    gemeente = case.b1.inburgeraar.gemeente
    for rol in (Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER):
        html = login_as(UserFactory(rol=rol, gemeenten=[gemeente])).get(page(case.b1)).text
        assert "Goed op weg" in html and "medicatie" not in html
        assert "<dd>Belemmeringen opgegeven (alleen zichtbaar voor de klantregisseur)</dd>" in html
    for user in (case.aanbieder_a, case.klantregisseur):
        assert "Slaapt slecht door medicatie" in login_as(user).get(page(case.b1)).text


def test_errors_are_shown_at_the_fields_in_dutch(db, login_as, case):
    client = login_as(case.aanbieder_a)
    response = post_form(client, f"{page(case.b1)}/voortgang", {"voortgang-peildatum": "32-13-2026"},
                         page_url=page(case.b1))
    assert response.status_code == 422
    assert "geen geldige datum" in response.text
    assert "Vul de motivatie in." in response.text
    assert db.scalar(select(Voortgangsrapportage)) is None


def test_omstandigheden_reach_the_klantregisseur_and_stay_hidden_from_the_other_provider(db, login_as, case):
    client = login_as(case.aanbieder_a)
    response = post_form(client, f"{page(case.b1)}/omstandigheden", {
        "omst-soort": "gezinssituatie", "omst-datum": DATUM, "omst-toelichting": "Gezinshereniging, partner komt."},
        page_url=page(case.b1))
    assert response.status_code == 302
    assert db.scalar(select(OmstandighedenMelding)) is not None

    assert "Gezinshereniging" not in login_as(case.aanbieder_b).get(page(case.map)).text
    assert "Gezinshereniging" in login_as(case.klantregisseur).get(page(case.b1)).text


def test_afschaling_form_says_how_many_hours_are_missing_and_refuses(db, login_as, case):
    add_lesuren(case.b1, 550)
    client = login_as(case.aanbieder_a)
    url = f"{page(case.b1)}/afschalingsverzoek"
    assert "Nog 50 uur nodig" in client.get(url).text
    response = post_form(client, url, {"onderdelen": ["SP"], "observaties_aanbieder": "Inzet goed",
                                       "ervaring_inburgeraar": "Spreken is moeilijk"})
    assert response.status_code == 422
    assert "nog 50 uur nodig" in response.text
    assert db.scalar(select(Afschalingsverzoek)) is None


def test_afschaling_from_request_to_decision_to_the_provider_seeing_it(db, login_as, case):
    add_lesuren(case.b1, 600)
    provider = login_as(case.aanbieder_a)
    url = f"{page(case.b1)}/afschalingsverzoek"
    response = post_form(provider, url, {"onderdelen": ["SC", "SP"], "observaties_aanbieder": "Inzet goed",
                                         "ervaring_inburgeraar": "Schrijven lukt niet"})
    assert response.status_code == 302
    verzoek = db.scalar(select(Afschalingsverzoek))
    assert verzoek.status is AfschalingStatus.INGEDIEND

    regisseur = login_as(case.klantregisseur)
    lijst = regisseur.get("/registraties/afschalingsverzoeken")
    assert case.inburgeraar.naam in lijst.text
    besluit_url = f"/registraties/afschalingsverzoeken/{verzoek.id}"
    response = post_form(regisseur, besluit_url, {"besluit": "afgewezen", "besluit_reden": ""})
    assert response.status_code == 422 and "Vul de reden van de afwijzing in." in response.text
    response = post_form(regisseur, besluit_url, {"besluit": "goedgekeurd", "besluit_reden": "Akkoord"})
    assert response.status_code == 302
    db.refresh(verzoek)
    assert verzoek.status is AfschalingStatus.GOEDGEKEURD
    assert db.scalar(select(Pip).where(Pip.inburgeraar_id == case.inburgeraar.id, Pip.versie == 2)).niveau \
        is NiveauPip.A2

    collega = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=case.aanbieder_a.aanbieder)
    text = login_as(collega).get(url).text
    assert "Goedgekeurd" in text and "niveau A2" in text


def test_another_klantregisseur_cannot_decide(db, login_as, case):
    add_lesuren(case.b1, 600)
    verzoek = Afschalingsverzoek(verwijzing=case.b1, inburgeraar_id=case.inburgeraar.id, observaties_aanbieder="x",
                                 ervaring_inburgeraar="y", uren_op_moment=600)
    db.add(verzoek)
    db.flush()
    client = login_as(case.andere_klantregisseur)
    url = f"/registraties/afschalingsverzoeken/{verzoek.id}"
    assert "beslist de klantregisseur van deze inburgeraar" in client.get(url).text
    token = csrf_token(client.get(url).text)
    assert client.post(url, data={"csrf_token": token, "besluit": "goedgekeurd"}).status_code == 403
    db.refresh(verzoek)
    assert verzoek.status is AfschalingStatus.INGEDIEND
    assert login_as(case.aanbieder_a).get("/registraties/afschalingsverzoeken").status_code == 403


def test_provider_registers_an_exam_result_and_gemeente_staff_enter_duos(db, login_as, case):
    data = {"examen-onderdeel": "LU", "examen-niveau": "B1", "examen-resultaat": "Geslaagd",
            "examen-examendatum": DATUM}
    response = post_form(login_as(case.aanbieder_a), f"{page(case.b1)}/examenresultaat", data,
                         page_url=page(case.b1))
    assert response.status_code == 302
    response = post_form(login_as(case.klantregisseur), f"{page(case.b1)}/examenresultaat", data,
                         page_url=page(case.b1))
    assert response.status_code == 302
    assert sorted(r.bron.value for r in db.scalars(select(Examenresultaat))) == [
        ResultaatBron.AANBIEDER.value, ResultaatBron.DUO.value]
    text = login_as(case.contractmanager).get(page(case.b1)).text
    assert "bron DUO" in text and "bron Aanbieder" in text


def test_contractmanager_cannot_post_results(db, login_as, case):
    client = login_as(case.contractmanager)
    token = csrf_token(client.get(page(case.b1)).text)
    response = client.post(f"{page(case.b1)}/examenresultaat", data={"csrf_token": token})
    assert response.status_code == 403


def test_map_provider_registers_the_eindgesprek(db, login_as, case):
    client = login_as(case.aanbieder_b)
    assert "Datum eindgesprek MAP" in client.get(page(case.map)).text
    response = post_form(client, f"{page(case.map)}/routeresultaat", {"route-datum_eindgesprek_map": DATUM},
                         page_url=page(case.map))
    assert response.status_code == 302
    db.refresh(case.map)
    assert case.map.status is VerwijzingStatus.AFGEROND
    assert f"Eindgesprek MAP op {DATUM}" in client.get(page(case.map)).text


def test_gemeente_case_fragment_renders_the_exam_grid(db, app, case):
    from flask import render_template

    from portal.services.resultaten import registraties_van

    with app.test_request_context():
        from flask import g

        g._db_session = db
        html = render_template("registraties/_inburgeraar_overzicht.html",
                               registraties=registraties_van(db, case.klantregisseur, case.inburgeraar))
        g.pop("_db_session")
    assert "Examenresultaten per onderdeel en niveau" in html and "Afschalingsverzoeken" in html


def _route(client, verwijzing, data):
    return post_form(client, f"{page(verwijzing)}/routeresultaat", data, page_url=page(verwijzing))


def test_onderwijsroute_provider_registers_the_taalschakeltraject_result(db, login_as, case):
    onderwijs = case.verwijzing(Onderdeel.ONDERWIJSROUTE)
    client = login_as(case.aanbieder_a)
    assert "Resultaat taalschakeltraject" in client.get(page(onderwijs)).text
    response = _route(client, onderwijs, {"route-taalschakel_resultaat": "behaald",
                                          "route-datum_taalschakel_resultaat": DATUM})
    assert response.status_code == 302
    resultaat = db.scalar(select(RouteResultaat).where(RouteResultaat.verwijzing_id == onderwijs.id))
    assert resultaat.taalschakel_resultaat is TaalschakelResultaat.BEHAALD
    assert resultaat.datum_taalschakel_resultaat == TODAY - timedelta(days=2)
    db.refresh(onderwijs)
    assert onderwijs.status is VerwijzingStatus.AFGEROND
    assert f"Taalschakeltraject behaald op {DATUM}" in client.get(page(onderwijs)).text


def test_onderwijsroute_form_names_what_is_missing_or_wrong(db, login_as, case):
    onderwijs = case.verwijzing(Onderdeel.ONDERWIJSROUTE)
    morgen = (TODAY + timedelta(days=1)).strftime("%d-%m-%Y")
    response = _route(login_as(case.aanbieder_a), onderwijs, {"route-datum_taalschakel_resultaat": morgen})
    assert response.status_code == 422
    assert "Er zijn 2 fouten gevonden" in response.text
    assert "Kies of het taalschakeltraject is behaald." in response.text
    assert "ligt in de toekomst" in response.text
    assert db.scalar(select(RouteResultaat)) is None
    db.refresh(onderwijs)
    assert onderwijs.status is VerwijzingStatus.GESTART


def test_pvt_provider_registers_the_signing_date(db, login_as, case):
    pvt = case.verwijzing(Onderdeel.PVT)
    client = login_as(case.aanbieder_a)
    assert "Datum ondertekening participatieverklaring" in client.get(page(pvt)).text
    response = _route(client, pvt, {"route-datum_ondertekening_pvt": DATUM, "route-verwijtbaar": ""})
    assert response.status_code == 302
    resultaat = db.scalar(select(RouteResultaat).where(RouteResultaat.verwijzing_id == pvt.id))
    assert resultaat.datum_ondertekening_pvt == TODAY - timedelta(days=2) and resultaat.verwijtbaar is None
    db.refresh(pvt)
    assert pvt.status is VerwijzingStatus.AFGEROND
    assert f"Participatieverklaring ondertekend op {DATUM}" in client.get(page(pvt)).text


def test_pvt_signing_date_in_the_future_is_refused_in_dutch(db, login_as, case):
    pvt = case.verwijzing(Onderdeel.PVT)
    morgen = (TODAY + timedelta(days=1)).strftime("%d-%m-%Y")
    response = _route(login_as(case.aanbieder_a), pvt, {"route-datum_ondertekening_pvt": morgen})
    assert response.status_code == 422
    assert "Er is 1 fout gevonden" in response.text
    assert ("Datum ondertekening participatieverklaring: De datum van ondertekening ligt in de toekomst. "
            "Vul een datum in tot en met vandaag.") in response.text
    assert f'value="{morgen}"' in response.text  # the input is kept for correction
    assert db.scalar(select(RouteResultaat)) is None
    db.refresh(pvt)
    assert pvt.status is VerwijzingStatus.GESTART


def test_z_route_provider_registers_afronding_and_the_level_reached(db, login_as, case):
    z = case.verwijzing(Onderdeel.Z_ROUTE_TAAL)
    client = login_as(case.aanbieder_a)
    response = _route(client, z, {"route-datum_afronding_z_route": DATUM})
    assert response.status_code == 422
    assert "Kies het bereikte taalniveau." in response.text
    assert db.scalar(select(RouteResultaat)) is None

    response = _route(client, z, {"route-datum_afronding_z_route": DATUM, "route-bereikt_niveau": "A1"})
    assert response.status_code == 302
    resultaat = db.scalar(select(RouteResultaat).where(RouteResultaat.verwijzing_id == z.id))
    assert resultaat.bereikt_niveau is BereiktNiveau.A1
    assert resultaat.datum_afronding_z_route == TODAY - timedelta(days=2)
    db.refresh(z)
    assert z.status is VerwijzingStatus.AFGEROND
    text = client.get(page(z)).text
    assert f"Z-route afgerond op {DATUM}, bereikt niveau A1" in text
    assert '<option selected value="A1">' in text  # a correction starts from the registered result


def test_another_provider_cannot_see_or_post_route_results(db, login_as, case):
    verwijzingen = [case.verwijzing(o) for o in (Onderdeel.ONDERWIJSROUTE, Onderdeel.PVT, Onderdeel.Z_ROUTE_TAAL)]
    client = login_as(case.aanbieder_b)
    token = csrf_token(client.get(page(case.map)).text)
    for verwijzing in verwijzingen:
        assert client.get(page(verwijzing)).status_code == 404
        response = client.post(f"{page(verwijzing)}/routeresultaat", data={
            "csrf_token": token, "route-taalschakel_resultaat": "behaald", "route-datum_taalschakel_resultaat": DATUM,
            "route-datum_ondertekening_pvt": DATUM, "route-datum_afronding_z_route": DATUM,
            "route-bereikt_niveau": "A1"})
        assert response.status_code == 404
    assert db.scalar(select(RouteResultaat)) is None


def test_the_exam_grid_says_when_no_pip_requires_a_level(db, login_as, case):
    """resultaten.vereist_niveau reads the PIP in force: after a withdrawal the grid marks nothing as required and
    says why, instead of a caption promising bold required levels."""
    from tests.factories_chain import PipIntrekkingFactory

    client = login_as(case.aanbieder_a)
    url = f"/registraties/verwijzing/{case.b1.id}"
    voor = client.get(url).get_data(as_text=True)
    assert "(vereist niveau vetgedrukt)" in voor and "Geen vereist niveau" not in voor
    PipIntrekkingFactory(pip=case.pip, datum=TODAY)
    db.flush()
    db.expire_all()
    na = client.get(url).get_data(as_text=True)
    assert "<strong>vereist</strong>" not in na and "(vereist niveau vetgedrukt)" not in na
    assert "Geen vereist niveau: er is geen PIP op de B1-route van kracht." in na


def _examens_van_duo_en_elders(case):
    """DUO's official results (on no verwijzing, as they arrive from DUO) and one on another B1-route verwijzing of
    the same inburgeraar (an earlier provider): both about the inburgeraar the provider is referred for."""
    from portal.models.resultaat import Examenniveau, Examenonderdeel, Examenuitslag
    from tests.factories import ExamenresultaatFactory, VerwijzingFactory

    for onderdeel, niveau, uitslag in ((Examenonderdeel.KNM, Examenniveau.A2, Examenuitslag.GESLAAGD),
                                       (Examenonderdeel.LU, Examenniveau.B1, Examenuitslag.GEZAKT)):
        ExamenresultaatFactory(verwijzing=None, inburgeraar_id=case.inburgeraar.id, onderdeel=onderdeel,
                               niveau=niveau, resultaat=uitslag, bron=ResultaatBron.DUO,
                               examendatum=TODAY - timedelta(days=20))
    eerder = VerwijzingFactory(inburgeraar=case.inburgeraar, onderdeel=Onderdeel.B1_ROUTE,
                               status=VerwijzingStatus.INGETROKKEN)
    ExamenresultaatFactory(verwijzing=eerder, onderdeel=Examenonderdeel.LE, niveau=Examenniveau.B1,
                           resultaat=Examenuitslag.GESLAAGD, examendatum=TODAY - timedelta(days=40))


def _cel(html: str, onderdeel: str) -> str:
    """The exam grid's row of one onderdeel."""
    return html.split(f">{onderdeel}</th>", 1)[1].split("</tr>", 1)[0]


def test_the_provider_sees_every_exam_result_of_its_deelnemer_with_its_source(db, login_as, case):
    _examens_van_duo_en_elders(case)
    html = login_as(case.aanbieder_a).get(page(case.b1)).get_data(as_text=True)

    assert "Geslaagd" in _cel(html, "Kennis van de Nederlandse Maatschappij (KNM)")
    assert "bron DUO" in _cel(html, "Kennis van de Nederlandse Maatschappij (KNM)")
    assert "Gezakt" in _cel(html, "Luisteren (LU)") and "bron DUO" in _cel(html, "Luisteren (LU)")
    assert "Geslaagd" in _cel(html, "Lezen (LE)") and "bron Aanbieder" in _cel(html, "Lezen (LE)")
    # The read is audited as a read of this inburgeraar's data, naming how many exam results it showed.
    event = db.scalars(select(AuditEvent).where(
        AuditEvent.action == "bekeken", AuditEvent.object_type == "registraties",
        AuditEvent.actor_id == case.aanbieder_a.id).order_by(AuditEvent.id.desc())).first()
    assert event.inburgeraar_id == case.inburgeraar.id and event.details["examenresultaten"] == 3


def test_exam_results_are_read_only_for_a_b1_route_verwijzing_of_the_own_organisation(db, app_ctx, case):
    from portal import access
    from tests.factories import AanbiederFactory, ContractFactory, UserFactory, VerwijzingFactory

    _examens_van_duo_en_elders(case)

    def gelezen(user, verwijzing):
        return db.scalars(access.examenresultaten_bij_verwijzing(user, verwijzing.id)).all()

    assert len(gelezen(case.aanbieder_a, case.b1)) == 3
    assert len(gelezen(case.klantregisseur, case.b1)) == 3
    assert gelezen(case.aanbieder_b, case.b1) == []  # not its verwijzing
    assert gelezen(case.aanbieder_b, case.map) == []  # its own, but a MAP has no exams
    elders = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=AanbiederFactory())
    eigen_elders = VerwijzingFactory(contract=ContractFactory(aanbieder=elders.aanbieder, gemeenten=[case.gemeente]),
                                     onderdeel=Onderdeel.B1_ROUTE)
    assert gelezen(elders, eigen_elders) == []  # its own deelnemer: none of this inburgeraar's results
    assert gelezen(elders, case.b1) == []


def test_the_decision_page_warns_when_the_request_names_a_part_already_passed(db, login_as, case):
    """A request stored before the rule refused passed parts: the klantregisseur sees it before deciding."""
    add_lesuren(case.b1, 600)
    verzoek = Afschalingsverzoek(verwijzing=case.b1, inburgeraar_id=case.inburgeraar.id, observaties_aanbieder="x",
                                 ervaring_inburgeraar="y", uren_op_moment=600)
    db.add(verzoek)
    db.flush()
    verzoek.onderdeel_regels = [AfschalingsverzoekOnderdeel(onderdeel=Examenonderdeel.LE),
                                AfschalingsverzoekOnderdeel(onderdeel=Examenonderdeel.SC)]
    examen = ExamenresultaatFactory(verwijzing=None, inburgeraar_id=case.inburgeraar.id, onderdeel=Examenonderdeel.LE,
                                    niveau=Examenniveau.B1, resultaat=Examenuitslag.GESLAAGD, bron=ResultaatBron.DUO)
    db.flush()
    regisseur = login_as(case.klantregisseur)
    for url in (f"/registraties/afschalingsverzoeken/{verzoek.id}", f"/inburgeraars/{case.inburgeraar.id}"):
        text = regisseur.get(url).text
        assert "al behaald" in text and "Lezen (LE)" in text, url
        assert examen.examendatum.strftime("%d-%m-%Y") in text, url


def test_an_ended_verwijzing_shows_its_provider_only_the_results_registered_on_it(db, login_as, case):
    """Purpose limitation (AVG): once a provider's B1-route verwijzing is closed, the provider keeps only what it
    registered there; results the inburgeraar gets from DUO or with a later provider are not its business."""
    from portal import access
    from tests.factories import VerwijzingFactory

    eigen = ExamenresultaatFactory(verwijzing=case.b1, onderdeel=Examenonderdeel.SC, niveau=Examenniveau.B1,
                                   resultaat=Examenuitslag.GESLAAGD, examendatum=TODAY - timedelta(days=60))
    _examens_van_duo_en_elders(case)  # DUO's two and an earlier provider's
    later = VerwijzingFactory(inburgeraar=case.inburgeraar, onderdeel=Onderdeel.B1_ROUTE,
                              status=VerwijzingStatus.GESTART)
    ExamenresultaatFactory(verwijzing=later, onderdeel=Examenonderdeel.SP, niveau=Examenniveau.B1,
                           resultaat=Examenuitslag.GEZAKT, examendatum=TODAY - timedelta(days=3))

    def gelezen(user):
        return {r.id for r in db.scalars(access.examenresultaten_bij_verwijzing(user, case.b1.id))}

    assert len(gelezen(case.aanbieder_a)) == 5  # open: every result of its deelnemer
    for status in (s for s in VerwijzingStatus if not s.is_open):
        case.b1.status = status
        db.flush()
        assert gelezen(case.aanbieder_a) == {eigen.id}, status
        assert len(gelezen(case.klantregisseur)) == 5, status  # the gemeente's view of its resident is unchanged
        html = login_as(case.aanbieder_a).get(page(case.b1)).get_data(as_text=True)
        assert "Geslaagd" in _cel(html, "Schrijven (SC)"), status
        for onderdeel in ("Kennis van de Nederlandse Maatschappij (KNM)", "Luisteren (LU)", "Lezen (LE)",
                          "Spreken (SP)"):
            assert "Geslaagd" not in _cel(html, onderdeel) and "Gezakt" not in _cel(html, onderdeel), status
