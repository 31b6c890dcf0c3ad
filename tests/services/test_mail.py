"""Mail leaves through the outbox to a real SMTP server, carries no personal data, and survives outages."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import current_app
from sqlalchemy import select
from stdnum.nl import bsn as stdnum_bsn

from portal import events, tasks
from portal.events import DomainEvent
from portal.models import IntakeGegevens, MailModus, MailOutbox, MailStatus, Melding
from portal.models.base import utcnow
from portal.models.enums import Rol
from portal.services import mail, meldingen
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    IntakeGegevensFactory,
    UserFactory,
    VerwijzingFactory,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler that keeps what it receives; can refuse the next few messages with 451."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_next = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 Tijdelijk niet beschikbaar"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("onbekend@"):
            return "550 5.1.1 Onbekende ontvanger"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, dict]]:
    """A real SMTP server on 127.0.0.1 and the mail settings that point at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_SENDER": "portal@gemeente.test"}
    try:
        yield mailbox, config
    finally:
        controller.stop()


@pytest.fixture
def case(db):
    """An inburgeraar with intake health data, referred to a provider, and her klantregisseur."""
    gemeente = GemeenteFactory()
    aanbieder = AanbiederFactory(naam="Taalhuis Oost")
    inburgeraar = InburgeraarFactory(gemeente=gemeente, voornamen="Mariam", achternaam="Yousef")
    IntakeGegevensFactory(inburgeraar=inburgeraar, gezondheid="Ernstige migraine, PTSS")
    verwijzing = VerwijzingFactory(
        inburgeraar=inburgeraar, contract=ContractFactory(aanbieder=aanbieder, gemeenten=[gemeente])
    )
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    inburgeraar.klantregisseur = regisseur
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=aanbieder)
    db.flush()
    return inburgeraar, verwijzing, regisseur, docent


def valid_bsns_in(text: str) -> list[str]:
    """Every 8- or 9-digit run that passes the 11-proef (Excel drops a BSN's leading zero)."""
    return [m for m in re.findall(r"(?<!\d)\d{8,9}(?!\d)", text) if stdnum_bsn.is_valid(m.zfill(9))]


def outbox_to(db, user) -> list[MailOutbox]:
    return list(db.scalars(select(MailOutbox).where(MailOutbox.to_address == user.email)))


def full_text(message: EmailMessage) -> str:
    return "\n".join([str(message["Subject"]), str(message["To"]), message.get_content()])


def test_every_event_mail_reaches_smtp_without_bsn_name_or_health_data(app_ctx, db, smtp, case, monkeypatch):
    mailbox, config = smtp
    # The job commits after each mail; here the test's transaction must stay open (and be rolled back).
    monkeypatch.setattr(db, "commit", db.flush)
    inburgeraar, verwijzing, regisseur, docent = case
    for kind in (events.EXAMENRESULTAAT, events.OMSTANDIGHEDEN_GEWIJZIGD, events.AFSCHALINGSVERZOEK_INGEDIEND,
                 events.LATE_START, events.UPLOAD_BEVESTIGD):
        events.emit(db, DomainEvent(kind=kind, inburgeraar_id=inburgeraar.id, actor=docent,
                                    verwijzing_id=verwijzing.id, details={"inburgeraar_ids": [inburgeraar.id]}))
    events.emit(db, DomainEvent(kind=events.AFSCHALINGSVERZOEK_BESLOTEN, inburgeraar_id=inburgeraar.id,
                                actor=regisseur, verwijzing_id=verwijzing.id))
    meldingen.notify_attendance_below_threshold(db, verwijzing, percentage=55, norm=80)
    mail.set_mail_modus(db, regisseur, MailModus.DAGELIJKS)
    events.emit(db, DomainEvent(kind=events.ROUTE_RESULTAAT, inburgeraar_id=inburgeraar.id, actor=docent))
    digests = mail.build_digests(db, current_app.config["BASE_URL"])
    assert [d.to_address for d in digests if d.to_address in (regisseur.email, docent.email)] == [regisseur.email]

    ours = select(MailOutbox).where(MailOutbox.to_address.in_([regisseur.email, docent.email]))
    assert len(db.scalars(ours).all()) == 8

    assert tasks.flush_outbox(db, config) >= 8

    assert len(mailbox.messages) == 8
    intake = db.scalar(select(IntakeGegevens).where(IntakeGegevens.inburgeraar_id == inburgeraar.id))
    forbidden = [inburgeraar.bsn, inburgeraar.voornamen, inburgeraar.achternaam, "migraine", "PTSS",
                 intake.gezondheid, verwijzing.kenmerk]
    for message in mailbox.messages:
        text = full_text(message)
        assert valid_bsns_in(text) == [], text
        for value in forbidden:
            assert value.lower() not in text.lower(), (value, text)
        assert message["From"] == "portal@gemeente.test"
        assert f"{current_app.config['BASE_URL']}/meldingen/" in text
    received = {m["To"] for m in mailbox.messages}
    assert received == {regisseur.email, docent.email}
    subjects = sorted(str(m["Subject"]) for m in mailbox.messages)
    assert "Nieuwe melding: Examenresultaat" in subjects
    assert "Dagelijks overzicht: 1 nieuwe melding" in subjects
    assert all(m.status is MailStatus.SENT for m in db.scalars(ours))


def test_mail_is_retried_with_backoff_until_the_server_accepts(app_ctx, db, smtp, case):
    mailbox, config = smtp
    inburgeraar, _verwijzing, regisseur, docent = case
    events.emit(db, DomainEvent(kind=events.EXAMENRESULTAAT, inburgeraar_id=inburgeraar.id, actor=docent))
    [outbox] = outbox_to(db, regisseur)
    start = utcnow()

    # 1: nothing listens on the configured port.
    down = {**config, "MAIL_PORT": free_port()}
    assert mail.deliver(db, outbox.id, down, now=start) is MailStatus.PENDING
    assert outbox.attempts == 1
    assert "ConnectionRefusedError" in outbox.last_error
    assert outbox.next_attempt_at == start + timedelta(minutes=1)
    assert outbox.id not in mail.due_ids(db, now=start)
    assert outbox.id in mail.due_ids(db, now=start + timedelta(minutes=1))

    # 2: the server answers 451 (try again later): the wait doubles.
    mailbox.refuse_next = 1
    second = start + timedelta(minutes=1)
    assert mail.deliver(db, outbox.id, config, now=second) is MailStatus.PENDING
    assert outbox.attempts == 2
    assert "451" in outbox.last_error
    assert outbox.next_attempt_at == second + timedelta(minutes=2)
    assert mailbox.messages == []

    # 3: the server is back.
    assert mail.deliver(db, outbox.id, config, now=second + timedelta(minutes=2)) is MailStatus.SENT
    assert outbox.sent_at is not None and outbox.last_error is None
    assert [m["To"] for m in mailbox.messages] == [regisseur.email]
    # A sent mail is never sent again.
    assert mail.deliver(db, outbox.id, config) is MailStatus.SENT
    assert len(mailbox.messages) == 1


def test_mail_is_marked_failed_after_the_last_attempt(app_ctx, db, case):
    inburgeraar, _verwijzing, regisseur, docent = case
    events.emit(db, DomainEvent(kind=events.EXAMENRESULTAAT, inburgeraar_id=inburgeraar.id, actor=docent))
    [outbox] = outbox_to(db, regisseur)
    down = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "MAIL_SENDER": "portal@gemeente.test",
            "MAIL_MAX_ATTEMPTS": 3}
    moment = utcnow()
    statuses = []
    for _ in range(3):
        statuses.append(mail.deliver(db, outbox.id, down, now=moment))
        moment = outbox.next_attempt_at
    assert statuses == [MailStatus.PENDING, MailStatus.PENDING, MailStatus.FAILED]
    assert outbox.attempts == 3
    assert outbox.id not in mail.due_ids(db, now=moment + timedelta(days=1))


def test_an_unknown_recipient_fails_at_once(app_ctx, db, smtp):
    _mailbox, config = smtp
    outbox = mail.enqueue(db, "onbekend@gemeente.test", "Nieuwe melding", "Er is een nieuwe melding.")
    assert mail.deliver(db, outbox.id, config) is MailStatus.FAILED
    assert outbox.attempts == 1
    assert "550" in outbox.last_error


def test_daily_digest_collects_unread_meldingen_once(app_ctx, db, case):
    inburgeraar, verwijzing, regisseur, docent = case
    mail.set_mail_modus(db, regisseur, MailModus.DAGELIJKS)
    for kind in (events.EXAMENRESULTAAT, events.NIET_GESTART, events.OMSTANDIGHEDEN_GEWIJZIGD):
        events.emit(db, DomainEvent(kind=kind, inburgeraar_id=inburgeraar.id, actor=docent,
                                    verwijzing_id=verwijzing.id))
    already_read = db.scalars(
        select(Melding).where(Melding.user_id == regisseur.id, Melding.kind == "niet_gestart")
    ).one()
    meldingen.mark_read(db, already_read)
    assert outbox_to(db, regisseur) == []

    [digest] = [d for d in mail.build_digests(db, "https://portal.gemeente.test") if d.to_address == regisseur.email]

    assert digest.to_address == regisseur.email
    assert digest.subject == "Dagelijks overzicht: 2 nieuwe meldingen"
    assert "Nieuw examenresultaat geregistreerd door Taalhuis Oost" in digest.body
    assert "Gewijzigde omstandigheden gemeld door Taalhuis Oost" in digest.body
    assert "niet gestart" not in digest.body.lower()
    assert "https://portal.gemeente.test/meldingen/" in digest.body
    assert regisseur.email not in {d.to_address for d in mail.build_digests(db, "https://portal.gemeente.test")}
