"""The handhaving register records the gemeente's decisions within its beleid; providers never see it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import access
from portal.models import AuditEvent
from portal.models.enums import Rol
from portal.models.handhaving import Handhaving, HandhavingBeleid, HandhavingGrond
from portal.services import ValidationError
from portal.services.chain import handhaving
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
def case(db, gemeente, regisseur):
    person = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=TODAY - timedelta(days=400))
    PipFactory(inburgeraar=person, dagtekening=TODAY - timedelta(days=300))
    verwijzing = VerwijzingFactory(inburgeraar=person, contract=ContractFactory(gemeenten=[gemeente]))
    absent = PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=20), uren_aanwezig=Decimal(0),
                              uren_afwezig_ongeoorloofd=Decimal(3))
    db.flush()
    return person, verwijzing, absent


def _boete(**kw):
    data = dict(soort="boete", grond="pip_verplichting", datum=(TODAY - timedelta(days=2)).strftime("%d-%m-%Y"),
                verwijtbaarheid_pct="100", bedrag="800")
    data.update(kw)
    return HandhavingInput(**data)


def test_boete_with_evidence_and_the_cap_per_termijn(db, regisseur, case):
    person, _verwijzing, absent = case
    row = handhaving.register(db, regisseur, person, _boete(presentie_ids=[str(absent.id)]), today=TODAY)
    assert (row.bedrag_cent, row.bedrag_tekst, [p.id for p in row.bewijs]) == (80000, "€ 800,00", [absent.id])
    handhaving.register(db, regisseur, person, _boete(bedrag="800,00"), today=TODAY)
    handhaving.register(db, regisseur, person, _boete(bedrag="750"), today=TODAY)
    with pytest.raises(ValidationError) as exc:  # €2,350 so far: €100 would pass the €2,400 cap
        handhaving.register(db, regisseur, person, _boete(bedrag="100"), today=TODAY)
    assert "nog € 50,00 ruimte" in exc.value.errors["bedrag"]
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "handhaving_vastgelegd")) is not None


def test_amounts_follow_the_gemeentes_beleid(db, gemeente, regisseur, case):
    person = case[0]
    with pytest.raises(ValidationError) as exc:
        handhaving.register(db, regisseur, person, _boete(grond="brede_intake", bedrag="300"), today=TODAY)
    assert "€ 250,00" in exc.value.errors["bedrag"]
    db.add(HandhavingBeleid(gemeente_id=gemeente.id, max_brede_intake_cent=25000, max_pip_cent=80000,
                            max_per_termijn_cent=240000, escalatie_cent=[5000, 10000, 20000, 40000, 80000]))
    db.flush()
    # Dalfsen-style escalation: €50, doubling; times the verwijtbaarheid; a hint only.
    assert handhaving.voorstel(db, person, HandhavingGrond.PIP_VERPLICHTING, 50).bedrag_cent == 2500
    handhaving.register(db, regisseur, person, _boete(bedrag="50"), today=TODAY)
    assert handhaving.voorstel(db, person, HandhavingGrond.PIP_VERPLICHTING, 100).bedrag_cent == 10000


def test_bad_input_is_explained(db, regisseur, case):
    person = case[0]
    with pytest.raises(ValidationError) as exc:
        handhaving.register(db, regisseur, person, HandhavingInput(
            soort="waarschuwing", grond="pip_verplichting", datum=(TODAY + timedelta(days=1)).strftime("%d-%m-%Y"),
            bedrag="12,50", presentie_ids=["999999"]), today=TODAY)
    assert set(exc.value.errors) == {"datum", "bedrag", "presentie_ids"}
    with pytest.raises(ValidationError) as exc:
        handhaving.register(db, regisseur, person, _boete(bedrag="twaalf", verwijtbaarheid_pct="150"), today=TODAY)
    assert set(exc.value.errors) == {"bedrag", "verwijtbaarheid_pct"}


def test_providers_never_see_the_register(db, regisseur, case):
    person, verwijzing, _absent = case
    handhaving.register(db, regisseur, person, _boete(soort="waarschuwing", bedrag="", verwijtbaarheid_pct=""),
                        today=TODAY)
    medewerker = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=verwijzing.aanbieder)
    assert db.scalars(access.handhaving(medewerker)).all() == []
    assert len(db.scalars(access.handhaving(regisseur)).all()) == 1
    assert db.scalars(access.handhaving(UserFactory(rol=Rol.CONTRACTMANAGER,
                                                    gemeenten=[person.gemeente]))).all() == []
    assert Handhaving.__tablename__ == "handhaving"


def test_a_brede_intake_measure_dated_before_the_intake_term_is_refused(db, gemeente, regisseur):
    # The term counts from the later of DUO's kennisgeving and the BRP registration; here the BRP registration.
    kennisgeving, brp = TODAY - timedelta(days=90), TODAY - timedelta(days=60)
    person = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=kennisgeving, datum_brp_inschrijving=brp)
    db.flush()
    for soort, bedrag, datum in (("waarschuwing", "", date(1990, 1, 1)), ("boete", "250", kennisgeving),
                                 ("boete", "250", brp - timedelta(days=1))):
        with pytest.raises(ValidationError) as exc:
            handhaving.register(db, regisseur, person, _boete(soort=soort, grond="brede_intake", bedrag=bedrag,
                                                              datum=datum.strftime("%d-%m-%Y")), today=TODAY)
        assert exc.value.errors == {"datum": f"De termijn voor de brede intake begint op {brp:%d-%m-%Y}: de datum "
                                             "van de kennisgeving van DUO of van de inschrijving in de BRP, de latere "
                                             "van de twee. Een maatregel wegens de brede intake heeft die datum of "
                                             "een latere."}
    assert db.scalars(select(Handhaving)).first() is None
    row = handhaving.register(db, regisseur, person, _boete(grond="brede_intake", bedrag="250",
                                                            datum=brp.strftime("%d-%m-%Y")), today=TODAY)
    assert (row.datum, row.bedrag_cent) == (brp, 25000)


def test_without_a_kennisgeving_the_brede_intake_ground_has_no_lower_bound_to_check(db, gemeente, regisseur):
    person = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=None, datum_brp_inschrijving=None)
    db.flush()
    row = handhaving.register(db, regisseur, person, _boete(soort="waarschuwing", grond="brede_intake", bedrag="",
                                                            verwijtbaarheid_pct=""), today=TODAY)
    assert row.grond is HandhavingGrond.BREDE_INTAKE
