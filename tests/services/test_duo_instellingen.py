"""DUO's GET /instellingen answer into the aanbieders' reference data: checked like DUO's schema, previewed with
every instelling accounted for, applied all-or-nothing and only as previewed, audited."""

from __future__ import annotations

import json
from functools import cache

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from sqlalchemy import select

from portal.models import Aanbieder, AuditEvent
from portal.models.enums import Rol
from portal.services import ValidationError
from portal.services.chain import instellingen
from tests.duo_schema import SPEC_DIR
from tests.factories import AanbiederFactory, UserFactory
from tests.helpers import post_form


@cache
def _schema_validator() -> OAS30Validator:
    """DUO's own response schema of GET /instellingen, read from the specification."""
    spec = yaml.safe_load((SPEC_DIR / "Inburgeringsaanbod.openapi.yml").read_text(encoding="utf-8"))
    schema = spec["paths"]["/instellingen"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return OAS30Validator({**schema, "components": spec["components"]}, format_checker=oas30_format_checker)


def _instelling(**kw):
    item = {"instellingsnummer": "10A1B2C3D4", "naam": "Taalhuis Omringdijk", "postcode": "1621AB",
            "huisnummer": 12, "plaatsnaam": "Hoorn", "bow": "12345", "indicatieBowKeurmerk": True,
            "indicatieTstKeurmerk": False}
    return {**item, **kw}


@pytest.fixture
def beheerder(db, gemeente):
    return UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])


# Values around the schema's edges: lengths, patterns, types, missing and unknown fields.
_waarden = st.one_of(st.none(), st.booleans(), st.integers(-5, 100_001),
                     st.sampled_from(["", "1621AB", "0621AB", "1621ab", "12AB", "1234567890", "123456789",
                                      "12345678901", "A" * 128, "A" * 129, "x" * 40, "x" * 41, "abcd", "ABCDE"]))
_velden = st.sampled_from(["instellingsnummer", "naam", "postcode", "huisnummer", "huisnummertoevoeging",
                           "plaatsnaam", "bow", "brin", "indicatieBowKeurmerk", "indicatieTstKeurmerk", "extra"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(_velden, _waarden, max_size=3), weg=st.lists(_velden, max_size=2))
def test_the_portal_accepts_exactly_what_duos_schema_accepts(changes, weg):
    item = _instelling(**{k: v for k, v in changes.items() if v is not None})
    for name in weg:
        item.pop(name, None)
    schema_ok = not list(_schema_validator().iter_errors([item])) and "extra" not in item
    try:
        instellingen.lees(json.dumps([item]))
        portal_ok = True
    except ValidationError:
        portal_ok = False
    assert portal_ok == schema_ok, item


def test_bad_answers_are_explained():
    for tekst, woorden in [("", "Plak het antwoord"), ("{niet: json", "geen geldige JSON"),
                           ('{"a": 1}', "lijst van instellingen"),
                           (json.dumps([_instelling(postcode="1621 AB"), _instelling(huisnummer="12")]),
                            "Instelling 2: 'huisnummer' moet een heel getal zijn"),
                           (json.dumps([_instelling(), _instelling()]), "meer dan eens"),
                           (json.dumps([_instelling()] * 201), "hooguit 200")]:
        with pytest.raises(ValidationError) as exc:
            instellingen.lees(tekst)
        assert woorden in exc.value.errors["json"], tekst


def test_preview_then_confirm_changes_everything_at_once(db, beheerder):
    bekend = AanbiederFactory(naam="Taalhuis Omringdijk", instellingsnummer=None, bow_nummer=None,
                              bow_keurmerk=False, tst_keurmerk=False)
    op_nummer = AanbiederFactory(naam="ROC Noord", instellingsnummer="20B2C3D4E5", bow_keurmerk=True)
    weg_bij_duo = AanbiederFactory(naam="Oud Instituut", instellingsnummer="99Z9Y8X7W6")
    db.flush()
    tekst = json.dumps([
        _instelling(),  # found by name: gets the number, the BoW number and the flag
        {k: v for k, v in _instelling(instellingsnummer="20B2C3D4E5", naam="ROC Noord (locatie Hoorn)",
                                      indicatieBowKeurmerk=False, indicatieTstKeurmerk=True).items() if k != "bow"},
        _instelling(instellingsnummer="30C3D4E5F6", naam="Onbekende School", bow="777"),
    ])
    plan = instellingen.voorstel(db, instellingen.lees(tekst))
    assert plan.fouten == []
    assert [(k.aanbieder.id if k.aanbieder else None, k.via) for k in plan.koppelingen] == [
        (bekend.id, "naam"), (op_nummer.id, "instellingsnummer"), (None, "")]
    assert {w.veld: w.nieuw for w in plan.koppelingen[0].wijzigingen} == {
        "instellingsnummer": "10A1B2C3D4", "bow_nummer": "12345", "bow_keurmerk": True}
    assert {w.veld: w.nieuw for w in plan.koppelingen[1].wijzigingen} == {"bow_keurmerk": False,
                                                                           "tst_keurmerk": True}
    assert plan.niet_bij_duo == [weg_bij_duo]
    assert bekend.instellingsnummer is None  # a preview changes nothing

    instellingen.toepassen(db, beheerder, tekst, plan.digest)
    assert (bekend.instellingsnummer, bekend.bow_nummer, bekend.bow_keurmerk) == ("10A1B2C3D4", "12345", True)
    assert (op_nummer.bow_keurmerk, op_nummer.tst_keurmerk) == (False, True)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "duo_instellingen_geimporteerd"))
    assert event.details["gewijzigd"] == 2 and event.details["niet_gekoppeld"] == 1
    # The same list again: nothing left to change.
    assert instellingen.voorstel(db, instellingen.lees(tekst)).te_wijzigen == []


def test_a_plan_that_changed_since_the_preview_or_has_conflicts_applies_nothing(db, beheerder):
    a = AanbiederFactory(naam="Taalhuis Omringdijk", instellingsnummer=None, bow_keurmerk=False)
    db.flush()
    tekst = json.dumps([_instelling()])
    plan = instellingen.voorstel(db, instellingen.lees(tekst))
    a.bow_keurmerk = True  # someone changed the aanbieder meanwhile
    db.flush()
    with pytest.raises(ValidationError) as exc:
        instellingen.toepassen(db, beheerder, tekst, plan.digest)
    assert "sinds de controle gewijzigd" in exc.value.errors["json"] and a.instellingsnummer is None

    AanbiederFactory(naam="taalhuis  omringdijk")  # two aanbieders by that name: no guessing
    db.flush()
    plan = instellingen.voorstel(db, instellingen.lees(tekst))
    assert "meer dan één aanbieder heeft deze naam" in plan.fouten[0]
    with pytest.raises(ValidationError):
        instellingen.toepassen(db, beheerder, tekst, plan.digest)
    assert a.instellingsnummer is None


def test_the_beheerder_uploads_checks_and_confirms_on_the_pages(db, beheerder, login_as):
    a = AanbiederFactory(naam="Taalhuis Omringdijk", instellingsnummer=None)
    db.flush()
    client = login_as(beheerder)
    bad = post_form(client, "/beheer/duo-instellingen", {"json": "[{]"})
    assert bad.status_code == 422 and "geen geldige JSON" in bad.get_data(as_text=True)
    controle = post_form(client, "/beheer/duo-instellingen", {"json": json.dumps([_instelling()])})
    html = controle.get_data(as_text=True)
    assert "Taalhuis Omringdijk" in html and "gevonden op naam" in html and a.instellingsnummer is None
    done = post_form(client, "/beheer/duo-instellingen/bevestigen", {
        "json": json.dumps([_instelling()]), "digest": instellingen.voorstel(
            db, instellingen.lees(json.dumps([_instelling()]))).digest}, page_url="/beheer/duo-instellingen",
        follow_redirects=True)
    assert "1 aanbieder(s) bijgewerkt" in done.get_data(as_text=True)
    db.expire_all()
    assert db.get(Aanbieder, a.id).instellingsnummer == "10A1B2C3D4"
