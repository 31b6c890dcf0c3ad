"""Presentie registration, batch-first: the web grid, the single-session form and the spreadsheet import
all call `validate_presentie` and then `save_presentie` with one, a few, or 100,000 rows.

Validation loads everything it needs (the actor's verwijzingen with their starts, and stored presentie of the
same people in the batch's date range) in a few set-based queries, then checks every row in memory; what a
row's own values come to is worked out once per distinct combination of values (spreadsheets repeat a few
hundred). Saving is an idempotent upsert on the natural key (verwijzing, datum, activiteit), using what
validation found stored: new rows go in with one bulk insert (COPY on PostgreSQL), changed rows are corrected
with a history row per field, unchanged rows are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from portal import access, audit, pg_arrays
from portal.audit import AuditActie
from portal.database import note_write
from portal.domain import termijnen
from portal.formatting import datum as fmt_datum
from portal.formatting import uren as fmt_uren
from portal.models import Presentie, TrajectStart, User, Verwijzing
from portal.models.base import utcnow
from portal.models.enums import Onderdeel, VerwijzingStatus
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL, Activiteit
from portal.services import GelijktijdigGewijzigd, ValidationError, kept_signalen, kept_totals, statements
from portal.services.batch import execute_many, gc_paused
from portal.services.history import apply_changes, pg_changes_cte, pg_changes_parameters, record_changes
from portal.services.validation import (
    FieldError,
    as_decimal,
    is_empty,
    parse_activiteit,
    parse_date,
    parse_hours,
)

NIEUW = "nieuw"
GEWIJZIGD = "gewijzigd"
ONGEWIJZIGD = "ongewijzigd"
MAX_UREN_PER_DAG = Decimal(24)
MAX_REDEN = 500
# Above this many distinct keys a scoped subquery beats a long IN list (and stays under SQLite's variable limit).
_IN_LIMIT = 500
_ZERO = Decimal("0.00")

VELD_LABELS = {
    "verwijzing": "deelnemer",
    "datum": "datum",
    "activiteit": "activiteit",
    "uren_aanwezig": "uren aanwezig",
    "uren_afwezig_geoorloofd": "uren afwezig (geoorloofd)",
    "uren_afwezig_ongeoorloofd": "uren afwezig (ongeoorloofd)",
    "reden_afwezig": "reden afwezigheid",
}
_UREN_VELDEN = ("uren_aanwezig", "uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd")


class _Bewaren:
    """The value of a field the input says nothing about (a spreadsheet without that column)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "BEWAREN"


# Keep what is stored for this field; on a new record the field stays empty (0 hours, no reason). An empty value
# is something else: it clears the field (no absence), as in the grid and the template's instructions.
BEWAREN: Any = _Bewaren()
_AFWEZIG_VELDEN = ("uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd", "reden_afwezig")


@dataclass(slots=True)
class PresentieInput:
    """One presentie as received: raw values from a form field, a spreadsheet cell or an API payload.

    The verwijzing is named by `verwijzing_id` or by its `kenmerk`; `regel` is the row number used in errors.
    """

    regel: int
    datum: Any
    activiteit: Any
    uren_aanwezig: Any = None
    uren_afwezig_geoorloofd: Any = None
    uren_afwezig_ongeoorloofd: Any = None
    reden_afwezig: Any = None
    verwijzing_id: int | None = None
    kenmerk: str | None = None


@dataclass(slots=True)
class CleanPresentie:
    """A validated presentie; `soort` says whether saving it would add, change or leave a stored row."""

    regel: int
    verwijzing_id: int
    inburgeraar_id: int
    datum: date
    activiteit: Activiteit
    uren_aanwezig: Decimal
    uren_afwezig_geoorloofd: Decimal
    uren_afwezig_ongeoorloofd: Decimal
    reden_afwezig: str | None
    soort: str = NIEUW
    stored_id: int | None = None  # the stored row this one would correct or leave (set by validation)
    vorige: tuple[Decimal, Decimal, Decimal, str | None] | None = None  # what a correction overwrites (`waarden`)
    geschreven: bool = False  # already sent to the database as a new row (`register(stream_new=True)`)

    @property
    def key(self) -> tuple[int, date, Activiteit]:
        """The natural key: one record per (verwijzing, datum, activiteit)."""
        return (self.verwijzing_id, self.datum, self.activiteit)

    @property
    def totaal(self) -> Decimal:
        """Hours of the day this record accounts for (present plus absent)."""
        return self.uren_aanwezig + self.uren_afwezig_geoorloofd + self.uren_afwezig_ongeoorloofd

    @property
    def waarden(self) -> tuple[Decimal, Decimal, Decimal, str | None]:
        """The stored fields as a tuple, for fast comparison with what is stored."""
        return (self.uren_aanwezig, self.uren_afwezig_geoorloofd, self.uren_afwezig_ongeoorloofd, self.reden_afwezig)

    def values(self) -> dict[str, Any]:
        """The stored fields of this record."""
        return {
            "uren_aanwezig": self.uren_aanwezig,
            "uren_afwezig_geoorloofd": self.uren_afwezig_geoorloofd,
            "uren_afwezig_ongeoorloofd": self.uren_afwezig_ongeoorloofd,
            "reden_afwezig": self.reden_afwezig,
        }


@dataclass
class SaveResult:
    """How many records a save added, corrected, or found unchanged."""

    nieuw: int = 0
    gewijzigd: int = 0
    ongewijzigd: int = 0

    @property
    def totaal(self) -> int:
        return self.nieuw + self.gewijzigd + self.ongewijzigd


@dataclass(slots=True)
class _VerwijzingInfo:
    id: int
    kenmerk: str
    inburgeraar_id: int
    onderdeel: Onderdeel
    status: VerwijzingStatus
    beoogde_startdatum: date
    uiterste_einddatum: date
    startdatum: date | None
    einddatum: date | None
    niet_gestart: bool

    @property
    def eind(self) -> date:
        return termijnen.traject_einddatum(self.uiterste_einddatum, self.einddatum)

    @classmethod
    def of_row(cls, row: Any) -> _VerwijzingInfo:
        """From a row that starts with `_load_verwijzingen_query`'s columns."""
        return cls(*row[:9], niet_gestart=bool(row[9]))


@dataclass(slots=True)
class _Stored:
    id: int
    inburgeraar_id: int
    waarden: tuple[Decimal, Decimal, Decimal, str | None]  # aanwezig, geoorloofd, ongeoorloofd, reden

    @property
    def totaal(self) -> Decimal:
        return self.waarden[0] + self.waarden[1] + self.waarden[2]


# --- parsing helpers (memoised per batch: spreadsheets repeat the same few values many times) ---------------

class _Memo:
    """Remembers a parser's answer (value or FieldError message) per raw value within one batch."""

    def __init__(self, parser: Callable[[Any], Any]) -> None:
        self.parser = parser
        self.cache: dict[tuple[type, Any], tuple[bool, Any]] = {}

    def __call__(self, raw: Any) -> Any:
        try:
            key = (type(raw), raw)
            hit = self.cache.get(key)
        except TypeError:  # unhashable raw value
            key, hit = None, None
        if hit is None:
            try:
                hit = (True, self.parser(raw))
            except FieldError as exc:
                hit = (False, str(exc))
            if key is not None:
                self.cache[key] = hit
        if hit[0]:
            return hit[1]
        raise FieldError(hit[1])


# --- loading -------------------------------------------------------------------------------------------------

def _load_verwijzingen_query(actor: User, *, one: bool, named: bool) -> Select[Any]:
    """The actor's registrable verwijzingen with their start: one (`id`), named (`ids`, `kenmerken`) or all."""
    query = (
        access.verwijzingen_for_registration(actor)
        .with_only_columns(
            Verwijzing.id, Verwijzing.kenmerk, Verwijzing.inburgeraar_id, Verwijzing.onderdeel,
            Verwijzing.status, Verwijzing.beoogde_startdatum, Verwijzing.uiterste_einddatum,
            TrajectStart.gerealiseerde_startdatum, TrajectStart.bijgestelde_einddatum, TrajectStart.niet_gestart,
        )
        .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
    )
    if one:
        query = query.where(Verwijzing.id == bindparam("id"))
    elif named:
        query = query.where(or_(Verwijzing.id.in_(bindparam("ids", expanding=True)),
                                func.upper(Verwijzing.kenmerk).in_(bindparam("kenmerken", expanding=True))))
    return query


def _load_verwijzingen(
    session: Session, actor: User, ids: set[int], kenmerken: set[str]
) -> tuple[dict[int, _VerwijzingInfo], dict[str, _VerwijzingInfo]]:
    """The actor's registrable verwijzingen named in the batch (all of them for big batches), with their start."""
    # One verwijzing by id (a grid row, a session form) is compared with `=`: an IN list is expanded into the
    # statement text on every execution.
    one = len(ids) == 1 and not kenmerken
    named = len(ids) + len(kenmerken) <= _IN_LIMIT

    # Built once per user (portal.services.statements): building it cost more than running it for a grid row.
    query = statements.per_user(f"presentie.verwijzingen.{'een' if one else named}", actor,
                                lambda: _load_verwijzingen_query(actor, one=one, named=named))
    by_id: dict[int, _VerwijzingInfo] = {}
    by_kenmerk: dict[str, _VerwijzingInfo] = {}
    # Core execution on the session's connection (plain rows, no ORM result machinery; hence the flush).
    session.flush()
    params = {"id": next(iter(ids))} if one else {"ids": list(ids), "kenmerken": list(kenmerken)} if named else {}
    for row in session.connection().execute(query, params).all():  # one fetch, not one per row
        info = _VerwijzingInfo.of_row(row)
        by_id[info.id] = info
        by_kenmerk[info.kenmerk.upper()] = info
    return by_id, by_kenmerk


def _stored_query(people: Any) -> Select[Any]:
    """Stored presentie of the inburgeraars `people` (a condition on Verwijzing.inburgeraar_id) between the bound
    dates `first` and `last`."""
    return (
        select(
            Presentie.id, Presentie.verwijzing_id, Verwijzing.inburgeraar_id, Presentie.datum, Presentie.activiteit,
            Presentie.uren_aanwezig, Presentie.uren_afwezig_geoorloofd, Presentie.uren_afwezig_ongeoorloofd,
            Presentie.reden_afwezig,
        )
        .join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .where(people, Presentie.datum.between(bindparam("first"), bindparam("last")))
    )


# Built once: the usual, small batch; one person (a grid row) with `=`, as an IN list is expanded every execution.
_STORED_OF_NAMED = _stored_query(Verwijzing.inburgeraar_id.in_(bindparam("people", expanding=True)))
_STORED_OF_ONE = _stored_query(Verwijzing.inburgeraar_id == bindparam("person"))


def _load_stored(
    session: Session, actor: User, inburgeraar_ids: set[int], first: date, last: date
) -> dict[tuple[int, date, Activiteit], _Stored]:
    """Stored presentie of these people between two dates, under any verwijzing (for the 24-hour rule)."""
    params: dict[str, Any] = {"first": first, "last": last}
    if len(inburgeraar_ids) > _IN_LIMIT:
        query = statements.per_user("presentie.stored", actor, lambda: _stored_query(Verwijzing.inburgeraar_id.in_(
            access.verwijzingen_for_registration(actor).with_only_columns(Verwijzing.inburgeraar_id))))
    elif len(inburgeraar_ids) == 1:
        query, params["person"] = _STORED_OF_ONE, next(iter(inburgeraar_ids))
    else:
        query, params["people"] = _STORED_OF_NAMED, list(inburgeraar_ids)
    # Core execution on the session's connection: plain rows, no ORM loading overhead for 100k rows
    # (it skips autoflush, hence the explicit flush).
    session.flush()
    dec = as_decimal
    # One waarden tuple per distinct (hours, reason), one date per day and one int per verwijzing/inburgeraar id,
    # shared by every row that holds them: a 300,000-row correction file loads as many stored rows, and their own
    # Decimals, dates and ids cost ~450 bytes a row (~135 MB). The hour columns have a fixed scale, so equal values
    # have the same text as well.
    shared: dict[tuple[Any, ...], tuple[Decimal, Decimal, Decimal, str | None]] = {}
    shared_get = shared.get
    seen: dict[Any, Any] = {}
    one = seen.setdefault
    stored: dict[tuple[int, date, Activiteit], _Stored] = {}
    for pid, vid, inb, dag, act, aanwezig, geoorloofd, ongeoorloofd, reden in session.connection().execute(
            query, params):
        raw = (aanwezig, geoorloofd, ongeoorloofd, reden)
        waarden = shared_get(raw)
        if waarden is None:
            waarden = shared[raw] = (dec(aanwezig), dec(geoorloofd), dec(ongeoorloofd), reden)
        stored[(one(vid, vid), one(dag, dag), act)] = _Stored(pid, one(inb, inb), waarden)
    return stored


_ANDERE = aliased(Verwijzing, name="andere")  # the person's verwijzingen, each of whose presentie counts a day


def _load_one_with_stored(
    session: Session, actor: User, verwijzing_id: int, first: date, last: date
) -> tuple[dict[int, _VerwijzingInfo], dict[str, _VerwijzingInfo], dict[tuple[int, date, Activiteit], _Stored]]:
    """`_load_verwijzingen` of one verwijzing and `_load_stored` of its person between two dates in one statement
    (a grid row, a session form): the verwijzing's row joined with the stored presentie of every verwijzing of its
    inburgeraar (one result row each, or one without)."""

    def build() -> Select[Any]:
        info = _load_verwijzingen_query(actor, one=True, named=True)
        return info.outerjoin(_ANDERE, _ANDERE.inburgeraar_id == Verwijzing.inburgeraar_id).outerjoin(
            Presentie, and_(Presentie.verwijzing_id == _ANDERE.id,
                            Presentie.datum.between(bindparam("first"), bindparam("last"))),
        ).add_columns(Presentie.id, Presentie.verwijzing_id, Presentie.datum, Presentie.activiteit,
                      Presentie.uren_aanwezig, Presentie.uren_afwezig_geoorloofd, Presentie.uren_afwezig_ongeoorloofd,
                      Presentie.reden_afwezig)

    query = statements.per_user("presentie.verwijzing_met_presentie", actor, build)
    session.flush()  # Core execution on the session's connection skips autoflush
    rows = session.connection().execute(query, {"id": verwijzing_id, "first": first, "last": last}).all()
    by_id: dict[int, _VerwijzingInfo] = {}
    by_kenmerk: dict[str, _VerwijzingInfo] = {}
    stored: dict[tuple[int, date, Activiteit], _Stored] = {}
    if rows:
        info = _VerwijzingInfo.of_row(rows[0])
        by_id[info.id] = info
        by_kenmerk[info.kenmerk.upper()] = info
        dec = as_decimal
        for *_v, pid, vid, dag, act, aanwezig, geoorloofd, ongeoorloofd, reden in rows:
            if pid is not None:
                stored[(vid, dag, act)] = _Stored(pid, info.inburgeraar_id,
                                                  (dec(aanwezig), dec(geoorloofd), dec(ongeoorloofd), reden))
    return by_id, by_kenmerk, stored


# --- validation ----------------------------------------------------------------------------------------------

# What a row's own values (date, activity, hours, reason) come to: the parsed values, the day's total and the
# errors as (veld, waarde, melding). It depends on the raw values only, so a batch computes it once per distinct
# combination: a 100,000-row spreadsheet has a few hundred.
_Values = tuple[date | None, "Activiteit | None", Decimal, Decimal, Decimal, str | None, Decimal,
                tuple[tuple[str, Any, str], ...]]


def _row_values(item: PresentieInput, today: date, parse_dag: _Memo, parse_act: _Memo,
                hour_parsers: dict[str, _Memo]) -> _Values:
    errors: list[tuple[str, Any, str]] = []
    dag: date | None = None
    try:
        dag = parse_dag(item.datum)
        if dag > today:
            raise FieldError("De datum ligt in de toekomst. Registreer presentie tot en met vandaag.")
    except FieldError as exc:
        errors.append(("datum", item.datum, str(exc)))
        dag = None

    activiteit: Activiteit | None = None
    try:
        activiteit = parse_act(item.activiteit)
    except FieldError as exc:
        errors.append(("activiteit", item.activiteit, str(exc)))

    uren: dict[str, Decimal] = {}
    raws = (item.uren_aanwezig, item.uren_afwezig_geoorloofd, item.uren_afwezig_ongeoorloofd)
    empties = [r is None or r is BEWAREN or (type(r) is str and not r.strip()) for r in raws]
    all_empty = empties[0] and empties[1] and empties[2]
    for veld, raw, empty in zip(_UREN_VELDEN, raws, empties, strict=True):
        if empty and not (veld == "uren_aanwezig" and all_empty):
            # An empty absence (or presence, when absence is given) means none; a kept one is filled in from
            # what is stored once that is loaded (_keep_stored).
            uren[veld] = _ZERO
            continue
        try:
            uren[veld] = hour_parsers[veld](raw)
        except FieldError as exc:
            errors.append((veld, raw, str(exc)))

    reden = None if item.reden_afwezig is BEWAREN else clean_reden(item.reden_afwezig)
    if reden is not None and len(reden) > MAX_REDEN:
        errors.append(("reden_afwezig", item.reden_afwezig,
                       f"De reden is te lang: gebruik hoogstens {MAX_REDEN} tekens."))
    afwezig = uren.get("uren_afwezig_geoorloofd", _ZERO) + uren.get("uren_afwezig_ongeoorloofd", _ZERO)
    # A kept reason may be stored: then the rule is checked once that is known (_keep_stored), as is kept absence.
    if afwezig > 0 and reden is None and item.reden_afwezig is not BEWAREN:
        errors.append(("reden_afwezig", item.reden_afwezig, _REDEN_NODIG))
    aanwezig = uren.get("uren_aanwezig", _ZERO)
    geoorloofd = uren.get("uren_afwezig_geoorloofd", _ZERO)
    ongeoorloofd = uren.get("uren_afwezig_ongeoorloofd", _ZERO)
    return (dag, activiteit, aanwezig, geoorloofd, ongeoorloofd, reden, aanwezig + geoorloofd + ongeoorloofd,
            tuple(errors))


_REDEN_NODIG = "Vul de reden van afwezigheid in, bijvoorbeeld ziek, afspraak bij de huisarts of zonder bericht."


def _keeps(item: PresentieInput) -> bool:
    """Whether the input keeps a stored absence field (BEWAREN)."""
    return (item.uren_afwezig_geoorloofd is BEWAREN or item.uren_afwezig_ongeoorloofd is BEWAREN
            or item.reden_afwezig is BEWAREN)


_KEPT_FIELDS = [attrgetter(veld) for veld in _AFWEZIG_VELDEN]


def _any_keeps(inputs: Sequence[PresentieInput]) -> bool:
    """Whether any input keeps a stored field: one C-level scan per field (`in` tests identity first), not a
    Python call per input."""
    return any(BEWAREN in list(map(field, inputs)) for field in _KEPT_FIELDS)


def clean_reden(raw: Any) -> str | None:
    """A reason as stored: whitespace collapsed, None when empty."""
    return None if is_empty(raw) else " ".join(str(raw).split())


@dataclass(slots=True)
class _Traject:
    """What the traject rules need of one verwijzing; its messages are written only for a row that fails."""

    blocked: str | None  # why nothing can be registered on it at all
    start: date
    eind: date
    activiteiten: frozenset[Activiteit]
    onderdeel: Onderdeel

    def voor_start(self) -> str:
        return (f"De datum ligt vóór de start van het traject ({fmt_datum(self.start)}). "
                "Kies een datum vanaf de startdatum, of corrigeer de startdatum.")

    def na_eind(self) -> str:
        return (f"De datum ligt na het einde van het traject ({fmt_datum(self.eind)}). "
                "Kies een datum binnen het traject.")

    def verkeerde_activiteit(self, activiteit: Activiteit) -> str:
        passend = ", ".join(a.label for a in ACTIVITEITEN_PER_ONDERDEEL[self.onderdeel])
        return (f"'{activiteit.label}' hoort niet bij deze verwijzing ({self.onderdeel.label}). "
                f"Kies: {passend}.")


def _traject(info: _VerwijzingInfo) -> _Traject:
    blocked = None
    if info.status is VerwijzingStatus.INGETROKKEN:
        blocked = "Deze verwijzing is ingetrokken door de gemeente; presentie registreren kan niet."
    elif info.niet_gestart or not info.status.accepts_presentie:
        blocked = ("Deze deelnemer staat als 'niet gestart' geregistreerd. "
                   "Registreer eerst de startdatum van het traject.")
    elif info.startdatum is None:
        blocked = "Registreer eerst de startdatum van het traject van deze deelnemer."
    start = termijnen.traject_startdatum(info.startdatum, info.beoogde_startdatum)
    return _Traject(blocked, start, info.eind, _ACTIVITEITEN[info.onderdeel], info.onderdeel)


_ACTIVITEITEN = {onderdeel: frozenset(a) for onderdeel, a in ACTIVITEITEN_PER_ONDERDEEL.items()}


def validate_presentie(
    session: Session, actor: User, inputs: Sequence[PresentieInput], today: date, stream: NewRows | None = None
) -> tuple[list[CleanPresentie], list[ValidationError]]:
    """Check every rule on a batch of raw presentie rows; returns the clean rows and the errors per row/field.

    Rules: the verwijzing is the actor's own and has started (not 'niet gestart', not ingetrokken); the date is
    not in the future and lies within the traject (start to bijgestelde or uiterste einddatum); hours are finite,
    ≥ 0, in quarters; a person has at most 24 hours per day over all activities and verwijzingen, counting stored
    rows (except those this batch replaces) and the other rows of the batch; the activity fits the onderdeel;
    a (verwijzing, datum, activiteit) appears once per batch; a reason is given for any absence.

    `stream` (from `new_rows_stream`, for a save in this transaction): new rows go to the database while the rest
    of the batch is checked; should a row already sent fail a check of the whole batch (the 24-hour rule), what
    was sent is taken back, and `save_presentie(stream=…)` sends the clean rows after all.
    """
    with gc_paused(len(inputs)):
        return _validate(session, actor, inputs, today, stream)


def _validate(
    session: Session, actor: User, inputs: Sequence[PresentieInput], today: date, stream: NewRows | None = None
) -> tuple[list[CleanPresentie], list[ValidationError]]:
    errors: list[ValidationError] = []
    ids = {i.verwijzing_id for i in inputs if i.verwijzing_id is not None}
    kenmerken = {str(i.kenmerk).strip().upper() for i in inputs if i.verwijzing_id is None and not is_empty(i.kenmerk)}
    parse_dag = _Memo(lambda raw: parse_date(raw, label="de datum"))
    # One verwijzing (a grid row, a session form): what is stored of its person over the days the batch names
    # comes with it, in one statement (a superset of what the check after the loop would load: the same answers).
    stored_before: dict[tuple[int, date, Activiteit], _Stored] | None = None
    window = _stream_window(inputs, parse_dag, today) if len(ids) == 1 and not kenmerken and stream is None \
        else None
    if window is not None:
        by_id, by_kenmerk, stored_before = _load_one_with_stored(session, actor, next(iter(ids)), *window)
    else:
        by_id, by_kenmerk = _load_verwijzingen(session, actor, ids, kenmerken)

    # Streaming (register(stream_new=True)): what is stored is loaded before the rows are checked, for every named
    # person over every day the batch names (a superset of what the check after the loop would load: the same
    # answers), so that a row that keeps every rule and is not stored is known to be new as soon as it is checked.
    if stream is not None:
        window = _stream_window(inputs, parse_dag, today)
        if window is None:
            stream = None
        else:
            stored_before = _load_stored(session, actor, {i.inburgeraar_id for i in by_id.values()}, *window)
    parse_act = _Memo(parse_activiteit)
    hour_parsers = {veld: _Memo(lambda raw, label=VELD_LABELS[veld]: parse_hours(raw, label=label))
                    for veld in _UREN_VELDEN}
    combinations: dict[tuple[Any, ...], _Values] = {}
    trajecten: dict[int, _Traject] = {}

    # The clean rows with, in parallel lists, their input, natural key and hours of the day.
    parsed: list[CleanPresentie] = []
    parsed_items: list[PresentieInput] = []
    parsed_keys: list[tuple[int, date, Activiteit]] = []
    totals: list[Decimal] = []
    seen: dict[tuple[int, date, Activiteit], int] = {}
    for item in inputs:
        row_errors: list[tuple[str, Any, str]] = []  # (veld, waarde, melding)
        vid = item.verwijzing_id
        info = by_id.get(vid) if vid is not None else None
        if info is None:
            info = _resolve(item, by_id, by_kenmerk, row_errors)

        # Typed key: 1, 1.0 and True are equal in a dict but are not the same input.
        datum, act, aanwezig, geoorloofd, ongeoorloofd, reden = (
            item.datum, item.activiteit, item.uren_aanwezig, item.uren_afwezig_geoorloofd,
            item.uren_afwezig_ongeoorloofd, item.reden_afwezig,
        )
        key = (datum, act, aanwezig, geoorloofd, ongeoorloofd, reden, type(datum), type(act), type(aanwezig),
               type(geoorloofd), type(ongeoorloofd), type(reden))
        try:
            values = combinations.get(key)
        except TypeError:  # an unhashable raw value (API payloads): check it on its own
            key, values = None, None
        if values is None:
            values = _row_values(item, today, parse_dag, parse_act, hour_parsers)
            if key is not None:
                combinations[key] = values
        dag, activiteit = values[0], values[1]
        if info is not None and not values[7]:
            # The common case, a row that keeps every rule, decided without collecting findings (values
            # without findings have a day and an activity); any other row takes the full path below.
            traject = trajecten.get(info.id)
            if traject is None:
                traject = trajecten[info.id] = _traject(info)
            natural = (info.id, dag, activiteit)
            if (traject.blocked is None and traject.start <= dag <= traject.eind
                    and activiteit in traject.activiteiten and natural not in seen):
                seen[natural] = item.regel
                row = CleanPresentie(
                    item.regel, info.id, info.inburgeraar_id, dag, activiteit,
                    values[2], values[3], values[4], values[5],
                )
                parsed.append(row)
                parsed_items.append(item)
                parsed_keys.append(natural)
                totals.append(values[6])
                if stream is not None and natural not in stored_before:  # type: ignore[operator]
                    stream.write(row)
                continue
        if values[7]:
            row_errors.extend(values[7])

        if info is not None:
            traject = trajecten.get(info.id)
            if traject is None:
                traject = trajecten[info.id] = _traject(info)
            if traject.blocked is not None:
                row_errors.append(("verwijzing", info.kenmerk, traject.blocked))
            else:
                if dag is not None and dag < traject.start:
                    row_errors.append(("datum", datum, traject.voor_start()))
                elif dag is not None and dag > traject.eind:
                    row_errors.append(("datum", datum, traject.na_eind()))
                if activiteit is not None and activiteit not in traject.activiteiten:
                    row_errors.append(("activiteit", act, traject.verkeerde_activiteit(activiteit)))

            if dag is not None and activiteit is not None:
                natural = (info.id, dag, activiteit)
                first = seen.get(natural)
                if first is not None:
                    row_errors.append((
                        "datum", datum,
                        f"Deze deelnemer heeft op {fmt_datum(dag)} al een regel voor '{activiteit.label}' "
                        f"in deze invoer (regel {first}). Houd één regel per dag en activiteit.",
                    ))
                else:
                    seen[natural] = item.regel

        if row_errors:
            errors.append(_row_error(item.regel, row_errors))
            continue
        assert info is not None and dag is not None and activiteit is not None
        parsed.append(CleanPresentie(
            item.regel, info.id, info.inburgeraar_id, dag, activiteit, values[2], values[3], values[4], values[5],
        ))
        parsed_items.append(item)
        parsed_keys.append(natural)
        totals.append(values[6])

    clean = parsed
    if clean:
        stored = stored_before if stored_before is not None else _load_stored(
            session, actor, {r.inburgeraar_id for r in clean}, min(r.datum for r in clean), max(r.datum for r in clean)
        )
        if _any_keeps(parsed_items):
            errors.extend(_keep_stored(parsed, parsed_items, parsed_keys, totals, stored))
        errors.extend(_check_day_totals(parsed, parsed_items, parsed_keys, totals, stored))
        failed = {e.row for e in errors}
        # Row numbers may repeat (callers number as they like): an error on one drops every row of that number.
        if failed and any(r.regel in failed for r in clean):
            if stream is not None and stream.undoable and any(r.geschreven and r.regel in failed for r in clean):
                stream.undo(clean)  # a dropped row was sent already: the clean ones are sent again when saved
            keep = [n for n, r in enumerate(clean) if r.regel not in failed]
            clean = [clean[n] for n in keep]
            parsed_keys = [parsed_keys[n] for n in keep]
        _classify(clean, parsed_keys, stored)
    errors.sort(key=lambda e: e.row or 0)
    return clean, errors


_STREAM_DAYS = 93  # a streamed batch's stored rows are loaded for its whole date range: a quarter at most


def _stream_window(inputs: Sequence[PresentieInput], parse_dag: _Memo, today: date) -> tuple[date, date] | None:
    """The first and last valid day a batch names, or None when it should not be streamed: an input keeps stored
    fields (BEWAREN: its values are known only once the stored row is), or the days span more than a quarter (a
    mistyped year would load years of stored presentie)."""
    days = set()
    try:
        raws = {item.datum for item in inputs}
    except TypeError:  # an unhashable raw value: leave it to the checks
        return None
    for raw in raws:
        try:
            dag = parse_dag(raw)
        except FieldError:
            continue
        if dag <= today:
            days.add(dag)
    if not days or (max(days) - min(days)).days > _STREAM_DAYS or _any_keeps(inputs):
        return None
    return min(days), max(days)


def _row_error(regel: int, row_errors: Sequence[tuple[str, Any, str]]) -> ValidationError:
    """One row's (veld, waarde, melding) findings as its ValidationError; the first message per field."""
    messages: dict[str, str] = {}
    values: dict[str, Any] = {}
    for veld, waarde, melding in row_errors:
        if veld not in messages:
            messages[veld], values[veld] = melding, waarde
    return ValidationError(messages, row=regel, values=values)


def _resolve(
    item: PresentieInput,
    by_id: dict[int, _VerwijzingInfo],
    by_kenmerk: dict[str, _VerwijzingInfo],
    row_errors: list[tuple[str, Any, str]],
) -> _VerwijzingInfo | None:
    if item.verwijzing_id is not None:
        info, raw = by_id.get(item.verwijzing_id), item.verwijzing_id
    elif not is_empty(item.kenmerk):
        info, raw = by_kenmerk.get(str(item.kenmerk).strip().upper()), item.kenmerk
    else:
        row_errors.append((
            "verwijzing", None,
            "Vul het kenmerk van de verwijzing in, zodat duidelijk is om welke deelnemer het gaat.",
        ))
        return None
    if info is None:
        row_errors.append((
            "verwijzing", raw,
            f"Onbekende deelnemer: verwijzing '{raw}' bestaat niet of is niet aan uw organisatie verwezen. "
            "Controleer het kenmerk.",
        ))
    return info


def _keep_stored(
    parsed: list[CleanPresentie],
    items: list[PresentieInput],
    keys: list[tuple[int, date, Activiteit]],
    totals: list[Decimal],
    stored: dict[tuple[int, date, Activiteit], _Stored],
) -> list[ValidationError]:
    """Fill the fields an input keeps (BEWAREN) with what is stored (nothing on a new record), update the day's
    hours, and check the reason rule on the result: kept absence with a reason emptied in the file needs one."""
    errors = []
    for n, (row, item) in enumerate(zip(parsed, items, strict=True)):
        if not _keeps(item):
            continue
        existing = stored.get(keys[n])
        _aanwezig, geoorloofd, ongeoorloofd, reden = existing.waarden if existing else (_ZERO, _ZERO, _ZERO, None)
        if item.uren_afwezig_geoorloofd is BEWAREN:
            row.uren_afwezig_geoorloofd = geoorloofd
        if item.uren_afwezig_ongeoorloofd is BEWAREN:
            row.uren_afwezig_ongeoorloofd = ongeoorloofd
        if item.reden_afwezig is BEWAREN:
            row.reden_afwezig = reden
        totals[n] = row.totaal
        afwezig = row.uren_afwezig_geoorloofd + row.uren_afwezig_ongeoorloofd
        if afwezig > 0 and row.reden_afwezig is None:
            if item.reden_afwezig is BEWAREN:
                melding = ("Vul de reden van afwezigheid in (voor deze dag is geen reden opgeslagen), bijvoorbeeld "
                           "ziek, afspraak bij de huisarts of zonder bericht.")
            else:
                melding = (f"Op {fmt_datum(row.datum)} is er {fmt_uren(afwezig)} uur afwezigheid (met de eerder "
                           "opgeslagen uren) en de reden is leeg. Vul de reden in, of zet de uren afwezig op 0.")
            waarde = None if item.reden_afwezig is BEWAREN else item.reden_afwezig
            errors.append(_row_error(row.regel, [("reden_afwezig", waarde, melding)]))
    return errors


def _check_day_totals(
    parsed: list[CleanPresentie],
    items: list[PresentieInput],
    keys: list[tuple[int, date, Activiteit]],
    totals: list[Decimal],
    stored: dict[tuple[int, date, Activiteit], _Stored],
) -> list[ValidationError]:
    """At most 24 hours per person per day: stored rows not replaced by the batch plus the batch's rows."""
    per_day: dict[tuple[int, date], Decimal] = {}
    if stored:
        batch_keys = set(keys)
        for key, row in stored.items():
            if key not in batch_keys:
                day = (row.inburgeraar_id, key[1])
                per_day[day] = per_day.get(day, _ZERO) + row.totaal
    get = per_day.get
    for row, total in zip(parsed, totals, strict=True):
        # A day's first row keeps its own total (Decimals are immutable): no new Decimal per row, and the days
        # are not kept in a list of their own (both ~30 MB for 300,000 rows).
        day = (row.inburgeraar_id, row.datum)
        before = get(day)
        per_day[day] = total if before is None else before + total
    if max(per_day.values(), default=_ZERO) <= MAX_UREN_PER_DAG:
        return []
    errors = []
    for row, item in zip(parsed, items, strict=True):
        total = per_day[(row.inburgeraar_id, row.datum)]
        if total > MAX_UREN_PER_DAG:
            errors.append(_row_error(row.regel, [(
                "uren_aanwezig", item.uren_aanwezig,
                f"Op {fmt_datum(row.datum)} komt deze deelnemer samen op {fmt_uren(total)} uur (aanwezig en afwezig, "
                "alle activiteiten samen, inclusief eerder opgeslagen uren). Dat is meer dan 24 uur per dag: "
                "verlaag de uren.",
            )]))
    return errors


def _classify(
    rows: list[CleanPresentie], keys: list[tuple[int, date, Activiteit]],
    stored: dict[tuple[int, date, Activiteit], _Stored],
) -> None:
    """Mark each row new, changed or unchanged, and remember the stored row it would correct."""
    if not stored:
        return  # every row is new (the default)
    for row, key in zip(rows, keys, strict=True):
        existing = stored.get(key)
        if existing is None:
            row.soort = NIEUW
            row.stored_id = None
        elif existing.waarden == row.waarden:
            row.soort = ONGEWIJZIGD
            row.stored_id = existing.id
        else:
            row.soort = GEWIJZIGD
            row.stored_id = existing.id
            row.vorige = existing.waarden


def preview_presentie(rows: Sequence[CleanPresentie]) -> SaveResult:
    """Counts of what saving these validated rows would do, without saving (for an upload preview)."""
    result = SaveResult()
    for row in rows:
        setattr(result, row.soort, getattr(result, row.soort) + 1)
    return result


# --- saving --------------------------------------------------------------------------------------------------

def save_presentie(
    session: Session, actor: User, rows: Sequence[CleanPresentie], stream: NewRows | None = None
) -> SaveResult:
    """Upsert validated rows on (verwijzing, datum, activiteit): insert new ones in bulk, correct changed ones
    with history (who/when/old/new), leave unchanged ones alone; one audit event per inburgeraar; the kept
    totals (portal.services.kept_totals) change in the same transaction; flush only.

    The one door for presentie writes: the form, the week grid, the upload and the API all end here.

    `rows` must come from `validate_presentie` for the same actor in the same transaction (re-validate after
    the user confirms): validation already loaded the stored rows and marked each row new, changed or unchanged.
    `stream`: the one `validate_presentie` was given; this sends the new rows it has not sent and ends it. A batch
    saved in groups passes it to the first group's call only: new rows it sent for later groups are counted there,
    not sent again.
    """
    with gc_paused(len(rows)):
        return _save(session, actor, rows, stream)


def _save(session: Session, actor: User, rows: Sequence[CleanPresentie], stream: NewRows | None = None) -> SaveResult:
    result = SaveResult()
    if not rows:
        if stream is not None:
            stream.close()
        return result
    new_rows: list[CleanPresentie] = []
    changed: dict[int, CleanPresentie] = {}
    per_person: dict[int, list[int]] = {}  # inburgeraar → [nieuw, gewijzigd]
    verwijzingen: set[int] = set()
    for row in rows:
        soort = row.soort
        if soort == ONGEWIJZIGD:
            result.ongewijzigd += 1
            continue
        verwijzingen.add(row.verwijzing_id)
        counts = per_person.get(row.inburgeraar_id)
        if counts is None:
            counts = per_person[row.inburgeraar_id] = [0, 0]
        if soort == NIEUW:
            new_rows.append(row)
            counts[0] += 1
        else:
            assert row.stored_id is not None and row.vorige is not None, "save_presentie needs validated rows"
            changed[row.stored_id] = row
            counts[1] += 1
    result.nieuw = len(new_rows)
    result.gewijzigd = len(changed)
    planned: list[Any] = []

    def plan() -> None:
        """The kept totals' deltas and the audit events, worked out without SQL."""
        make = kept_totals.Wijziging
        planned.append(kept_totals.plan(session, [
            make(r.verwijzing_id, r.activiteit, r.datum, r.vorige[:3], r.waarden[:3])  # type: ignore[index]
            for r in changed.values()], new=new_rows))
        planned.append(audit.planned_many(
            session, actor, AuditActie.PRESENTIE_GEREGISTREERD, object_type="presentie", per_inburgeraar={
                inburgeraar_id: {"nieuw": nieuw, "gewijzigd": gewijzigd} for inburgeraar_id, (nieuw, gewijzigd)
                in per_person.items()}))

    if stream is not None:  # validation sent the new rows already (all of them, or nearly)
        for row in new_rows:
            if not row.geschreven:
                stream.write(row)
        plan()
        stream.close()
    elif unsent := [r for r in new_rows if not r.geschreven]:  # sent: by a stream an earlier group's save ended
        # Planned while PostgreSQL still works through the COPY (its last ~0.1 s of a 10,000-row batch): the
        # Python work overlaps the server's instead of following it.
        _insert_new(session, actor.id, unsent, meanwhile=plan)
    else:
        plan()
    if changed:
        _correct(session, actor, changed)
    kept_plan, write_audit = planned
    # Whose signals change (portal.services.kept_signalen): these rows name their inburgeraars.
    kept_signalen.presentie_van(session, verwijzingen, per_person)
    kept_totals.apply(session, kept_plan, write_audit)  # PostgreSQL: the events in the totals' statement
    session.flush()
    return result


_PRESENTIE = Presentie.__table__
# Set by primary key; the values are bound by column name (a Core executemany, compiled once and cached).
_CORRECT = update(_PRESENTIE).where(_PRESENTIE.c.id == bindparam("stored_id"))
# PostgreSQL: only while the row still holds the hours validation read (`vorige`). Another transaction may have
# corrected it meanwhile (SQLite lets one writer in at a time, and validation reads under its write lock); the kept
# totals' delta was worked out from those hours, so a row that changed is refused rather than counted twice.
_GELEZEN = tuple(f"gelezen_{veld}" for veld in _UREN_VELDEN)
_VELDEN = (*_UREN_VELDEN, "reden_afwezig")


_PG_CORRECT: list[Any] = []


def _pg_correct() -> Any:
    """PostgreSQL: every corrected row at once (UPDATE … FROM unnested arrays arr_<name>, only rows still holding
    what validation read: arr_gelezen_<veld>) with their history rows (history.pg_changes_cte), in one statement
    that answers how many rows it corrected. Built once."""
    if not _PG_CORRECT:
        nieuw = pg_arrays.unnested([("stored_id", [], _PRESENTIE.c.id.type),
                                    *((veld, [], _PRESENTIE.c[veld].type) for veld in _VELDEN),
                                    *((naam, [], _PRESENTIE.c[veld].type) for veld, naam in zip(
                                        _UREN_VELDEN, _GELEZEN, strict=True))])
        gecorrigeerd = (
            update(_PRESENTIE)
            .values({**{veld: nieuw.c[veld] for veld in _VELDEN},
                     "updated_at": bindparam("updated_at", type_=_PRESENTIE.c.updated_at.type)})
            .where(_PRESENTIE.c.id == nieuw.c.stored_id,
                   *(_PRESENTIE.c[veld] == nieuw.c[naam] for veld, naam in zip(_UREN_VELDEN, _GELEZEN, strict=True)))
            .returning(_PRESENTIE.c.id)
            .cte("gecorrigeerd")
        )
        _PG_CORRECT.append(select(func.count()).select_from(gecorrigeerd).add_cte(pg_changes_cte()))
    return _PG_CORRECT[0]


def _correct(session: Session, actor: User, changed: dict[int, CleanPresentie]) -> None:
    """Write corrections of stored rows with their history, without loading them: validation read what they
    hold (`vorige`, in this transaction; on SQLite under the write lock) and the history rows say what changed
    from that, field by field, as `history.apply_changes` would."""
    now = utcnow()
    session.flush()  # pending ORM changes first, as a flush before the UPDATE would have written them
    rows = [
        {"stored_id": stored_id, "uren_aanwezig": r.uren_aanwezig, "uren_afwezig_geoorloofd": r.uren_afwezig_geoorloofd,
         "uren_afwezig_ongeoorloofd": r.uren_afwezig_ongeoorloofd, "reden_afwezig": r.reden_afwezig,
         "updated_at": now} for stored_id, r in changed.items()]
    changes = [(stored_id, r.inburgeraar_id, dict(zip(_VELDEN, r.vorige, strict=True)), r.values())  # type: ignore[arg-type]
               for stored_id, r in changed.items()]
    datums = {stored_id: r.datum for stored_id, r in changed.items()}
    if session.get_bind().dialect.name == "postgresql":
        # The rows and their history in one statement (a round trip fewer per grid save). When a row no longer holds
        # what validation read, the history rows are written too, but GelijktijdigGewijzigd ends the transaction.
        arrays = {"stored_id": list(changed), **{veld: [row[veld] for row in rows] for veld in _VELDEN},
                  **{naam: [r.vorige[i] for r in changed.values()] for i, naam in enumerate(_GELEZEN)}}  # type: ignore[index]
        parameters = {f"arr_{name}": pg_arrays.array_literal(values) for name, values in arrays.items()}
        parameters.update(updated_at=now, **pg_changes_parameters(actor, changes, object_type="presentie",
                                                                  datums=datums))
        if session.connection().execute(_pg_correct(), parameters).scalar_one() != len(rows):
            raise GelijktijdigGewijzigd
    else:
        session.connection().execute(_CORRECT, rows)
        record_changes(session, actor, changes, object_type="presentie", datums=datums)
    # Presentie objects this session loaded earlier (a page shown before the save) no longer hold what is stored.
    for obj in [o for o in session.identity_map.values() if isinstance(o, Presentie) and o.id in changed]:
        session.expire(obj)


def _uren(obj: Presentie) -> kept_totals.Uren:
    return (as_decimal(obj.uren_aanwezig), as_decimal(obj.uren_afwezig_geoorloofd),
            as_decimal(obj.uren_afwezig_ongeoorloofd))


def delete_presentie(session: Session, actor: User, verwijzing: Verwijzing, dag: date, activiteit: Activiteit) -> bool:
    """Delete one stored session the actor may register for (a row entered for the wrong person or day), with
    its old values in the history and the kept totals corrected in the same transaction; False when none."""
    query = (
        select(Presentie)
        .where(Presentie.verwijzing_id.in_(
            access.verwijzingen_for_registration(actor).with_only_columns(Verwijzing.id)))
        .where(Presentie.verwijzing_id == verwijzing.id, Presentie.datum == dag, Presentie.activiteit == activiteit)
    )
    obj = session.scalars(query).first()
    if obj is None:
        return False
    oud = _uren(obj)
    # History keeps what was there: each field from its old value to empty.
    apply_changes(session, actor, obj, dict.fromkeys((*_UREN_VELDEN, "reden_afwezig")),
                  object_type="presentie", inburgeraar_id=verwijzing.inburgeraar_id, betreft_datum=dag)
    session.delete(obj)
    session.flush()
    kept_totals.record(session, [kept_totals.Wijziging(verwijzing.id, activiteit, dag, oud, None)])
    audit.record(session, actor, AuditActie.PRESENTIE_GEREGISTREERD, object_type="presentie",
                 inburgeraar=verwijzing.inburgeraar_id, details={"verwijderd": 1})
    session.flush()
    return True


_INSERT_COLUMNS = (
    "verwijzing_id", "datum", "activiteit", "uren_aanwezig", "uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd",
    "reden_afwezig", "geregistreerd_door_id", "created_at", "updated_at",
)


# The fast paths below send exactly these columns; should the table gain one with a default, they step aside.
_OTHER_COLUMNS_WITH_DEFAULTS = [
    c.name for c in Presentie.__table__.c
    if c.name not in _INSERT_COLUMNS and not c.primary_key and (c.default is not None or c.server_default is not None)
]


def _record(row: CleanPresentie, actor_id: int | None, now: Any) -> tuple[Any, ...]:
    """A new row's values in the order of _INSERT_COLUMNS."""
    return (row.verwijzing_id, row.datum, _CODES[row.activiteit], row.uren_aanwezig, row.uren_afwezig_geoorloofd,
            row.uren_afwezig_ongeoorloofd, row.reden_afwezig, actor_id, now, now)


@contextmanager
def _copy_duplicate_is_concurrent() -> Iterator[None]:
    """A COPY refused by the unique key on (verwijzing, datum, activiteit): another request stored the same session
    after this one read that there was none. The driver raises it itself (SQLAlchemy does not wrap a COPY), so it
    becomes the same 409 as a duplicate INSERT (portal.errors), not a server error.

    Likewise a deadlock: two uploads that overlap, confirmed at once, stream the same new keys in their files'
    orders, so each may wait for a key the other holds; PostgreSQL ends one, which is a concurrent change too."""
    from psycopg.errors import DeadlockDetected, UniqueViolation  # a COPY runs only on PostgreSQL with psycopg

    try:
        yield
    except (UniqueViolation, DeadlockDetected) as error:
        raise GelijktijdigGewijzigd from error
    except DBAPIError as error:  # the same, met by a statement SQLAlchemy ran while the stream was open
        if isinstance(error.orig, DeadlockDetected):
            raise GelijktijdigGewijzigd from error
        raise


def _insert_new(session: Session, actor_id: int, rows: list[CleanPresentie], meanwhile: Callable[[], None]) -> None:
    """Insert new rows in bulk on the session's connection (same transaction), calling `meanwhile` (Python work
    without SQL) once they are sent.

    PostgreSQL with psycopg: COPY, about twice as fast as executemany; `meanwhile` runs before the COPY ends, while
    the server is still inserting. Elsewhere: one executemany on the driver with each column's values converted
    once per distinct value (batch.execute_many).
    """
    now = utcnow()

    def records() -> Iterator[tuple[Any, ...]]:
        return (_record(r, actor_id, now) for r in rows)

    connection = session.connection()
    table = Presentie.__table__
    if _OTHER_COLUMNS_WITH_DEFAULTS:  # a column added later: let Core fill in its default
        session.execute(insert(table), [dict(zip(_INSERT_COLUMNS, record, strict=True)) for record in records()])
        meanwhile()
        return
    if _streams(session):  # the same COPY as a streamed batch, fed all at once
        with _copy_duplicate_is_concurrent(), ExitStack() as stack:
            stream = NewRows(session, actor_id, stack)
            for row in rows:
                stream.write(row)
            meanwhile()
            stream.close()
        return
    execute_many(connection, lambda: insert(table), table, _INSERT_COLUMNS, list(records()), key="presentie.insert")
    meanwhile()


_CODES = {a: a.value for a in Activiteit}  # the stored code of each activity (enum attribute access costs more)


def _streams(session: Session) -> bool:
    """Whether new rows can be streamed to this database while a batch is validated (PostgreSQL with psycopg)."""
    dialect = session.get_bind().dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg" and not _OTHER_COLUMNS_WITH_DEFAULTS


def saves_new_rows_by_copy(session: Session) -> bool:
    """Whether `save_presentie` sends new rows to this database by COPY (PostgreSQL with psycopg), row by row,
    holding no insert parameters in memory however many rows a call saves."""
    return _streams(session)


# COPY's text format, as PostgreSQL documents it: NULL is \N, and these characters of a value are escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_COPY_BATCH = 2_000  # rows per write to the COPY
# Distinct combinations formatted and kept per COPY: a batch repeats a few hundred; one with a different reason on
# every row would otherwise keep all of them (~94 MB at 300,000 rows). Beyond this, rows are formatted each time.
_FORMATTED_MAX = 10_000


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (str() writes dates, times and decimals as PostgreSQL reads them)."""
    return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)


class NewRows:
    """A COPY of new presentie rows on the session's connection, opened at the first row, fed row by row while
    the batch is still being validated: the server inserts while Python checks the next rows. The COPY ends with
    `close`, or with an error when `stack` unwinds on one (a ValidationError aborts it, and the transaction).

    Rows are written as COPY text, each distinct combination of values after the verwijzing formatted once: a
    batch repeats a few hundred, and adapting every value of 100,000 rows (`write_row`) took 0.36 s under cProfile.
    `undoable`: the COPY runs inside a savepoint, so that `undo` can take back rows a later check drops."""

    def __init__(self, session: Session, actor_id: int | None, stack: ExitStack, undoable: bool = False) -> None:
        self.session, self.actor_id, self.stack, self.undoable = session, actor_id, stack, undoable
        self.now = utcnow()
        self.copy: Any = None
        self.savepoint: Any = None
        self.shared = "\t".join(map(_copy_text, (actor_id, self.now, self.now)))  # the last columns of every row
        self.formatted: dict[tuple[Any, ...], str] = {}
        self.lines: list[str] = []

    def write(self, row: CleanPresentie) -> None:
        if self.copy is None:
            if self.undoable and self.savepoint is None:
                self.savepoint = self.session.begin_nested()
            connection = self.session.connection()
            note_write(connection)  # the COPY runs on the driver's cursor, unseen by SQLAlchemy's events
            driver = connection.connection.driver_connection
            cursor = self.stack.enter_context(driver.cursor())  # type: ignore[union-attr]
            self.copy = self.stack.enter_context(cursor.copy(
                f"COPY {_PRESENTIE.name} ({', '.join(_INSERT_COLUMNS)}) FROM STDIN"))
        values = (row.datum, row.activiteit, row.uren_aanwezig, row.uren_afwezig_geoorloofd,
                  row.uren_afwezig_ongeoorloofd, row.reden_afwezig)
        text = self.formatted.get(values)
        if text is None:
            text = "\t".join([*map(_copy_text, (values[0], _CODES[values[1]], *values[2:])), self.shared])
            if len(self.formatted) < _FORMATTED_MAX:
                self.formatted[values] = text
        self.lines.append(f"{row.verwijzing_id}\t{text}\n")
        if len(self.lines) >= _COPY_BATCH:
            self.copy.write("".join(self.lines))
            self.lines.clear()
        row.geschreven = True

    def close(self) -> None:
        """End the COPY (waiting for the server to insert what it was sent)."""
        if self.lines:
            self.copy.write("".join(self.lines))
            self.lines.clear()
        self.stack.close()
        self.copy = None
        if self.savepoint is not None:
            self.savepoint.commit()  # RELEASE: what was sent stays, in the caller's transaction
            self.savepoint = None

    def undo(self, rows: Sequence[CleanPresentie]) -> None:
        """Take back every row sent so far (ROLLBACK TO SAVEPOINT); `rows` are marked unsent. Later writes open a
        new COPY."""
        self.lines.clear()
        self.stack.close()
        self.copy = None
        self.savepoint.rollback()
        self.savepoint = None
        for row in rows:
            row.geschreven = False


@contextmanager
def new_rows_stream(session: Session, actor: User) -> Iterator[NewRows | None]:
    """For a batch validated and saved in this transaction (an upload's confirmation): a COPY of its new rows that
    `validate_presentie(stream=…)` feeds while checking, and `save_presentie(stream=…)` ends, so the server inserts
    while Python checks; it can take back rows a check of the whole batch drops. None where rows are not sent by
    COPY (SQLite). An error inside aborts the COPY (and the transaction: the caller rolls back)."""
    if not _streams(session):
        yield None
        return
    with _copy_duplicate_is_concurrent(), ExitStack() as stack:
        yield NewRows(session, actor.id, stack, undoable=True)


def sessies(user: User, verwijzing: Verwijzing) -> Select[tuple[Presentie]]:
    """The sessions of one verwijzing the user may see, newest first (for a paged list)."""
    return access.presentie(user).where(Presentie.verwijzing_id == verwijzing.id).order_by(
        Presentie.datum.desc(), Presentie.activiteit)


def sessie_op(session: Session, user: User, verwijzing: Verwijzing, dag: date, activiteit: str) -> Presentie | None:
    """The stored session of a verwijzing on one day for one activity (by its code), if the user may see it."""
    if activiteit not in Activiteit._value2member_map_:
        return None
    query = sessies(user, verwijzing).where(Presentie.datum == dag, Presentie.activiteit == activiteit)
    return session.scalars(query.limit(1)).first()


def register(session: Session, actor: User, inputs: Sequence[PresentieInput], today: date, *,
             stream_new: bool = False) -> SaveResult:
    """Validate and, only when every row is valid, save (the all-or-nothing path of forms, grid rows and the
    API); otherwise raise one ValidationError whose `rows` hold each row's errors.

    `stream_new` (the API's bulk call): on PostgreSQL new rows go to the database while the batch is still being
    checked, and a ValidationError then leaves the transaction aborted: the caller must roll back (as it would
    to leave nothing behind). The records, counts and errors are the same either way."""
    if stream_new and _streams(session):
        with _copy_duplicate_is_concurrent(), gc_paused(len(inputs)), ExitStack() as stack:
            stream = NewRows(session, actor.id, stack)
            clean, errors = _validate(session, actor, inputs, today, stream)
            if errors:
                raise ValidationError.of_rows(errors)
            return _save(session, actor, clean, stream)
    clean, errors = validate_presentie(session, actor, inputs, today)
    if errors:
        raise ValidationError.of_rows(errors)
    return save_presentie(session, actor, clean)
