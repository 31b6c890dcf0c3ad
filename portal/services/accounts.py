"""Account management: who may create, change, deactivate and reset which accounts, with which roles."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal import access, audit
from portal.audit import AuditActie
from portal.models import Aanbieder, Gemeente, User
from portal.models.enums import AANBIEDER_ROLLEN, GEMEENTE_ROLLEN, Rol
from portal.services import NotAllowed, ValidationError
from portal.services.auth import hash_password, revoke_all_sessions
from portal.services.chain import referentie
from portal.services.validation import FieldError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # argon2 hashes any length; a cap keeps a single login request cheap
MAX_SEARCH_TERMS = 5
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class UserData:
    """What an admin fills in for an account; aanbieder/gemeenten depend on the role."""

    naam: str
    rol: Rol | str | None
    email: str = ""
    password: str = ""
    aanbieder_id: int | None = None
    gemeente_ids: list[int] = field(default_factory=list)
    # None leaves the number as it is; an empty text clears it (DUO's contactpersoon needs one).
    telefoonnummer: str | None = None


def assignable_roles(actor: User) -> tuple[Rol, ...]:
    """Roles the actor may give: a functioneel beheerder every role, an aanbieder-beheerder only aanbieder roles."""
    if actor.rol is Rol.FUNCTIONEEL_BEHEERDER:
        return tuple(Rol)
    if actor.rol is Rol.AANBIEDER_BEHEERDER:
        return AANBIEDER_ROLLEN
    return ()


def assignable_gemeenten(session: Session, actor: User) -> list[Gemeente]:
    """Gemeenten the actor may put users in: its own (only a functioneel beheerder manages gemeente users)."""
    if actor.rol is not Rol.FUNCTIONEEL_BEHEERDER:
        return []
    return list(session.scalars(access.gemeenten(actor)))


def assignable_aanbieders(session: Session, actor: User) -> list[Aanbieder]:
    """Aanbieders the actor may put users in (access.administered_aanbieders)."""
    return list(session.scalars(access.administered_aanbieders(actor)))


def managed_users_query(actor: User, q: str = "") -> Select[tuple[User]]:
    """The accounts the actor manages whose name or e-mail address contains every word of `q`, by name."""
    query = access.users(actor).options(selectinload(User.aanbieder), selectinload(User.gemeenten))
    terms = q.split()[:MAX_SEARCH_TERMS]
    if terms:
        query = query.where(and_(*[
            or_(User.naam.icontains(term, autoescape=True), User.email.icontains(term, autoescape=True))
            for term in terms
        ]))
    return query.order_by(User.naam, User.id)


def create_user(session: Session, actor: User, data: UserData) -> User:
    """A new active account with an initial password; it enrols its second factor at first login."""
    errors: dict[str, str] = {}
    email = data.email.strip().lower()
    if not _EMAIL.match(email):
        errors["email"] = "Vul een geldig e-mailadres in, bijvoorbeeld naam@organisatie.nl."
    elif session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        errors["email"] = "Er bestaat al een account met dit e-mailadres."
    naam = _check_naam(data.naam, errors)
    rol = _check_rol(actor, data.rol, errors)
    if problem := password_problem(data.password, email, naam):
        errors["password"] = problem
    aanbieder, gemeenten = _check_organisation(session, actor, rol, data, errors, current=None)
    if errors:
        raise ValidationError(errors)
    assert rol is not None
    user = User(
        email=email,
        naam=naam,
        rol=rol,
        aanbieder=aanbieder,
        password_hash=hash_password(data.password),
        totp_bevestigd=False,
        actief=True,
    )
    user.gemeenten = gemeenten
    session.add(user)
    session.flush()
    audit.record(session, actor, AuditActie.GEBRUIKER_AANGEMAAKT, object_type="user", object_id=user.id,
                 details=_facts(user))
    session.flush()
    return user


def update_user(session: Session, actor: User, user: User, data: UserData) -> User:
    """Change name, role (within the allowed set and the same kind of organisation) and gemeenten."""
    errors: dict[str, str] = {}
    naam = _check_naam(data.naam, errors)
    rol = _check_rol(actor, data.rol, errors)
    if rol is not None and rol is not user.rol:
        if user.id == actor.id:
            errors["rol"] = "U kunt uw eigen rol niet wijzigen. Vraag een andere beheerder."
        elif rol.is_aanbieder != user.rol.is_aanbieder:
            errors["rol"] = (
                "Een account kan niet wisselen tussen aanbieder en gemeente. Maak een nieuw account aan."
            )
    _, gemeenten = _check_organisation(session, actor, rol, data, errors, current=user)
    telefoon = user.telefoonnummer
    if data.telefoonnummer is not None:
        try:
            telefoon = referentie.parse_telefoonnummer(data.telefoonnummer)
        except FieldError as exc:
            errors["telefoonnummer"] = str(exc)
    if errors:
        raise ValidationError(errors)
    assert rol is not None
    changed = [name for name, old, new in (
        ("naam", user.naam, naam),
        ("rol", user.rol, rol),
        ("gemeenten", sorted(user.gemeente_ids), sorted(g.id for g in gemeenten)),
        ("telefoonnummer", user.telefoonnummer, telefoon),
    ) if old != new]
    user.naam, user.rol, user.telefoonnummer = naam, rol, telefoon
    if not rol.is_aanbieder:
        user.gemeenten = gemeenten
    if changed:
        audit.record(
            session, actor, AuditActie.GEBRUIKER_GEWIJZIGD, object_type="user", object_id=user.id,
            details={"velden": changed, **_facts(user)},
        )
    session.flush()
    return user


def deactivate_user(session: Session, actor: User, user: User) -> None:
    """Block the account and end all its sessions at once; nobody can deactivate themselves (any beheerder of one of
    its gemeenten may block it: that protects, it opens nothing)."""
    if user.id == actor.id:
        raise ValidationError({"actief": "U kunt uw eigen account niet deactiveren."})
    if not user.actief:
        return
    user.actief = False
    ended = revoke_all_sessions(session, user)
    audit.record(
        session, actor, AuditActie.GEBRUIKER_GEDEACTIVEERD, object_type="user", object_id=user.id,
        details={"sessies_beeindigd": ended},
    )
    session.flush()


def reactivate_user(session: Session, actor: User, user: User) -> None:
    """Allow the account to log in again; a running lockout is lifted as well."""
    _check_may_reset(actor, user)
    if user.actief:
        return
    user.actief = True
    user.geblokkeerd_tot = None
    user.mislukte_pogingen = 0
    audit.record(session, actor, AuditActie.GEBRUIKER_GEACTIVEERD, object_type="user", object_id=user.id)
    session.flush()


ACCOUNT_ELDERS = ("Dit account werkt ook voor een gemeente die u niet beheert: het wachtwoord, de tweede factor en "
                  "weer activeren regelt een beheerder van al die gemeenten.")


def _check_may_reset(actor: User, user: User) -> None:
    if not access.may_change_whole_account(actor, user):
        raise NotAllowed(ACCOUNT_ELDERS)


def reset_second_factor(session: Session, actor: User, user: User) -> None:
    """Forget the TOTP secret (lost phone): the user enrols again at next login; all sessions end."""
    _check_may_reset(actor, user)
    user.totp_secret = None
    user.totp_bevestigd = False
    # Codes of the old secret never match the new one, so the used-step marker can start over;
    # otherwise the first code of the new app would be refused for up to 30 seconds.
    user.totp_last_step = 0
    ended = revoke_all_sessions(session, user)
    audit.record(
        session, actor, AuditActie.TWEEDE_FACTOR_GERESET, object_type="user", object_id=user.id,
        details={"sessies_beeindigd": ended},
    )
    session.flush()


def set_password(session: Session, actor: User, user: User, password: str) -> None:
    """Give the account a new password (forgotten or leaked): all its sessions end and a lockout is lifted."""
    _check_may_reset(actor, user)
    if problem := password_problem(password, user.email, user.naam):
        raise ValidationError({"password": problem})
    user.password_hash = hash_password(password)
    user.mislukte_pogingen = 0
    user.geblokkeerd_tot = None
    ended = revoke_all_sessions(session, user)
    # Never the password or its hash: only that it changed and what that ended.
    audit.record(
        session, actor, AuditActie.WACHTWOORD_INGESTELD, object_type="user", object_id=user.id,
        details={"sessies_beeindigd": ended},
    )
    session.flush()


# --- password policy (OWASP ASVS 5.0 V6.2, NIST SP 800-63B 3.1.1.2) ------------------------------

# Words of this service and the usual Dutch bases people dress up with digits ("Welkom2026!").
CONTEXT_WORDS = ("inburgering", "inburgeraar", "aanbieder", "aanbiedersportaal", "portaal", "gemeente",
                 "wachtwoord", "welkom", "werksaam")
_PADDING = " 0123456789!@#$%^&*()-_=+[]{};:'\",.<>/?`~|\\"


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the Xato corpus, as shipped by zxcvbn (MIT), lower case.

    Loaded on first use: only account screens need it, not every worker at start-up.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str = "", naam: str = "") -> str | None:
    """What is wrong with a new password, in Dutch, or None when it may be used.

    At least 12 characters; not a common or breached password, also not one with digits or signs around it;
    not containing the e-mail address, the part before the @ or the user's name; not guessable by repetition, sequences,
    keyboard patterns or dictionary words (zxcvbn score 3 or more). No composition rules.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Kies een wachtwoord van hoogstens {MAX_PASSWORD_LENGTH} tekens."
    lowered = password.lower()
    core = lowered.strip(_PADDING)
    common = _common_passwords()
    if lowered in common:
        return ("Dit wachtwoord staat in lijsten van veelgebruikte of gelekte wachtwoorden. "
                "Kies een ander wachtwoord, bijvoorbeeld een zin van vier of meer woorden.")
    if core in common or core in CONTEXT_WORDS:
        return ("Dit wachtwoord is een veelgebruikt wachtwoord met cijfers of tekens ervoor of erachter. "
                "Kies een ander wachtwoord, bijvoorbeeld een zin van vier of meer woorden.")
    address = email.strip().lower()
    local = address.split("@", 1)[0]
    if address and (address in lowered or (len(local) >= 3 and local in lowered)):
        return "Het wachtwoord mag uw e-mailadres niet bevatten, ook niet het deel vóór de @."
    full_name = "".join(naam.lower().split())
    if len(full_name) >= 6 and full_name in "".join(lowered.split()):
        return "Het wachtwoord mag uw naam niet bevatten."
    if _zxcvbn_score(password, address, naam) < 3:
        return ("Dit wachtwoord is te makkelijk te raden: herhaalde tekens, een reeks als abcd of 1234, een "
                "toetsenbordpatroon, uw naam of een bekend woord met cijfers. Kies bijvoorbeeld een zin van vier "
                "of meer woorden.")
    return None


def _zxcvbn_score(password: str, email: str, naam: str) -> int:
    from zxcvbn import zxcvbn

    hints = [h for h in (*CONTEXT_WORDS, email, *re.split(r"[@._+-]", email), *naam.lower().split()) if h]
    # zxcvbn's matching is quadratic in the length; beyond 100 characters the start decides the score.
    # Spaces hide words from its dictionaries ("Anna de Vries 1990"), so the words are also scored joined.
    candidates = {password[:100], "".join(password.split())[:100]}
    return min(int(zxcvbn(candidate, user_inputs=hints)["score"]) for candidate in candidates if candidate)


# --- checks -------------------------------------------------------------------------------------

def _check_naam(raw: str, errors: dict[str, str]) -> str:
    naam = " ".join((raw or "").split())
    if not naam:
        errors["naam"] = "Vul de naam in."
    elif len(naam) > 200:
        errors["naam"] = "De naam is te lang (maximaal 200 tekens)."
    return naam


def _check_rol(actor: User, raw: Rol | str | None, errors: dict[str, str]) -> Rol | None:
    try:
        rol = Rol(raw) if raw else None
    except ValueError:
        rol = None
    if rol is None:
        errors["rol"] = "Kies een rol."
    elif rol not in assignable_roles(actor):
        errors["rol"] = "Deze rol kunt u niet toekennen."
        return None
    return rol


def _check_organisation(
    session: Session, actor: User, rol: Rol | None, data: UserData, errors: dict[str, str], current: User | None
) -> tuple[Aanbieder | None, list[Gemeente]]:
    """The aanbieder (aanbieder roles) or gemeenten (gemeente roles) the account belongs to."""
    if rol is None:
        return None, []
    if rol in AANBIEDER_ROLLEN:
        if current is not None:
            return current.aanbieder, []  # an account never moves to another aanbieder
        allowed = {a.id: a for a in assignable_aanbieders(session, actor)}
        if actor.rol is Rol.AANBIEDER_BEHEERDER:
            return actor.aanbieder, []  # always its own organisation, whatever was posted
        aanbieder = allowed.get(data.aanbieder_id) if data.aanbieder_id else None
        if aanbieder is None:
            errors["aanbieder_id"] = "Kies de aanbieder waar deze persoon werkt."
        return aanbieder, []
    assert rol in GEMEENTE_ROLLEN
    allowed_gemeenten = {g.id: g for g in assignable_gemeenten(session, actor)}
    chosen = _unique(data.gemeente_ids)
    if any(gid not in allowed_gemeenten for gid in chosen):
        errors["gemeente_ids"] = "U kunt alleen gemeenten kiezen die u zelf beheert."
        return None, []
    # Gemeenten outside the actor's scope stay as they are: another beheerder manages those.
    kept = [g for g in (current.gemeenten if current is not None else []) if g.id not in allowed_gemeenten]
    gemeenten = kept + [allowed_gemeenten[gid] for gid in chosen]
    if not gemeenten:
        errors["gemeente_ids"] = "Kies minstens één gemeente."
    return None, gemeenten


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _facts(user: User) -> dict[str, object]:
    """Audit details without personal data: role and organisation ids only."""
    return {"rol": user.rol.value, "aanbieder_id": user.aanbieder_id, "gemeente_ids": sorted(user.gemeente_ids)}
