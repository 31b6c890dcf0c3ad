"""A form shown again with errors answers 422 (Unprocessable Content) with its error summary, on every page that
re-renders a form after failed checks; htmx fragments keep 200 because htmx 2 swaps no 4xx response."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from portal.models.duo import BerichtStatus
from portal.models.enums import Rol
from tests.factories import (
    PASSWORD,
    AfschalingsverzoekFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    UserFactory,
)
from tests.factories_chain import DuoBerichtFactory
from tests.helpers import post_form, totp_code
from tests.registraties_case import make_case


@dataclass
class Post:
    """Who posts what where, and a Dutch message the page with errors must show."""

    user: object | None
    url: str
    data: dict
    message: str


def _klantregisseur():
    gemeente = GemeenteFactory()
    return UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente]), gemeente


def _beheerder():
    gemeente = GemeenteFactory()
    return UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente]), gemeente


def inburgeraar_nieuw() -> Post:
    user, _ = _klantregisseur()
    return Post(user, "/inburgeraars/nieuw", {}, "BSN: Vul het BSN in.")


def pip_nieuw() -> Post:
    user, gemeente = _klantregisseur()
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    return Post(user, f"/inburgeraars/{inburgeraar.id}/pip/nieuw", {}, "Leerroute: Kies de leerroute.")


def verwijzing_nieuw() -> Post:
    user, gemeente = _klantregisseur()
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    return Post(user, f"/inburgeraars/{inburgeraar.id}/verwijzingen/nieuw", {}, "Onderdeel: Kies het onderdeel.")


def verhuizing_nieuw() -> Post:
    user, gemeente = _klantregisseur()
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    return Post(user, f"/keten/inburgeraars/{inburgeraar.id}/verhuizing", {},
                "Nieuwe gemeente: Kies de gemeente waar de inburgeraar nu woont.")


def mailvoorkeur() -> Post:
    user, _ = _klantregisseur()
    return Post(user, "/meldingen/instellingen", {"modus": "elke_minuut"},
                "Kies een van de drie mogelijkheden.")


def gebruiker_nieuw() -> Post:
    user, _ = _beheerder()
    return Post(user, "/beheer/gebruikers/nieuw", {}, "Rol: Kies een rol.")


def gebruiker_wijzigen() -> Post:
    user, gemeente = _beheerder()
    other = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    return Post(user, f"/beheer/gebruikers/{other.id}", {"naam": ""}, "Naam: Vul de naam in.")


def wachtwoord_instellen() -> Post:
    user, gemeente = _beheerder()
    other = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    return Post(user, f"/beheer/gebruikers/{other.id}/wachtwoord", {"password": "kort"},
                "Kies een wachtwoord van minstens 12 tekens.")


def gemeente_nieuw() -> Post:
    user, _ = _beheerder()
    return Post(user, "/beheer/organisaties/gemeenten/nieuw", {}, "Vul de CBS-gemeentecode in.")


def aanbieder_nieuw() -> Post:
    user, _ = _beheerder()
    return Post(user, "/beheer/organisaties/aanbieders/nieuw", {}, "Vul het KvK-nummer in.")


def signaaldrempels() -> Post:
    user, gemeente = _beheerder()
    return Post(user, f"/beheer/signaaldrempels/{gemeente.id}", {"weken_niet_gestart": "veel"},
                "Het aantal weken moet een heel getal zijn")


def contractdrempels() -> Post:
    gemeente = GemeenteFactory()
    contract = ContractFactory(gemeenten=[gemeente])
    user = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    return Post(user, f"/beheer/contractdrempels/{contract.id}", {"aanwezigheid_min_pct": "veel"},
                "Het percentage moet een heel getal zijn")


def voortgang() -> Post:
    case = make_case()
    return Post(case.aanbieder_a, f"/registraties/verwijzing/{case.b1.id}/voortgang", {},
                "Motivatie: Vul de motivatie in.")


def omstandigheden() -> Post:
    case = make_case()
    return Post(case.aanbieder_a, f"/registraties/verwijzing/{case.b1.id}/omstandigheden", {},
                "Toelichting: Vul de toelichting in.")


def examenresultaat() -> Post:
    case = make_case()
    return Post(case.aanbieder_a, f"/registraties/verwijzing/{case.b1.id}/examenresultaat", {},
                "Examenonderdeel: Kies het examenonderdeel.")


def routeresultaat() -> Post:
    case = make_case()
    return Post(case.aanbieder_b, f"/registraties/verwijzing/{case.map.id}/routeresultaat", {},
                "Vul de datum van het eindgesprek in")


def afschalingsverzoek() -> Post:
    case = make_case()
    return Post(case.aanbieder_a, f"/registraties/verwijzing/{case.b1.id}/afschalingsverzoek", {},
                "Observaties van de aanbieder: Vul uw observaties in.")


def afschalingsbesluit() -> Post:
    case = make_case()
    verzoek = AfschalingsverzoekFactory(verwijzing=case.b1)
    return Post(case.klantregisseur, f"/registraties/afschalingsverzoeken/{verzoek.id}",
                {"besluit": "afgewezen", "besluit_reden": ""}, "Vul de reden van de afwijzing in.")


def duo_antwoord() -> Post:
    user, gemeente = _klantregisseur()
    bericht = DuoBerichtFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), status=BerichtStatus.VERZONDEN)
    return Post(user, f"/keten/duo/{bericht.id}", {"status": "abc"},
                "De HTTP-status van DUO moet een heel getal zijn")


def inloggen() -> Post:
    UserFactory(email="fout@gemeente.nl")
    return Post(None, "/inloggen/", {"email": "fout@gemeente.nl", "password": "verkeerd"},
                "Het e-mailadres of wachtwoord klopt niet")


def tweede_factor(client) -> Post:
    user = UserFactory(email="code@gemeente.nl")
    post_form(client, "/inloggen/", {"email": "code@gemeente.nl", "password": PASSWORD})
    wrong = f"{(int(totp_code(user.totp_secret)) + 500_000) % 1_000_000:06d}"
    return Post(None, "/inloggen/tweede-factor", {"code": wrong}, "Deze code klopt niet of is al gebruikt.")


def tweede_factor_instellen(client) -> Post:
    UserFactory(email="nieuw@gemeente.nl", totp_secret=None, totp_bevestigd=False)
    post_form(client, "/inloggen/", {"email": "nieuw@gemeente.nl", "password": PASSWORD})
    return Post(None, "/inloggen/tweede-factor/instellen", {"code": "12"}, "De code bestaat uit zes cijfers.")


CASES: dict[str, Callable[[], Post]] = {f.__name__: f for f in (
    inburgeraar_nieuw, pip_nieuw, verwijzing_nieuw, verhuizing_nieuw, mailvoorkeur, gebruiker_nieuw,
    gebruiker_wijzigen, wachtwoord_instellen, gemeente_nieuw, aanbieder_nieuw, signaaldrempels, contractdrempels,
    voortgang, omstandigheden, examenresultaat, routeresultaat, afschalingsverzoek, afschalingsbesluit,
    duo_antwoord, inloggen,
)}
# These log in halfway first, on the test's client.
LOGIN_STEPS: dict[str, Callable[..., Post]] = {f.__name__: f for f in (tweede_factor, tweede_factor_instellen)}


def _summary(text: str) -> str:
    match = re.search(r'<div class="portal-error-summary".*?</div>', text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))) if match else ""


@pytest.mark.parametrize("name", [*CASES, *LOGIN_STEPS])
def test_form_with_errors_answers_422_with_the_error_summary(db, client, login_as, name):
    post = CASES[name]() if name in CASES else LOGIN_STEPS[name](client)
    if post.user is not None:
        login_as(post.user)
    response = post_form(client, post.url, post.data)
    summary = _summary(response.get_data(as_text=True))
    assert response.status_code == 422
    assert post.message in summary
