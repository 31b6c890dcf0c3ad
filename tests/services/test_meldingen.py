"""Who hears about what: domain events become meldingen for the right people, with mail per their preference."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import select

from portal import events
from portal.events import DomainEvent
from portal.models import MailModus, MailOutbox, Melding, MeldingSoort, melding_inburgeraar
from portal.models.enums import Rol
from portal.services import mail, meldingen
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    UserFactory,
    VerwijzingFactory,
)


@pytest.fixture
def aanbieder(db):
    return AanbiederFactory(naam="Taalhuis Noord")


@pytest.fixture
def verwijzing(db, gemeente, aanbieder):
    contract = ContractFactory(aanbieder=aanbieder, gemeenten=[gemeente])
    return VerwijzingFactory(inburgeraar=InburgeraarFactory(gemeente=gemeente), contract=contract)


@pytest.fixture
def docent(db, aanbieder):
    return UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=aanbieder)


def meldingen_of(db, user) -> list[Melding]:
    return list(db.scalars(select(Melding).where(Melding.user_id == user.id)))


def outbox_to(db, user) -> list[MailOutbox]:
    return list(db.scalars(select(MailOutbox).where(MailOutbox.to_address == user.email)))


def examen_event(verwijzing, actor) -> DomainEvent:
    return DomainEvent(
        kind=events.EXAMENRESULTAAT, inburgeraar_id=verwijzing.inburgeraar_id, actor=actor,
        verwijzing_id=verwijzing.id, object_id=1,
    )


def test_examenresultaat_reaches_the_own_klantregisseur_only(app_ctx, db, gemeente, verwijzing, docent):
    own = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    colleague = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    verwijzing.inburgeraar.klantregisseur = own
    db.flush()

    events.emit(db, examen_event(verwijzing, docent))

    [melding] = meldingen_of(db, own)
    assert melding.kind is MeldingSoort.EXAMENRESULTAAT
    assert melding.inburgeraar_id == verwijzing.inburgeraar_id
    assert melding.verwijzing_id == verwijzing.id
    assert melding.text == "Nieuw examenresultaat geregistreerd door Taalhuis Noord"
    assert verwijzing.inburgeraar.achternaam not in melding.text
    assert meldingen_of(db, colleague) == []
    assert meldingen_of(db, docent) == []


def test_without_own_klantregisseur_every_klantregisseur_of_the_gemeente_hears_it(
    app_ctx, db, gemeente, verwijzing, docent
):
    first = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    second = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    elsewhere = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[GemeenteFactory()])
    inactive = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente], actief=False)
    contractmanager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])

    events.emit(db, DomainEvent(kind=events.LATE_START, inburgeraar_id=verwijzing.inburgeraar_id, actor=None,
                                verwijzing_id=verwijzing.id, details={"dagen_later": 12}))

    assert [m.text for m in meldingen_of(db, first)] == [
        "Late start van een verwijzing bij Taalhuis Noord (12 dagen na de beoogde startdatum)"
    ]
    assert len(meldingen_of(db, second)) == 1
    for user in (elsewhere, inactive, contractmanager):
        assert meldingen_of(db, user) == []


def test_an_inactive_own_klantregisseur_falls_back_to_the_gemeente(app_ctx, db, gemeente, verwijzing, docent):
    departed = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente], actief=False)
    stand_in = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    verwijzing.inburgeraar.klantregisseur = departed
    db.flush()

    events.emit(db, examen_event(verwijzing, docent))

    assert meldingen_of(db, departed) == []
    assert len(meldingen_of(db, stand_in)) == 1


def test_afschaling_decision_goes_to_the_users_of_the_verwijzing_aanbieder(
    app_ctx, db, gemeente, verwijzing, docent, aanbieder
):
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    beheerder = UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=aanbieder)
    other_provider = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=AanbiederFactory())

    events.emit(db, DomainEvent(kind=events.AFSCHALINGSVERZOEK_BESLOTEN, inburgeraar_id=verwijzing.inburgeraar_id,
                                actor=regisseur, verwijzing_id=verwijzing.id, object_id=7,
                                details={"besluit": "afgewezen", "verwijzing_id": verwijzing.id}))

    for user in (docent, beheerder):
        [melding] = meldingen_of(db, user)
        assert melding.kind is MeldingSoort.AFSCHALINGSVERZOEK_BESLOTEN
        assert melding.text == "De gemeente heeft besloten over een afschalingsverzoek: afgewezen"
        assert melding.verwijzing_id == verwijzing.id
    assert meldingen_of(db, regisseur) == []
    assert meldingen_of(db, other_provider) == []


def test_afschalingsverzoek_ingediend_and_omstandigheden_reach_the_klantregisseur(
    app_ctx, db, gemeente, verwijzing, docent
):
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    for kind in (events.AFSCHALINGSVERZOEK_INGEDIEND, events.OMSTANDIGHEDEN_GEWIJZIGD, events.NIET_GESTART):
        events.emit(db, DomainEvent(kind=kind, inburgeraar_id=verwijzing.inburgeraar_id, actor=docent,
                                    verwijzing_id=verwijzing.id))
    kinds = {m.kind for m in meldingen_of(db, regisseur)}
    assert kinds == {
        MeldingSoort.AFSCHALINGSVERZOEK_INGEDIEND, MeldingSoort.OMSTANDIGHEDEN_GEWIJZIGD, MeldingSoort.NIET_GESTART
    }


def test_nobody_is_told_about_their_own_action(app_ctx, db, gemeente, verwijzing):
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    events.emit(db, DomainEvent(kind=events.OMSTANDIGHEDEN_GEWIJZIGD, inburgeraar_id=verwijzing.inburgeraar_id,
                                actor=regisseur))
    assert meldingen_of(db, regisseur) == []


def upload_event(actor, inburgeraars, soort="presentie") -> DomainEvent:
    ids = sorted(i.id for i in inburgeraars)
    return DomainEvent(kind=events.UPLOAD_BEVESTIGD, inburgeraar_id=ids[0], actor=actor,
                       details={"upload_id": "u1", "soort": soort, "nieuw": len(ids), "gewijzigd": 0,
                                "inburgeraar_ids": ids})


def cases_of(db, melding) -> set[int]:
    query = select(melding_inburgeraar.c.inburgeraar_id).where(melding_inburgeraar.c.melding_id == melding.id)
    return set(db.scalars(query))


def test_upload_bevestigd_makes_one_summary_melding_per_klantregisseur_with_its_own_cases(
    app_ctx, db, gemeente, aanbieder, docent
):
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    other_gemeente = GemeenteFactory()
    other_regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[other_gemeente])
    mine = [InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur) for _ in range(3)]
    theirs = InburgeraarFactory(gemeente=other_gemeente)  # no own klantregisseur: the gemeente's hear it
    untouched = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur)

    events.emit(db, upload_event(docent, [*mine, theirs]))

    [melding] = meldingen_of(db, regisseur)
    assert melding.kind is MeldingSoort.UPLOAD_BEVESTIGD
    assert melding.is_overzicht and melding.inburgeraar_id is None and melding.verwijzing_id is None
    assert melding.text == ("Taalhuis Noord heeft een upload (presentie en uren) bevestigd: "
                            "3 inburgeraars uit uw caseload gewijzigd.")
    assert cases_of(db, melding) == {i.id for i in mine}
    assert untouched.id not in cases_of(db, melding)
    [theirs_melding] = meldingen_of(db, other_regisseur)
    assert theirs_melding.text.endswith(": 1 inburgeraar uit uw caseload gewijzigd.")
    assert cases_of(db, theirs_melding) == {theirs.id}
    assert meldingen_of(db, docent) == []
    # One mail per recipient, saying what happened and nothing personal.
    [mailed] = outbox_to(db, regisseur)
    assert mailed.subject == "Nieuwe melding: Wijzigingen uit een upload"
    assert f"/meldingen/{melding.id}" in mailed.body
    for inburgeraar in mine:
        assert inburgeraar.bsn not in mailed.body and inburgeraar.achternaam not in mailed.body
    assert len(outbox_to(db, other_regisseur)) == 1


def test_upload_bevestigd_falls_back_to_the_gemeente_per_case(app_ctx, db, gemeente, docent):
    own = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    departed = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente], actief=False)
    colleague = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    contractmanager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    assigned = InburgeraarFactory(gemeente=gemeente, klantregisseur=own)
    orphaned = InburgeraarFactory(gemeente=gemeente, klantregisseur=departed)
    unassigned = InburgeraarFactory(gemeente=gemeente)

    events.emit(db, upload_event(docent, [assigned, orphaned, unassigned], soort="route_resultaten"))

    # The same rule as for a single case: the own active klantregisseur, else every one of the gemeente.
    [for_own] = meldingen_of(db, own)
    assert cases_of(db, for_own) == {assigned.id, orphaned.id, unassigned.id}
    [for_colleague] = meldingen_of(db, colleague)
    assert cases_of(db, for_colleague) == {orphaned.id, unassigned.id}
    assert for_colleague.text == ("Taalhuis Noord heeft een upload (resultaten MAP, PVT en Z-route) bevestigd: "
                                  "2 inburgeraars uit uw caseload gewijzigd.")
    assert meldingen_of(db, departed) == [] and meldingen_of(db, contractmanager) == []


def test_upload_bevestigd_listener_statements_do_not_grow_with_the_cases(app_ctx, db, docent):
    """A weekly upload touches thousands of cases: the listener's work must not be per case."""
    counts = {}
    for size in (5, 50):
        gemeente = GemeenteFactory()
        own = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
        colleagues = [UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente]) for _ in range(2)]
        assigned = [InburgeraarFactory(gemeente=gemeente, klantregisseur=own) for _ in range(size)]
        unassigned = [InburgeraarFactory(gemeente=gemeente) for _ in range(size)]
        db.flush()
        event = upload_event(docent, [*assigned, *unassigned])
        db.expire_all()  # both runs start from the same (empty) identity map
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany, statements=statements):
            statements.append(statement)

        connection = db.connection()
        sa_event.listen(connection, "before_cursor_execute", count)
        try:
            events.emit(db, event)
        finally:
            sa_event.remove(connection, "before_cursor_execute", count)
        counts[size] = len(statements)

        [for_own] = meldingen_of(db, own)
        assert cases_of(db, for_own) == {i.id for i in [*assigned, *unassigned]}
        for colleague in colleagues:
            [melding] = meldingen_of(db, colleague)
            assert cases_of(db, melding) == {i.id for i in unassigned}
    assert counts[5] == counts[50], counts


def test_unknown_event_kinds_are_ignored(app_ctx, db, gemeente, verwijzing, docent):
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    events.emit(db, DomainEvent(kind="iets_anders", inburgeraar_id=verwijzing.inburgeraar_id, actor=docent))
    assert meldingen_of(db, regisseur) == []


def test_attendance_below_threshold_is_not_repeated_while_unread(app_ctx, db, gemeente, verwijzing):
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])

    [melding] = meldingen.notify_attendance_below_threshold(db, verwijzing, percentage=62.4, norm=80)
    assert melding.user_id == regisseur.id
    assert melding.kind is MeldingSoort.AANWEZIGHEID_ONDER_NORM
    assert melding.text == "Aanwezigheid onder de norm bij Taalhuis Noord (62,4% aanwezig, norm 80%)"
    assert meldingen.notify_attendance_below_threshold(db, verwijzing, percentage=60, norm=80) == []

    meldingen.mark_read(db, melding)
    assert len(meldingen.notify_attendance_below_threshold(db, verwijzing)) == 1


def test_emitting_examenresultaat_mails_per_preference(app_ctx, db, gemeente, verwijzing, docent):
    """The whole path: event → melding for each klantregisseur → mail now, in the digest, or never."""
    per_event = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    daily = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    silent = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    mail.set_mail_modus(db, daily, MailModus.DAGELIJKS)
    mail.set_mail_modus(db, silent, MailModus.GEEN)

    events.emit(db, examen_event(verwijzing, docent))

    for user in (per_event, daily, silent):
        assert [m.kind for m in meldingen_of(db, user)] == [MeldingSoort.EXAMENRESULTAAT]
    [now_mail] = outbox_to(db, per_event)
    [melding] = meldingen_of(db, per_event)
    assert now_mail.subject == "Nieuwe melding: Examenresultaat"
    assert f"{current_app.config['BASE_URL']}/meldingen/{melding.id}" in now_mail.body
    assert outbox_to(db, daily) == []
    assert outbox_to(db, silent) == []

    digests = mail.build_digests(db, "http://meldingen.test")

    ours = [d for d in digests if d.to_address in (per_event.email, daily.email, silent.email)]
    assert [d.to_address for d in ours] == [daily.email]
    assert "Nieuw examenresultaat geregistreerd door Taalhuis Noord" in ours[0].body
    assert outbox_to(db, silent) == []
    assert len(outbox_to(db, per_event)) == 1


def test_melding_and_mail_roll_back_with_the_registration(app_ctx, db, gemeente, verwijzing, docent):
    """Outbox pattern: no mail about a registration that was never committed."""
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    savepoint = db.begin_nested()
    events.emit(db, examen_event(verwijzing, docent))
    assert len(outbox_to(db, regisseur)) == 1
    savepoint.rollback()

    assert meldingen_of(db, regisseur) == []
    assert outbox_to(db, regisseur) == []


def test_mark_all_read_touches_only_own_meldingen(app_ctx, db, gemeente, verwijzing, docent):
    one = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    two = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    events.emit(db, examen_event(verwijzing, docent))
    events.emit(db, DomainEvent(kind=events.LATE_START, inburgeraar_id=verwijzing.inburgeraar_id, actor=None))

    assert meldingen.unread_count(db, one) == 2
    assert meldingen.mark_all_read(db, one) == 2
    assert meldingen.unread_count(db, one) == 0
    assert meldingen.unread_count(db, two) == 2
