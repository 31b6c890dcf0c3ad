"""The gemeente's inburgeraar pages as a user sees them: scope, search, case page, and the three case forms."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Examenresultaat, Inburgeraar, Pip, Verwijzing
from portal.models.enums import Doelgroep, Leerroute, NiveauPip, Onderdeel, Rol
from portal.models.resultaat import (
    AfschalingStatus,
    Afschalingsverzoek,
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    ResultaatBron,
)
from portal.pagination import Page
from portal.redirects import local_path
from tests.factories import (
    GEZONDHEID,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    IntakeGegevensFactory,
    PipFactory,
    UserFactory,
    VerwijzingFactory,
    next_bsn,
)
from tests.helpers import csrf_token, post_form
from tests.registraties_case import TODAY, add_lesuren, make_case


@pytest.fixture
def hoorn(gemeente):
    return gemeente  # the shared fixture's gemeente is Hoorn


@pytest.fixture
def enkhuizen(db):
    return GemeenteFactory(naam="Enkhuizen")


@pytest.fixture
def amina(db, hoorn, regisseur):
    return InburgeraarFactory(gemeente=hoorn, voornamen="Amina", achternaam="Haddad", klantregisseur=regisseur,
                              datum_kennisgeving=date.today() - timedelta(days=200))


@pytest.fixture
def foreign(db, enkhuizen):
    return InburgeraarFactory(gemeente=enkhuizen, voornamen="Youssef", achternaam="Buitengebied")


# --- list ---------------------------------------------------------------------------------------

def test_list_shows_only_own_gemeente(login_as, regisseur, amina, foreign):
    page = login_as(regisseur).get("/inburgeraars/")
    assert page.status_code == 200
    assert "Haddad, Amina" in page.text
    assert "Buitengebied" not in page.text
    assert foreign.bsn not in page.text


def test_search_by_bsn_and_name_with_htmx_fragment(login_as, regisseur, hoorn, amina):
    InburgeraarFactory(gemeente=hoorn, voornamen="Omar", achternaam="Jansen")
    client = login_as(regisseur)
    by_bsn = client.get(f"/inburgeraars/?q={amina.bsn}", headers={"HX-Request": "true"})
    assert "Haddad" in by_bsn.text and "Jansen" not in by_bsn.text
    assert "<html" not in by_bsn.text  # only the results fragment
    assert "1 inburgeraar gevonden" in by_bsn.text
    by_name = client.get("/inburgeraars/?q=omar+jans")
    assert "Jansen, Omar" in by_name.text and "Haddad" not in by_name.text
    assert '<div id="inburgeraars-resultaten" aria-live="polite">' in by_name.text
    assert 'hx-push-url="true"' in by_name.text


def test_filters_doelgroep_leerroute_and_caseload(login_as, regisseur, hoorn, amina):
    gezin = InburgeraarFactory(gemeente=hoorn, achternaam="Visser", doelgroep=Doelgroep.GEZINSMIGRANT_OVERIG)
    PipFactory(inburgeraar=gezin, leerroute=Leerroute.Z, niveau=None, geschatte_intensiteit=None)
    client = login_as(regisseur)
    assert "Visser" not in client.get("/inburgeraars/?doelgroep=Asielstatushouder").text
    z_route = client.get("/inburgeraars/?leerroute=Z").text
    assert "Visser" in z_route and "Haddad" not in z_route
    zonder_pip = client.get("/inburgeraars/?leerroute=geen").text
    assert "Haddad" in zonder_pip and "Visser" not in zonder_pip
    caseload = client.get("/inburgeraars/?mijn=1").text
    assert "Haddad" in caseload and "Visser" not in caseload


def test_a_withdrawn_pip_is_no_pip_in_the_list_and_its_leerroute_filter(login_as, db, regisseur, hoorn, amina):
    """After a withdrawal no PIP is in force (Inburgeraar.pip_van_kracht): the row says "PIP ingetrokken per
    <datum>" instead of the old leerroute; "Geen PIP van kracht" finds it with those who never had one, "PIP
    ingetrokken" and "Nog geen PIP" tell them apart, and the old leerroute no longer finds it."""
    from tests.factories_chain import PipIntrekkingFactory

    ingetrokken = InburgeraarFactory(gemeente=hoorn, achternaam="Visser")
    intrekking = PipIntrekkingFactory(pip=PipFactory(inburgeraar=ingetrokken, leerroute=Leerroute.Z, niveau=None,
                                                     geschatte_intensiteit=None))
    db.flush()
    client = login_as(regisseur)
    rij = next(r for r in re.findall(r"<tr>.*?</tr>", client.get("/inburgeraars/").text, flags=re.S)
               if "Visser" in r)
    assert f"PIP ingetrokken per {intrekking.datum:%d-%m-%Y}" in rij and "Z-route" not in rij

    def gevonden(leerroute: str) -> set[str]:
        html = client.get(f"/inburgeraars/?leerroute={leerroute}").text
        return {naam for naam in ("Visser", "Haddad") if f"{naam}, " in html}

    assert gevonden("geen") == {"Visser", "Haddad"}  # amina (Haddad) never had a PIP
    assert gevonden("ingetrokken") == {"Visser"}
    assert gevonden("nog_geen") == {"Haddad"}
    assert gevonden("Z") == set()
    page = client.get("/inburgeraars/").text
    assert ">Geen PIP van kracht (nog geen of ingetrokken)</option>" in page
    assert ">Nog geen PIP</option>" in page and ">PIP ingetrokken</option>" in page


def test_sorting_and_pagination_with_real_links(login_as, regisseur, hoorn):
    for n in range(30):
        InburgeraarFactory(gemeente=hoorn, voornamen="Test", achternaam=f"Persoon{n:02d}")
    client = login_as(regisseur)
    first = client.get("/inburgeraars/?q=persoon&sort=-naam")
    assert first.text.index("Persoon29") < first.text.index("Persoon05")
    assert 'aria-sort="descending"' in first.text
    assert 'href="/inburgeraars/?q=persoon&amp;sort=-naam&amp;pagina=2"' in first.text
    second = client.get("/inburgeraars/?q=persoon&sort=-naam&pagina=2")
    assert "Persoon04" in second.text and "Persoon29" not in second.text
    assert 'aria-current="page"><span class="visually-hidden">Pagina </span>2' in second.text


def test_page_window_marks_gaps_and_keeps_filters():
    page = Page(items=[], number=6, per_page=25, total=500, base_args={"q": "jan", "sort": "naam"})
    assert page.pages == 20
    assert page.window() == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert page.args(7) == {"q": "jan", "sort": "naam", "pagina": 7}
    assert page.args(1) == {"q": "jan", "sort": "naam"}
    assert (page.has_prev, page.has_next) == (True, True)
    assert Page(items=[], number=1, per_page=25, total=0).window() == [1]


def test_list_roles(login_as, hoorn):
    aanbieder_user = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=ContractFactory().aanbieder)
    assert login_as(aanbieder_user).get("/inburgeraars/").status_code == 403
    contractmanager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[hoorn])
    client = login_as(contractmanager)
    assert client.get("/inburgeraars/").status_code == 200
    assert client.get("/inburgeraars/nieuw").status_code == 403


def test_nav_has_inburgeraars_for_gemeente_staff(login_as, regisseur):
    assert 'href="/inburgeraars/"' in login_as(regisseur).get("/").text


# --- detail -------------------------------------------------------------------------------------

def test_detail_shows_case_and_records_the_read(login_as, db, regisseur, amina):
    PipFactory(inburgeraar=amina, versie=1, dagtekening=date(2026, 3, 4), leerroute=Leerroute.B, niveau=NiveauPip.B1)
    PipFactory(inburgeraar=amina, versie=2, dagtekening=date(2026, 9, 1), leerroute=Leerroute.B, niveau=NiveauPip.A2,
               reden_wijziging="Afschaling na 600 uur")
    verwijzing = VerwijzingFactory(inburgeraar=amina, contract=ContractFactory(gemeenten=[amina.gemeente]))
    IntakeGegevensFactory(inburgeraar=amina)
    page = login_as(regisseur).get(f"/inburgeraars/{amina.id}")
    assert page.status_code == 200
    assert amina.bsn in page.text
    assert "Versie 2, dagtekening 01-09-2026" in page.text
    assert "Afschaling na 600 uur" in page.text
    assert "04-03-2029" in page.text  # term from the first PIP
    assert verwijzing.aanbieder.naam in page.text and verwijzing.kenmerk in page.text
    assert GEZONDHEID in page.text
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "bekeken")).all()
    assert [(e.actor_id, e.inburgeraar_id, e.object_type) for e in events] == [(regisseur.id, amina.id, "inburgeraar")]


def test_the_case_pages_services_get_the_user_not_the_request_proxy(login_as, regisseur, amina, monkeypatch):
    """The services read the user's id and role for every statement they run; through flask-login's request-local
    proxy each read is a lookup of its own."""
    from werkzeug.local import LocalProxy

    from portal.services import dossier

    users = []
    for name in ("open_case", "read"):
        original = getattr(dossier, name)
        monkeypatch.setattr(dossier, name, lambda session, user, *a, _original=original, **k: (
            users.append(user), _original(session, user, *a, **k))[1])
    assert login_as(regisseur).get(f"/inburgeraars/{amina.id}").status_code == 200
    assert len(users) == 2 and not any(isinstance(user, LocalProxy) for user in users)
    assert {user.id for user in users} == {regisseur.id}


@pytest.mark.parametrize("rol", [Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER])
def test_intake_health_only_for_klantregisseur(login_as, hoorn, amina, rol):
    IntakeGegevensFactory(inburgeraar=amina)
    page = login_as(UserFactory(rol=rol, gemeenten=[hoorn])).get(f"/inburgeraars/{amina.id}")
    assert page.status_code == 200
    assert GEZONDHEID not in page.text
    assert "Brede intake" not in page.text


def test_foreign_inburgeraar_is_not_found(login_as, db, regisseur, foreign):
    client = login_as(regisseur)
    for url in (f"/inburgeraars/{foreign.id}", f"/inburgeraars/{foreign.id}/pip/nieuw",
                f"/inburgeraars/{foreign.id}/verwijzingen/nieuw"):
        assert client.get(url).status_code == 404
    assert db.scalar(select(AuditEvent).where(AuditEvent.inburgeraar_id == foreign.id)) is None


# --- the one case page: every section of issue 5, and the afschaling decision on it ----------------

@pytest.fixture
def dossier_case(db):
    """The registrations world: a B1-route with 600 hours, an exam result and a waiting afschalingsverzoek."""
    case = make_case()
    add_lesuren(case.b1, 600)
    db.add(Examenresultaat(inburgeraar_id=case.inburgeraar.id, onderdeel=Examenonderdeel.LE, niveau=Examenniveau.B1,
                           resultaat=Examenuitslag.GEZAKT, examendatum=TODAY - timedelta(days=20),
                           bron=ResultaatBron.DUO))
    verzoek = Afschalingsverzoek(verwijzing=case.b1, inburgeraar_id=case.inburgeraar.id,
                                 observaties_aanbieder="Spreken gaat moeizaam", ervaring_inburgeraar="Te moeilijk",
                                 uren_op_moment=600)
    db.add(verzoek)
    db.flush()
    case.verzoek = verzoek
    return case


def _case_url(case) -> str:
    return f"/inburgeraars/{case.inburgeraar.id}"


def _bekeken(db) -> list[tuple[int, int, str]]:
    rows = db.scalars(select(AuditEvent).where(AuditEvent.action == "bekeken").order_by(AuditEvent.id))
    return [(e.actor_id, e.inburgeraar_id, e.object_type) for e in rows]


def test_case_page_has_every_section_and_the_klantregisseur_gets_the_decision_form(login_as, db, dossier_case):
    case = dossier_case
    html = login_as(case.klantregisseur).get(_case_url(case)).text
    for kop in ("kop-signalen", "kop-persoon", "kop-pip", "kop-verwijzingen", "kop-totalen", "kop-aanwezigheid",
                "kop-registraties-examens", "kop-registraties-afschaling", "kop-intake", "kop-tijdlijn"):
        assert html.count(f'id="{kop}"') == 1, kop  # each section once: no duplicated parts
    assert html.index('id="kop-signalen"') < html.index('id="kop-verwijzingen"') < html.index('id="kop-tijdlijn"')
    # Verwijzingen with status, linking to registrations and presentie.
    assert f'href="/registraties/verwijzing/{case.b1.id}">{case.b1.kenmerk}</a>' in html
    assert f'href="/presentie/verwijzing/{case.map.id}"' in html and "Gestart" in html
    # Hours against the norms, as bars with the numbers in words, and DUO's counters.
    assert f'<progress id="uren-{case.b1.id}"' in html and "600 van 1.200 uur (50%)" in html  # PIP's intensiteit
    assert "Wettelijke norm MAP praktijkdeel" in html and "0 van minimaal 40 uur (0%)" in html
    assert "Uren ten opzichte van de norm" in html and "Gevolgde uren voor DUO" in html
    assert "Presentie laatste 4 weken" in html and "geoorloofd" in html
    # The weekly chart: an image named by its title, the summary in words once (the caption), the numbers as a table.
    assert '<figure class="portal-figure" aria-labelledby="aanwezigheid-titel">' in html
    assert 'role="img" focusable="false"><title id="aanwezigheid-titel">Aanwezigheid per week</title>' in html
    caption = r'<figcaption class="utrecht-paragraph">(Presentie per week, [^<]*? zonder geplande uren\.)'
    samenvatting = re.search(caption, html).group(1)
    assert html.count(samenvatting) == 1 and "<desc" not in html
    assert "Tabel met de uren per week" in html
    # One exam grid (onderdelen × niveau), the timeline with sources.
    assert html.count("Examenresultaten per onderdeel en niveau") == 1 and "Gezakt" in html
    assert "Bron: Gemeente" in html and f"Bron: Aanbieder {case.b1.aanbieder.naam}" in html
    # The decision form itself, posting to the registraties blueprint and coming back here.
    assert f'action="/registraties/afschalingsverzoeken/{case.verzoek.id}"' in html
    assert f'name="next" value="{_case_url(case)}#kop-registraties-afschaling"' in html
    assert 'name="besluit_reden"' in html and "Spreken gaat moeizaam" in html
    assert f'href="/registraties/afschalingsverzoeken/{case.verzoek.id}?next=' in html  # the full page, and back
    assert _bekeken(db) == [(case.klantregisseur.id, case.inburgeraar.id, "inburgeraar")]


def test_contractmanager_reads_the_case_page_without_the_decision_form_or_intake(login_as, db, dossier_case):
    case = dossier_case
    html = login_as(case.contractmanager).get(_case_url(case)).text
    assert 'id="kop-signalen"' in html and "<progress" in html and 'id="kop-tijdlijn"' in html
    assert "Examenresultaten per onderdeel en niveau" in html and "Wacht op besluit" in html
    assert "/registraties/afschalingsverzoeken/" not in html and 'name="besluit_reden"' not in html
    assert 'id="kop-intake"' not in html
    assert _bekeken(db) == [(case.contractmanager.id, case.inburgeraar.id, "inburgeraar")]


def test_another_klantregisseur_sees_no_decision_form(login_as, dossier_case):
    html = login_as(dossier_case.andere_klantregisseur).get(_case_url(dossier_case)).text
    assert 'name="besluit_reden"' not in html


def test_deciding_on_the_case_page_returns_there(login_as, db, dossier_case):
    case = dossier_case
    client = login_as(case.klantregisseur)
    terug = f"{_case_url(case)}#kop-registraties-afschaling"
    besluit_url = f"/registraties/afschalingsverzoeken/{case.verzoek.id}"
    volledig = client.get(besluit_url, query_string={"next": terug}).text
    assert f'<a class="utrecht-link" href="{terug}">Terug naar de inburgeraar</a>' in volledig
    assert "Terug naar de inburgeraar" not in client.get(besluit_url, query_string={"next": "//evil.example"}).text
    # A missing reason: the verzoek's own page shows the error and keeps the way back.
    response = post_form(client, besluit_url, {"besluit": "afgewezen", "besluit_reden": "", "next": terug},
                         page_url=_case_url(case))
    assert response.status_code == 422 and "Vul de reden van de afwijzing in." in response.text
    assert f'name="next" value="{terug}"' in response.text
    response = post_form(client, besluit_url, {"besluit": "afgewezen", "besluit_reden": "Eerst examen doen",
                                               "next": terug}, page_url=_case_url(case))
    assert response.status_code == 302 and response.headers["Location"] == terug
    db.refresh(case.verzoek)
    assert case.verzoek.status is AfschalingStatus.AFGEWEZEN
    html = client.get(_case_url(case)).text
    assert "Eerst examen doen" in html and 'name="besluit_reden"' not in html


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                      "/\t/evil.example", "javascript:alert(1)"])
def test_decision_never_redirects_off_site(login_as, db, dossier_case, next_url):
    case = dossier_case
    response = post_form(login_as(case.klantregisseur), f"/registraties/afschalingsverzoeken/{case.verzoek.id}",
                         {"besluit": "afgewezen", "besluit_reden": "Nee", "next": next_url},
                         page_url=_case_url(case))
    assert response.status_code == 302
    assert response.headers["Location"] == "/registraties/afschalingsverzoeken"


def test_local_path_accepts_only_paths_on_this_site():
    assert local_path("/inburgeraars/12#kop-registraties-afschaling") == "/inburgeraars/12#kop-registraties-afschaling"
    assert local_path("/regie/?alle=1") == "/regie/?alle=1"
    for bad in (None, "", "inburgeraars/12", "https://evil.example", "//evil.example", "/\\evil.example",
                "/\t/evil.example", "/\n/evil.example", " /x", "/x y", 12, ["/x"], "/" + "a" * 600):
        assert local_path(bad) is None, bad


# --- registration form --------------------------------------------------------------------------

def test_register_inburgeraar_through_the_form(login_as, db, regisseur, hoorn):
    client = login_as(regisseur)
    bsn = next_bsn()
    response = post_form(client, "/inburgeraars/nieuw", {
        "bsn": bsn, "voornamen": "Fatima", "achternaam": "El Amrani", "geboortedatum": "03-11-1988",
        "doelgroep": Doelgroep.ASIELSTATUSHOUDER.value, "gemeente_id": str(hoorn.id),
        "klantregisseur_id": str(regisseur.id), "datum_kennisgeving": "01-09-2026", "datum_brp_inschrijving": "",
    })
    assert response.status_code == 302
    inburgeraar = db.scalar(select(Inburgeraar).where(Inburgeraar.bsn == bsn))
    assert response.headers["Location"].endswith(f"/inburgeraars/{inburgeraar.id}")
    assert inburgeraar.geboortedatum == date(1988, 11, 3)


def test_register_form_shows_all_errors_and_keeps_values(login_as, db, regisseur, hoorn):
    client = login_as(regisseur)
    response = post_form(client, "/inburgeraars/nieuw", {
        "bsn": "123456789", "voornamen": "Fatima", "achternaam": "", "geboortedatum": "31-02-1988",
        "doelgroep": "", "gemeente_id": str(hoorn.id),
    })
    assert response.status_code == 422
    assert "Er zijn 4 fouten gevonden" in response.text
    assert 'href="#bsn"' in response.text and "elfproef" in response.text
    assert 'value="123456789"' in response.text and 'value="Fatima"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert db.scalar(select(Inburgeraar.id)) is None


def test_post_without_csrf_token_is_refused(login_as, db, regisseur, hoorn):
    response = login_as(regisseur).post("/inburgeraars/nieuw", data={"bsn": next_bsn()})
    assert response.status_code == 400
    assert db.scalar(select(Inburgeraar.id)) is None


def test_register_offers_only_own_gemeenten(login_as, regisseur, enkhuizen):
    page = login_as(regisseur).get("/inburgeraars/nieuw").text
    assert "Hoorn" in page and "Enkhuizen" not in page


# --- PIP form -----------------------------------------------------------------------------------

def test_record_pip_through_the_form(login_as, db, regisseur, amina):
    client = login_as(regisseur)
    dagtekening = (date.today() - timedelta(days=10)).strftime("%d-%m-%Y")
    url = f"/inburgeraars/{amina.id}/pip/nieuw"
    response = post_form(client, url, {"dagtekening": dagtekening, "leerroute": "B", "niveau": "B1",
                                        "geschatte_intensiteit": "1200"})
    assert response.status_code == 302
    pip = db.scalar(select(Pip).where(Pip.inburgeraar_id == amina.id))
    assert (pip.versie, pip.leerroute, pip.geschatte_intensiteit) == (1, Leerroute.B, 1200)


def test_pip_form_shows_duo_rule_on_the_field(login_as, db, regisseur, amina):
    client = login_as(regisseur)
    url = f"/inburgeraars/{amina.id}/pip/nieuw"
    dagtekening = (date.today() - timedelta(days=10)).strftime("%d-%m-%Y")
    response = post_form(client, url, {"dagtekening": dagtekening, "leerroute": "O", "niveau": "A2"})
    assert response.status_code == 422
    assert "Bij de onderwijsroute hoort geen niveau A2" in response.text
    assert 'href="#niveau"' in response.text
    assert db.scalar(select(Pip.id)) is None


def test_contractmanager_cannot_record_pip(login_as, hoorn, amina):
    client = login_as(UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[hoorn]))
    assert client.get(f"/inburgeraars/{amina.id}/pip/nieuw").status_code == 403


# --- verwijzing form ----------------------------------------------------------------------------

def test_verwijzing_form_offers_only_contracts_covering_the_gemeente(login_as, db, regisseur, hoorn, enkhuizen,
                                                                     amina):
    PipFactory(inburgeraar=amina, dagtekening=date.today() - timedelta(days=30))
    covering = ContractFactory(gemeenten=[hoorn], naam="Taal Hoorn")
    ContractFactory(gemeenten=[enkhuizen], naam="Taal Enkhuizen")
    client = login_as(regisseur)
    url = f"/inburgeraars/{amina.id}/verwijzingen/nieuw"
    page = client.get(url).text
    assert "Taal Hoorn" in page and "Taal Enkhuizen" not in page
    assert f'value="{Onderdeel.B1_ROUTE.value}"' in page and f'value="{Onderdeel.Z_ROUTE_TAAL.value}"' not in page

    start = date.today() + timedelta(days=14)
    response = client.post(url, data={
        "csrf_token": csrf_token(page), "contract_id": str(covering.id), "onderdeel": Onderdeel.B1_ROUTE.value,
        "beoogde_startdatum": start.strftime("%d-%m-%Y"),
        "uiterste_einddatum": (start + timedelta(days=500)).strftime("%d-%m-%Y"),
        "gecontracteerde_uren": "600", "uren_per_week": "12,5", "doelen": "",
    })
    assert response.status_code == 302
    verwijzing = db.scalar(select(Verwijzing).where(Verwijzing.inburgeraar_id == amina.id))
    assert verwijzing.aanbieder_id == covering.aanbieder_id
    assert verwijzing.kenmerk in client.get(response.headers["Location"]).text


def test_verwijzing_form_errors_on_fields(login_as, db, regisseur, hoorn, amina):
    ContractFactory(gemeenten=[hoorn])
    response = post_form(login_as(regisseur), f"/inburgeraars/{amina.id}/verwijzingen/nieuw", {
        "onderdeel": Onderdeel.B1_ROUTE.value, "beoogde_startdatum": "01-05-2026", "uiterste_einddatum": "01-04-2026",
        "gecontracteerde_uren": "12,3",
    })
    assert response.status_code == 422
    assert "Stel eerst het PIP vast" in response.text
    assert "Kies een contract." in response.text
    assert "vóór de beoogde startdatum" in response.text
    assert "kwartieren" in response.text
    assert 'value="12,3"' in response.text
    assert db.scalar(select(Verwijzing.id)) is None


# --- what the case page costs: statements per view, none while rendering ----------------------------

def _queries_of_case_page(client, url: str) -> list[str]:
    """The SELECT and INSERT statements of one case page view (transaction control left out)."""
    from sqlalchemy import event

    from portal.extensions import db as portal_db

    seen: list[str] = []

    def capture(_conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            seen.append(" ".join(statement.split()))

    event.listen(portal_db.engine, "before_cursor_execute", capture)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(portal_db.engine, "before_cursor_execute", capture)
    return seen


def test_the_case_page_reads_in_a_fixed_number_of_statements_and_none_while_rendering(login_as, db, dossier_case):
    """The login with its session and the header's unread count is one statement; the inburgeraar with its gemeente,
    klantregisseur and intake one, its PIP versions with their withdrawals one: more PIP versions, withdrawals or
    meldingen cost nothing extra, and the template loads nothing (the audit event is the last statement)."""
    from tests.factories_chain import PipIntrekkingFactory

    case = dossier_case
    IntakeGegevensFactory(inburgeraar=case.inburgeraar)
    client = login_as(case.klantregisseur)
    client.get(_case_url(case))  # the first view of the day builds its statements
    before = _queries_of_case_page(client, _case_url(case))

    tweede = PipFactory(inburgeraar=case.inburgeraar, versie=2, dagtekening=TODAY - timedelta(days=10))
    PipIntrekkingFactory(pip=tweede, inburgeraar_id=case.inburgeraar.id, datum=TODAY - timedelta(days=2))
    PipFactory(inburgeraar=case.inburgeraar, versie=3, dagtekening=TODAY - timedelta(days=1))
    db.expire_all()
    after = _queries_of_case_page(client, _case_url(case))

    assert len(after) == len(before) <= 22
    assert after[-1].startswith("INSERT INTO audit_event")  # nothing is loaded while the page renders
    assert sum("user_session" in s for s in after) == 1 and "FROM melding" in after[0]


def test_the_timeline_links_to_older_presence_only_when_there_is_some(login_as, db, regisseur, amina):
    """Page 1 holds the last twelve weeks and links to page 2 only when presence is older than that (read with the
    chart's weeks in one statement); page 2 shows those older weeks and links back."""
    from tests.factories import PresentieFactory

    verwijzing = VerwijzingFactory(inburgeraar=amina, contract=ContractFactory(gemeenten=[amina.gemeente]))
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=3), uren_aanwezig=4)
    client = login_as(regisseur)
    html = client.get(f"/inburgeraars/{amina.id}").text
    assert "Oudere presentie (vóór" not in html and "4 uur aanwezig" in html

    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(weeks=14), uren_aanwezig=7)
    html = client.get(f"/inburgeraars/{amina.id}").text
    assert "Oudere presentie (vóór" in html and "7 uur aanwezig" not in html
    assert f'href="/inburgeraars/{amina.id}?tijdlijn=2#kop-tijdlijn"' in html

    older = client.get(f"/inburgeraars/{amina.id}?tijdlijn=2").text
    assert "7 uur aanwezig" in older and "4 uur aanwezig" not in older
    assert "Nieuwere presentie" in older and "Oudere presentie (vóór" not in older


def test_the_case_page_links_a_recent_correction_of_an_old_week_to_that_weeks_page(login_as, db, dossier_case):
    from portal.models import RegistratieWijziging

    case = dossier_case
    db.add(RegistratieWijziging(object_type="presentie", object_id=1, inburgeraar_id=case.inburgeraar.id,
                                veld="uren_aanwezig", bron="weekrooster", gewijzigd_door_id=case.aanbieder_a.id,
                                betreft_datum=TODAY - timedelta(weeks=20)))
    db.flush()
    html = login_as(case.klantregisseur).get(_case_url(case)).text
    tijdlijn = html[html.index('id="kop-tijdlijn"'):]
    assert "1 gecorrigeerde registratie van oudere weken, laatst op " in tijdlijn
    assert f"Bron: {case.aanbieder_a.aanbieder.naam}, via het weekrooster" in tijdlijn
    assert f'href="/inburgeraars/{case.inburgeraar.id}?tijdlijn=2#kop-tijdlijn">tijdlijnpagina 2</a>' in tijdlijn
