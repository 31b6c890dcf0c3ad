"""The periodic job fills every gemeente's DUO outbox the way the button does: a bericht only when the value
differs from the last one, so running it again adds nothing; gemeenten without an OIN are left alone."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal import tasks
from portal.models import AuditEvent, BerichtSoort, BerichtStatus, DuoBericht
from portal.models.enums import IndicatorAlfabetisering, Leerroute, NiveauPip, Rol
from portal.services import cases
from tests.factories import GemeenteFactory, InburgeraarFactory, PipFactory, UserFactory

TODAY = date.today()


def _case(gemeente):
    person = InburgeraarFactory(gemeente=gemeente, datum_kennisgeving=TODAY - timedelta(days=400))
    PipFactory(inburgeraar=person, dagtekening=TODAY - timedelta(days=300), leerroute=Leerroute.B,
               niveau=NiveauPip.B1, indicator_alfabetisering=IndicatorAlfabetisering.NVT)
    return person


def _berichten(db, gemeente):
    return list(db.scalars(select(DuoBericht).where(DuoBericht.gemeente_id == gemeente.id).order_by(DuoBericht.id)))


def test_the_periodic_job_refreshes_every_gemeente_once_per_change(db, app_ctx):
    hoorn = GemeenteFactory(oin="00000001000000405000")
    dalfsen = GemeenteFactory(oin="00000001000000148000")
    zonder_oin = GemeenteFactory(oin=None)
    persons = {g.id: _case(g) for g in (hoorn, dalfsen, zonder_oin)}
    db.commit()

    first = tasks.duo_berichten_bijwerken.call_local()
    assert first == 2
    assert [(b.soort, b.methode, b.status) for b in _berichten(db, hoorn)] == [
        (BerichtSoort.PIP, "POST", BerichtStatus.KLAAR)]
    assert len(_berichten(db, dalfsen)) == 1 and _berichten(db, zonder_oin) == []
    runs = db.scalar(select(func.count()).where(AuditEvent.action == "duo_berichten_bijgewerkt",
                                                AuditEvent.actor_id.is_(None)))
    assert runs == 2  # one system entry per gemeente with an OIN

    assert tasks.duo_berichten_bijwerken.call_local() == 0  # nothing changed: nothing new

    # A changed PIP in Hoorn: the next run queues exactly that, and the pending older value is not sent.
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    person = persons[hoorn.id]
    cases.record_pip(db, regisseur, person, cases.PipInput(
        dagtekening=(TODAY - timedelta(days=5)).strftime("%d-%m-%Y"), leerroute="B", niveau="A2",
        geschatte_intensiteit="1200", reden_wijziging="Afgeschaald", indicator_alfabetisering="NVT"), today=TODAY)
    db.commit()
    assert tasks.duo_berichten_bijwerken.call_local() == 1
    db.expire_all()
    hoorn_berichten = _berichten(db, hoorn)
    assert [(b.status, b.body["niveau"]) for b in hoorn_berichten] == [
        (BerichtStatus.VERVANGEN, "B1"), (BerichtStatus.KLAAR, "A2")]
    assert len(_berichten(db, dalfsen)) == 1
