"""Meldingen: who hears about which domain event, in the inbox and (per preference) by mail.

The listener runs inside the transaction of the registration that raised the event, so the melding and
its outbox mail are committed or rolled back together with it (outbox pattern).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, and_, bindparam, exists, func, insert, select, update
from sqlalchemy.orm import Session

from portal import access, events
from portal.config import Config
from portal.events import DomainEvent
from portal.formatting import procent
from portal.models import (
    Inburgeraar,
    Melding,
    MeldingSoort,
    UploadSoort,
    User,
    Verwijzing,
    melding_inburgeraar,
    user_gemeente,
)
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
}
# UPLOAD_BEVESTIGD is a summary per klantregisseur: its text comes from `upload_text`; DECLARATIE_BEOORDEELD
# one per aanbieder-beheerder, from portal.services.billing.review.

# An upload can touch thousands of cases: ids go to the database in slices of this size, well under the
# bound-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
IN_CHUNK = 5_000


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


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start:start + IN_CHUNK]


def caseload_recipients(session: Session, inburgeraar_ids: Iterable[int]) -> dict[int, list[int]]:
    """Per klantregisseur (user id): which of these inburgeraars are theirs, by the rule of `klantregisseurs_for`.

    Set-based: one query for the inburgeraars and their own active klantregisseur, one for the klantregisseurs
    of the gemeenten of those without one, whatever the number of inburgeraars.
    """
    ids = sorted(set(inburgeraar_ids))
    result: dict[int, list[int]] = {}
    without_own: dict[int, list[int]] = {}  # gemeente id -> inburgeraar ids
    own_active = and_(User.id == Inburgeraar.klantregisseur_id, User.actief.is_(True), User.rol == Rol.KLANTREGISSEUR)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Inburgeraar.id, Inburgeraar.gemeente_id, User.id)
            .outerjoin(User, own_active)
            .where(Inburgeraar.id.in_(chunk))
        )
        for inburgeraar_id, gemeente_id, own_id in rows:
            if own_id is not None:
                result.setdefault(own_id, []).append(inburgeraar_id)
            else:
                without_own.setdefault(gemeente_id, []).append(inburgeraar_id)
    if without_own:
        rows = session.execute(
            select(user_gemeente.c.gemeente_id, User.id)
            .join(User, User.id == user_gemeente.c.user_id)
            .where(
                user_gemeente.c.gemeente_id.in_(sorted(without_own)),
                User.rol == Rol.KLANTREGISSEUR,
                User.actief.is_(True),
            )
        )
        for gemeente_id, user_id in rows:
            result.setdefault(user_id, []).extend(without_own[gemeente_id])
    return {user_id: sorted(cases) for user_id, cases in sorted(result.items())}


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


def upload_text(aanbieder_naam: str | None, soort: str | None, aantal: int) -> str:
    """E.g. "Taalhuis Noord heeft een upload (presentie en uren) bevestigd: 37 inburgeraars uit uw caseload
    gewijzigd." Counts only: no name or BSN."""
    try:
        label = UploadSoort(soort).label
        wat = f"een upload ({label[:1].lower()}{label[1:]})"
    except ValueError:
        wat = "een upload"
    wie = f"{aanbieder_naam} heeft {wat} bevestigd" if aanbieder_naam else f"Er is {wat} bevestigd"
    cases = "1 inburgeraar" if aantal == 1 else f"{aantal} inburgeraars"
    return f"{wie}: {cases} uit uw caseload gewijzigd."[:500]


def _on_upload(session: Session, event: DomainEvent, aanbieder_naam: str | None) -> list[Melding]:
    """One summary melding per klantregisseur per upload, holding the ids of the changed cases in their caseload.

    A weekly upload touches thousands of cases: recipients are found and meldingen inserted set-based, so the
    work inside the confirmation's transaction does not grow per case.
    """
    ids = [event.inburgeraar_id] if event.inburgeraar_id else []
    ids += [int(i) for i in event.details.get("inburgeraar_ids", [])]
    per_user = caseload_recipients(session, ids)
    if event.actor is not None:
        per_user.pop(event.actor.id, None)  # nobody needs a melding about their own action
    if not per_user:
        return []
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(per_user))))}
    kind = MeldingSoort.UPLOAD_BEVESTIGD
    soort = event.details.get("soort")
    created: dict[int, tuple[User, list[Melding]]] = {}
    for user_id, cases in per_user.items():
        melding = Melding(user_id=user_id, kind=kind, inburgeraar_id=None, verwijzing_id=None,
                          text=upload_text(aanbieder_naam, soort, len(cases)))
        created[user_id] = (users[user_id], [melding])
    session.add_all([m for _user, (m,) in created.values()])
    session.flush()  # one multi-row INSERT; the ids are needed for the case rows and the mail links
    session.execute(insert(melding_inburgeraar), [
        {"melding_id": created[user_id][1][0].id, "inburgeraar_id": inburgeraar_id}
        for user_id, cases in per_user.items() for inburgeraar_id in cases
    ])
    _deliver(session, created)
    return [m for _user, meldingen in created.values() for m in meldingen]


def on_event(session: Session, event: DomainEvent) -> list[Melding]:
    """Listener: turn a domain event into meldingen for whoever needs to act on it."""
    try:
        kind = MeldingSoort(event.kind)
    except ValueError:
        return []  # an event nobody is notified about
    if kind is MeldingSoort.UPLOAD_BEVESTIGD:
        return _on_upload(session, event, _aanbieder_naam(None, event.actor))
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
        inburgeraar = session.get(Inburgeraar, event.inburgeraar_id) if event.inburgeraar_id else None
        if inburgeraar is None:
            return []
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
        extra = f" ({procent(percentage)} aanwezig, norm {procent(norm)})"
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
    return session.scalar(_UNREAD, {"user_id": user.id}) or 0


# Asked on every full page (the header's badge): built once.
_UNREAD = select(func.count()).select_from(Melding).where(Melding.user_id == bindparam("user_id"),
                                                          Melding.read_at.is_(None))


def unread_column() -> ColumnElement[int]:
    """The unread count as a column correlated to User.id: read with the login on full pages (the header badge)."""
    return (select(func.count()).select_from(Melding)
            .where(Melding.user_id == User.id, Melding.read_at.is_(None)).scalar_subquery())


def get_own(session: Session, user: User, melding_id: int) -> Melding | None:
    """One of the user's own meldingen; None for someone else's (the view answers 404)."""
    return session.scalar(select(Melding).where(Melding.id == melding_id, Melding.user_id == user.id))


def case_count(session: Session, melding: Melding) -> int:
    """How many cases a summary melding is about (visible to the reader or not)."""
    query = select(func.count()).select_from(melding_inburgeraar).where(melding_inburgeraar.c.melding_id == melding.id)
    return session.scalar(query) or 0


def case_counts(session: Session, melding_list: Iterable[Melding]) -> dict[int, int]:
    """Per summary melding id: how many cases it is about (one query for a page of the inbox)."""
    ids = [m.id for m in melding_list if m.is_overzicht]
    if not ids:
        return {}
    query = (
        select(melding_inburgeraar.c.melding_id, func.count())
        .where(melding_inburgeraar.c.melding_id.in_(ids))
        .group_by(melding_inburgeraar.c.melding_id)
    )
    return {melding_id: count for melding_id, count in session.execute(query)}


def visible_cases(user: User, melding: Melding):  # type: ignore[no-untyped-def]
    """The cases of a summary melding that the user may (still) see, by name; scoped by access.inburgeraars."""
    ids = select(melding_inburgeraar.c.inburgeraar_id).where(melding_inburgeraar.c.melding_id == melding.id)
    return (
        access.inburgeraars(user)
        .where(Inburgeraar.id.in_(ids))
        .order_by(Inburgeraar.achternaam, Inburgeraar.voornamen, Inburgeraar.id)
    )


def names_in_scope(session: Session, user: User, inburgeraar_ids: Iterable[int | None]) -> dict[int, str]:
    """Names of these inburgeraars that the user may (still) see; the others are left out."""
    ids = {i for i in inburgeraar_ids if i is not None}
    if not ids:
        return {}
    query = access.inburgeraars(user).where(Inburgeraar.id.in_(ids))
    return {i.id: i.naam for i in session.scalars(query)}


def case_in_scope(session: Session, user: User, melding: Melding) -> bool:
    """Whether the user may still see the case a melding is about (its verwijzing, else its inburgeraar)."""
    if melding.verwijzing_id is not None:
        query = access.verwijzingen(user).where(Verwijzing.id == melding.verwijzing_id).with_only_columns(Verwijzing.id)
    else:
        query = access.inburgeraars(user).where(Inburgeraar.id == melding.inburgeraar_id).with_only_columns(
            Inburgeraar.id)
    return session.scalar(query) is not None


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
