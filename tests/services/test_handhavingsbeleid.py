"""A gemeente's handhaving beleid and Z-route norm: entered in Dutch notation, bounded by the law, audited, and
the one source the register and the hour norms read."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.domain import normen
from portal.models import AuditEvent
from portal.models.enums import Doelgroep, Onderdeel, Rol
from portal.models.handhaving import HandhavingBeleid, HandhavingGrond, HandhavingSoort
from portal.models.traject import Activiteit
from portal.services import ValidationError, totals
from portal.services.billing.contracten import parse_bedrag_cent
from portal.services.chain import beleid, handhaving
from portal.services.chain.beleid import BeleidInput
from portal.services.chain.handhaving import HandhavingInput
from tests.factories import (
    ContractFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date.today()


@pytest.fixture
def beheerder(db, gemeente):
    return UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[gemeente])


def _input(**kw) -> BeleidInput:
    values = {"max_brede_intake": "€ 250", "max_pip": "800,00", "max_per_termijn": "2.400,00",
              "waarschuwing_eerst": True, "escalatie": "50\n100\n200\n400\n800", "zroute_norm_gezinsmigrant": "600"}
    return BeleidInput(**{**values, **kw})


@pytest.mark.parametrize("text, cent", [("2.400", 240000), ("2.400,00", 240000), ("€ 250", 25000),
                                        ("€250", 25000), ("12,50", 1250), ("12.50", 1250), ("1.234.567,8", 123456780)])
def test_dutch_amounts_are_read_as_people_write_them(text, cent):
    assert parse_bedrag_cent(text) == cent


def test_saving_stores_amounts_in_cents_and_audits_what_changed(db, gemeente, beheerder):
    stand = beleid.save(db, beheerder, gemeente, _input())
    row = db.scalar(select(HandhavingBeleid).where(HandhavingBeleid.gemeente_id == gemeente.id))
    assert (row.max_brede_intake_cent, row.max_pip_cent, row.max_per_termijn_cent) == (25000, 80000, 240000)
    assert row.escalatie_cent == [5000, 10000, 20000, 40000, 80000] and row.waarschuwing_eerst
    assert gemeente.zroute_taal_norm_gezinsmigrant == 600 and stand.zroute_norm == 600
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "handhavingsbeleid_gewijzigd"))
    assert event.actor_id == beheerder.id and event.object_id == str(gemeente.id)
    assert event.details["wijzigingen"]["escalatie_cent"] == [[], [5000, 10000, 20000, 40000, 80000]]
    # Saving the same again changes nothing and says so in the audit trail.
    beleid.save(db, beheerder, gemeente, _input(escalatie="50;100;200;400;800"))
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "handhavingsbeleid_gewijzigd")).all()
    assert events[-1].details["wijzigingen"] == {}


def test_the_law_bounds_the_beleid_and_every_error_says_what_to_fix(db, gemeente, beheerder):
    with pytest.raises(ValidationError) as exc:
        beleid.save(db, beheerder, gemeente, _input(
            max_brede_intake="300", max_pip="", max_per_termijn="2.500", escalatie="50\n25\nveel",
            zroute_norm_gezinsmigrant="0"))
    errors = exc.value.errors
    assert "ten hoogste € 250,00" in errors["max_brede_intake"]
    assert errors["max_pip"].startswith("Vul het maximum per PIP-overtreding in")
    assert "ten hoogste € 2.400,00" in errors["max_per_termijn"]
    assert "Stap 2 (€ 25,00) is lager dan stap 1" in errors["escalatie"]
    assert "zroute_norm_gezinsmigrant" in errors
    assert db.scalar(select(HandhavingBeleid)) is None  # nothing stored


def test_escalation_steps_above_the_pip_maximum_and_a_termijn_cap_below_it_are_refused(db, gemeente, beheerder):
    with pytest.raises(ValidationError) as exc:
        beleid.save(db, beheerder, gemeente, _input(max_pip="400", escalatie="50\n500", max_per_termijn="300"))
    assert "Stap 2 (€ 500,00) is hoger dan het maximum per PIP-overtreding (€ 400,00)" in exc.value.errors["escalatie"]
    assert "lager dan het maximum per overtreding" in exc.value.errors["max_per_termijn"]


def test_the_register_follows_the_configured_policy(db, gemeente, beheerder, regisseur):
    person = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=TODAY - timedelta(days=400))
    PipFactory(inburgeraar=person, dagtekening=TODAY - timedelta(days=300))
    db.flush()
    pip = HandhavingGrond.PIP_VERPLICHTING
    # Without a beleid: the law's maximum, no waarschuwing first.
    assert handhaving.voorstel(db, person, pip, 100) == handhaving.Voorstel(HandhavingSoort.BOETE, 80000)
    beleid.save(db, beheerder, gemeente, _input(max_per_termijn="1.000"))
    assert handhaving.voorstel(db, person, pip, 100).soort is HandhavingSoort.WAARSCHUWING
    datum = (TODAY - timedelta(days=5)).strftime("%d-%m-%Y")
    handhaving.register(db, regisseur, person, HandhavingInput(soort="waarschuwing", grond="pip_verplichting",
                                                               datum=datum), today=TODAY)
    assert handhaving.voorstel(db, person, pip, 50) == handhaving.Voorstel(HandhavingSoort.BOETE, 2500)
    for bedrag in ("50", "100", "200", "400"):
        handhaving.register(db, regisseur, person, HandhavingInput(
            soort="boete", grond="pip_verplichting", datum=datum, verwijtbaarheid_pct="100", bedrag=bedrag),
            today=TODAY)
    # Fifth step €800, but only €250 of the gemeente's €1.000 cap is left.
    assert handhaving.voorstel(db, person, pip, 100).bedrag_cent == 25000
    with pytest.raises(ValidationError) as exc:
        handhaving.register(db, regisseur, person, HandhavingInput(
            soort="boete", grond="pip_verplichting", datum=datum, verwijtbaarheid_pct="100", bedrag="300"),
            today=TODAY)
    assert "maximum van € 1.000,00 per termijn" in exc.value.errors["bedrag"]


def test_the_gemeentes_zroute_norm_is_what_a_gezinsmigrant_is_measured_against(db, gemeente, beheerder, regisseur):
    assert normen.wettelijke_norm(Onderdeel.Z_ROUTE_TAAL, Doelgroep.GEZINSMIGRANT_OVERIG, None) == 800
    assert normen.wettelijke_norm(Onderdeel.Z_ROUTE_TAAL, Doelgroep.GEZINSMIGRANT_OVERIG, 600) == 600
    assert normen.wettelijke_norm(Onderdeel.Z_ROUTE_TAAL, Doelgroep.ASIELSTATUSHOUDER, 600) == 800  # the law's
    person = InburgeraarFactory(gemeente=gemeente, doelgroep=Doelgroep.GEZINSMIGRANT_OVERIG)
    verwijzing = VerwijzingFactory(inburgeraar=person, onderdeel=Onderdeel.Z_ROUTE_TAAL,
                                   contract=ContractFactory(gemeenten=[gemeente]))
    PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=3), activiteit=Activiteit.TAALLES_KNM,
                     uren_aanwezig=Decimal(3))
    db.flush()
    assert [n.norm for n in totals.for_inburgeraar(db, regisseur, person).normen] == [800]
    beleid.save(db, beheerder, gemeente, _input())
    db.expire_all()
    assert [n.norm for n in totals.for_inburgeraar(db, regisseur, person).normen] == [600]
