"""The CBS file: one row per inburgeraar who lived in the gemeente in the period, never health data, logged."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest

from portal.models.enums import IndicatorAlfabetisering, Leerroute, NiveauPip, Onderdeel, Rol
from portal.models.handhaving import Handhaving, HandhavingGrond, HandhavingSoort
from portal.services import ValidationError
from portal.services.chain import cbs, cbs_layout
from portal.services.chain import verhuizing as verhuizingen
from tests.factories import (
    GEZONDHEID,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    IntakeGegevensFactory,
    PipFactory,
    TrajectStartFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 12, 3)


def test_last_complete_quarter():
    assert cbs.kwartaal(date(2026, 12, 3)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert cbs.kwartaal(date(2026, 1, 1)) == (date(2025, 10, 1), date(2025, 12, 31))


@pytest.fixture
def hoorn_dalfsen(db):
    hoorn, dalfsen = GemeenteFactory(naam="Hoorn"), GemeenteFactory(naam="Dalfsen")
    beheerder = UserFactory(rol=Rol.FUNCTIONEEL_BEHEERDER, gemeenten=[hoorn, dalfsen])
    return hoorn, dalfsen, beheerder


def test_rows_columns_and_no_health_data(db, hoorn_dalfsen):
    hoorn, dalfsen, beheerder = hoorn_dalfsen
    person = InburgeraarFactory(gemeente=hoorn)
    IntakeGegevensFactory(inburgeraar=person, datum_brede_intake=date(2026, 2, 1), analfabeet=True)
    PipFactory(inburgeraar=person, versie=1, dagtekening=date(2026, 3, 1), leerroute=Leerroute.B,
               niveau=NiveauPip.B1)
    PipFactory(inburgeraar=person, versie=2, dagtekening=date(2026, 8, 1), leerroute=Leerroute.B,
               niveau=NiveauPip.A2, indicator_alfabetisering=IndicatorAlfabetisering.AA, reden_wijziging="x")
    contract = ContractFactory(gemeenten=[hoorn])
    b1 = VerwijzingFactory(inburgeraar=person, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                           beoogde_startdatum=date(2026, 4, 1), uiterste_einddatum=date(2027, 4, 1))
    TrajectStartFactory(verwijzing=b1, gerealiseerde_startdatum=date(2026, 4, 6))
    db.add(Handhaving(inburgeraar_id=person.id, gemeente_id=hoorn.id, soort=HandhavingSoort.BOETE,
                      grond=HandhavingGrond.PIP_VERPLICHTING, datum=date(2026, 8, 15), verwijtbaarheid_pct=50,
                      bedrag_cent=40000))
    db.add(Handhaving(inburgeraar_id=person.id, gemeente_id=hoorn.id, soort=HandhavingSoort.WAARSCHUWING,
                      grond=HandhavingGrond.PIP_VERPLICHTING, datum=date(2026, 7, 15)))
    db.add(Handhaving(inburgeraar_id=person.id, gemeente_id=hoorn.id, soort=HandhavingSoort.WAARSCHUWING,
                      grond=HandhavingGrond.PIP_VERPLICHTING, datum=date(2026, 6, 15)))  # before the quarter
    elders = InburgeraarFactory(gemeente=dalfsen)  # never lived in Hoorn
    db.flush()

    levering, inhoud = cbs.lever(db, beheerder, hoorn, cbs.PeriodeInput(), today=TODAY)
    text = inhoud.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [r["bsn"] for r in rows] == [person.bsn] and elders.bsn not in text
    row = rows[0]
    assert list(row) == [k.naam for k in cbs_layout.KOLOMMEN]
    assert (row["datum_pip_vastgesteld"], row["aantal_pip_wijzigingen"], row["datum_afschaling_a2"]) == (
        "2026-03-01", "1", "2026-08-01")
    assert (row["analfabetisme"], row["datum_brede_intake"], row["leerroute"]) == ("AA", "2026-02-01", "B")
    assert row["cursussen"] == f"b1_route/{b1.aanbieder.naam}/2026-04-06/2027-04-01"
    assert (row["aantal_waarschuwingen"], row["aantal_boetes"], row["redenen_boetes"], row["bedrag_boetes_cent"]) == (
        "1", "1", "pip_verplichting", "40000")
    assert GEZONDHEID not in text
    assert (levering.periode_van, levering.periode_tot, levering.aantal_rijen) == (date(2026, 7, 1),
                                                                                   date(2026, 9, 30), 1)
    assert levering.sha256 == hashlib.sha256(inhoud).hexdigest() and levering.gemaakt_door_id == beheerder.id


def test_the_leerroute_is_that_of_the_pip_in_force_at_the_end_of_the_period(db, hoorn_dalfsen):
    """portal.domain.pip.van_kracht on the last day: a withdrawn PIP leaves the leerroute empty and says when it
    was withdrawn; the history (first PIP, changes) still counts it; a new version is in force again."""
    from tests.factories_chain import PipIntrekkingFactory

    hoorn, _, beheerder = hoorn_dalfsen
    person = InburgeraarFactory(gemeente=hoorn)
    IntakeGegevensFactory(inburgeraar=person, analfabeet=False)
    v1 = PipFactory(inburgeraar=person, versie=1, dagtekening=date(2026, 3, 1), leerroute=Leerroute.B,
                    niveau=NiveauPip.B1, indicator_alfabetisering=IndicatorAlfabetisering.AA)
    PipIntrekkingFactory(pip=v1, datum=date(2026, 8, 10))
    db.flush()

    def rij(van, tot):
        inhoud = cbs.lever(db, beheerder, hoorn, cbs.PeriodeInput(van=van, tot=tot), today=TODAY)[1]
        return next(csv.DictReader(io.StringIO(inhoud.decode("utf-8")), delimiter=";"))

    q3 = rij("01-07-2026", "30-09-2026")
    assert (q3["leerroute"], q3["datum_pip_ingetrokken"], q3["datum_pip_vastgesteld"]) == ("", "2026-08-10",
                                                                                             "2026-03-01")
    assert q3["analfabetisme"] == "NVT"  # the intake's, not the withdrawn PIP's
    voor = rij("01-07-2026", "09-08-2026")  # the withdrawal took effect after this period
    assert (voor["leerroute"], voor["datum_pip_ingetrokken"], voor["analfabetisme"]) == ("B", "", "AA")

    PipFactory(inburgeraar=person, versie=2, dagtekening=date(2026, 9, 1), leerroute=Leerroute.Z, niveau=None,
               reden_wijziging="Opnieuw vastgesteld")
    db.flush()
    db.refresh(person)
    q3 = rij("01-07-2026", "30-09-2026")
    assert (q3["leerroute"], q3["datum_pip_ingetrokken"], q3["aantal_pip_wijzigingen"]) == ("Z", "", "1")


def test_residence_on_the_dates_decides_the_gemeente(db, hoorn_dalfsen):
    hoorn, dalfsen, beheerder = hoorn_dalfsen
    person = InburgeraarFactory(gemeente=hoorn)
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    verhuizingen.register(db, regisseur, person, verhuizingen.VerhuizingInput(
        naar_gemeente_id=dalfsen.id, datum=date(2026, 8, 20)), today=TODAY)
    q3 = cbs.PeriodeInput(van="01-07-2026", tot="30-09-2026")
    assert cbs.lever(db, beheerder, hoorn, q3, today=TODAY)[0].aantal_rijen == 1  # until 19 August
    assert cbs.lever(db, beheerder, dalfsen, q3, today=TODAY)[0].aantal_rijen == 1  # from 20 August
    q2 = cbs.PeriodeInput(van="01-04-2026", tot="30-06-2026")
    assert cbs.lever(db, beheerder, dalfsen, q2, today=TODAY)[0].aantal_rijen == 0


def test_period_must_be_over_and_in_order(db, hoorn_dalfsen):
    hoorn, _dalfsen, beheerder = hoorn_dalfsen
    with pytest.raises(ValidationError) as exc:
        cbs.lever(db, beheerder, hoorn, cbs.PeriodeInput(van="01-10-2026", tot="31-12-2026"), today=TODAY)
    assert "voorbij" in exc.value.errors["tot"]
    with pytest.raises(ValidationError) as exc:
        cbs.lever(db, beheerder, hoorn, cbs.PeriodeInput(van="30-09-2026", tot="01-07-2026"), today=TODAY)
    assert "Draai" in exc.value.errors["tot"]


def test_readme_column_dictionary_follows_the_layout():
    """The README's dictionary lists every column of the file, in order."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    positions = [readme.find(f"| `{k.naam}` |") for k in cbs_layout.KOLOMMEN]
    assert all(p > 0 for p in positions) and positions == sorted(positions)


def test_a_delivery_is_found_under_each_person_it_names(db, hoorn_dalfsen):
    """The file names people by BSN: the trail links the delivery to exactly them (audit_gezien), ids only."""
    from sqlalchemy import select

    from portal.models import AuditEvent, AuditGezien

    hoorn, dalfsen, beheerder = hoorn_dalfsen
    person = InburgeraarFactory(gemeente=hoorn)
    InburgeraarFactory(gemeente=dalfsen)  # not in Hoorn's file
    db.flush()
    levering, _inhoud = cbs.lever(db, beheerder, hoorn, cbs.PeriodeInput(), today=TODAY)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "cbs_bestand_gemaakt"))
    named = db.scalars(select(AuditGezien.inburgeraar_id).where(AuditGezien.audit_event_id == event.id)).all()
    assert levering.aantal_rijen == len(named) and person.id in named
    assert set(named) == {p.id for p in cbs._inwoners(db, hoorn.id, *cbs.kwartaal(TODAY))}
    assert person.bsn not in str(event.details)


def test_the_z_route_afronding_counts_on_either_z_route_verwijzing(db, hoorn_dalfsen):
    # DUO (datumAfrondingZroute) and the billing (Z-AF) take it from whichever Z-route verwijzing it is registered on.
    from portal.models.resultaat import BereiktNiveau
    from tests.factories import RouteResultaatFactory

    hoorn, _dalfsen, beheerder = hoorn_dalfsen
    person = InburgeraarFactory(gemeente=hoorn)
    PipFactory(inburgeraar=person, dagtekening=date(2025, 3, 1), leerroute=Leerroute.Z, niveau=None)
    contract = ContractFactory(gemeenten=[hoorn])
    taal, participatie = (VerwijzingFactory(inburgeraar=person, contract=contract, onderdeel=onderdeel,
                                            beoogde_startdatum=date(2025, 4, 1), uiterste_einddatum=date(2027, 4, 1))
                          for onderdeel in (Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE))
    RouteResultaatFactory(verwijzing=participatie, datum_eindgesprek_map=None,
                          datum_afronding_z_route=date(2026, 8, 20), bereikt_niveau=next(iter(BereiktNiveau)))
    db.flush()
    assert taal.id  # the taal verwijzing carries no result of its own

    _levering, inhoud = cbs.lever(db, beheerder, hoorn, cbs.PeriodeInput(), today=TODAY)
    [row] = csv.DictReader(io.StringIO(inhoud.decode("utf-8")), delimiter=";")
    assert row["datum_afronding_zroute"] == "2026-08-20"
