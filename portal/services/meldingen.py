"""Meldingen: who hears about which domain event, in the inbox and (per preference) by mail.

The listener runs inside the transaction of the registration that raised the event, so the melding and
its outbox mail are committed or rolled back together with it (outbox pattern).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from portal import events
from portal.config import Config
from portal.events import DomainEvent
from portal.models import Inburgeraar, Melding, MeldingSoort, User, Verwijzing, user_gemeente
from portal.models.base import utcnow
from portal.models.enums import Rol
from portal.services import mail

# What each melding says; "{door}" becomes " door <aanbieder>" when the aanbieder is known.
# Never a name, BSN or health detail: the text also goes into mail.
TEKSTEN: dict[MeldingSoort, str] = {
    MeldingSoort.AFSCHALINGSVERZOEK_INGEDIEND: "Nieuw afschalingsverzoek ingediend{door}",
    MeldingSoort.AFSCHALINGSVERZOEK_BESLOTEN: "De gemeente heeft besloten over een afschalingsverzoek",
    MeldingSoort.EXAMENRESULTAAT: "Nieuw examenresultaat geregistreerd{door}",
    MeldingSoort.ROUTE_RESULTAAT: "Resultaat van een onderdeel geregistreerd{door}",
    MeldingSoort.LATE_START: "Late start van een verwijzing{bij}",
    MeldingSoort.NIET_GESTART: "Verwijzing niet gestart{bij}",
    MeldingSoort.AANWEZIGHEID_ONDER_NORM: "Aanwezigheid onder de norm{bij}",
    MeldingSoort.OMSTANDIGHEDEN_GEWIJZIGD: "Gewijzigde omstandigheden gemeld{door}",
    MeldingSoort.UPLOAD_BEVESTIGD: "Registraties gewijzigd via een bevestigde upload{door}",
}


def base_url() -> str:
    """The portal's public address for links in mail."""
    return current_app.config["BASE_URL"] if has_app_context() else Config.BASE_URL


# --- recipients -------------------------------------------------------------------------------------

def klantregisseurs_for(session: Session, inburgeraar: Inburgeraar) -> list[User]:
    """The inburgeraar's own klantregisseur; without one (or if inactive), every klantregisseur of the gemeente."""
    if inburgeraar.klantregisseur_id is not None:
        own = session.get(User, inburgeraar.klantregisseur_id)
        if own is not None and own.actief and own.rol is Rol.KLANTREGISSEUR:
            return [own]
    query = (
        select(User)
        .join(user_gemeente, user_gemeente.c.user_id == User.id)
        .where(
            user_gemeente.c.gemeente_id == inburgeraar.gemeente_id,
            User.rol == Rol.KLANTREGISSEUR,
            User.actief.is_(True),
        )
        .order_by(User.id)
    )
    return list(session.scalars(query))


def aanbieder_users(session: Session, aanbieder_id: int) -> list[User]:
    """Active accounts of an aanbieder organisation."""
    query = select(User).where(User.aanbieder_id == aanbieder_id, User.actief.is_(True)).order_by(User.id)
    return list(session.scalars(query))


# --- creating meldingen -----------------------------------------------------------------------------

def _text(kind: MeldingSoort, aanbieder_naam: str | None, extra: str = "") -> str:
    door = f" door {aanbieder_naam}" if aanbieder_naam else ""
    bij = f" bij {aanbieder_naam}" if aanbieder_naam else ""
    return (TEKSTEN[kind].format(door=door, bij=bij) + extra)[:500]


# The decision is a fixed value, not free text: safe to say in a melding and its mail.
BESLUITEN = {"goedgekeurd": "goedgekeurd", "afgewezen": "afgewezen"}


def _extra(kind: MeldingSoort, details: dict) -> str:
    """Non-personal facts from the event worth saying in the melding itself."""
    if kind is MeldingSoort.AFSCHALINGSVERZOEK_BESLOTEN and details.get("besluit") in BESLUITEN:
        return f": {BESLUITEN[details['besluit']]}"
    dagen = details.get("dagen_later")
    if kind is MeldingSoort.LATE_START and isinstance(dagen, int) and not isinstance(dagen, bool):
        return f" ({dagen} {'dag' if dagen == 1 else 'dagen'} na de beoogde startdatum)"
    return ""


def _aanbieder_naam(verwijzing: Verwijzing | None, actor: User | None) -> str | None:
    if verwijzing is not None:
        return verwijzing.aanbieder.naam
    if actor is not None and actor.aanbieder is not None:
        return actor.aanbieder.naam
    return None


def _deliver(session: Session, created: dict[int, tuple[User, list[Melding]]]) -> None:
    """Flush the new meldingen and enqueue the mail each recipient wants, in the same transaction."""
    session.flush()
    for user, meldingen in created.values():
        mail.mail_meldingen(session, user, meldingen, base_url())


def _add(
    session: Session,
    created: dict[int, tuple[User, list[Melding]]],
    recipients: Iterable[User],
    kind: MeldingSoort,
    inburgeraar_id: int,
    verwijzing_id: int | None,
    text: str,
    skip: User | None = None,
) -> None:
    for user in recipients:
        if skip is not None and user.id == skip.id:
            continue  # nobody needs a melding about their own action
        melding = Melding(
            user_id=user.id, kind=kind, inburgeraar_id=inburgeraar_id, verwijzing_id=verwijzing_id, text=text
        )
        session.add(melding)
        created.setdefault(user.id, (user, []))[1].append(melding)


def on_event(session: Session, event: DomainEvent) -> list[Melding]:
    """Listener: turn a domain event into meldingen for whoever needs to act on it."""
    try:
        kind = MeldingSoort(event.kind)
    except ValueError:
        return []  # an event nobody is notified about
    verwijzing = session.get(Verwijzing, event.verwijzing_id) if event.verwijzing_id else None
    aanbieder_naam = _aanbieder_naam(verwijzing, event.actor)
    created: dict[int, tuple[User, list[Melding]]] = {}

    if kind is MeldingSoort.AFSCHALINGSVERZOEK_BESLOTEN:
        # The decision goes to the provider that asked for it.
        if verwijzing is None:
            return []
        _add(session, created, aanbieder_users(session, verwijzing.aanbieder_id), kind,
             event.inburgeraar_id, verwijzing.id, _text(kind, aanbieder_naam, _extra(kind, event.details)),
             skip=event.actor)
    else:
        inburgeraar_ids = [event.inburgeraar_id] if event.inburgeraar_id else []
        if kind is MeldingSoort.UPLOAD_BEVESTIGD:
            # An upload touches many cases; its details carry their ids only.
            inburgeraar_ids += [int(i) for i in event.details.get("inburgeraar_ids", [])]
        for inburgeraar_id in dict.fromkeys(inburgeraar_ids):
            inburgeraar = session.get(Inburgeraar, inburgeraar_id)
            if inburgeraar is None:
                continue
            same_case = verwijzing is not None and verwijzing.inburgeraar_id == inburgeraar.id
            _add(session, created, klantregisseurs_for(session, inburgeraar), kind, inburgeraar.id,
                 verwijzing.id if same_case else None, _text(kind, aanbieder_naam, _extra(kind, event.details)),
                 skip=event.actor)

    _deliver(session, created)
    return [m for _user, meldingen in created.values() for m in meldingen]


events.subscribe(on_event)


def notify_attendance_below_threshold(
    session: Session,
    verwijzing: Verwijzing,
    percentage: Decimal | float | None = None,
    norm: Decimal | float | None = None,
) -> list[Melding]:
    """Melding to the klantregisseur that attendance on a verwijzing fell under the norm (for the signals job).

    Repeated runs do not pile up: a recipient who still has an unread melding about it gets no new one.
    """
    kind = MeldingSoort.AANWEZIGHEID_ONDER_NORM
    extra = ""
    if percentage is not None and norm is not None:
        extra = f" ({round(Decimal(str(percentage)))}% aanwezig, norm {round(Decimal(str(norm)))}%)"
    text = _text(kind, verwijzing.aanbieder.naam, extra)
    recipients = [
        user
        for user in klantregisseurs_for(session, verwijzing.inburgeraar)
        if not session.scalar(
            select(
                exists().where(
                    Melding.user_id == user.id,
                    Melding.kind == kind,
                    Melding.verwijzing_id == verwijzing.id,
                    Melding.read_at.is_(None),
                )
            )
        )
    ]
    created: dict[int, tuple[User, list[Melding]]] = {}
    _add(session, created, recipients, kind, verwijzing.inburgeraar_id, verwijzing.id, text)
    _deliver(session, created)
    return [m for _user, meldingen in created.values() for m in meldingen]


# --- the inbox ----------------------------------------------------------------------------------------

def own_meldingen(user: User):  # type: ignore[no-untyped-def]
    """A user's own meldingen, unread first, newest first."""
    return (
        select(Melding)
        .where(Melding.user_id == user.id)
        .order_by(Melding.read_at.is_not(None), Melding.created_at.desc(), Melding.id.desc())
    )


def unread_count(session: Session, user: User) -> int:
    """How many of the user's meldingen are unread."""
    query = select(func.count()).select_from(Melding).where(Melding.user_id == user.id, Melding.read_at.is_(None))
    return session.scalar(query) or 0


def get_own(session: Session, user: User, melding_id: int) -> Melding | None:
    """One of the user's own meldingen; None for someone else's (the view answers 404)."""
    return session.scalar(select(Melding).where(Melding.id == melding_id, Melding.user_id == user.id))


def mark_read(session: Session, melding: Melding, at: datetime | None = None) -> None:
    """Mark one melding read (keeps the first read time)."""
    if melding.read_at is None:
        melding.read_at = at or utcnow()
        session.flush()


def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread melding of the user read; returns how many."""
    result = session.execute(
        update(Melding)
        .where(Melding.user_id == user.id, Melding.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return result.rowcount or 0
