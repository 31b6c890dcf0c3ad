"""The timeline of one inburgeraar: every registered event, newest first, each with its source.

Presence is one event per verwijzing per week, read from the kept week totals (portal.services.kept_totals),
and paged: the case page shows the last TIJDLIJN_WEKEN weeks with every other event, older weeks a page further.
Events of one day keep the order in which they happened (an afschalingsverzoek ingediend before its decision
before the new PIP version); nothing dated after today is shown.

Sources are the gemeente's own registrations (PIP versions, verwijzingen, decisions) and what the
aanbieders or DUO reported (starts, presentie per week, progress, circumstances, results). The caller
passes the verwijzingen and registrations it already loaded through portal.access; what is read here is
scoped through portal.access as well. Audit events are deliberately not part of the timeline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from portal import access
from portal.domain import afronding
from portal.formatting import AMSTERDAM, datum, uren, week_lang
from portal.models import (
    Aanbieder,
    Gemeente,
    Inburgeraar,
    PresentieTotaal,
    PresentieWeek,
    RegistratieWijziging,
    TrajectStart,
    User,
    Verwijzing,
    Voortgangsrapportage,
    user_gemeente,
)
from portal.models.resultaat import AfschalingStatus
from portal.models.traject import Activiteit
from portal.services import statements
from portal.services.kept_totals import week_start
from portal.services.resultaten import Registraties
from portal.services.validation import as_date, as_datetime, as_decimal

GEMEENTE = "Gemeente"


@dataclass(frozen=True)
class Gebeurtenis:
    """One event on the timeline."""

    moment: date
    soort: str
    omschrijving: str
    bron: str
    verwijzing: str | None = None  # kenmerk of the verwijzing it belongs to
    tijdstip: datetime | None = None  # when it was recorded: orders the events of one day
    paginas: tuple[int, ...] = ()  # timeline pages it points to (corrections of older weeks)


@dataclass(frozen=True)
class WeekPresentie:
    """Presence hours of one ISO week (Monday..Sunday), summed over the verwijzingen given."""

    maandag: date
    aanwezig: Decimal
    geoorloofd: Decimal
    ongeoorloofd: Decimal

    # Worked out once: the chart, its description and the table below it each read them per week.
    @cached_property
    def gepland(self) -> Decimal:
        return self.aanwezig + self.geoorloofd + self.ongeoorloofd

    @cached_property
    def percentage(self) -> Decimal | None:
        """Share of planned hours present (portal.domain.afronding: one decimal); None without planned hours."""
        return afronding.percentage(self.aanwezig, self.gepland)

    @cached_property
    def weeknummer(self) -> int:
        return self.maandag.isocalendar().week


def _dag(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(AMSTERDAM).date() if value.tzinfo else value.date()
    return value


def maandag(dag: date) -> date:
    """The Monday of the ISO week of a day."""
    return dag - timedelta(days=dag.weekday())


TIJDLIJN_WEKEN = 12
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _in_scope(user: User) -> Select[tuple[int]]:
    """The verwijzing ids given as the expanding parameter "ids" that are in the user's scope
    (portal.access.verwijzingen): the scope checked for these few rows. The scopes of portal.access list every
    verwijzing in the user's gemeenten first, which cost more than the case page's own reads."""
    return access.verwijzingen(user).where(Verwijzing.id.in_(bindparam("ids", expanding=True))) \
        .with_only_columns(Verwijzing.id)


def presentie_per_week(
    session: Session, user: User, verwijzing_ids: Sequence[int], *, vanaf: date | None = None,
    tot: date | None = None,
) -> list[tuple[int, date, Any]]:
    """(verwijzing_id, Monday, (aanwezig, geoorloofd, ongeoorloofd)) per week with presence, from the kept week
    totals (summed over activities in the database), for the weeks from `vanaf` through `tot` (Mondays)."""
    if not verwijzing_ids:
        return []

    def build() -> Select[Any]:
        query = (
            select(PresentieWeek).where(PresentieWeek.verwijzing_id.in_(_in_scope(user)))
            .with_only_columns(
                PresentieWeek.verwijzing_id,
                PresentieWeek.week,
                func.sum(PresentieWeek.uren_aanwezig),
                func.sum(PresentieWeek.uren_afwezig_geoorloofd),
                func.sum(PresentieWeek.uren_afwezig_ongeoorloofd),
            )
            .group_by(PresentieWeek.verwijzing_id, PresentieWeek.week)
        )
        if vanaf is not None:
            query = query.where(PresentieWeek.week >= bindparam("vanaf", type_=Date))
        if tot is not None:
            query = query.where(PresentieWeek.week <= bindparam("tot", type_=Date))
        return query

    query = statements.per_user(f"tijdlijn.per_week.{vanaf is not None}.{tot is not None}", user, build)
    rows = session.execute(query, {"ids": list(verwijzing_ids), "vanaf": vanaf, "tot": tot})
    return [(v_id, as_date(week), (a, g, o)) for v_id, week, a, g, o in rows]


def presentie_en_ouder(
    session: Session, user: User, verwijzing_ids: Sequence[int], *, vanaf: date, voor: date, tot: date | None = None,
) -> tuple[list[tuple[int, date, Any]], bool]:
    """presentie_per_week(vanaf, tot), and whether there is presence in a week before the Monday `voor` (for a link
    to older timeline pages), in one statement: the week rows, then one row with the latest week before `voor`
    (NULL when there is none)."""
    if not verwijzing_ids:
        return [], False

    def build() -> Any:
        scoped = select(PresentieWeek).where(PresentieWeek.verwijzing_id.in_(_in_scope(user)))
        weken = (
            scoped.with_only_columns(
                PresentieWeek.verwijzing_id, PresentieWeek.week, func.sum(PresentieWeek.uren_aanwezig),
                func.sum(PresentieWeek.uren_afwezig_geoorloofd), func.sum(PresentieWeek.uren_afwezig_ongeoorloofd),
            )
            .where(PresentieWeek.week >= bindparam("vanaf", type_=Date))
            .group_by(PresentieWeek.verwijzing_id, PresentieWeek.week)
        )
        if tot is not None:
            weken = weken.where(PresentieWeek.week <= bindparam("tot", type_=Date))
        ouder = scoped.with_only_columns(
            null().label("verwijzing_id"), func.max(PresentieWeek.week), null(), null(), null(),
        ).where(PresentieWeek.week < bindparam("voor", type_=Date))
        return union_all(weken, ouder)

    query = statements.per_user(f"tijdlijn.presentie_en_ouder.{tot is not None}", user, build)
    rows = session.execute(query, {"ids": list(verwijzing_ids), "vanaf": vanaf, "tot": tot, "voor": voor}).all()
    per_week = [(v_id, as_date(week), (a, g, o)) for v_id, week, a, g, o in rows if v_id is not None]
    return per_week, any(v_id is None and week is not None for v_id, week, *_rest in rows)


def pagina_weken(today: date, pagina: int) -> tuple[date, date]:
    """First and last Monday of a timeline page: page 1 holds the TIJDLIJN_WEKEN weeks up to this one."""
    laatste = maandag(today) - timedelta(weeks=TIJDLIJN_WEKEN * (pagina - 1))
    return laatste - timedelta(weeks=TIJDLIJN_WEKEN - 1), laatste


def weken(per_dag: Sequence[tuple[int, date, Any]], *, tot: date, aantal: int) -> list[WeekPresentie]:
    """The last `aantal` ISO weeks up to and including the week of `tot`, empty weeks included."""
    laatste = maandag(tot)
    eerste = laatste - timedelta(weeks=aantal - 1)
    sums: dict[date, list[Decimal]] = {eerste + timedelta(weeks=n): [Decimal(0)] * 3 for n in range(aantal)}
    for _v_id, dag, (a, g, o) in per_dag:
        week = maandag(dag)
        if week in sums:
            for i, value in enumerate((a, g, o)):
                sums[week][i] += as_decimal(value)
    return [WeekPresentie(week, *values) for week, values in sorted(sums.items())]


def _weektitel(week: date, tot: date) -> str:
    """'week 48 (23–29 november 2026)'; the current week only up to today, never a later date."""
    if tot == week + timedelta(days=6):
        return week_lang(week)
    return f"week {week.isocalendar().week} ({datum(week)} t/m {datum(tot)})"


def presentie_gebeurtenissen(
    per_dag: Sequence[tuple[int, date, Any]], kenmerken: dict[int, tuple[str, str]], today: date
) -> list[Gebeurtenis]:
    """One event per verwijzing per week in which presence was registered, dated the week's last day up to
    today."""
    # Rows of the kept week totals come one per verwijzing and week: a week's first row starts its sums (as
    # 0 + value, the same Decimal the running sum gave), only a further row of that week adds to them.
    per_week: dict[tuple[int, date], list[Decimal]] = {}
    for v_id, dag, values in per_dag:
        key = (v_id, dag - timedelta(days=dag.weekday()))  # maandag(dag)
        bucket = per_week.get(key)
        if bucket is None:
            per_week[key] = [_NUL + as_decimal(value) for value in values]
        else:
            for i, value in enumerate(values):
                bucket[i] += as_decimal(value)
    result = []
    zes_dagen = timedelta(days=6)
    for (v_id, week), (a, g, o) in per_week.items():
        kenmerk, aanbieder = kenmerken[v_id]
        tot = min(week + zes_dagen, today)  # the current week: up to today, never a later date
        result.append(Gebeurtenis(
            tot, "Presentie",
            f"{_weektitel(week, tot).capitalize()}: "
            f"{uren(a)} uur aanwezig, {uren(g)} uur afwezig met reden, {uren(o)} uur zonder reden.",
            f"Aanbieder {aanbieder}", kenmerk,
        ))
    return result


_NUL = Decimal(0)


PRESENTIE = "presentie"  # RegistratieWijziging.object_type of a presence correction (portal.services.presentie)
# The week a presence correction belongs to: that of the session it corrected (betreft_datum), not the week it was
# made in; history from before betreft_datum was kept, of sessions deleted since, falls back to the correction's.
_CORRECTIE_WEEK = func.coalesce(week_start(RegistratieWijziging.betreft_datum),
                                week_start(RegistratieWijziging.gewijzigd_op))
# The channel of a correction: what its entry point named (weekrooster, upload ...), or of an origin that names a
# request (web 10.1.2.3, api <client> 10.1.2.3) only its kind: an address tells a reader nothing.
def _tekst(waarde: str) -> Any:
    return literal_column(f"'{waarde}'", String)  # inline: a bound value would make GROUP BY differ from SELECT


_KANAAL = case((RegistratieWijziging.bron.like(_tekst("web %")), _tekst("web")),
               (RegistratieWijziging.bron.like(_tekst("api %")), _tekst("api")), else_=RegistratieWijziging.bron)
# Who made a correction: the provider of the user; gemeente staff by their gemeente ("Gemeente Hoorn": the
# inburgeraar's, "gemeente_id", when the user works for it, else the first of the user's own by name); no user: the
# system (a job, the CLI).
SYSTEEM = "Systeem"
_GEMEENTE_VAN_USER = (
    select(_tekst(f"{GEMEENTE} ").concat(Gemeente.naam))
    .join(user_gemeente, user_gemeente.c.gemeente_id == Gemeente.id)
    .where(user_gemeente.c.user_id == User.id)
    .order_by(case((Gemeente.id == bindparam("gemeente_id", type_=Integer), 0), else_=1), Gemeente.naam)
    .limit(1).scalar_subquery()
)
_ORGANISATIE = func.coalesce(Aanbieder.naam, case((User.id.is_(None), _tekst(SYSTEEM)),
                                                  else_=func.coalesce(_GEMEENTE_VAN_USER, _tekst(GEMEENTE))))
KANALEN = {"weekrooster": "via het weekrooster", "sessieformulier": "via het sessieformulier",
           "upload": "via een upload", "web": "via het portaal", "api": "via de API", "systeem": "door het systeem"}


# The presence corrections of inburgeraar "inburgeraar_id" in the weeks from Monday "van" up to (not including)
# Monday "na": those of sessions on those days, or without a session day (older history) made in those weeks. As
# ranges on the columns themselves, not on their week (`_CORRECTIE_WEEK`), so the index ix_registratie_wijziging_betreft
# reads only the corrections of these weeks, not the inburgeraar's whole history; each branch of the OR names the
# whole index prefix, or SQLite does not use the index for the range.
_VAN, _NA = bindparam("van", type_=Date), bindparam("na", type_=Date)
_PRESENTIE_VAN_INBURGERAAR = (RegistratieWijziging.inburgeraar_id == bindparam("inburgeraar_id"),
                              RegistratieWijziging.object_type == PRESENTIE)
_IN_VENSTER = or_(
    and_(*_PRESENTIE_VAN_INBURGERAAR, RegistratieWijziging.betreft_datum >= _VAN,
         RegistratieWijziging.betreft_datum < _NA),
    and_(*_PRESENTIE_VAN_INBURGERAAR, RegistratieWijziging.betreft_datum.is_(None),
         RegistratieWijziging.gewijzigd_op >= _VAN, RegistratieWijziging.gewijzigd_op < _NA),
)


# Corrections made since page 1's first Monday "voor" of sessions before it (on their own pages only, else): the
# first page names them. Bounded by the day they were made (ix_registratie_wijziging_gewijzigd); the session day is
# compared through COALESCE (false without one: those are in the week they were made) so that no planner walks the
# index on betreft_datum through all the older history instead.
_VOOR = bindparam("voor", type_=Date)
_OUDERE_WEKEN = and_(*_PRESENTIE_VAN_INBURGERAAR, RegistratieWijziging.gewijzigd_op >= _VOOR,
                     func.coalesce(RegistratieWijziging.betreft_datum, _VOOR) < _VOOR)


def _presentie_correcties(venster: Any = _IN_VENSTER, soort: Any = None, *leeg: Any) -> Select[Any]:
    """Presence corrections of inburgeraar "inburgeraar_id" per week of the corrected sessions (by default
    `_IN_VENSTER`: the weeks from Monday "van" before Monday "na"), organisation and channel: (week, organisation,
    channel, registrations, days, last change).
    Counted is what users corrected, sessions and their days, not the fields stored per session."""
    kolommen = [
        _CORRECTIE_WEEK.label("week"), _ORGANISATIE.label("organisatie"), _KANAAL.label("kanaal"),
        func.count(func.distinct(RegistratieWijziging.object_id)).label("registraties"),
        func.count(func.distinct(RegistratieWijziging.betreft_datum)).label("dagen"),
        func.max(RegistratieWijziging.gewijzigd_op).label("laatst"),
    ]
    if soort is not None:  # as a part of `_bronnen`: its row shape
        # (soort, verwijzing_id, datum, datum2, tekst, tekst2, vlag, tijdstip, bron, aantal, aantal2, uren ...)
        kolommen = [soort, leeg[0], kolommen[0], leeg[1], kolommen[1], kolommen[2], leeg[2], kolommen[5],
                    leeg[3], kolommen[3], kolommen[4], *leeg[4:]]
    return (
        select(*kolommen)
        .select_from(RegistratieWijziging)
        .outerjoin(User, User.id == RegistratieWijziging.gewijzigd_door_id)
        .outerjoin(Aanbieder, Aanbieder.id == User.aanbieder_id)
        .where(venster)
        .group_by("week", "organisatie", "kanaal")
    )


_PRESENTIE_CORRECTIES = _presentie_correcties()


def _verwijzingen_van_inburgeraar(user: User) -> Any:
    """The ids of the verwijzingen of the inburgeraar "inburgeraar_id" in the user's scope (portal.access.verwijzingen,
    as the case page loads them), as one CTE that every source of `_bronnen` reads: the scope is looked up once per
    statement, and the statement's text is the same for every case (PostgreSQL plans and prepares it once, not once
    per number of verwijzingen as with a list of ids)."""
    return (access.verwijzingen(user).where(Verwijzing.inburgeraar_id == bindparam("inburgeraar_id"))
            .with_only_columns(Verwijzing.id).cte("tijdlijn_verwijzingen"))


def _reden(kop: str, tekst: str | None) -> str:
    """A provider's reason in an event's text: after `kop`, or as given but hidden (access.reden_kolom)."""
    if not tekst:
        return ""
    return f" {tekst}." if tekst == access.REDEN_VERBORGEN else f"{kop}{tekst}"


def _bronnen(user: User, met_weken: bool = False) -> Select[Any]:
    """The timeline's own reads as one statement of one row shape (UNION ALL; typed NULLs, so PostgreSQL can unite
    the columns): the starts and progress reports of the inburgeraar's verwijzingen in the user's scope
    (_verwijzingen_van_inburgeraar), its corrections other than of presence, and its presence corrections per week
    and source in the weeks from "van" before "na". Rows of a verwijzing the caller did not load are left out by
    `_lees`.

    `met_weken` adds, for the first page, presence per verwijzing and week from Monday "weken_vanaf" (soort "week",
    the hours in uren/uren2/uren3), the latest week with presence before Monday "voor" (soort "ouder") and the kept
    totals per verwijzing and activity (soort "totaal", the activity in tekst; for portal.services.totals) and the
    presence corrections made since "voor" of weeks before it (soort "oudere_correctie", rows as "presentie")."""
    def leeg(type_: Any) -> Any:
        return cast(null(), type_)

    def soort(naam: str) -> Any:
        return literal_column(f"'{naam}'", String)

    scope = _verwijzingen_van_inburgeraar(user)
    in_scope = select(scope.c.id)
    uren_type = PresentieWeek.uren_aanwezig.type
    geen_uren = (leeg(uren_type), leeg(uren_type), leeg(uren_type)) if met_weken else ()
    starts = select(
        soort("start").label("soort"), TrajectStart.verwijzing_id.label("verwijzing_id"),
        TrajectStart.gerealiseerde_startdatum.label("datum"), TrajectStart.bijgestelde_einddatum.label("datum2"),
        access.reden_kolom(user, TrajectStart.reden_latere_start).label("tekst"),
        access.reden_kolom(user, TrajectStart.reden_niet_gestart).label("tekst2"),
        TrajectStart.niet_gestart.label("vlag"), TrajectStart.created_at.label("tijdstip"), leeg(String).label("bron"),
        leeg(Integer).label("aantal"), leeg(Integer).label("aantal2"),
        *(kolom.label(naam) for kolom, naam in zip(geen_uren, ("uren", "uren2", "uren3"), strict=False)),
    ).where(TrajectStart.verwijzing_id.in_(in_scope))
    rapporten = select(
        soort("voortgang"), Voortgangsrapportage.verwijzing_id, Voortgangsrapportage.peildatum, leeg(Date),
        Voortgangsrapportage.voortgang, leeg(String), leeg(Boolean), Voortgangsrapportage.created_at, leeg(String),
        leeg(Integer), leeg(Integer), *geen_uren,
    ).where(Voortgangsrapportage.verwijzing_id.in_(in_scope))
    # The inburgeraar was loaded through portal.access; gemeente staff see all its corrections. "Not presence" as two
    # ranges of ix_registratie_wijziging_betreft (`!=` is no index condition): not a walk through all presence history.
    # What was corrected in tekst ("verwijzing, status"), who in tekst2, the channel in bron.
    correcties = select(
        soort("correctie"), leeg(Integer), leeg(Date), leeg(Date),
        RegistratieWijziging.object_type.concat(_tekst(", ")).concat(RegistratieWijziging.veld), _ORGANISATIE,
        leeg(Boolean), RegistratieWijziging.gewijzigd_op, _KANAAL, leeg(Integer), leeg(Integer), *geen_uren,
    ).select_from(RegistratieWijziging).outerjoin(User, User.id == RegistratieWijziging.gewijzigd_door_id) \
        .outerjoin(Aanbieder, Aanbieder.id == User.aanbieder_id) \
        .where(or_(*(and_(RegistratieWijziging.inburgeraar_id == bindparam("inburgeraar_id"), anders)
                     for anders in (RegistratieWijziging.object_type < PRESENTIE,
                                    RegistratieWijziging.object_type > PRESENTIE))))
    geen = (leeg(Integer), leeg(Date), leeg(Boolean), leeg(String), *geen_uren)
    presentie = _presentie_correcties(_IN_VENSTER, soort("presentie"), *geen)
    if not met_weken:
        return union_all(starts, rapporten, correcties, presentie)
    tijdstip = TrajectStart.created_at.type
    scoped = PresentieWeek.verwijzing_id.in_(in_scope)
    weken = (
        select(soort("week"), PresentieWeek.verwijzing_id, PresentieWeek.week, leeg(Date), leeg(String),
               leeg(String), leeg(Boolean), leeg(tijdstip), leeg(String), leeg(Integer), leeg(Integer),
               func.sum(PresentieWeek.uren_aanwezig), func.sum(PresentieWeek.uren_afwezig_geoorloofd),
               func.sum(PresentieWeek.uren_afwezig_ongeoorloofd))
        .where(scoped, PresentieWeek.week >= bindparam("weken_vanaf", type_=Date))
        .group_by(PresentieWeek.verwijzing_id, PresentieWeek.week)
    )
    ouder = select(
        soort("ouder"), leeg(Integer), func.max(PresentieWeek.week), leeg(Date), leeg(String), leeg(String),
        leeg(Boolean), leeg(tijdstip), leeg(String), leeg(Integer), leeg(Integer), *geen_uren,
    ).where(scoped, PresentieWeek.week < bindparam("voor", type_=Date))
    # One row per verwijzing and activity (the table's key): portal.services.totals adds them up per onderdeel.
    totaal = select(
        soort("totaal"), PresentieTotaal.verwijzing_id, leeg(Date), leeg(Date),
        cast(PresentieTotaal.activiteit, String), leeg(String), leeg(Boolean), leeg(tijdstip), leeg(String),
        leeg(Integer), leeg(Integer), PresentieTotaal.uren_aanwezig, PresentieTotaal.uren_afwezig_geoorloofd,
        PresentieTotaal.uren_afwezig_ongeoorloofd,
    ).where(PresentieTotaal.verwijzing_id.in_(in_scope))
    oudere_correcties = _presentie_correcties(_OUDERE_WEKEN, soort("oudere_correctie"), *geen)
    return union_all(starts, rapporten, correcties, presentie, weken, ouder, totaal, oudere_correcties)


def presentie_correcties(session: Session, inburgeraar: Inburgeraar, vanaf: date, tot: date, today: date
                         ) -> list[Gebeurtenis]:
    """One event per week, organisation and channel for the corrections of presence of sessions in the weeks
    from Monday `vanaf` through the week of Monday `tot`: a docent who corrects the week grid daily would otherwise
    fill the timeline (and its cost) with one line per corrected field."""
    rows = session.execute(_PRESENTIE_CORRECTIES, {"inburgeraar_id": inburgeraar.id,
                                                   "gemeente_id": inburgeraar.gemeente_id,
                                                   **_correctie_venster(vanaf, tot)})
    return _correctie_gebeurtenissen(rows, today)


def _correctie_venster(vanaf: date, tot: date) -> dict[str, date]:
    """The parameters van/na (`_IN_VENSTER`) of the presence corrections of sessions in the weeks from Monday
    `vanaf` through the week of Monday `tot`."""
    return {"van": vanaf, "na": tot + timedelta(weeks=1)}


def bron_van_correctie(organisatie: str, kanaal: str) -> str:
    """'Taalcentrum Omringdijk, via het weekrooster': who corrected and through which channel; a job just
    'Systeem'."""
    if organisatie == SYSTEEM and kanaal == "systeem":
        return SYSTEEM
    return f"{organisatie}, {KANALEN.get(kanaal, 'via ' + kanaal)}"


def _correctie_gebeurtenissen(rows: Any, today: date) -> list[Gebeurtenis]:
    """Events of (week, organisatie, kanaal, registraties, dagen, laatst) rows of presence corrections, dated the
    corrected week's last day up to today (as that week's presence), saying when the last correction was made."""
    result = []
    for week, organisatie, kanaal, registraties, dagen, laatst in rows:
        monday = maandag(as_date(week))
        dag = min(monday + timedelta(days=6), today)
        wat = f"{registraties} {'registratie' if registraties == 1 else 'registraties'}"
        if dagen:
            wat = f"{wat} op {dagen} {'dag' if dagen == 1 else 'dagen'}"
        gecorrigeerd = as_datetime(laatst)
        result.append(Gebeurtenis(
            dag, "Correctie", f"{_weektitel(monday, dag).capitalize()}: presentie gecorrigeerd, {wat} "
            f"(laatst op {datum(_dag(gecorrigeerd))}).", bron_van_correctie(organisatie, kanaal),
            tijdstip=gecorrigeerd))
    return result


def pagina_van(week: date, today: date) -> int:
    """The timeline page that holds the week of Monday `week` (pagina_weken)."""
    return (maandag(today) - week).days // 7 // TIJDLIJN_WEKEN + 1


def _oudere_correcties(rows: Sequence[Any], today: date) -> list[Gebeurtenis]:
    """Per organisation and channel, one event on the first page for the presence corrections made in its weeks of
    sessions in older weeks (soort "oudere_correctie" of `_bronnen`): how many registrations, when last, and the
    pages of those weeks, so a late change of hours is not seen only on an old page."""
    per_bron: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, _EARLIEST, set()])
    for row in rows:
        bron = per_bron[(row.tekst, row.tekst2)]
        bron[0] += row.aantal
        bron[1] = max(bron[1], _utc(as_datetime(row.tijdstip)))
        bron[2].add(pagina_van(maandag(as_date(row.datum)), today))
    result = []
    for (organisatie, kanaal), (aantal, laatst, paginas) in per_bron.items():
        wat = "gecorrigeerde registratie" if aantal == 1 else "gecorrigeerde registraties"
        result.append(Gebeurtenis(
            min(_dag(laatst), today), "Correctie",
            f"{aantal} {wat} van oudere weken, laatst op {datum(_dag(laatst))}.",
            bron_van_correctie(organisatie, kanaal), tijdstip=laatst, paginas=tuple(sorted(paginas))))
    return result


def tijdlijn(
    session: Session,
    user: User,
    inburgeraar: Inburgeraar,
    verwijzingen: Sequence[Verwijzing],
    registraties: Registraties,
    per_week: Sequence[tuple[int, date, Any]],
    today: date,
    weken: tuple[date, date] | None = None,
) -> list[Gebeurtenis]:
    """Every event of the case up to today, newest first (presence and its corrections: the weeks in `per_week`,
    between the Mondays `weken`, by default those of the first page); events of one day in the order they were
    recorded."""
    kenmerken = {v.id: (v.kenmerk, v.aanbieder.naam) for v in verwijzingen}
    gelezen = _lees(session, user, inburgeraar, kenmerken, weken or pagina_weken(today, 1))
    return _gebeurtenissen(inburgeraar, verwijzingen, registraties, per_week, today, kenmerken, gelezen)


def eerste_pagina(
    session: Session,
    user: User,
    inburgeraar: Inburgeraar,
    verwijzingen: Sequence[Verwijzing],
    registraties: Registraties,
    today: date,
    weken_vanaf: date,
) -> tuple[list[Gebeurtenis], list[tuple[int, date, Any]], bool, list[tuple[int, Activiteit, Any, Any, Any]]]:
    """The first timeline page (tijdlijn() with its default weeks), the presence per verwijzing and week from Monday
    `weken_vanaf` (presentie_per_week: the chart's weeks), whether there is presence before the page's first
    week (presentie_en_ouder) and the kept totals (verwijzing_id, activiteit, aanwezig, geoorloofd, ongeoorloofd) of
    the verwijzingen (for portal.services.totals), in one statement."""
    kenmerken = {v.id: (v.kenmerk, v.aanbieder.naam) for v in verwijzingen}
    vanaf, tot = pagina_weken(today, 1)
    gelezen = _lees(session, user, inburgeraar, kenmerken, (vanaf, tot), {"weken_vanaf": weken_vanaf, "voor": vanaf})
    per_week = [(row.verwijzing_id, as_date(row.datum), (row.uren, row.uren2, row.uren3)) for row in gelezen["week"]]
    ouder = any(row.datum is not None for row in gelezen["ouder"])
    kept = [(row.verwijzing_id, Activiteit(row.tekst), row.uren, row.uren2, row.uren3) for row in gelezen["totaal"]]
    events = _gebeurtenissen(inburgeraar, verwijzingen, registraties, [w for w in per_week if w[1] >= vanaf], today,
                             kenmerken, gelezen)
    return events, per_week, ouder, kept


def _lees(session: Session, user: User, inburgeraar: Inburgeraar, kenmerken: dict[int, Any],
          weken: tuple[date, date], presentie: dict[str, date] | None = None) -> dict[str, list[Any]]:
    """The rows of `_bronnen` by soort, of the verwijzingen in `kenmerken` (those the caller loaded: one made
    since then is not on this page); `presentie` (weken_vanaf, voor) adds the presence weeks and kept totals."""
    gelezen: dict[str, list[Any]] = {"start": [], "voortgang": [], "correctie": [], "presentie": [], "week": [],
                                     "ouder": [], "totaal": [], "oudere_correctie": []}
    query = statements.per_user(f"tijdlijn.bronnen.{presentie is not None}", user,
                                lambda: _bronnen(user, met_weken=presentie is not None))
    for row in statements.lees_rijen(session, query, {"inburgeraar_id": inburgeraar.id,
                                                      "gemeente_id": inburgeraar.gemeente_id,
                                                      **_correctie_venster(*weken),
                                                      **(presentie or {})}):
        if row.verwijzing_id is None or row.verwijzing_id in kenmerken:
            gelezen[row.soort].append(row)
    return gelezen


def _gebeurtenissen(
    inburgeraar: Inburgeraar,
    verwijzingen: Sequence[Verwijzing],
    registraties: Registraties,
    per_week: Sequence[tuple[int, date, Any]],
    today: date,
    kenmerken: dict[int, tuple[str, str]],
    gelezen: dict[str, list[Any]],
) -> list[Gebeurtenis]:
    """The events of tijdlijn() from what the caller loaded and what `_lees` read."""
    ids = list(kenmerken)
    events: list[Gebeurtenis] = []
    for pip in inburgeraar.pips:
        niveau = f", niveau {pip.niveau.label}" if pip.niveau else ""
        reden = f" Reden: {pip.reden_wijziging}" if pip.reden_wijziging else ""
        events.append(Gebeurtenis(pip.dagtekening, "PIP", f"PIP versie {pip.versie} vastgesteld: "
                                  f"{pip.leerroute.label}{niveau}.{reden}", GEMEENTE, tijdstip=pip.created_at))
    # Withdrawals hang off their PIP version (one each): portal.services.dossier.open_case loads them with the PIPs.
    for intrekking in (pip.intrekking for pip in inburgeraar.pips if pip.intrekking is not None):
        events.append(Gebeurtenis(intrekking.datum, "PIP", f"PIP versie {intrekking.pip.versie} ingetrokken per "
                                  f"{datum(intrekking.datum)}. Reden: {intrekking.reden}", GEMEENTE,
                                  tijdstip=intrekking.created_at))
    for v in verwijzingen:
        events.append(Gebeurtenis(_dag(v.created_at), "Verwijzing",
                                  f"Verwezen naar {v.aanbieder.naam} voor {v.onderdeel.label}; beoogde start "
                                  f"{datum(v.beoogde_startdatum)}, uiterlijk klaar {datum(v.uiterste_einddatum)}.",
                                  GEMEENTE, v.kenmerk, v.created_at))

    if ids:
        for start in gelezen["start"]:
            kenmerk, aanbieder = kenmerken[start.verwijzing_id]
            gestart, einddatum = as_date(start.datum), as_date(start.datum2)
            if start.vlag:  # niet gestart
                reden = _reden(" Reden: ", start.tekst2)
                events.append(Gebeurtenis(_dag(start.tijdstip), "Start", f"Niet gestart.{reden}",
                                          f"Aanbieder {aanbieder}", kenmerk, start.tijdstip))
            elif gestart:
                reden = _reden(" Reden latere start: ", start.tekst)
                einde = f" Bijgestelde einddatum {datum(einddatum)}." if einddatum else ""
                events.append(Gebeurtenis(gestart, "Start", f"Gestart op {datum(gestart)}.{einde}{reden}",
                                          f"Aanbieder {aanbieder}", kenmerk, start.tijdstip))
        for rapport in gelezen["voortgang"]:
            kenmerk, aanbieder = kenmerken[rapport.verwijzing_id]
            events.append(Gebeurtenis(as_date(rapport.datum), "Voortgang", f"Voortgangsrapportage: {rapport.tekst}",
                                      f"Aanbieder {aanbieder}", kenmerk, rapport.tijdstip))
        events += presentie_gebeurtenissen(per_week, kenmerken, today)

    for melding in registraties.omstandigheden:
        kenmerk, aanbieder = kenmerken.get(melding.verwijzing_id, (None, "onbekend"))
        events.append(Gebeurtenis(melding.datum, "Omstandigheden",
                                  f"Gewijzigde omstandigheden ({melding.soort.label}): {melding.toelichting}",
                                  f"Aanbieder {aanbieder}", kenmerk, melding.created_at))
    for uitslag in registraties.examenresultaten:
        reden = f" ({uitslag.reden_geen_resultaat.label})" if uitslag.reden_geen_resultaat else ""
        niveau = f" {uitslag.niveau.value}" if uitslag.niveau else ""
        events.append(Gebeurtenis(uitslag.examendatum, "Examen",
                                  f"Examen {uitslag.onderdeel.value}{niveau}: "
                                  f"{uitslag.resultaat.label}{reden}.", uitslag.bron.label,
                                  kenmerken.get(uitslag.verwijzing_id or 0, (None, ""))[0], uitslag.created_at))
    for resultaat in registraties.routeresultaten:
        kenmerk, aanbieder = kenmerken.get(resultaat.verwijzing_id, (None, "onbekend"))
        for dag, tekst in (
            (resultaat.datum_eindgesprek_map, "Eindgesprek MAP gevoerd."),
            (resultaat.datum_ondertekening_pvt, "Participatieverklaring ondertekend."),
            (resultaat.datum_afronding_z_route, "Z-route afgerond."),
            (resultaat.datum_taalschakel_resultaat, "Resultaat taalschakeltraject geregistreerd."),
        ):
            if dag:
                events.append(Gebeurtenis(dag, "Resultaat", tekst, f"Aanbieder {aanbieder}", kenmerk,
                                          resultaat.created_at))
    for verzoek in registraties.afschalingsverzoeken:
        kenmerk, aanbieder = kenmerken.get(verzoek.verwijzing_id, (None, "onbekend"))
        onderdelen = ", ".join(o.value for o in verzoek.onderdelen) or "alle taalonderdelen"
        events.append(Gebeurtenis(_dag(verzoek.ingediend_op), "Afschaling",
                                  f"Afschalingsverzoek naar A2 ingediend ({onderdelen}) na "
                                  f"{uren(verzoek.uren_op_moment)} uur taalles.", f"Aanbieder {aanbieder}", kenmerk,
                                  verzoek.ingediend_op))
        if verzoek.status is not AfschalingStatus.INGEDIEND and verzoek.besloten_op:
            events.append(Gebeurtenis(_dag(verzoek.besloten_op), "Afschaling",
                                      f"Afschalingsverzoek {verzoek.status.label.lower()}."
                                      + (f" Reden: {verzoek.besluit_reden}" if verzoek.besluit_reden else ""),
                                      GEMEENTE, kenmerk, verzoek.besloten_op))

    # Corrections of presence go with the presence weeks (below); every other correction is shown on its own.
    for wijziging in gelezen["correctie"]:
        gewijzigd_op = as_datetime(wijziging.tijdstip)
        events.append(Gebeurtenis(_dag(gewijzigd_op), "Correctie",
                                  f"Registratie gecorrigeerd ({wijziging.tekst}).",
                                  bron_van_correctie(wijziging.tekst2, wijziging.bron), tijdstip=gewijzigd_op))
    events += _correctie_gebeurtenissen(((r.datum, r.tekst, r.tekst2, r.aantal, r.aantal2, r.tijdstip)
                                         for r in gelezen["presentie"]), today)
    events += _oudere_correcties(gelezen["oudere_correctie"], today)

    shown = [e for e in events if e.moment <= today]
    return sorted(shown, key=lambda e: (e.moment, _utc(e.tijdstip)), reverse=True)


def _utc(value: datetime | None) -> datetime:
    """A comparable moment: SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    if value is None:
        return _EARLIEST
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
