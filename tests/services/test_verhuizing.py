"""Residence history and the verhuizing: the gemeente on a date, the hand-over dossier, decisions, scopes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import access
from portal.models import AuditEvent, HandhavingGrond, Inburgeraar, Presentie, VerwijzingBesluit
from portal.models.enums import OPEN_STATUSSEN, Onderdeel, Rol, VerwijzingStatus
from portal.models.traject import Activiteit
from portal.services import NotAllowed, ValidationError
from portal.services.chain import verhuizing as verhuizingen
from portal.services.chain import woonplaats
from portal.services.chain.verhuizing import BesluitInput, VerhuizingInput
from tests.factories import (
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
    VoortgangsrapportageFactory,
)
from tests.factories_chain import HandhavingFactory, PipIntrekkingFactory
from tests.helpers import open_session

TODAY = date(2026, 12, 3)


def _move(db, actor, person, naar, datum):
    return verhuizingen.register(db, actor, person, VerhuizingInput(naar_gemeente_id=naar.id, datum=datum),
                                 today=TODAY)


@pytest.fixture
def world(db):
    hoorn, dalfsen, enkhuizen = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Dalfsen"), \
        GemeenteFactory(naam="Enkhuizen")
    regisseur_oud = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    regisseur_nieuw = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[dalfsen])
    person = InburgeraarFactory(gemeente=hoorn, klantregisseur=regisseur_oud)
    contract = ContractFactory(gemeenten=[hoorn])
    verwijzing = VerwijzingFactory(inburgeraar=person, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                                   beoogde_startdatum=date(2026, 1, 5))
    db.flush()
    return dict(hoorn=hoorn, dalfsen=dalfsen, enkhuizen=enkhuizen, oud=regisseur_oud, nieuw=regisseur_nieuw,
                person=person, contract=contract, verwijzing=verwijzing)


def test_gemeente_on_a_date_follows_the_moves(db, world):
    person, hoorn, dalfsen, enkhuizen = world["person"], world["hoorn"], world["dalfsen"], world["enkhuizen"]
    _move(db, world["oud"], person, dalfsen, date(2026, 6, 1))
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[dalfsen])
    _move(db, beheerder, person, enkhuizen, date(2026, 10, 1))

    assert woonplaats.gemeente_op(db, person.id, date(2025, 1, 1)) == hoorn.id
    assert woonplaats.gemeente_op(db, person.id, date(2026, 5, 31)) == hoorn.id
    assert woonplaats.gemeente_op(db, person.id, date(2026, 6, 1)) == dalfsen.id
    assert woonplaats.gemeente_op(db, person.id, date(2026, 9, 30)) == dalfsen.id
    assert woonplaats.gemeente_op(db, person.id, date(2026, 10, 1)) == enkhuizen.id
    assert woonplaats.gemeente_op(db, person.id, TODAY) == enkhuizen.id
    periods = [(p.gemeente.naam, p.van, p.tot) for p in woonplaats.historie(db, person)]
    assert periods == [("Hoorn", None, date(2026, 5, 31)), ("Dalfsen", date(2026, 6, 1), date(2026, 9, 30)),
                       ("Enkhuizen", date(2026, 10, 1), None)]


def test_sql_variant_agrees_with_the_python_one_for_every_presentie_row(db, world):
    """The expression billing and KPIs use per row gives the same gemeente as gemeente_op."""
    person, verwijzing = world["person"], world["verwijzing"]
    for day in (date(2026, 5, 30), date(2026, 5, 31), date(2026, 6, 1), date(2026, 6, 2)):
        PresentieFactory(verwijzing=verwijzing, datum=day)
    _move(db, world["oud"], person, world["dalfsen"], date(2026, 6, 1))
    rows = db.execute(select(Presentie.datum, woonplaats.gemeente_op_expr(person.id, Presentie.datum))
                      .where(Presentie.verwijzing_id == verwijzing.id)).all()
    assert {d: g for d, g in rows} == {d: woonplaats.gemeente_op(db, person.id, d) for d, _ in rows}
    assert sorted({g for _, g in rows}) == sorted({world["hoorn"].id, world["dalfsen"].id})


def test_today_gemeente_is_kept_with_the_history(db, world):
    """Recomputation check: the stored gemeente of today equals the history's gemeente on today's date."""
    _move(db, world["oud"], world["person"], world["dalfsen"], date(2026, 6, 1))
    for person in db.scalars(select(Inburgeraar)):
        assert person.gemeente_id == woonplaats.gemeente_op(db, person.id, TODAY)


def test_scopes_after_the_move(db, world):
    person, oud, nieuw = world["person"], world["oud"], world["nieuw"]
    _move(db, oud, person, world["dalfsen"], date(2026, 6, 1))
    assert db.scalar(access.inburgeraars(oud).where(Inburgeraar.id == person.id)) is None
    assert db.scalar(access.inburgeraars(nieuw).where(Inburgeraar.id == person.id)) is person
    # The old gemeente keeps the dossier of its period; an unrelated gemeente sees nothing.
    verhuizing = woonplaats.verhuizingen(db, person.id)[0]
    assert db.scalar(access.verhuizingen(oud)) is verhuizing
    derde = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[world["enkhuizen"]])
    assert db.scalar(access.verhuizingen(derde)) is None
    # The old klantregisseur no longer owns the case.
    assert person.klantregisseur_id is None


def test_move_rejects_bad_input_in_plain_dutch(db, world):
    person = world["person"]
    with pytest.raises(ValidationError) as exc:
        verhuizingen.register(db, world["oud"], person, VerhuizingInput(naar_gemeente_id=world["hoorn"].id,
                                                                       datum="01-13-2026"), today=TODAY)
    assert "al woont" in exc.value.errors["naar_gemeente_id"]
    assert "datum" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        _move(db, world["oud"], person, world["dalfsen"], TODAY + timedelta(days=1))
    assert "toekomst" in exc.value.errors["datum"]
    _move(db, world["oud"], person, world["dalfsen"], date(2026, 6, 1))
    with pytest.raises(ValidationError) as exc:
        _move(db, world["nieuw"], person, world["enkhuizen"], date(2026, 6, 1))
    assert "latere datum" in exc.value.errors["datum"]


def test_dossier_holds_the_old_period_only(db, world):
    person, verwijzing = world["person"], world["verwijzing"]
    eerste = PipFactory(inburgeraar=person, versie=1, dagtekening=date(2026, 1, 1))
    PipIntrekkingFactory(pip=eerste, datum=date(2026, 4, 1))  # withdrawn in the old gemeente's period
    PresentieFactory(verwijzing=verwijzing, datum=date(2026, 5, 29), uren_aanwezig=Decimal("3.75"))
    PresentieFactory(verwijzing=verwijzing, datum=date(2026, 5, 31), activiteit=Activiteit.BREDE_INTAKE,
                     uren_aanwezig=Decimal("2.00"))
    HandhavingFactory(inburgeraar=person, datum=date(2026, 5, 20), bedrag_cent=25000,
                      grond=HandhavingGrond.BREDE_INTAKE)
    verhuizing = _move(db, world["oud"], person, world["dalfsen"], date(2026, 6, 1))
    HandhavingFactory(inburgeraar=person, datum=date(2026, 6, 20))  # the new gemeente's, after the move
    # After the move: a new PIP and new hours in the new gemeente, not in the old one's dossier.
    PipFactory(inburgeraar=person, versie=2, dagtekening=date(2026, 7, 1))
    PresentieFactory(verwijzing=verwijzing, datum=date(2026, 6, 2), uren_aanwezig=Decimal("10"))

    inhoud = verhuizingen.read(db, world["oud"], verhuizing)
    data = inhoud.as_json(met_besluiten=False)
    assert [(p["versie"], p["ingetrokken_per"]) for p in data["pip_versies"]] == [(1, "2026-04-01")]
    assert data["gevolgde_uren"]["participatietaalles"] == {"uren": "3.75", "duo_waarde": 3}
    assert data["gevolgde_uren"]["bredeintake/taallesknm"] == {"uren": "2.00", "duo_waarde": 2}
    assert data["verhuizing"]["periode_tot"] == "2026-05-31"
    assert [v["kenmerk"] for v in data["open_verwijzingen"]] == [verwijzing.kenmerk]
    assert [(h["datum"], h["bedrag_cent"]) for h in data["handhaving"]] == [("2026-05-20", 25000)]
    assert "besluit" not in data["open_verwijzingen"][0]  # what the new gemeente decides is not the old one's
    assert "gezondheid" not in str(data)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "overdrachtsdossier_bekeken")).one()
    assert (event.actor_id, event.inburgeraar_id) == (world["oud"].id, person.id)


def test_a_contractmanager_reads_the_dossier_without_the_handhaving(db, world, app):
    """Warnings and fines are for the klantregisseur and the functioneel beheerder (access.may_see_handhaving);
    the contractmanager, who may read the hand-over dossier, gets it without them (page and JSON)."""
    person = world["person"]
    HandhavingFactory(inburgeraar=person, datum=date(2026, 5, 20), bedrag_cent=25000,
                      grond=HandhavingGrond.BREDE_INTAKE)
    verhuizing = _move(db, world["oud"], person, world["dalfsen"], date(2026, 6, 1))
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[world["dalfsen"]])

    assert [h["bedrag_cent"] for h in verhuizingen.read(db, world["nieuw"], verhuizing)
            .as_json(met_besluiten=True)["handhaving"]] == [25000]
    assert "handhaving" not in verhuizingen.read(db, manager, verhuizing).as_json(met_besluiten=True)

    client = open_session(db, app.test_client(), manager)
    page = client.get(f"/keten/verhuizingen/{verhuizing.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="kop-handhaving"' not in html and "250,00" not in html
    assert "handhaving" not in client.get(f"/keten/verhuizingen/{verhuizing.id}.json").get_json()


def test_providers_belemmeringen_in_the_dossier_only_for_the_klantregisseur(db, world, app):
    """Belemmeringen in a progress report are a provider's free text about the person, often health ('slaapt slecht
    door medicatie'): the new gemeente's klantregisseur gets them in the hand-over; the contractmanager and the
    functioneel beheerder, who may read the dossier, read that they were given (access.reden_voor)."""
    person = world["person"]
    VoortgangsrapportageFactory(verwijzing=world["verwijzing"], peildatum=date(2026, 5, 1),
                                belemmeringen="Slaapt slecht door medicatie")
    verhuizing = _move(db, world["oud"], person, world["dalfsen"], date(2026, 6, 1))
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[world["dalfsen"]])
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[world["hoorn"]])

    def belemmeringen(user):
        return [r["belemmeringen"] for r in verhuizingen.read(db, user, verhuizing).as_json(met_besluiten=True)
                ["voortgang"]]

    assert belemmeringen(world["nieuw"]) == ["Slaapt slecht door medicatie"]
    verborgen = ["Belemmeringen opgegeven (alleen zichtbaar voor de klantregisseur)"]
    assert belemmeringen(manager) == verborgen and belemmeringen(beheerder) == verborgen
    client = open_session(db, app.test_client(), manager)
    assert "medicatie" not in client.get(f"/keten/verhuizingen/{verhuizing.id}.json").get_data(as_text=True)


def test_new_gemeente_decides_on_open_verwijzingen(db, world):
    person, verwijzing, nieuw = world["person"], world["verwijzing"], world["nieuw"]
    tweede = VerwijzingFactory(inburgeraar=person, contract=world["contract"], onderdeel=Onderdeel.MAP)
    verhuizing = _move(db, world["oud"], person, world["dalfsen"], date(2026, 6, 1))
    assert {r.verwijzing_id for r in verhuizing.verwijzingen} == {verwijzing.id, tweede.id}
    regel, regel_map = sorted(verhuizing.verwijzingen, key=lambda r: r.verwijzing_id != verwijzing.id)

    with pytest.raises(NotAllowed):  # the old gemeente hands over; it does not decide
        verhuizingen.decide(db, world["oud"], regel, BesluitInput(besluit="beeindigd"))
    # The contract covers only Hoorn: continuing needs a contract that covers Dalfsen.
    assert verhuizingen.contracten_voor_voortzetten(db, regel) == []
    assert verhuizingen.besluiten_mogelijk([]) == [VerwijzingBesluit.BEEINDIGD]
    with pytest.raises(ValidationError) as exc:
        verhuizingen.decide(db, nieuw, regel, BesluitInput(besluit="voortgezet", contract_id=str(world["contract"].id)))
    assert exc.value.errors == {"besluit": (
        f"Voortzetten kan niet: {verwijzing.aanbieder.naam} heeft geen contract voor het onderdeel B1-route "
        "(taalcursus) dat Dalfsen dekt en op de verhuisdatum (01-06-2026) loopt. Beëindig de verwijzing.")}
    assert regel.besluit is None and verwijzing.contract_id == world["contract"].id

    regionaal = ContractFactory(aanbieder=verwijzing.aanbieder, gemeenten=[world["dalfsen"]])
    db.flush()
    assert verhuizingen.contracten_voor_voortzetten(db, regel) == [regionaal]
    assert verhuizingen.besluiten_mogelijk([regionaal]) == list(VerwijzingBesluit)
    with pytest.raises(ValidationError) as exc:  # continuing is possible now, but under which contract?
        verhuizingen.decide(db, nieuw, regel, BesluitInput(besluit="voortgezet"))
    assert set(exc.value.errors) == {"contract_id"}
    verhuizingen.decide(db, nieuw, regel, BesluitInput(besluit="voortgezet", contract_id=str(regionaal.id)))
    assert (regel.besluit, verwijzing.contract_id, verwijzing.status) == (
        VerwijzingBesluit.VOORGEZET, regionaal.id, VerwijzingStatus.VERWEZEN)
    verhuizingen.decide(db, nieuw, regel_map, BesluitInput(besluit="beeindigd"))
    assert tweede.status is VerwijzingStatus.INGETROKKEN and tweede.status not in OPEN_STATUSSEN
    with pytest.raises(ValidationError):
        verhuizingen.decide(db, nieuw, regel_map, BesluitInput(besluit="voortgezet"))
