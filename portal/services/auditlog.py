"""Reading the audit trail: the functioneel beheerder's filtered view, its export, and the inzage overview of one
inburgeraar (who saw and changed what, when) that answers an AVG request. Scoped through portal.access."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal import access
from portal.audit import AuditActie
from portal.formatting import datumtijd
from portal.models import AuditEvent, Gemeente, Inburgeraar, User
from portal.services import Errors
from portal.services.validation import parse_bsn, parse_date, parse_id
from portal.spreadsheets.write import csv_safe, is_formula_like, text_safe_workbook

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EXPORT_MAX = 100_000  # rows in one export; a longer period is exported in parts (the page says so)

ACTIE_LABELS: dict[AuditActie, str] = {
    AuditActie.BEKEKEN: "Gegevens bekeken",
    AuditActie.OVERZICHT_BEKEKEN: "Gezien in overzicht",
    AuditActie.PRESENTIE_BEKEKEN: "Presentie bekeken",
    AuditActie.MELDINGEN_BEKEKEN: "Meldingen bekeken",
    AuditActie.MELDING_GEOPEND: "Melding geopend",
    AuditActie.GEEXPORTEERD: "Gegevens geëxporteerd",
    AuditActie.SJABLOON_GEDOWNLOAD: "Sjabloon gedownload",
    AuditActie.AANGEMAAKT: "Inburgeraar aangemaakt",
    AuditActie.PIP_VASTGESTELD: "PIP vastgesteld",
    AuditActie.VERWIJZING_AANGEMAAKT: "Verwijzing aangemaakt",
    AuditActie.STATUS_GEWIJZIGD: "Status gewijzigd",
    AuditActie.TRAJECT_START_GEREGISTREERD: "Start geregistreerd",
    AuditActie.TRAJECT_START_GECORRIGEERD: "Start gecorrigeerd",
    AuditActie.PRESENTIE_GEREGISTREERD: "Presentie geregistreerd",
    AuditActie.VOORTGANG_GEREGISTREERD: "Voortgang geregistreerd",
    AuditActie.VOORTGANG_GECORRIGEERD: "Voortgang gecorrigeerd",
    AuditActie.OMSTANDIGHEDEN_GEMELD: "Omstandigheden gemeld",
    AuditActie.AFSCHALINGSVERZOEK_INGEDIEND: "Afschalingsverzoek ingediend",
    AuditActie.AFSCHALINGSVERZOEK_BESLOTEN: "Besluit over afschalingsverzoek",
    AuditActie.EXAMENRESULTAAT_GEREGISTREERD: "Examenresultaat geregistreerd",
    AuditActie.EXAMENRESULTAAT_GECORRIGEERD: "Examenresultaat gecorrigeerd",
    AuditActie.ROUTERESULTAAT_GEREGISTREERD: "Routeresultaat geregistreerd",
    AuditActie.ROUTERESULTAAT_GECORRIGEERD: "Routeresultaat gecorrigeerd",
    AuditActie.VERHUIZING_GEREGISTREERD: "Verhuizing geregistreerd",
    AuditActie.VERHUIZING_VERWIJZING_BESLOTEN: "Besluit over verwijzing na verhuizing",
    AuditActie.OVERDRACHTSDOSSIER_BEKEKEN: "Overdrachtsdossier bekeken",
    AuditActie.DUO_BERICHTEN_BIJGEWERKT: "DUO-berichten bijgewerkt",
    AuditActie.DUO_BERICHTEN_GEEXPORTEERD: "DUO-berichten geëxporteerd",
    AuditActie.DUO_BERICHT_BEKEKEN: "DUO-bericht bekeken",
    AuditActie.DUO_ANTWOORD_VASTGELEGD: "DUO-antwoord vastgelegd",
    AuditActie.DUO_BERICHT_OPNIEUW: "DUO-bericht opnieuw klaargezet",
    AuditActie.ROUTERESULTAAT_BEVESTIGD: "Routeresultaat bevestigd",
    AuditActie.HANDHAVING_VASTGELEGD: "Handhaving vastgelegd",
    AuditActie.HANDHAVINGSBELEID_GEWIJZIGD: "Handhavingsbeleid gewijzigd",
    AuditActie.PIP_INGETROKKEN: "PIP ingetrokken",
    AuditActie.DUO_INSTELLINGEN_GEIMPORTEERD: "DUO-instellingen geïmporteerd",
    AuditActie.CBS_BESTAND_GEMAAKT: "CBS-bestand gemaakt",
    AuditActie.KPI_INSTELLING_GEWIJZIGD: "KPI-instelling gewijzigd",
    AuditActie.CONTRACT_GEWIJZIGD: "Contract gewijzigd",
    AuditActie.INDICATOR_TOEGEVOEGD: "Prestatie-indicator toegevoegd",
    AuditActie.TARIEF_TOEGEVOEGD: "Tarief toegevoegd",
    AuditActie.BUDGET_GEWIJZIGD: "Budget gewijzigd",
    AuditActie.PRESTATIES_BEREKEND: "Prestaties berekend",
    AuditActie.DECLARATIE_BEKEKEN: "Declaratie bekeken",
    AuditActie.DECLARATIE_INGEDIEND: "Declaratie ingediend",
    AuditActie.DECLARATIEREGEL_BEOORDEELD: "Declaratieregel beoordeeld",
    AuditActie.DECLARATIEREGEL_OPNIEUW: "Afgewezen regel opnieuw gedeclareerd",
    AuditActie.DECLARATIE_GEEXPORTEERD: "Declaratie geëxporteerd",
    AuditActie.API_CLIENT_AANGEMAAKT: "API-koppeling aangemaakt",
    AuditActie.API_CLIENT_INGETROKKEN: "API-koppeling ingetrokken",
    AuditActie.API_TOKEN_UITGEGEVEN: "API-token uitgegeven",
    AuditActie.API_TOKEN_GEWEIGERD: "API-token geweigerd",
    AuditActie.API_AANROEP: "API-aanroep",
    AuditActie.UPLOAD_ONTVANGEN: "Upload ontvangen",
    AuditActie.UPLOAD_GEWEIGERD: "Upload geweigerd",
    AuditActie.UPLOAD_GECONTROLEERD: "Upload gecontroleerd",
    AuditActie.UPLOAD_BEVESTIGD: "Upload bevestigd",
    AuditActie.MELDING_GELEZEN: "Melding gelezen",
    AuditActie.MELDINGEN_ALLE_GELEZEN: "Alle meldingen gelezen",
    AuditActie.MAILVOORKEUR_GEWIJZIGD: "Mailvoorkeur gewijzigd",
    AuditActie.SIGNALEN_AANWEZIGHEID: "Aanwezigheidssignalen berekend",
    AuditActie.SIGNAALDREMPELS_GEWIJZIGD: "Signaaldrempels gewijzigd",
    AuditActie.SIGNAALDREMPELS_STANDAARD: "Signaaldrempels teruggezet",
    AuditActie.CONTRACTDREMPELS_GEWIJZIGD: "Contractdrempels gewijzigd",
    AuditActie.GEMEENTE_AANGEMAAKT: "Gemeente aangemaakt",
    AuditActie.GEMEENTE_GEWIJZIGD: "Gemeente gewijzigd",
    AuditActie.AANBIEDER_AANGEMAAKT: "Aanbieder aangemaakt",
    AuditActie.AANBIEDER_GEWIJZIGD: "Aanbieder gewijzigd",
    AuditActie.GEBRUIKER_AANGEMAAKT: "Account aangemaakt",
    AuditActie.GEBRUIKER_GEWIJZIGD: "Account gewijzigd",
    AuditActie.GEBRUIKER_GEDEACTIVEERD: "Account gedeactiveerd",
    AuditActie.GEBRUIKER_GEACTIVEERD: "Account geactiveerd",
    AuditActie.TWEEDE_FACTOR_GERESET: "Tweede factor gereset",
    AuditActie.WACHTWOORD_INGESTELD: "Wachtwoord ingesteld door beheerder",
    AuditActie.WACHTWOORD_GEWIJZIGD: "Eigen wachtwoord gewijzigd",
    AuditActie.INLOGGEN: "Inloggen",
    AuditActie.UITLOGGEN: "Uitloggen",
    AuditActie.TWEEDE_FACTOR: "Tweede factor",
    AuditActie.ACCOUNT_GEBLOKKEERD: "Account tijdelijk geblokkeerd",
    AuditActie.AUDITLOG_BEKEKEN: "Auditlog bekeken",
    AuditActie.AUDITLOG_GEEXPORTEERD: "Auditlog geëxporteerd",
    AuditActie.INZAGE_GEEXPORTEERD: "Inzageoverzicht gemaakt",
}
RESULTAAT_LABELS = {"ok": "Gelukt", "geweigerd": "Geweigerd", "mislukt": "Mislukt", "fout": "Mislukt"}


def actie_label(action: str) -> str:
    """The Dutch wording of a stored action (an action of an older version reads as its stored text)."""
    try:
        return ACTIE_LABELS[AuditActie(action)]
    except (KeyError, ValueError):
        return action.replace("_", " ").capitalize()


OBJECT_LABELS = {
    "user": "account", "auditlog": "auditlog", "caseload": "caseloadlijst", "inburgeraar": "dossier",
    "omstandigheden_melding": "omstandigheden", "pip": "PIP", "registraties": "registraties",
    "route_resultaat": "routeresultaat", "traject_start": "start van het traject", "upload_sjabloon": "sjabloon",
    "voortgangsrapportage": "voortgangsrapportage",
    # lists that show several inburgeraars (audit.record_shown)
    "regie_overzicht": "regie-overzicht", "inburgeraars_lijst": "lijst inburgeraars",
    "deelnemers_lijst": "lijst deelnemers", "presentie_weekrooster": "weekrooster presentie",
    "presentie_lijst": "presentie-overzicht", "upload_voorbeeld": "voorbeeld van een upload",
}


def object_label(object_type: str) -> str:
    """The stored object type as a word for people ("verwijzing", "account")."""
    return OBJECT_LABELS.get(object_type, object_type.replace("_", " "))


def resultaat_label(result: str) -> str:
    return RESULTAAT_LABELS.get(result, result)


@dataclass(frozen=True)
class AuditFilter:
    """What the viewer narrows the trail to; all optional. `inburgeraar_id` comes from a BSN in scope."""

    actor_id: int | None = None
    inburgeraar_id: int | None = None
    bsn_buiten_bereik: bool = False  # a valid BSN of nobody in scope: no events, same as a BSN nobody has
    action: AuditActie | None = None
    van: date | None = None
    tot: date | None = None

    def details(self) -> dict[str, Any]:
        """The filters as non-personal facts for the audit event of reading the trail (never the BSN)."""
        result: dict[str, Any] = {}
        if self.actor_id is not None:
            result["gebruiker_id"] = self.actor_id
        if self.action is not None:
            result["actie"] = self.action.value
        if self.van is not None:
            result["van"] = self.van.isoformat()
        if self.tot is not None:
            result["tot"] = self.tot.isoformat()
        if self.inburgeraar_id is not None or self.bsn_buiten_bereik:
            result["op_inburgeraar"] = True
        return result


def parse_filter(session: Session, user: User, raw: dict[str, str]) -> AuditFilter:
    """The filter from query-string values; every problem at once as a ValidationError (field -> message)."""
    errors = Errors()
    actor_id = None
    if raw.get("gebruiker"):
        actor_id = parse_id(raw["gebruiker"])
        if actor_id is None or actor_id not in set(session.scalars(actor_ids(user))):
            errors.add("gebruiker", "Kies een gebruiker uit de lijst.")
    action = None
    if raw.get("actie"):
        try:
            action = AuditActie(raw["actie"])
        except ValueError:
            errors.add("actie", "Kies een actie uit de lijst.")
    inburgeraar_id, buiten = None, False
    if raw.get("bsn", "").strip():
        bsn = errors.run("bsn", lambda: parse_bsn(raw["bsn"]))
        if bsn is not None:
            inburgeraar_id = session.scalar(
                access.inburgeraars(user).with_only_columns(Inburgeraar.id).where(Inburgeraar.bsn == bsn))
            buiten = inburgeraar_id is None
    van = errors.run("van", lambda: parse_date(raw.get("van"), required=False, label="de datum 'van'"))
    tot = errors.run("tot", lambda: parse_date(raw.get("tot"), required=False, label="de datum 'tot en met'"))
    if van and tot and tot < van:
        errors.add("tot", "De datum 'tot en met' ligt vóór de datum 'van'. Draai ze om of pas er één aan.")
    errors.raise_if_any()
    return AuditFilter(actor_id=actor_id, inburgeraar_id=inburgeraar_id, bsn_buiten_bereik=buiten,
                       action=action, van=van, tot=tot)


def actor_ids(user: User) -> Select[tuple[int]]:
    """Ids of the accounts whose events the user may see: the ones it manages, and itself."""
    return select(User.id).where(User.id.in_(access.users(user).with_only_columns(User.id))).union(
        select(User.id).where(User.id == user.id))  # type: ignore[return-value]


def actors(session: Session, user: User) -> list[User]:
    """The accounts to choose from in the viewer's user filter, by name."""
    return list(session.scalars(select(User).where(User.id.in_(actor_ids(user))).order_by(User.naam, User.id)))


def _utc(day: date) -> datetime:
    """Midnight at the start of a Dutch calendar day, in UTC as stored (naive)."""
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(UTC).replace(tzinfo=None)


def events(user: User, f: AuditFilter = AuditFilter()) -> Select[tuple[AuditEvent]]:
    """The events the user may read that match the filter, newest first (access.audit_events is the scope)."""
    query = access.audit_events(user, actor_ids(user), about=f.inburgeraar_id)
    if f.bsn_buiten_bereik:
        return query.where(False)  # type: ignore[arg-type]
    if f.actor_id is not None:
        query = query.where(AuditEvent.actor_id == f.actor_id)
    if f.action is not None:
        query = query.where(AuditEvent.action == f.action.value)
    if f.van is not None:
        query = query.where(AuditEvent.occurred_at >= _utc(f.van))
    if f.tot is not None:
        query = query.where(AuditEvent.occurred_at < _utc(f.tot + timedelta(days=1)))
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


@dataclass(frozen=True)
class Regel:
    """One event as people read it."""

    event: AuditEvent
    actor: User | None
    inburgeraar: Inburgeraar | None

    @property
    def tijdstip(self) -> str:
        return datumtijd(self.event.occurred_at)

    @property
    def actie(self) -> str:
        """The action; reading one case names the case page, to tell it from being seen in a list."""
        if self.event.action == AuditActie.BEKEKEN.value and self.event.object_type == "inburgeraar":
            return "Dossier geopend"
        return actie_label(self.event.action)

    @property
    def inburgeraar_id(self) -> int | None:
        """The inburgeraar the event is about, or the one the trail was narrowed to that a list showed."""
        return self.event.inburgeraar_id or (self.inburgeraar.id if self.inburgeraar is not None else None)

    @property
    def in_lijst(self) -> bool:
        """Whether the event showed several inburgeraars at once (its audit_gezien rows name them)."""
        return self.event.inburgeraar_id is None and (
            self.event.action == AuditActie.OVERZICHT_BEKEKEN.value or self.inburgeraar is not None)

    @property
    def wie(self) -> str:
        """Name and role of the actor, or "Systeem" for background jobs."""
        if self.actor is None:
            return "Systeem"
        return f"{self.actor.naam} ({self.actor.rol.label})"

    @property
    def organisatie(self) -> str:
        """The actor's organisation: the aanbieder, or the gemeente(n)."""
        if self.actor is None:
            return "Portaal"
        if self.actor.aanbieder is not None:
            return self.actor.aanbieder.naam
        return ", ".join(g.naam for g in self.actor.gemeenten) or "Gemeente"

    @property
    def onderwerp(self) -> str:
        """What was read or changed: the object type, with its fields when the event names them."""
        velden = (self.event.details or {}).get("velden") if isinstance(self.event.details, dict) else None
        text = object_label(self.event.object_type)
        if isinstance(velden, list) and velden:
            text += " (" + ", ".join(str(v) for v in velden) + ")"
        details = self.event.details if isinstance(self.event.details, dict) else {}
        aantal = details.get("aantal")
        if not isinstance(aantal, int) and isinstance(details.get("inburgeraar_ids"), list):
            aantal = len(details["inburgeraar_ids"])  # lists recorded before they counted their rows
        if self.in_lijst and isinstance(aantal, int):
            text += f" (lijst van {aantal} {'inburgeraar' if aantal == 1 else 'inburgeraars'})"
        return text

    @property
    def resultaat(self) -> str:
        return resultaat_label(self.event.result)


def regels(session: Session, rows: Sequence[AuditEvent], about: int | None = None) -> list[Regel]:
    """The events with their actor and inburgeraar, loaded in two queries for the whole page.

    `about`: the trail was narrowed to this inburgeraar (events(…) with its filter), so an event naming none
    is a list that showed it."""
    actor_ids_ = {e.actor_id for e in rows if e.actor_id is not None}
    inburgeraar_ids = {e.inburgeraar_id or about for e in rows} - {None}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(actor_ids_)))} if actor_ids_ else {}
    personen = ({i.id: i for i in session.scalars(select(Inburgeraar).where(Inburgeraar.id.in_(inburgeraar_ids)))}
                if inburgeraar_ids else {})
    return [Regel(e, users.get(e.actor_id or 0), personen.get(e.inburgeraar_id or about or 0)) for e in rows]


# --- exports --------------------------------------------------------------------------------------

EXPORT_KOLOMMEN = ("Tijdstip", "Gebruiker", "Organisatie", "Actie", "Onderwerp", "Object-id", "Inburgeraar-id",
                   "Resultaat", "Herkomst")


def _export_rows(regels_: Iterable[Regel]) -> Iterable[list[str]]:
    """The trail without names or BSNs of inburgeraars: the internal id is enough to follow a case up."""
    for r in regels_:
        yield [r.tijdstip, r.wie, r.organisatie, r.actie, r.onderwerp, r.event.object_id or "",
               "" if r.inburgeraar_id is None else str(r.inburgeraar_id), r.resultaat, r.event.origin]


def export_regels(session: Session, user: User, f: AuditFilter) -> list[Regel]:
    """Every event of the filter (at most EXPORT_MAX), for a download."""
    rows = list(session.scalars(events(user, f).limit(EXPORT_MAX)))
    return regels(session, rows, f.inburgeraar_id)


def as_csv(header: Sequence[str], rows: Iterable[Sequence[str]], preamble: Sequence[str] = ()) -> bytes:
    """Semicolon CSV in UTF-8 with BOM (Excel opens it with the right characters); formulas stay text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for line in preamble:
        writer.writerow([csv_safe(line)])
    if preamble:
        writer.writerow([])
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[str]], preamble: Sequence[str] = ()) -> bytes:
    """One sheet with a bold header row; every value is a string cell, never a formula."""
    buffer = io.BytesIO()
    workbook = text_safe_workbook(buffer)
    kop = workbook.add_format({"bold": True, "bg_color": "#DDE7F0"})
    sheet = workbook.add_worksheet(title[:31])
    line = 0
    for text in preamble:
        sheet.write_string(line, 0, text)
        line += 1
    if preamble:
        line += 1
    for col, naam in enumerate(header):
        sheet.write_string(line, col, naam, kop)
        sheet.set_column(col, col, 22)
    first = line
    for line, row in enumerate(rows, start=first + 1):
        for col, value in enumerate(row):
            text = "" if value is None else str(value)
            sheet.write_string(line, col, "'" + text if is_formula_like(text) else text)
    sheet.freeze_panes(first + 1, 0)
    workbook.close()
    return buffer.getvalue()


def trail_export(regels_: Sequence[Regel], fmt: str) -> bytes:
    """The filtered trail as csv or xlsx."""
    rows = list(_export_rows(regels_))
    if fmt == "csv":
        return as_csv(EXPORT_KOLOMMEN, rows)
    return as_xlsx("Auditlog", EXPORT_KOLOMMEN, rows)


INZAGE_KOLOMMEN = ("Datum en tijd", "Wie (functie)", "Organisatie", "Wat", "Welke gegevens", "Resultaat")


def inzage_export(session: Session, user: User, inburgeraar: Inburgeraar, fmt: str, today: date) -> bytes:
    """Who saw and changed this person's data, when: the overview for an AVG inzageverzoek (art. 15).

    It names the role and organisation of each reader, not the employee (the AVG asks for recipients); the
    person is named in the heading because the overview is made for them.
    """
    rows = list(session.scalars(events(user, AuditFilter(inburgeraar_id=inburgeraar.id)).limit(EXPORT_MAX)))
    lines = [
        [r.tijdstip, r.actor.rol.label if r.actor else "Systeem (automatische verwerking)", r.organisatie,
         r.actie, r.onderwerp, r.resultaat]
        for r in regels(session, rows, inburgeraar.id)
    ]
    gemeente = session.get(Gemeente, inburgeraar.gemeente_id)
    preamble = (
        f"Overzicht van inzage en wijzigingen voor {inburgeraar.voornamen} {inburgeraar.achternaam}",
        f"BSN {inburgeraar.bsn}, geboren {inburgeraar.geboortedatum:%d-%m-%Y}, "
        f"gemeente {gemeente.naam if gemeente else ''}",
        f"Opgesteld op {today:%d-%m-%Y}; {len(lines)} {'gebeurtenis' if len(lines) == 1 else 'gebeurtenissen'}, "
        "nieuwste eerst.",
    )
    if fmt == "csv":
        return as_csv(INZAGE_KOLOMMEN, lines, preamble)
    return as_xlsx("Inzage", INZAGE_KOLOMMEN, lines, preamble)
