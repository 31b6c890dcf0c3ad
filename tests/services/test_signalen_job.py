"""The daily job: attendance under the threshold in any gemeente becomes one melding for the klantregisseur."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal import tasks
from portal.models import AuditEvent, Melding, MeldingSoort, SignaalDrempels, TrajectStart
from portal.models.enums import Rol, VerwijzingStatus
from portal.models.traject import Activiteit
from portal.services import meldingen, signalen, signalen_job, tijdlijn, totals
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 11, 20)


def running_verwijzing(db, gemeente, regisseur, aanwezig, afwezig, **kwargs):
    """A running traject with, on two days in the last four weeks, the given present and absent hours."""
    inburgeraar = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur)
    contract = ContractFactory(aanbieder=AanbiederFactory(naam="Taalhuis Noord"), gemeenten=[gemeente],
                               startdatum=TODAY - timedelta(days=700), einddatum=TODAY + timedelta(days=900))
    verwijzing = VerwijzingFactory(inburgeraar=inburgeraar, contract=contract,
                                   **{"status": VerwijzingStatus.GESTART, **kwargs},
                                   beoogde_startdatum=TODAY - timedelta(days=60),
                                   uiterste_einddatum=TODAY + timedelta(days=300))
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=TODAY - timedelta(days=60)))
    for days_ago in (2, 9):
        PresentieFactory(verwijzing=verwijzing, datum=TODAY - timedelta(days=days_ago),
                         activiteit=Activiteit.TAALLES_KNM, uren_aanwezig=Decimal(aanwezig),
                         uren_afwezig_geoorloofd=Decimal(0), uren_afwezig_ongeoorloofd=Decimal(afwezig))
    db.flush()
    return verwijzing


def meldingen_of(db, user):
    return db.scalars(select(Melding).where(Melding.user_id == user.id,
                                            Melding.kind == MeldingSoort.AANWEZIGHEID_ONDER_NORM)).all()


def test_attendance_under_threshold_gives_the_klantregisseur_one_melding(db, app_ctx, gemeente, regisseur):
    onder = running_verwijzing(db, gemeente, regisseur, aanwezig=3, afwezig=1)  # 75% < 80%
    running_verwijzing(db, gemeente, regisseur, aanwezig=4, afwezig=0)  # 100%

    result = signalen_job.notify_aanwezigheid_onder_drempel(db, TODAY)

    assert (result.onder_drempel, result.meldingen) == (1, 1)
    (melding,) = meldingen_of(db, regisseur)
    assert (melding.verwijzing_id, melding.inburgeraar_id) == (onder.id, onder.inburgeraar_id)
    assert melding.text == "Aanwezigheid onder de norm bij Taalhuis Noord (75% aanwezig, norm 80%)"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "signalen_aanwezigheid")).one()
    assert event.actor_id is None
    assert event.details == {"datum": "2026-11-20", "onder_drempel": 1, "meldingen": 1}


def test_running_twice_does_not_repeat_an_unread_melding(db, app_ctx, gemeente, regisseur):
    running_verwijzing(db, gemeente, regisseur, aanwezig=3, afwezig=1)

    assert signalen_job.notify_aanwezigheid_onder_drempel(db, TODAY).meldingen == 1
    second = signalen_job.notify_aanwezigheid_onder_drempel(db, TODAY + timedelta(days=1))
    assert (second.onder_drempel, second.meldingen) == (1, 0)
    assert len(meldingen_of(db, regisseur)) == 1

    # Once read, a next day that is still under the threshold is worth a new melding.
    meldingen.mark_read(db, meldingen_of(db, regisseur)[0])
    assert signalen_job.notify_aanwezigheid_onder_drempel(db, TODAY + timedelta(days=2)).meldingen == 1


def test_attendance_above_threshold_gives_no_melding(db, app_ctx, gemeente, regisseur):
    running_verwijzing(db, gemeente, regisseur, aanwezig=4, afwezig=1)  # exactly 80%: not under

    assert signalen_job.notify_aanwezigheid_onder_drempel(db, TODAY).meldingen == 0
    assert meldingen_of(db, regisseur) == []


def test_each_gemeente_and_contract_uses_its_own_threshold(db, app_ctx, gemeente, regisseur):
    andere = GemeenteFactory(naam="Enkhuizen")
    andere_regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[andere])
    db.add(SignaalDrempels(gemeente_id=andere.id, aanwezigheid_min_pct=70))
    in_hoorn = running_verwijzing(db, gemeente, regisseur, aanwezig=3, afwezig=1)
    running_verwijzing(db, andere, andere_regisseur, aanwezig=3, afwezig=1)  # 75% is fine in Enkhuizen

    found = signalen_job.aanwezigheid_onder_drempel(db, TODAY)
    assert [(o.verwijzing_id, o.percentage, o.norm) for o in found] == [(in_hoorn.id, Decimal(75), 80)]


def test_closed_verwijzingen_are_skipped_and_a_case_without_klantregisseur_goes_to_the_gemeente(
    db, app_ctx, gemeente, regisseur
):
    collega = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    running_verwijzing(db, gemeente, regisseur, aanwezig=1, afwezig=3, status=VerwijzingStatus.UITGEVALLEN)
    zonder = running_verwijzing(db, gemeente, regisseur, aanwezig=1, afwezig=3)
    zonder.inburgeraar.klantregisseur_id = None
    db.flush()

    # The task's own entry point: runs the job and commits.
    assert tasks.signalen_aanwezigheid(db, TODAY) == 2
    assert [m.verwijzing_id for m in meldingen_of(db, regisseur)] == [zonder.id]
    assert [m.verwijzing_id for m in meldingen_of(db, collega)] == [zonder.id]


def test_one_attendance_percentage_reads_the_same_in_the_melding_the_signal_the_totals_and_the_week(
    db, app_ctx, gemeente, regisseur,
):
    # 2 of 3 hours present on both days: 66,666…% is 66,7% everywhere, never 66,67% or 67%.
    verwijzing = running_verwijzing(db, gemeente, regisseur, aanwezig=2, afwezig=1)
    signalen_job.notify_aanwezigheid_onder_drempel(db, TODAY)
    (melding,) = meldingen_of(db, regisseur)
    assert "(66,7% aanwezig, norm 80%)" in melding.text

    case_ = signalen.caseload(db, regisseur, today=TODAY,
            filters=signalen.Filters(inburgeraar_id=verwijzing.inburgeraar_id))[0]
    (signaal,) = [s for s in case_.signalen if s.code == "aanwezigheid_laag"]
    assert "(66,7%)" in signaal.uitleg and "4 uur van 6 uur" in signaal.uitleg

    totalen = totals.for_verwijzing(db, regisseur, verwijzing, TODAY)
    assert totalen.presentie_recent == totalen.presentie_traject == Decimal("66.7")
    weken = tijdlijn.weken(tijdlijn.presentie_per_week(db, regisseur, [verwijzing.id]), tot=TODAY, aantal=2)
    assert [w.percentage for w in weken] == [Decimal("66.7"), Decimal("66.7")]
