"""The single choke point for who may see which case data.

Every query for inburgeraars, verwijzingen and their registrations starts here, so that an aanbieder
only ever sees inburgeraars referred to it and gemeente staff only the residents of their gemeenten.
Objects outside a user's scope are reported exactly like objects that do not exist: 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, bindparam, case, exists, false, literal, or_, select

from portal.extensions import db, login_manager
from portal.models import (
    Aanbieder,
    ApiClient,
    AuditEvent,
    AuditGezien,
    CbsLevering,
    Contract,
    Declaratie,
    DeclaratieRegel,
    DuoBericht,
    Gemeente,
    Handhaving,
    Inburgeraar,
    Presentie,
    PresentieWeek,
    PrestatieIndicator,
    Tarief,
    TrajectStart,
    Upload,
    User,
    Verhuizing,
    VerhuizingVerwijzing,
    Verwijzing,
    contract_beheerder,
    contract_gemeente,
    user_gemeente,
)
from portal.models.enums import AANBIEDER_ROLLEN, GEMEENTE_ROLLEN, OPEN_STATUSSEN, Onderdeel, Rol
from portal.models.resultaat import (
    Afschalingsverzoek,
    Examenresultaat,
    OmstandighedenMelding,
    OmstandighedenSoort,
    RouteResultaat,
    Voortgangsrapportage,
)
from portal.services import statements

F = TypeVar("F", bound=Callable[..., Any])

ALLE_ROLLEN = tuple(Rol)
CASE_MANAGERS = (Rol.KLANTREGISSEUR, Rol.FUNCTIONEEL_BEHEERDER)
CASE_READERS = (Rol.KLANTREGISSEUR, Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER)
# Gemeente staff who enter DUO's official exam results for their residents.
DUO_INVOERDERS = (Rol.KLANTREGISSEUR, Rol.FUNCTIONEEL_BEHEERDER)


# --- route guards -------------------------------------------------------------------------------

def roles_required(*roles: Rol, hidden: bool = False) -> Callable[[F], F]:
    """Allow a view only to logged-in users with one of the given roles (403 for other roles; 404 when `hidden`,
    for pages whose existence is itself not for other roles, such as the audit trail)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.rol not in roles:
                abort(404 if hidden else 403)
            return view(*args, **kwargs)

        wrapped.access_roles = frozenset(roles)  # type: ignore[attr-defined]
        wrapped.access_hidden = hidden  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view as deliberately reachable without login (login pages, static health checks)."""
    view.access_public = True  # type: ignore[attr-defined]
    return view


def login_only(view: F) -> F:
    """Any logged-in user, whatever the role (start page, own account, logout)."""
    return roles_required(*ALLE_ROLLEN)(view)


# --- scopes -------------------------------------------------------------------------------------

def gemeente_ids_in_scope(user: User) -> Select[tuple[int]]:
    """Ids of the gemeenten whose residents a gemeente user may see.

    Everyone sees the gemeenten they are assigned to; a contractmanager also sees every gemeente of
    the contracts it manages, which is how a regional contractmanager covers the whole region.
    """
    if getattr(user, "is_api_client", False):  # a gemeente's system (portal/principal.py): its one gemeente
        return select(Gemeente.id).where(Gemeente.id.in_(user.gemeente_ids))
    own = select(user_gemeente.c.gemeente_id).where(user_gemeente.c.user_id == user.id)
    if user.rol is Rol.CONTRACTMANAGER:
        managed = (
            select(contract_gemeente.c.gemeente_id)
            .join(contract_beheerder, contract_beheerder.c.contract_id == contract_gemeente.c.contract_id)
            .where(contract_beheerder.c.user_id == user.id)
        )
        return own.union(managed)  # type: ignore[return-value]
    return own


def inburgeraars(user: User) -> Select[tuple[Inburgeraar]]:
    """Inburgeraars visible to the user."""
    query = select(Inburgeraar)
    if user.rol in AANBIEDER_ROLLEN:
        referred = exists().where(
            Verwijzing.inburgeraar_id == Inburgeraar.id, Verwijzing.aanbieder_id == user.aanbieder_id
        )
        return query.where(referred)
    if user.rol in GEMEENTE_ROLLEN:
        return query.where(Inburgeraar.gemeente_id.in_(gemeente_ids_in_scope(user)))
    return query.where(false())


def verwijzingen(user: User) -> Select[tuple[Verwijzing]]:
    """Verwijzingen visible to the user: an aanbieder's own, or those of residents in scope."""
    query = select(Verwijzing)
    if user.rol in AANBIEDER_ROLLEN:
        return query.where(Verwijzing.aanbieder_id == user.aanbieder_id)
    if user.rol in GEMEENTE_ROLLEN:
        return query.join(Verwijzing.inburgeraar).where(
            Inburgeraar.gemeente_id.in_(gemeente_ids_in_scope(user))
        )
    return query.where(false())


def contracts(user: User) -> Select[tuple[Contract]]:
    """Contracts visible to the user: an aanbieder's own, or those covering a gemeente in scope."""
    query = select(Contract)
    if user.rol in AANBIEDER_ROLLEN:
        return query.where(Contract.aanbieder_id == user.aanbieder_id)
    covering = exists().where(
        contract_gemeente.c.contract_id == Contract.id,
        contract_gemeente.c.gemeente_id.in_(gemeente_ids_in_scope(user)),
    )
    return query.where(covering)


def gemeenten(user: User) -> Select[tuple[Gemeente]]:
    """Gemeenten a gemeente user works for (aanbieders: the gemeenten of their contracts)."""
    if user.rol in AANBIEDER_ROLLEN:
        contracted = select(contract_gemeente.c.gemeente_id).join(
            Contract, Contract.id == contract_gemeente.c.contract_id
        ).where(Contract.aanbieder_id == user.aanbieder_id)
        return select(Gemeente).where(Gemeente.id.in_(contracted)).order_by(Gemeente.naam)
    return select(Gemeente).where(Gemeente.id.in_(gemeente_ids_in_scope(user))).order_by(Gemeente.naam)


def administered_aanbieders(user: User) -> Select[tuple[Aanbieder]]:
    """Aanbieders whose accounts (and, for a functioneel beheerder, organisation data) the user administers: an
    aanbieder-beheerder its own; a functioneel beheerder those with a contract covering one of its gemeenten, and
    those with no contract at all yet (a new organisation, which sees no case data). Never an aanbieder that works
    only for other gemeenten: setting the password or resetting the second factor of its staff would open that
    gemeente's residents, and deactivating it or changing its KvK or DUO numbers would stop that gemeente's
    koppelingen and berichten."""
    if user.rol is Rol.AANBIEDER_BEHEERDER:
        return select(Aanbieder).where(Aanbieder.id == user.aanbieder_id)
    if user.rol is not Rol.FUNCTIONEEL_BEHEERDER:
        return select(Aanbieder).where(false())
    covering = (
        select(Contract.aanbieder_id)
        .join(contract_gemeente, contract_gemeente.c.contract_id == Contract.id)
        .where(contract_gemeente.c.gemeente_id.in_(gemeente_ids_in_scope(user)))
    )
    uncontracted = ~exists().where(Contract.aanbieder_id == Aanbieder.id)
    return select(Aanbieder).where(or_(Aanbieder.id.in_(covering), uncontracted)).order_by(Aanbieder.naam)


def users(user: User) -> Select[tuple[User]]:
    """Accounts the user may manage: a functioneel beheerder those of its gemeenten and those of the aanbieders of
    `administered_aanbieders`; an aanbieder-beheerder only those of its own organisation."""
    query = select(User)
    if user.rol is Rol.AANBIEDER_BEHEERDER:
        return query.where(User.aanbieder_id == user.aanbieder_id)
    if user.rol is Rol.FUNCTIONEEL_BEHEERDER:
        shares_gemeente = exists().where(
            user_gemeente.c.user_id == User.id,
            user_gemeente.c.gemeente_id.in_(gemeente_ids_in_scope(user)),
        )
        managed_aanbieders = administered_aanbieders(user).with_only_columns(Aanbieder.id).order_by(None)
        return query.where(or_(User.aanbieder_id.in_(managed_aanbieders), shares_gemeente))
    return query.where(false())


def may_change_whole_account(user: User, account: User) -> bool:
    """What opens an account in scope (`users`) for every gemeente it works for: setting its password or second
    factor (that hands the account over) and activating it again. A functioneel beheerder does those only for a
    gemeente account that works for none but its gemeenten: a klantregisseur who also works for another gemeente is
    reset or reactivated by a beheerder of all of them (any of them may block it). Aanbieder accounts are in scope
    only for who administers the aanbieder."""
    if account.aanbieder_id is not None or user.rol is Rol.AANBIEDER_BEHEERDER:
        return True
    return set(account.gemeente_ids) <= set(db.session.scalars(gemeente_ids_in_scope(user)))


def audit_events(user: User, actor_ids: Select[tuple[int]], about: int | None = None) -> Select[tuple[AuditEvent]]:
    """Audit events the functioneel beheerder may read: every event about an inburgeraar in its scope, and the
    events about no inburgeraar (logins, account changes, lists) of the accounts in `actor_ids` (those it manages
    and itself). Nobody else reads the trail.

    `about` narrows it to one inburgeraar, if in scope: the events naming it and every list that showed it
    (audit_gezien), whoever's list it was."""
    if user.rol is not Rol.FUNCTIONEEL_BEHEERDER:
        return select(AuditEvent).where(false())
    in_scope = inburgeraars(user).with_only_columns(Inburgeraar.id).order_by(None)
    if about is not None:
        shown_in = select(AuditGezien.audit_event_id).where(AuditGezien.inburgeraar_id == about)
        return select(AuditEvent).where(
            exists(in_scope.where(Inburgeraar.id == about)),
            or_(AuditEvent.inburgeraar_id == about, AuditEvent.id.in_(shown_in)))
    return select(AuditEvent).where(or_(
        AuditEvent.inburgeraar_id.in_(in_scope),
        AuditEvent.inburgeraar_id.is_(None) & AuditEvent.actor_id.in_(actor_ids),
    ))


def aanbieders(user: User) -> Select[tuple[Aanbieder]]:
    """Aanbieder organisations the user may see: its own, or all of them for gemeente staff."""
    if user.rol in AANBIEDER_ROLLEN:
        return select(Aanbieder).where(Aanbieder.id == user.aanbieder_id)
    return select(Aanbieder).order_by(Aanbieder.naam)


# --- single objects ------------------------------------------------------------------------------

def first_or_404(query: Select[Any]) -> Any:
    """The first row of a scoped query, or 404 whether it is missing or out of scope."""
    return _or_404(db.session.scalars(query.limit(1)).first())


def _or_404(obj: Any) -> Any:
    if obj is None:
        abort(404)
    return obj


def get_inburgeraar_or_404(user: User, inburgeraar_id: int) -> Inburgeraar:
    """One inburgeraar in the user's scope (the scoped statement built once per user: portal.services.statements)."""
    query = statements.per_user("access.inburgeraar", user, lambda: inburgeraars(user).where(
        Inburgeraar.id == bindparam("inburgeraar_id")).limit(1))
    return _or_404(db.session.scalars(query, {"inburgeraar_id": inburgeraar_id}).first())


def get_verwijzing_or_404(user: User, verwijzing_id: int) -> Verwijzing:
    """One verwijzing in the user's scope."""
    return first_or_404(verwijzingen(user).where(Verwijzing.id == verwijzing_id))


def get_contract_or_404(user: User, contract_id: int) -> Contract:
    """One contract in the user's scope."""
    return first_or_404(contracts(user).where(Contract.id == contract_id))


def get_afschalingsverzoek_or_404(user: User, verzoek_id: int) -> Afschalingsverzoek:
    """One afschalingsverzoek on a verwijzing in the user's scope."""
    return first_or_404(afschalingsverzoeken(user).where(Afschalingsverzoek.id == verzoek_id))


def get_user_or_404(user: User, user_id: int) -> User:
    """One account the user may manage."""
    return first_or_404(users(user).where(User.id == user_id))


def verwijzingen_of(user: User, inburgeraar: Inburgeraar) -> list[Verwijzing]:
    """The verwijzingen of one inburgeraar that this user may see (an aanbieder: only its own)."""
    query = verwijzingen(user).where(Verwijzing.inburgeraar_id == inburgeraar.id)
    return list(db.session.scalars(query.order_by(Verwijzing.beoogde_startdatum, Verwijzing.id)))


def klantregisseurs(user: User) -> Select[tuple[User]]:
    """Active klantregisseurs of the gemeenten in the user's scope, by name: who can own a case.

    An inactive klantregisseur owns nothing any more (meldingen go to the gemeente's other klantregisseurs),
    so it is offered nowhere: not when registering a case and not as a filter of the caseload.
    """
    in_scope = select(user_gemeente.c.user_id).where(user_gemeente.c.gemeente_id.in_(gemeente_ids_in_scope(user)))
    return (
        select(User)
        .where(User.rol == Rol.KLANTREGISSEUR, User.actief.is_(True), User.id.in_(in_scope))
        .order_by(User.naam, User.id)
    )


# --- authorisation predicates: what a user may do with an object already loaded through a scope -----

def may_see_intake(user: User) -> bool:
    """Intake and health details are for the klantregisseur only; never for aanbieders."""
    return user.rol is Rol.KLANTREGISSEUR


# The free-text reasons a provider gives about a person (absence, later start, not started) often name health
# matters ("Afspraak bij de huisarts"): like intake health details, the text is for the provider that wrote it and
# the klantregisseur. Other gemeente roles see that a reason was given, never its text; hours and counts stay.
VERBORGEN = "{wat} opgegeven (alleen zichtbaar voor de klantregisseur)"
REDEN_VERBORGEN = VERBORGEN.format(wat="Reden")
REDEN_VELDEN = frozenset({"reden_afwezig", "reden_latere_start", "reden_niet_gestart"})
# Every such free-text column of a provider registration, with what `reden_voor` says was given instead.
VERBORGEN_VELDEN = {**dict.fromkeys(REDEN_VELDEN, "Reden"), "belemmeringen": "Belemmeringen"}


def may_see_redenen(user: User) -> bool:
    """Providers' free-text reasons about a person: for provider staff (they wrote them) and the klantregisseur."""
    return user.rol in AANBIEDER_ROLLEN or may_see_intake(user)


def reden_voor(user: User, tekst: str | None, wat: str = "Reden") -> str | None:
    """A provider's reason (or other free text about a person, named by `wat`: 'Belemmeringen') as this user may
    see it: the text, or that one was given ("Reden opgegeven (alleen zichtbaar voor de klantregisseur)"); None if
    none was given."""
    if not tekst or may_see_redenen(user):
        return tekst
    return VERBORGEN.format(wat=wat)


def reden_kolom(user: User, kolom: Any) -> ColumnElement[Any]:
    """`reden_voor` in SQL, for queries that read reasons in bulk (signals, KPI): the text never leaves the database
    for a user who may not see it."""
    if may_see_redenen(user):
        return kolom
    return case((or_(kolom.is_(None), kolom == ""), None), else_=literal(REDEN_VERBORGEN))


def reden_van_gebruiker(tekst: str | None, wat: str = "Reden") -> str | None:
    """`reden_voor` for the logged-in user: the `reden` template filter, so every page shows one rule."""
    return reden_voor(current_user, tekst, wat)


def may_manage_cases(user: User) -> bool:
    """Who may create inburgeraars, record PIPs and make verwijzingen."""
    return user.rol in CASE_MANAGERS


def may_register(user: User, verwijzing: Verwijzing) -> bool:
    """Starts, presentie, progress, circumstances, afschalingsverzoeken and route results: only staff of the
    aanbieder the verwijzing was made to."""
    return user.rol in AANBIEDER_ROLLEN and user.aanbieder_id is not None and \
        user.aanbieder_id == verwijzing.aanbieder_id


def may_withdraw_pip(user: User) -> bool:
    """The PIP in force is withdrawn by a klantregisseur of the inburgeraar's gemeente (the case loaded through
    `inburgeraars`); the functioneel beheerder records PIPs but does not revoke the beschikking."""
    return user.rol is Rol.KLANTREGISSEUR


def may_enter_duo_results(user: User) -> bool:
    """Gemeente staff copy DUO's official exam results (from DUO's portal or API) for their residents."""
    return user.rol in DUO_INVOERDERS


def may_decide(user: User, verzoek: Afschalingsverzoek) -> bool:
    """An afschalingsverzoek is decided by the inburgeraar's own klantregisseur; by any klantregisseur of the
    gemeente when none is assigned."""
    if user.rol is not Rol.KLANTREGISSEUR:
        return False
    inburgeraar = verzoek.inburgeraar
    if inburgeraar.klantregisseur_id is not None:
        return inburgeraar.klantregisseur_id == user.id
    return inburgeraar.gemeente_id in user.gemeente_ids


def may_upload(user: User) -> bool:
    """Spreadsheets are uploaded by staff of an aanbieder, for their own organisation."""
    return user.rol in AANBIEDER_ROLLEN and user.aanbieder_id is not None


def may_confirm_upload(user: User, upload: Upload) -> bool:
    """An upload is confirmed by staff of the organisation that uploaded it."""
    return may_upload(user) and upload.aanbieder_id == user.aanbieder_id


# --- provider registrations: progress, circumstances, afschaling, results --------------------------

def _verwijzing_ids(user: User, inburgeraar_id: Any = None) -> Select[tuple[int]]:
    query = verwijzingen(user).with_only_columns(Verwijzing.id)
    return query if inburgeraar_id is None else query.where(Verwijzing.inburgeraar_id == inburgeraar_id)


def _of_one(query: Select[Any], model: Any, inburgeraar_id: Any) -> Select[Any]:
    return query if inburgeraar_id is None else query.where(model.inburgeraar_id == inburgeraar_id)


def voortgangsrapportages(user: User) -> Select[tuple[Voortgangsrapportage]]:
    """Progress notes on verwijzingen in scope: a provider never sees another provider's notes."""
    return select(Voortgangsrapportage).where(Voortgangsrapportage.verwijzing_id.in_(_verwijzing_ids(user)))


# The scopes below take an optional `inburgeraar_id` (a value or a bindparam): the same predicates, narrowed to the
# rows of one inburgeraar (the case page reads them per case; unnarrowed, the database lists every verwijzing in the
# user's gemeenten inside each statement first: 0.5 ms a statement on SQLite). Narrowed is never wider.

def omstandigheden(user: User, inburgeraar_id: Any = None) -> Select[tuple[OmstandighedenMelding]]:
    """Meldingen of changed circumstances: a provider sees only those it reported itself; gemeente staff
    those of residents in scope, health-related ones only the klantregisseur (like intake health data)."""
    query = _of_one(select(OmstandighedenMelding).where(
        OmstandighedenMelding.verwijzing_id.in_(_verwijzing_ids(user, inburgeraar_id))),
        OmstandighedenMelding, inburgeraar_id)
    if user.rol in GEMEENTE_ROLLEN and not may_see_intake(user):
        query = query.where(OmstandighedenMelding.soort != OmstandighedenSoort.GEZONDHEID)
    return query


def afschalingsverzoeken(user: User, inburgeraar_id: Any = None) -> Select[tuple[Afschalingsverzoek]]:
    """Afschalingsverzoeken on verwijzingen in scope."""
    return _of_one(select(Afschalingsverzoek).where(
        Afschalingsverzoek.verwijzing_id.in_(_verwijzing_ids(user, inburgeraar_id))),
        Afschalingsverzoek, inburgeraar_id)


def sees_every_afschalingsverzoek(user: User) -> bool:
    """Whether `afschalingsverzoeken(user, inburgeraar_id)` holds every verzoek of an inburgeraar in scope: for
    gemeente staff (their scope goes by the inburgeraar's gemeente), not for an aanbieder (its own verwijzingen)."""
    return user.rol in GEMEENTE_ROLLEN


def examenresultaten(user: User, inburgeraar_id: Any = None) -> Select[tuple[Examenresultaat]]:
    """Exam results: a provider those registered on its own verwijzingen; gemeente staff all of residents in scope.
    For a provider this answers "which results are on my verwijzingen" (KPI, signals, case overview), not "which
    results may I see for this verwijzing": that is `examenresultaten_bij_verwijzing`."""
    if user.rol in GEMEENTE_ROLLEN:
        in_scope = inburgeraars(user).with_only_columns(Inburgeraar.id)
        if inburgeraar_id is not None:
            in_scope = in_scope.where(Inburgeraar.id == inburgeraar_id)
        return _of_one(select(Examenresultaat).where(Examenresultaat.inburgeraar_id.in_(in_scope)),
                       Examenresultaat, inburgeraar_id)
    return _of_one(select(Examenresultaat).where(
        Examenresultaat.verwijzing_id.in_(_verwijzing_ids(user, inburgeraar_id))), Examenresultaat, inburgeraar_id)


def examenresultaten_bij_verwijzing(user: User, verwijzing_id: Any) -> Select[tuple[Examenresultaat]]:
    """The one rule for which exam results the user may see for one B1-route verwijzing in scope (AVG purpose
    limitation): while it is open (`VerwijzingStatus.is_open`) every result of its inburgeraar, of any source, as its
    provider must know which parts are passed; once closed only the results registered on that verwijzing itself
    (a provider does not follow results the inburgeraar gets later, from DUO or with another provider). Gemeente
    staff see every result of a resident in scope either way. Nothing for another organisation's verwijzing or one
    without exams; no other data of the inburgeraar comes with it."""
    van = verwijzingen(user).where(Verwijzing.id == verwijzing_id, Verwijzing.onderdeel == Onderdeel.B1_ROUTE)
    # No end date of a closed verwijzing is stored, so a closed one gets only its own rows, not "up to its end".
    heel = van if user.rol in GEMEENTE_ROLLEN else van.where(Verwijzing.status.in_(OPEN_STATUSSEN))
    return select(Examenresultaat).where(or_(
        Examenresultaat.inburgeraar_id.in_(heel.with_only_columns(Verwijzing.inburgeraar_id)),
        Examenresultaat.verwijzing_id.in_(van.with_only_columns(Verwijzing.id))))


def route_resultaten(user: User, inburgeraar_id: Any = None) -> Select[tuple[RouteResultaat]]:
    """MAP/PVT/Z-route/onderwijsroute results on verwijzingen in scope."""
    return _of_one(select(RouteResultaat).where(
        RouteResultaat.verwijzing_id.in_(_verwijzing_ids(user, inburgeraar_id))), RouteResultaat, inburgeraar_id)


# --- traject start and presentie ------------------------------------------------------------------

def verwijzingen_for_registration(user: User) -> Select[tuple[Verwijzing]]:
    """Verwijzingen the user may register a start or presentie for: only an aanbieder's own."""
    if user.rol in AANBIEDER_ROLLEN:
        return select(Verwijzing).where(Verwijzing.aanbieder_id == user.aanbieder_id)
    return select(Verwijzing).where(false())


def get_verwijzing_for_registration_or_404(user: User, verwijzing_id: int) -> Verwijzing:
    """One verwijzing the user may register for (404 when missing, out of scope or not its own)."""
    return first_or_404(verwijzingen_for_registration(user).where(Verwijzing.id == verwijzing_id))


def presentie(user: User) -> Select[tuple[Presentie]]:
    """Presentie on verwijzingen in scope: a provider its own, gemeente staff that of residents in scope."""
    return select(Presentie).where(Presentie.verwijzing_id.in_(_verwijzing_ids(user)))


def presentie_weken(user: User) -> Select[tuple[PresentieWeek]]:
    """Kept week totals of presentie on verwijzingen in scope (the same scope as `presentie`)."""
    return select(PresentieWeek).where(PresentieWeek.verwijzing_id.in_(_verwijzing_ids(user)))


def traject_starts(user: User) -> Select[tuple[TrajectStart]]:
    """Registered starts of verwijzingen in scope."""
    return select(TrajectStart).where(TrajectStart.verwijzing_id.in_(_verwijzing_ids(user)))


# --- the chain: verhuizing ---------------------------------------------------------------------------

def verhuizingen(user: User) -> Select[tuple[Verhuizing]]:
    """Verhuizingen from or to a gemeente in scope. The old gemeente reads its own period only through the
    hand-over dossier; the case itself is in the new gemeente's scope from the date of the move."""
    if user.rol not in GEMEENTE_ROLLEN:
        return select(Verhuizing).where(false())
    in_scope = gemeente_ids_in_scope(user)
    return select(Verhuizing).where(
        or_(Verhuizing.van_gemeente_id.in_(in_scope), Verhuizing.naar_gemeente_id.in_(in_scope))
    )


def get_verhuizing_or_404(user: User, verhuizing_id: int) -> Verhuizing:
    """One verhuizing from or to a gemeente in the user's scope."""
    return first_or_404(verhuizingen(user).where(Verhuizing.id == verhuizing_id))


def get_verhuizing_verwijzing_or_404(user: User, verhuizing: Verhuizing, verwijzing_id: int) -> VerhuizingVerwijzing:
    """One verwijzing listed for decision in a verhuizing the user may see."""
    return first_or_404(select(VerhuizingVerwijzing).where(
        VerhuizingVerwijzing.verhuizing_id == verhuizing.id, VerhuizingVerwijzing.verwijzing_id == verwijzing_id))


def may_register_verhuizing(user: User) -> bool:
    """A verhuizing is started by the klantregisseur of the old gemeente or the functioneel beheerder (the case
    must be in their scope, i.e. live in their gemeente today)."""
    return user.rol in CASE_MANAGERS


def may_decide_verhuizing(user: User, verhuizing: Verhuizing) -> bool:
    """The new gemeente decides on the old gemeente's open verwijzingen: its klantregisseur or beheerder."""
    return user.rol in CASE_MANAGERS and verhuizing.naar_gemeente_id in user.gemeente_ids


# --- the chain: DUO berichten ----------------------------------------------------------------------

def duo_berichten(user: User) -> Select[tuple[DuoBericht]]:
    """DUO berichten of the gemeenten in scope: for the functioneel beheerder and klantregisseurs only."""
    if user.rol not in DUO_INVOERDERS:
        return select(DuoBericht).where(false())
    return select(DuoBericht).where(DuoBericht.gemeente_id.in_(gemeente_ids_in_scope(user)))


def get_duo_bericht_or_404(user: User, bericht_id: int) -> DuoBericht:
    """One DUO bericht of a gemeente in the user's scope."""
    return first_or_404(duo_berichten(user).where(DuoBericht.id == bericht_id))


def get_route_resultaat_or_404(user: User, resultaat_id: int) -> RouteResultaat:
    """One MAP/PVT/Z-route result on a verwijzing in the user's scope."""
    return first_or_404(route_resultaten(user).where(RouteResultaat.id == resultaat_id))


# --- the chain: handhaving and CBS ------------------------------------------------------------------

def may_see_handhaving(user: User) -> bool:
    """Warnings and fines are for the gemeente's klantregisseur and beheerder; never for aanbieders."""
    return user.rol in CASE_MANAGERS


def handhaving(user: User) -> Select[tuple[Handhaving]]:
    """The handhaving register of the gemeenten in scope (only who may see it; the old gemeente's records reach
    a new gemeente through the verhuizing dossier)."""
    if not may_see_handhaving(user):
        return select(Handhaving).where(false())
    return select(Handhaving).where(Handhaving.gemeente_id.in_(gemeente_ids_in_scope(user)))


def cbs_leveringen(user: User) -> Select[tuple[CbsLevering]]:
    """The CBS delivery log of the functioneel beheerder's gemeenten."""
    if user.rol is not Rol.FUNCTIONEEL_BEHEERDER:
        return select(CbsLevering).where(false())
    return select(CbsLevering).where(CbsLevering.gemeente_id.in_(gemeente_ids_in_scope(user)))


# --- uploads --------------------------------------------------------------------------------------

def uploads(user: User) -> Select[tuple[Upload]]:
    """Spreadsheet uploads of the user's own aanbieder; gemeente staff have none."""
    if user.rol in AANBIEDER_ROLLEN:
        return select(Upload).where(Upload.aanbieder_id == user.aanbieder_id)
    return select(Upload).where(false())


# --- API clients (issue 15) -------------------------------------------------------------------------

def may_manage_api_clients(user: User) -> bool:
    """An aanbieder-beheerder registers its organisation's systems; a functioneel beheerder those of its gemeenten."""
    return user.rol in (Rol.AANBIEDER_BEHEERDER, Rol.FUNCTIONEEL_BEHEERDER)


def api_clients(user: User) -> Select[tuple[ApiClient]]:
    """API clients the user manages: an aanbieder-beheerder those of its own organisation, a functioneel
    beheerder those of the gemeenten it works for."""
    if user.rol is Rol.AANBIEDER_BEHEERDER and user.aanbieder_id is not None:
        return select(ApiClient).where(ApiClient.aanbieder_id == user.aanbieder_id)
    if user.rol is Rol.FUNCTIONEEL_BEHEERDER:
        return select(ApiClient).where(ApiClient.gemeente_id.in_(gemeente_ids_in_scope(user)))
    return select(ApiClient).where(false())


def get_api_client_or_404(user: User, api_client_id: int) -> ApiClient:
    """One API client the user manages."""
    return first_or_404(api_clients(user).where(ApiClient.id == api_client_id))
# --- contracts and declaraties (billing) -------------------------------------------------------------

CONTRACT_BEHEERDERS = (Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER)
DECLARANTEN = (Rol.AANBIEDER_BEHEERDER,)
DECLARATIE_LEZERS = (Rol.AANBIEDER_BEHEERDER, Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER)


def may_manage_contract(user: User, contract: Contract) -> bool:
    """Open a contract's management pages (already loaded through `contracts`): its contractmanagers and the
    functioneel beheerders of its gemeenten. What each of them may change there: `may_manage_whole_contract`
    and `may_manage_contract_gemeente`."""
    return user.rol in CONTRACT_BEHEERDERS


def contract_gemeenten_to_manage(user: User, contract: Contract) -> list[Gemeente]:
    """The gemeenten of a contract whose budgets and own tarieven the user sets: those in its scope. On a regional
    contract a contractmanager of one gemeente never sets another gemeente's budget or tarief. Read in the
    contract's own session, so a service called outside a request (a script, the demo seed) checks it too."""
    from sqlalchemy.orm import object_session

    scope = set((object_session(contract) or db.session).scalars(gemeente_ids_in_scope(user)))
    return [g for g in contract.gemeenten if g.id in scope]


def may_manage_whole_contract(user: User, contract: Contract) -> bool:
    """What holds for all gemeenten of a contract - its settings (inkoopvorm, declaratieperiode, termijn), its
    prestatie-indicatoren, a tarief for all gemeenten: only someone who manages every one of its gemeenten (the
    contractmanager of the contract, a contractmanager or beheerder of all of them). On a regional contract one
    gemeente's contractmanager changes none of it for the others."""
    if not may_manage_contract(user, contract):
        return False
    eigen = {g.id for g in contract_gemeenten_to_manage(user, contract)}
    return eigen == {g.id for g in contract.gemeenten}


def may_manage_contract_gemeente(user: User, contract: Contract, gemeente_id: int | None) -> bool:
    """A budget or tarief for one gemeente of a contract the user manages: one of `contract_gemeenten_to_manage`;
    a tarief for all its gemeenten (None) only for `may_manage_whole_contract`."""
    if gemeente_id is None:
        return may_manage_whole_contract(user, contract)
    return gemeente_id in {g.id for g in contract_gemeenten_to_manage(user, contract)}


def get_indicator_or_404(user: User, contract: Contract, indicator_id: int) -> PrestatieIndicator:
    """One prestatie-indicator of a contract in the user's scope."""
    return first_or_404(select(PrestatieIndicator).where(
        PrestatieIndicator.id == indicator_id, PrestatieIndicator.contract_id == contract.id))


def tarieven(user: User, contract: Contract) -> Select[tuple[Tarief]]:
    """Tarieven of a contract already loaded through `contracts`: its aanbieder sees them all; gemeente staff those
    for all its gemeenten and those of gemeenten in scope, so on a regional contract one gemeente's contractmanager
    never reads another gemeente's own tarief (as with budgets)."""
    query = select(Tarief).join(PrestatieIndicator, PrestatieIndicator.id == Tarief.indicator_id).where(
        PrestatieIndicator.contract_id == contract.id)
    if user.rol in AANBIEDER_ROLLEN:
        return query.where(false()) if user.aanbieder_id != contract.aanbieder_id else query
    if user.rol in GEMEENTE_ROLLEN:
        return query.where(or_(Tarief.gemeente_id.is_(None), Tarief.gemeente_id.in_(gemeente_ids_in_scope(user))))
    return query.where(false())


def declaraties(user: User) -> Select[tuple[Declaratie]]:
    """Declaraties visible to the user: an aanbieder-beheerder its own organisation's; gemeente staff the
    submitted ones for gemeenten in scope (a concept is the aanbieder's own until it is submitted)."""
    query = select(Declaratie)
    if user.rol is Rol.AANBIEDER_BEHEERDER:
        return query.where(Declaratie.aanbieder_id == user.aanbieder_id)
    if user.rol in (Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER):
        from portal.models.billing import DeclaratieStatus

        return query.where(Declaratie.gemeente_id.in_(gemeente_ids_in_scope(user)),
                           Declaratie.status != DeclaratieStatus.CONCEPT)
    return query.where(false())


def get_declaratie_or_404(user: User, declaratie_id: int) -> Declaratie:
    """One declaratie in the user's scope."""
    return first_or_404(declaraties(user).where(Declaratie.id == declaratie_id))


def get_regel_or_404(user: User, declaratie: Declaratie, regel_id: int) -> DeclaratieRegel:
    """One regel of a declaratie already loaded through `declaraties`."""
    return first_or_404(select(DeclaratieRegel).where(
        DeclaratieRegel.id == regel_id, DeclaratieRegel.declaratie_id == declaratie.id))


def may_submit_declaratie(user: User, declaratie: Declaratie) -> bool:
    """Submitting and re-declaring: the aanbieder-beheerder of the declaring aanbieder."""
    return user.rol is Rol.AANBIEDER_BEHEERDER and user.aanbieder_id == declaratie.aanbieder_id


def may_decide_declaratie(user: User, declaratie: Declaratie) -> bool:
    """Regels are decided by a contractmanager of the declaratie's gemeente (in scope: own or managed contracts)."""
    if user.rol is not Rol.CONTRACTMANAGER:
        return False
    from sqlalchemy.orm import object_session

    session = object_session(declaratie)
    return session is not None and declaratie.gemeente_id in set(session.scalars(gemeente_ids_in_scope(user)))


def besliste_declaratieregels(user: User) -> Select[tuple[DeclaratieRegel]]:
    """Decided regels of the aanbieder's own declaraties, for its staff and its API koppelingen (the decision
    feed); gemeente staff read declaraties through `declaraties`."""
    if user.rol in AANBIEDER_ROLLEN and user.aanbieder_id is not None:
        from portal.models.billing import RegelStatus

        return (
            select(DeclaratieRegel)
            .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
            .where(Declaratie.aanbieder_id == user.aanbieder_id, DeclaratieRegel.status != RegelStatus.INGEDIEND,
                   DeclaratieRegel.beoordeeld_op.is_not(None))
        )
    return select(DeclaratieRegel).where(false())
