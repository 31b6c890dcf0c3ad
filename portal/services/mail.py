"""Mail about meldingen: written to an outbox in the caller's transaction, sent later over SMTP with retries.

A mail says only what happened and links to the portal: never a BSN, a name or health data, because
mail leaves the portal's access control and audit trail.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import AuditActie
from portal.models import MailModus, MailOutbox, MailStatus, MailVoorkeur, Melding, User
from portal.models.base import utcnow
from portal.services import ValidationError

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=2)
SMTP_TIMEOUT_SECONDS = 20
INBOX_PATH = "/meldingen/"
SETTINGS_PATH = "/meldingen/instellingen"


def melding_path(melding: Melding) -> str:
    """Portal path that opens a melding; it re-checks the reader's access before showing the case."""
    return f"/meldingen/{melding.id}"


def _url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def enqueue(session: Session, to_address: str, subject: str, body: str) -> MailOutbox:
    """Put a mail in the outbox; it is committed together with whatever caused it."""
    mail = MailOutbox(to_address=to_address, subject=subject[:200], body=body, next_attempt_at=utcnow())
    session.add(mail)
    session.flush()
    return mail


def mail_modus(session: Session, user: User) -> MailModus:
    """The user's mail preference; per melding unless the user chose otherwise."""
    voorkeur = session.get(MailVoorkeur, user.id)
    return voorkeur.modus if voorkeur is not None else MailModus.PER_MELDING


def set_mail_modus(session: Session, user: User, modus: MailModus | str) -> MailVoorkeur:
    """Store the user's mail preference (audited with the old and new choice)."""
    try:
        modus = MailModus(modus)
    except ValueError:
        raise ValidationError({"modus": "Kies een van de drie mogelijkheden."}) from None
    voorkeur = session.get(MailVoorkeur, user.id)
    vorige = voorkeur.modus if voorkeur is not None else MailModus.PER_MELDING
    if voorkeur is None:
        voorkeur = MailVoorkeur(user_id=user.id, modus=modus)
        session.add(voorkeur)
    else:
        voorkeur.modus = modus
    session.flush()
    audit.record(session, user, AuditActie.MAILVOORKEUR_GEWIJZIGD, object_type="user", object_id=user.id,
                 details={"van": vorige.value, "naar": modus.value})
    return voorkeur


def _footer(base_url: str) -> str:
    return (
        "\n\nDeze e-mail bevat bewust geen persoonsgegevens; log in op het portaal om de details te zien.\n"
        f"Uw e-mailvoorkeur wijzigen: {_url(base_url, SETTINGS_PATH)}\n"
    )


def render_melding(meldingen: list[Melding], base_url: str) -> tuple[str, str]:
    """Subject and body for meldingen from one event: what happened and a link, nothing more."""
    if len(meldingen) == 1:
        melding = meldingen[0]
        subject = f"Nieuwe melding: {melding.kind.label}"
        body = (
            "Er is een nieuwe melding voor u in het inburgeringsportaal.\n\n"
            f"{melding.text}\n\n"
            f"Bekijk de melding: {_url(base_url, melding_path(melding))}"
        )
    else:
        subject = f"{len(meldingen)} nieuwe meldingen: {meldingen[0].kind.label}"
        lines = "\n".join(f"- {m.text}: {_url(base_url, melding_path(m))}" for m in meldingen)
        body = (
            f"Er zijn {len(meldingen)} nieuwe meldingen voor u in het inburgeringsportaal.\n\n{lines}\n\n"
            f"Al uw meldingen: {_url(base_url, INBOX_PATH)}"
        )
    return subject, body + _footer(base_url)


def render_digest(meldingen: list[Melding], base_url: str) -> tuple[str, str]:
    """Subject and body of the daily overview of a user's unread meldingen."""
    count = len(meldingen)
    aantal = "1 nieuwe melding" if count == 1 else f"{count} nieuwe meldingen"
    subject = f"Dagelijks overzicht: {aantal}"
    lines = "\n".join(f"- {m.kind.label}: {m.text} — {_url(base_url, melding_path(m))}" for m in meldingen)
    body = (
        f"Sinds het vorige overzicht {'is er 1 nieuwe melding' if count == 1 else f'zijn er {count} nieuwe meldingen'}"
        f" voor u in het inburgeringsportaal.\n\n{lines}\n\nAl uw meldingen: {_url(base_url, INBOX_PATH)}"
    )
    return subject, body + _footer(base_url)


def mail_meldingen(session: Session, user: User, meldingen: list[Melding], base_url: str) -> MailOutbox | None:
    """Enqueue the mail a user wants for new meldingen: now (per melding), later (digest) or never."""
    if not meldingen or not user.email or mail_modus(session, user) is not MailModus.PER_MELDING:
        return None
    subject, body = render_melding(meldingen, base_url)
    mail = enqueue(session, user.email, subject, body)
    for melding in meldingen:
        melding.mailed_at = mail.created_at
    session.flush()
    return mail


def build_digests(session: Session, base_url: str) -> list[MailOutbox]:
    """One overview mail per daily-digest user with unread meldingen that were not mailed before."""
    query = (
        select(Melding, User)
        .join(User, User.id == Melding.user_id)
        .join(MailVoorkeur, MailVoorkeur.user_id == User.id)
        .where(
            MailVoorkeur.modus == MailModus.DAGELIJKS,
            User.actief.is_(True),
            Melding.read_at.is_(None),
            Melding.mailed_at.is_(None),
        )
        .order_by(User.id, Melding.created_at, Melding.id)
    )
    per_user: dict[int, tuple[User, list[Melding]]] = {}
    for melding, user in session.execute(query):
        per_user.setdefault(user.id, (user, []))[1].append(melding)
    now = utcnow()
    mails = []
    for user, meldingen in per_user.values():
        subject, body = render_digest(meldingen, base_url)
        mails.append(enqueue(session, user.email, subject, body))
        for melding in meldingen:
            melding.mailed_at = now
    session.flush()
    return mails


# --- sending ---------------------------------------------------------------------------------------

def due_ids(session: Session, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of pending mails whose next attempt is due, oldest first."""
    query = (
        select(MailOutbox.id)
        .where(MailOutbox.status == MailStatus.PENDING, MailOutbox.next_attempt_at <= (now or utcnow()))
        .order_by(MailOutbox.next_attempt_at, MailOutbox.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4 … minutes, at most two hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def deliver(session: Session, outbox_id: int, config: Mapping[str, Any], now: datetime | None = None) -> MailStatus:
    """Try to send one outbox mail; on failure schedule a retry, or give up after the last attempt."""
    # Lock the row so two workers never send the same mail (SKIP LOCKED is ignored by SQLite).
    mail = session.scalars(
        select(MailOutbox).where(MailOutbox.id == outbox_id).with_for_update(skip_locked=True)
    ).first()
    if mail is None or mail.status is not MailStatus.PENDING:
        return mail.status if mail is not None else MailStatus.SENT
    now = now or utcnow()
    mail.attempts += 1
    try:
        send_smtp(mail, config)
    except (smtplib.SMTPException, OSError) as exc:
        mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if _permanent(exc) or mail.attempts >= int(config.get("MAIL_MAX_ATTEMPTS", MAX_ATTEMPTS)):
            mail.status = MailStatus.FAILED
        else:
            mail.next_attempt_at = now + backoff(mail.attempts)
    else:
        mail.status = MailStatus.SENT
        mail.sent_at = now
        mail.last_error = None
    session.flush()
    return mail.status


def _permanent(exc: Exception) -> bool:
    """A 5xx reply to the recipient or the message will not succeed on a retry.

    Other failures (connection, login, sender refused) are usually configuration or outage: keep retrying,
    so the mails go out once the administrator has fixed it.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600


def build_message(mail: MailOutbox, sender: str) -> EmailMessage:
    """The e-mail message for an outbox row."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(mail.body)
    return message


def send_smtp(mail: MailOutbox, config: Mapping[str, Any]) -> None:
    """Hand one mail to the configured SMTP server (optional STARTTLS and login)."""
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config.get("MAIL_STARTTLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(build_message(mail, config["MAIL_SENDER"]))

