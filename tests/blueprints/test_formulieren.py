"""Forms: a required field is never labelled optional, and one submission reports every error at once, those of
the form and those of the service together."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.models import User
from portal.models.enums import Rol, VerwijzingStatus
from tests.factories import ContractFactory, UserFactory, VerwijzingFactory
from tests.helpers import post_form


def _label_line(html: str, label: str) -> str:
    """The label block of one field, up to the end of its label line."""
    return re.search(rf">{re.escape(label)}</label>[^\n]*", html).group(0)


def test_new_account_form_reports_form_and_service_errors_together(db, login_as, gemeente):
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])
    client = login_as(beheerder)
    page = client.get("/beheer/gebruikers/nieuw").get_data(as_text=True)
    assert "(niet verplicht)" not in _label_line(page, "Herhaal het wachtwoord")

    before = db.scalar(select(func.count()).select_from(User))
    response = post_form(client, "/beheer/gebruikers/nieuw", {
        "email": "geen-adres", "naam": "Nieuwe Collega", "rol": Rol.KLANTREGISSEUR.value,
        "password": "welkom", "password_repeat": "welkom2", "gemeente_ids": [str(gemeente.id)],
    })
    html = response.get_data(as_text=True)
    assert "De twee wachtwoorden zijn niet gelijk." in html  # the form's own check
    assert "Vul een geldig e-mailadres in" in html  # the service's checks, in the same round
    assert "12 tekens" in html
    assert db.scalar(select(func.count()).select_from(User)) == before  # the service's dry run stored nothing


def test_start_form_does_not_call_the_start_date_optional(db, login_as, gemeente):
    contract = ContractFactory(gemeenten=[gemeente])
    verwijzing = VerwijzingFactory(contract=contract, status=VerwijzingStatus.VERWEZEN)
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract.aanbieder)
    html = login_as(docent).get(f"/presentie/verwijzing/{verwijzing.id}").get_data(as_text=True)
    for label in ("Gerealiseerde startdatum", "Reden niet gestart", "Reden latere start"):
        assert "(niet verplicht)" not in _label_line(html, label), label
    assert "Verplicht, behalve als de deelnemer niet is gestart" in html
