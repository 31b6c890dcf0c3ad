"""Passwords (argon2), TOTP second factor, lockout and server-side sessions."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.audit import AuditActie
from portal.models import User, UserSession
from portal.models.base import utcnow
from portal.services import ValidationError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against when the e-mail is unknown, so timing does not reveal accounts.

    Made on first use rather than at import: argon2 is slow on purpose, and every worker, CLI call and
    test process would otherwise pay for it at start-up.
    """
    return _hasher.hash(secrets.token_urlsafe(16))
TOTP_ISSUER = "Inburgering aanbiedersportaal"


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def _as_utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes even for timezone-aware columns; they were stored as UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


@dataclass
class LoginPolicy:
    """Lockout thresholds, taken from the app config."""

    max_failed: int = 5
    lockout_minutes: int = 15


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether the account is temporarily locked after repeated failures."""
    until = _as_utc(user.geblokkeerd_tot)
    return until is not None and until > (now or utcnow())


def register_failure(session: Session, user: User, policy: LoginPolicy) -> None:
    """Count a failed password or code; lock the account when the threshold is reached."""
    user.mislukte_pogingen += 1
    if user.mislukte_pogingen >= policy.max_failed:
        user.geblokkeerd_tot = utcnow() + timedelta(minutes=policy.lockout_minutes)
        user.mislukte_pogingen = 0
        audit.record(session, user, "account_geblokkeerd", object_type="user", object_id=user.id)
    session.flush()


def check_password(session: Session, email: str, password: str, policy: LoginPolicy) -> User | None:
    """The active, unlocked user with this e-mail and password, or None (one answer for every failure)."""
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        _verify(_dummy_hash(), password)
        return None
    if not user.actief or is_locked(user):
        _verify(_dummy_hash(), password)
        return None
    if not _verify(user.password_hash, password):
        register_failure(session, user, policy)
        audit.record(session, user, "inloggen", object_type="user", object_id=user.id, result="mislukt")
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(user: User) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    assert user.totp_secret
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def normalise_code(code: str) -> str | None:
    """The six ASCII digits of a typed code (spaces allowed), or None when it cannot be a code."""
    code = "".join(code.split())
    # isdigit() alone accepts non-ASCII digits such as "١٢٣٤٥٦", which compare_digest cannot compare.
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    return code


def verify_totp(session: Session, user: User, code: str, policy: LoginPolicy, at: datetime | None = None) -> bool:
    """Accept a six-digit code once: only for a time step later than the last accepted one."""
    if is_locked(user):
        return False  # no guessing while locked, and no extension of the lock by the attacker
    clean = normalise_code(code)
    if not user.totp_secret or clean is None:
        register_failure(session, user, policy)
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current_step = totp.timecode(at or utcnow())
    for drift in (0, -1, 1):  # one step of clock drift either way
        step = current_step + drift
        if step > user.totp_last_step and secrets.compare_digest(totp.generate_otp(step), clean):
            if not _claim_step(session, user, step):
                break  # a parallel request used this code first
            user.mislukte_pogingen = 0
            session.flush()
            return True
    register_failure(session, user, policy)
    audit.record(session, user, "tweede_factor", object_type="user", object_id=user.id, result="mislukt")
    return False


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record the step as used, atomically: of two requests with the same code only one wins."""
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def start_session(session: Session, user: User) -> UserSession:
    """Open a new server-side session after both factors succeeded."""
    user_session = UserSession(id=secrets.token_urlsafe(32), user_id=user.id)
    user.laatst_ingelogd = utcnow()
    user.mislukte_pogingen = 0
    session.add(user_session)
    audit.record(session, user, "inloggen", object_type="user", object_id=user.id)
    session.flush()
    return user_session


REFRESH_AFTER_SECONDS = 60  # last_seen_at is written at most once a minute per session


def login_statement(*per_user: ColumnElement[Any]) -> Select[Any]:
    """One statement for a request's login: the user, its server-side session (only when that id belongs to this
    user; loaded into the identity map, so session_is_valid reads it without a query of its own) and any extra
    per-user columns (correlated to User.id, such as the header's unread count). Parameters: user_id, session_id.

    Build it once and execute it with load_login.
    """
    return (
        select(User, UserSession, *per_user)
        .outerjoin(UserSession, and_(UserSession.id == bindparam("session_id"), UserSession.user_id == User.id))
        .where(User.id == bindparam("user_id"))
    )


def load_login(session: Session, statement: Select[Any], user_id: int, session_id: str | None) -> Row[Any] | None:
    """The row (user, its session or None, extra columns…) of login_statement, or None for an unknown user."""
    return session.execute(statement, {"user_id": user_id, "session_id": session_id or ""}).first()


def session_is_valid(
    session: Session, session_id: str | None, user_id: int, idle_minutes: int, *, activity: bool = True,
    max_hours: float | None = None,
) -> bool:
    """Whether a session id belongs to the user, is not revoked, was used recently and is not too old.

    Only real activity refreshes the idle clock: background polling (activity=False) must not keep
    an abandoned tab logged in forever. `max_hours` is the absolute lifetime: however active, a session
    ends that long after login (a stolen cookie stops working the same day).
    """
    if not session_id:
        return False
    user_session = session.get(UserSession, session_id)
    if user_session is None or user_session.user_id != user_id or user_session.revoked_at is not None:
        return False
    now = utcnow()
    too_old = max_hours is not None and now - _as_utc(user_session.created_at) > timedelta(hours=max_hours)
    if too_old or now - _as_utc(user_session.last_seen_at) > timedelta(minutes=idle_minutes):
        user_session.revoked_at = now
        session.flush()
        return False
    # Writing on every request would serialise SQLite; a minute's precision is plenty for idle checks. The refresh
    # is left pending (the caller commits when the session has changes), so a request sees whether it wrote.
    if activity and now - _as_utc(user_session.last_seen_at) > timedelta(seconds=REFRESH_AFTER_SECONDS):
        user_session.last_seen_at = now
    return True


def session_check_commits(session: Session, *, valid: bool, safe_method: bool) -> bool:
    """Commit only when the check wrote (login ended or refreshed) or a write follows: a GET reads on, lock-free."""
    return not valid or not safe_method or bool(session.dirty) or bool(session.new)


def revoke_all_sessions(session: Session, user: User) -> int:
    """End every session of the user (logout, deactivation, password reset)."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.flush()
    return result.rowcount or 0


def revoke_other_sessions(session: Session, user: User, keep_session_id: str | None) -> int:
    """End every session of the user except the one in use (after a password change)."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None), UserSession.id != keep_session_id)
        .values(revoked_at=utcnow())
    )
    session.flush()
    return result.rowcount or 0


def change_own_password(
    session: Session, user: User, current_password: str, new_password: str, keep_session_id: str | None,
    policy: LoginPolicy,
) -> int:
    """The user's own password change: the current password first, then the policy; ends the OTHER sessions.

    A wrong current password counts as a failed login (lockout), so a borrowed unlocked screen cannot be used
    to guess it. Returns how many other sessions ended. Raises ValidationError with a message per field.
    """
    from portal.services.accounts import password_problem  # accounts imports this module

    if is_locked(user) or not _verify(user.password_hash, current_password):
        if not is_locked(user):
            register_failure(session, user, policy)
        audit.record(session, user, AuditActie.WACHTWOORD_GEWIJZIGD, object_type="user", object_id=user.id,
                     result="mislukt")
        raise ValidationError({"current_password": "Uw huidige wachtwoord klopt niet."})
    if new_password == current_password:
        raise ValidationError({"new_password": "Kies een ander wachtwoord dan uw huidige."})
    if problem := password_problem(new_password, user.email, user.naam):
        raise ValidationError({"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.mislukte_pogingen = 0
    ended = revoke_other_sessions(session, user, keep_session_id)
    # Never the password or its hash: only that it changed and what that ended.
    audit.record(session, user, AuditActie.WACHTWOORD_GEWIJZIGD, object_type="user", object_id=user.id,
                 details={"andere_sessies_beeindigd": ended})
    session.flush()
    return ended
