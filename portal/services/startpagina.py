"""The work on each role's start page: what needs this user now, as counts with a link to where it is done.

Every count starts from the user's scope in portal.access; signals come from the one signal service, so the
start page, the regie list and the case page agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from portal import access
from portal.domain import normen
from portal.models import Contract, MailOutbox, Presentie, PresentieTotaal, TrajectStart, Upload, User, Verwijzing
from portal.models.enums import Rol, VerwijzingStatus
from portal.models.melding import MailStatus
from portal.models.resultaat import AfschalingStatus, Afschalingsverzoek
from portal.models.upload import UploadStatus
from portal.services import afschaling, meldingen, signalen, weekrooster
from portal.services.billing import declaraties
from portal.services.signalen import Filters
from portal.services.validation import as_decimal

RECENT_DAGEN = 30  # decisions and failed uploads of the last month are still news
CONTRACT_SIGNAAL_DAGEN = 183  # contracts ending within half a year need a decision about what follows


@dataclass(frozen=True)
class Link:
    """A line under a task: text and where it leads."""

    tekst: str
    endpoint: str
    args: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Taak:
    """One kind of work: how many, what it means, and where to do it."""

    titel: str
    aantal: int
    enkelvoud: str  # "deelnemer", "verzoek": the count reads "1 deelnemer" / "3 deelnemers"
    meervoud: str
    endpoint: str | None  # None: the links below name where to act
    args: dict[str, object] = field(default_factory=dict)
    uitleg: str = ""
    links: list[Link] = field(default_factory=list)

    @property
    def telling(self) -> str:
        return f"{self.aantal} {self.enkelvoud if self.aantal == 1 else self.meervoud}"


def vorige_week(today: date) -> tuple[date, date]:
    """Monday and Sunday of the week before this one."""
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def _count(session: Session, query) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def zonder_presentie(session: Session, user: User, today: date) -> int:
    """Deelnemers of the provider with a running verwijzing, started before last week ended, without any presence
    on it last week (someone following MAP and PVT here counts once); a MAP or PVT whose legal hours are reached
    expects no more presence (normen.praktijk_klaar) and is not counted."""
    monday, sunday = vorige_week(today)
    uren = (select(func.coalesce(func.sum(PresentieTotaal.uren_aanwezig), 0))
            .where(PresentieTotaal.verwijzing_id == Verwijzing.id).scalar_subquery())
    query = (
        access.verwijzingen(user)
        .join(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .where(
            Verwijzing.status == VerwijzingStatus.GESTART,
            TrajectStart.gerealiseerde_startdatum <= sunday,
            ~exists().where(Presentie.verwijzing_id == Verwijzing.id, Presentie.datum.between(monday, sunday)),
        )
        .with_only_columns(Verwijzing.inburgeraar_id, Verwijzing.onderdeel, uren)
    )
    return len({inburgeraar_id for inburgeraar_id, onderdeel, aanwezig in session.execute(query)
                if not normen.praktijk_klaar(onderdeel, as_decimal(aanwezig))})


def start_te_laat(session: Session, user: User, today: date) -> int:
    """Verwijzingen whose intended start has passed without a registered start (or 'niet gestart')."""
    query = access.verwijzingen(user).where(
        Verwijzing.status == VerwijzingStatus.VERWEZEN,
        Verwijzing.beoogde_startdatum < today,
        ~exists().where(TrajectStart.verwijzing_id == Verwijzing.id),
    )
    return _count(session, query)


def _sinds(today: date, dagen: int) -> datetime:
    return datetime.combine(today - timedelta(days=dagen), datetime.min.time())


def besluiten_ontvangen(session: Session, user: User, today: date) -> int:
    """The gemeente's decisions on this provider's afschalingsverzoeken of the last month."""
    query = access.afschalingsverzoeken(user).where(
        Afschalingsverzoek.status != AfschalingStatus.INGEDIEND,
        Afschalingsverzoek.besloten_op >= _sinds(today, RECENT_DAGEN),
    )
    return _count(session, query)


def uploads_met_fouten(session: Session, user: User, today: date) -> int:
    """Uploads of the last month that were refused or whose preview has rows with errors, not confirmed."""
    query = access.uploads(user).where(
        Upload.created_at >= _sinds(today, RECENT_DAGEN),
        or_(Upload.status == UploadStatus.FAILED,
            and_(Upload.status == UploadStatus.PREVIEWED, Upload.aantal_fout > 0)),
    )
    return _count(session, query)


def geblokkeerde_accounts(session: Session, user: User, now: datetime) -> int:
    """Accounts this beheerder manages that are locked after repeated failed logins."""
    return _count(session, access.users(user).where(User.geblokkeerd_tot > now))


def mislukte_mails(session: Session, user: User) -> Taak:
    """Mails to accounts this beheerder manages that could not be delivered after every retry, with a link to
    each account concerned (the address may be wrong)."""
    query = (
        select(MailOutbox.id, User.id, User.naam)
        .join(User, User.email == MailOutbox.to_address)
        .where(MailOutbox.status == MailStatus.FAILED,
               User.id.in_(access.users(user).with_only_columns(User.id)))
        .order_by(MailOutbox.created_at.desc())
    )
    rows = session.execute(query).all()
    accounts: dict[int, str] = {}
    for _mail_id, user_id, naam in rows:
        accounts.setdefault(user_id, naam)
    links = [Link(f"Account van {naam}", "beheer.edit_user", {"user_id": uid}) for uid, naam in accounts.items()]
    return Taak("E-mails die niet bezorgd konden worden", len(rows), "e-mail", "e-mails", None, {},
                "aan accounts die u beheert; controleer het e-mailadres", links[:5])


def contracten_aflopend(session: Session, user: User, today: date) -> int:
    """Contracts in scope that end within half a year."""
    query = access.contracts(user).where(
        Contract.einddatum.between(today, today + timedelta(days=CONTRACT_SIGNAAL_DAGEN)))
    return _count(session, query)


def actie_nodig(session: Session, user: User, today: date, *, eigen_caseload: bool) -> Taak:
    """Cases with an "Actie nodig" signal, with one link per kind of signal to the filtered regie list."""
    filters = Filters(klantregisseur_id=user.id) if eigen_caseload else Filters()
    caseload = signalen.caseload(session, user, today=today, filters=filters)
    cases = signalen.met_actie_nodig(caseload)
    # A link per kind of signal that needs action somewhere, counting what its regie list shows: every case with
    # that signal, also where it is less urgent (attendance below the threshold without unexcused absence).
    soorten = {s.code for c in cases for s in c.signalen if signalen.actie_nodig(s.ernst)}
    per_soort: dict[str, int] = dict.fromkeys(soorten, 0)
    for c in caseload:
        for code in {s.code for s in c.signalen} & soorten:
            per_soort[code] += 1
    scope = {} if eigen_caseload else {"alle": 1}
    links = [
        Link(f"{signalen.SIGNAAL_SOORTEN[code]}: {n}", "regie.index", {"signaal": code, **scope})
        for code, n in sorted(per_soort.items(), key=lambda item: -item[1])
    ]
    # The count links to the regie list filtered by the same rule (signalen.actie_nodig): exactly these cases.
    return Taak(
        "Inburgeraars met “Actie nodig”", len(cases), "inburgeraar", "inburgeraars", "regie.index",
        {"actie": 1, **scope},
        "in uw caseload; de regielijst zet ze bovenaan" if eigen_caseload
        else "in de gemeenten en contracten die u volgt", links,
    )


def taken(session: Session, user: User, today: date, now: datetime) -> list[Taak]:
    """The work on this user's start page, most pressing first."""
    rol = user.rol
    if rol in (Rol.AANBIEDER_MEDEWERKER, Rol.AANBIEDER_BEHEERDER):
        monday, _sunday = vorige_week(today)
        result = [
            Taak("Geen presentie vorige week", zonder_presentie(session, user, today), "deelnemer", "deelnemers",
                 "presentie.week", {"week": weekrooster.week_label(monday)},
                 "gestarte deelnemers zonder enige registratie in die week"),
            Taak("Start nog niet geregistreerd", start_te_laat(session, user, today), "verwijzing", "verwijzingen",
                 "deelnemers.index", {"status": VerwijzingStatus.VERWEZEN.value},
                 "de beoogde startdatum is voorbij; registreer de start of 'niet gestart' met de reden"),
            Taak("Besluiten over afschalingsverzoeken", besluiten_ontvangen(session, user, today), "besluit",
                 "besluiten", "meldingen.inbox", {}, f"van de gemeente, in de laatste {RECENT_DAGEN} dagen"),
            Taak("Uploads met fouten", uploads_met_fouten(session, user, today), "upload", "uploads",
                 "uploads.index", {}, f"geweigerd of met foute regels, in de laatste {RECENT_DAGEN} dagen"),
        ]
        if rol is Rol.AANBIEDER_BEHEERDER:
            result.append(Taak("Declaraties klaar om in te dienen",
                               declaraties.in_te_dienen_count(session, user, today), "declaratie", "declaraties",
                               "declaraties.index", {}, "concepten van afgelopen periodes; na indienen liggen ze vast"))
            result.append(Taak("Afgewezen declaratieregels", declaraties.afgewezen_count(session, user), "regel",
                               "regels", "declaraties.index", {},
                               "corrigeer de registratie en declareer de regel opnieuw"))
            result.append(Taak("Geblokkeerde accounts", geblokkeerde_accounts(session, user, now), "account",
                               "accounts", "beheer.users", {}, "tijdelijk geblokkeerd na te veel mislukte pogingen"))
        return result
    if rol is Rol.KLANTREGISSEUR:
        return [
            actie_nodig(session, user, today, eigen_caseload=True),
            Taak("Afschalingsverzoeken wachten op uw besluit", len(afschaling.wachtende_verzoeken(session, user)),
                 "verzoek", "verzoeken", "registraties.afschalingsverzoeken", {}, "oudste eerst"),
            Taak("Ongelezen meldingen", meldingen.unread_count(session, user), "melding", "meldingen",
                 "meldingen.inbox", {}, "over uw inburgeraars"),
        ]
    if rol is Rol.CONTRACTMANAGER:
        return [
            actie_nodig(session, user, today, eigen_caseload=False),
            Taak("Declaraties te beoordelen", declaraties.te_beoordelen_count(session, user), "declaratie",
                 "declaraties", "declaraties.index", {"status": "te_beoordelen"},
                 "ingediend door aanbieders; regels zonder bevindingen keurt u in één keer goed"),
            Taak("Contracten die binnen een half jaar aflopen", contracten_aflopend(session, user, today),
                 "contract", "contracten", "contracten.index", {}, "beslis tijdig over verlenging of inkoop"),
            Taak("Ongelezen meldingen", meldingen.unread_count(session, user), "melding", "meldingen",
                 "meldingen.inbox", {}, ""),
        ]
    if rol is Rol.FUNCTIONEEL_BEHEERDER:
        return [
            Taak("Geblokkeerde accounts", geblokkeerde_accounts(session, user, now), "account", "accounts",
                 "beheer.users", {}, "tijdelijk geblokkeerd na te veel mislukte pogingen; u kunt een nieuw "
                 "wachtwoord instellen"),
            mislukte_mails(session, user),
            Taak("Ongelezen meldingen", meldingen.unread_count(session, user), "melding", "meldingen",
                 "meldingen.inbox", {}, ""),
        ]
    return []
