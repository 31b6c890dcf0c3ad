"""Presentie registration, batch-first: the web grid, the single-session form and the spreadsheet import
all call `validate_presentie` and then `save_presentie` with one, a few, or 100,000 rows.

Validation loads everything it needs (the actor's verwijzingen with their starts, and stored presentie of the
same people in the batch's date range) in a few set-based queries, then checks every row in memory. Saving is
an idempotent upsert on the natural key (verwijzing, datum, activiteit): new rows go in with one Core
executemany, changed rows are corrected with a history row per field, unchanged rows are left alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from portal import access, audit
from portal.formatting import datum as fmt_datum
from portal.models import Presentie, TrajectStart, User, Verwijzing
from portal.models.base import utcnow
from portal.models.enums import Onderdeel, VerwijzingStatus
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL, Activiteit
from portal.services.history import apply_changes
from portal.services.validation import FieldError, parse_date, parse_hours

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


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong in one field of one row, in Dutch, saying what to fix."""

    regel: int
    veld: str
    waarde: str
    melding: str


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
        return self.einddatum or self.uiterste_einddatum


@dataclass(slots=True)
class _Stored:
    id: int
    inburgeraar_id: int
    waarden: tuple[Decimal, Decimal, Decimal, str | None]  # aanwezig, geoorloofd, ongeoorloofd, reden

    @property
    def totaal(self) -> Decimal:
        return self.waarden[0] + self.waarden[1] + self.waarden[2]


# --- parsing helpers (memoised per batch: spreadsheets repeat the same few values many times) ---------------

def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


_ACTIVITEIT_NAMEN: dict[str, Activiteit] = {}
for _a in Activiteit:
    for _name in (_a.value, _a.label, _a.name, _a.value.replace("_", " ")):
        _ACTIVITEIT_NAMEN[_name.casefold()] = _a
_ACTIVITEIT_NAMEN.update(
    {"taalles": Activiteit.TAALLES_KNM, "knm": Activiteit.TAALLES_KNM, "taalles+knm": Activiteit.TAALLES_KNM,
     "map": Activiteit.MAP_PRAKTIJK, "map praktijk": Activiteit.MAP_PRAKTIJK,
     "mb": Activiteit.MAATSCHAPPELIJKE_BEGELEIDING,
     "participatieactiviteit": Activiteit.PARTICIPATIE}
)


def parse_activiteit(raw: Any) -> Activiteit:
    """An Activiteit from its code or Dutch label (case-insensitive)."""
    if isinstance(raw, Activiteit):
        return raw
    text = "" if raw is None else " ".join(str(raw).split()).casefold()
    if not text:
        raise FieldError("Kies een activiteit.")
    try:
        return _ACTIVITEIT_NAMEN[text]
    except KeyError:
        codes = ", ".join(a.value for a in Activiteit)
        raise FieldError(f"Onbekende activiteit '{raw}'. Kies een van: {codes}.") from None


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


def _waarde(raw: Any) -> str:
    return "" if raw is None else str(raw)[:100]


# --- loading -------------------------------------------------------------------------------------------------

def _load_verwijzingen(
    session: Session, actor: User, ids: set[int], kenmerken: set[str]
) -> tuple[dict[int, _VerwijzingInfo], dict[str, _VerwijzingInfo]]:
    """The actor's registrable verwijzingen named in the batch (all of them for big batches), with their start."""
    query = (
        access.verwijzingen_for_registration(actor)
        .with_only_columns(
            Verwijzing.id, Verwijzing.kenmerk, Verwijzing.inburgeraar_id, Verwijzing.onderdeel, Verwijzing.status,
            Verwijzing.beoogde_startdatum, Verwijzing.uiterste_einddatum,
            TrajectStart.gerealiseerde_startdatum, TrajectStart.bijgestelde_einddatum, TrajectStart.niet_gestart,
        )
        .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
    )
    if len(ids) + len(kenmerken) <= _IN_LIMIT:
        query = query.where(or_(Verwijzing.id.in_(ids), func.upper(Verwijzing.kenmerk).in_(kenmerken)))
    by_id: dict[int, _VerwijzingInfo] = {}
    by_kenmerk: dict[str, _VerwijzingInfo] = {}
    for row in session.execute(query):
        info = _VerwijzingInfo(*row[:9], niet_gestart=bool(row[9]))
        by_id[info.id] = info
        by_kenmerk[info.kenmerk.upper()] = info
    return by_id, by_kenmerk


def _load_stored(
    session: Session, actor: User, inburgeraar_ids: set[int], first: date, last: date
) -> dict[tuple[int, date, Activiteit], _Stored]:
    """Stored presentie of these people between two dates, under any verwijzing (for the 24-hour rule)."""
    people: Any = inburgeraar_ids
    if len(inburgeraar_ids) > _IN_LIMIT:
        people = access.verwijzingen_for_registration(actor).with_only_columns(Verwijzing.inburgeraar_id)
    query = (
        select(
            Presentie.id, Presentie.verwijzing_id, Verwijzing.inburgeraar_id, Presentie.datum, Presentie.activiteit,
            Presentie.uren_aanwezig, Presentie.uren_afwezig_geoorloofd, Presentie.uren_afwezig_ongeoorloofd,
            Presentie.reden_afwezig,
        )
        .join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .where(Verwijzing.inburgeraar_id.in_(people), Presentie.datum.between(first, last))
    )
    # Core execution on the session's connection: plain rows, no ORM loading overhead for 100k rows
    # (it skips autoflush, hence the explicit flush).
    session.flush()
    return {
        (vid, dag, act): _Stored(pid, inb, (_dec(aanwezig), _dec(geoorloofd), _dec(ongeoorloofd), reden))
        for pid, vid, inb, dag, act, aanwezig, geoorloofd, ongeoorloofd, reden in session.connection().execute(query)
    }


def _dec(value: Any) -> Decimal:
    if isinstance(value, Decimal):  # the usual case: Numeric columns come back as Decimal
        return value
    # Defensive: a driver handing back floats or ints; normalise to two places.
    return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else _ZERO


# --- validation ----------------------------------------------------------------------------------------------

def validate_presentie(
    session: Session, actor: User, inputs: Sequence[PresentieInput], today: date
) -> tuple[list[CleanPresentie], list[RowError]]:
    """Check every rule on a batch of raw presentie rows; returns the clean rows and the errors per row/field.

    Rules: the verwijzing is the actor's own and has started (not 'niet gestart', not ingetrokken); the date is
    not in the future and lies within the traject (start to bijgestelde or uiterste einddatum); hours are finite,
    ≥ 0, in quarters; a person has at most 24 hours per day over all activities and verwijzingen, counting stored
    rows (except those this batch replaces) and the other rows of the batch; the activity fits the onderdeel;
    a (verwijzing, datum, activiteit) appears once per batch; a reason is given for any absence.
    """
    errors: list[RowError] = []
    ids = {i.verwijzing_id for i in inputs if i.verwijzing_id is not None}
    kenmerken = {str(i.kenmerk).strip().upper() for i in inputs if i.verwijzing_id is None and not _is_empty(i.kenmerk)}
    by_id, by_kenmerk = _load_verwijzingen(session, actor, ids, kenmerken)

    parse_dag = _Memo(lambda raw: parse_date(raw, label="de datum"))
    parse_act = _Memo(parse_activiteit)
    hour_parsers = {veld: _Memo(lambda raw, label=VELD_LABELS[veld]: parse_hours(raw, label=label))
                    for veld in _UREN_VELDEN}

    parsed: list[tuple[CleanPresentie, PresentieInput]] = []
    seen: dict[tuple[int, date, Activiteit], int] = {}
    for item in inputs:
        row_errors: list[RowError] = []

        def fail(veld: str, raw: Any, melding: str, item: PresentieInput = item, bucket: list = row_errors) -> None:
            bucket.append(RowError(item.regel, veld, _waarde(raw), melding))

        info = _resolve(item, by_id, by_kenmerk, fail)

        dag: date | None = None
        try:
            dag = parse_dag(item.datum)
            if dag > today:
                raise FieldError("De datum ligt in de toekomst. Registreer presentie tot en met vandaag.")
        except FieldError as exc:
            fail("datum", item.datum, str(exc))
            dag = None

        activiteit: Activiteit | None = None
        try:
            activiteit = parse_act(item.activiteit)
        except FieldError as exc:
            fail("activiteit", item.activiteit, str(exc))

        uren: dict[str, Decimal] = {}
        raws = (item.uren_aanwezig, item.uren_afwezig_geoorloofd, item.uren_afwezig_ongeoorloofd)
        empties = [r is None or (type(r) is str and not r.strip()) for r in raws]
        all_empty = empties[0] and empties[1] and empties[2]
        for veld, raw, empty in zip(_UREN_VELDEN, raws, empties, strict=True):
            if empty and not (veld == "uren_aanwezig" and all_empty):
                uren[veld] = _ZERO  # an empty absence (or presence, when absence is given) means none
                continue
            try:
                uren[veld] = hour_parsers[veld](raw)
            except FieldError as exc:
                fail(veld, raw, str(exc))

        reden = None if _is_empty(item.reden_afwezig) else " ".join(str(item.reden_afwezig).split())
        if reden is not None and len(reden) > MAX_REDEN:
            fail("reden_afwezig", item.reden_afwezig, f"De reden is te lang: gebruik hoogstens {MAX_REDEN} tekens.")
        afwezig = uren.get("uren_afwezig_geoorloofd", _ZERO) + uren.get("uren_afwezig_ongeoorloofd", _ZERO)
        if afwezig > 0 and reden is None:
            fail("reden_afwezig", item.reden_afwezig,
                 "Vul de reden van afwezigheid in, bijvoorbeeld ziek, afspraak bij de huisarts of zonder bericht.")

        if info is not None:
            _check_traject(info, dag, activiteit, item, fail)

        if dag is not None and activiteit is not None and info is not None:
            key = (info.id, dag, activiteit)
            if key in seen:
                fail("datum", item.datum,
                     f"Deze deelnemer heeft op {fmt_datum(dag)} al een regel voor '{activiteit.label}' "
                     f"in deze invoer (regel {seen[key]}). Houd één regel per dag en activiteit.")
            else:
                seen[key] = item.regel

        if row_errors:
            errors.extend(row_errors)
            continue
        assert info is not None and dag is not None and activiteit is not None
        parsed.append((
            CleanPresentie(
                item.regel, info.id, info.inburgeraar_id, dag, activiteit, uren["uren_aanwezig"],
                uren["uren_afwezig_geoorloofd"], uren["uren_afwezig_ongeoorloofd"], reden,
            ),
            item,
        ))

    clean = [row for row, _ in parsed]
    if clean:
        stored = _load_stored(
            session, actor, {r.inburgeraar_id for r in clean}, min(r.datum for r in clean), max(r.datum for r in clean)
        )
        errors.extend(_check_day_totals(parsed, stored))
        failed = {e.regel for e in errors}
        clean = [r for r in clean if r.regel not in failed]
        _classify(clean, stored)
    errors.sort(key=lambda e: e.regel)
    return clean, errors


def _resolve(
    item: PresentieInput,
    by_id: dict[int, _VerwijzingInfo],
    by_kenmerk: dict[str, _VerwijzingInfo],
    fail: Callable[[str, Any, str], None],
) -> _VerwijzingInfo | None:
    if item.verwijzing_id is not None:
        info, raw = by_id.get(item.verwijzing_id), item.verwijzing_id
    elif not _is_empty(item.kenmerk):
        info, raw = by_kenmerk.get(str(item.kenmerk).strip().upper()), item.kenmerk
    else:
        fail("verwijzing", None,
             "Vul het kenmerk van de verwijzing in, zodat duidelijk is om welke deelnemer het gaat.")
        return None
    if info is None:
        fail("verwijzing", raw,
             f"Onbekende deelnemer: verwijzing '{raw}' bestaat niet of is niet aan uw organisatie verwezen. "
             "Controleer het kenmerk.")
    return info


def _check_traject(
    info: _VerwijzingInfo,
    dag: date | None,
    activiteit: Activiteit | None,
    item: PresentieInput,
    fail: Callable[[str, Any, str], None],
) -> None:
    """The verwijzing must be running on that day and cover the activity."""
    if info.status is VerwijzingStatus.INGETROKKEN:
        fail("verwijzing", info.kenmerk,
             "Deze verwijzing is ingetrokken door de gemeente; presentie registreren kan niet.")
        return
    if info.niet_gestart or info.status is VerwijzingStatus.NIET_GESTART:
        fail("verwijzing", info.kenmerk,
             "Deze deelnemer staat als 'niet gestart' geregistreerd. Registreer eerst de startdatum van het traject.")
        return
    if info.startdatum is None:
        fail("verwijzing", info.kenmerk, "Registreer eerst de startdatum van het traject van deze deelnemer.")
        return
    if dag is not None and dag < info.startdatum:
        fail("datum", item.datum,
             f"De datum ligt vóór de start van het traject ({fmt_datum(info.startdatum)}). "
             "Kies een datum vanaf de startdatum, of corrigeer de startdatum.")
    elif dag is not None and dag > info.eind:
        fail("datum", item.datum,
             f"De datum ligt na het einde van het traject ({fmt_datum(info.eind)}). Kies een datum binnen het traject.")
    if activiteit is not None and activiteit not in ACTIVITEITEN_PER_ONDERDEEL[info.onderdeel]:
        passend = ", ".join(a.label for a in ACTIVITEITEN_PER_ONDERDEEL[info.onderdeel])
        fail("activiteit", item.activiteit,
             f"'{activiteit.label}' hoort niet bij deze verwijzing ({info.onderdeel.label}). Kies: {passend}.")


def _check_day_totals(
    parsed: list[tuple[CleanPresentie, PresentieInput]], stored: dict[tuple[int, date, Activiteit], _Stored]
) -> list[RowError]:
    """At most 24 hours per person per day: stored rows not replaced by the batch plus the batch's rows."""
    per_day: dict[tuple[int, date], Decimal] = defaultdict(lambda: _ZERO)
    batch_keys = {row.key for row, _ in parsed}
    for (vid, dag, act), row in stored.items():
        if (vid, dag, act) not in batch_keys:
            per_day[(row.inburgeraar_id, dag)] += row.totaal
    for row, _ in parsed:
        per_day[(row.inburgeraar_id, row.datum)] += row.totaal
    errors = []
    for row, item in parsed:
        total = per_day[(row.inburgeraar_id, row.datum)]
        if total > MAX_UREN_PER_DAG:
            errors.append(RowError(
                row.regel, "uren_aanwezig", _waarde(item.uren_aanwezig),
                f"Op {fmt_datum(row.datum)} komt deze deelnemer samen op {_nl(total)} uur (aanwezig en afwezig, "
                "alle activiteiten samen, inclusief eerder opgeslagen uren). Dat is meer dan 24 uur per dag: "
                "verlaag de uren.",
            ))
    return errors


def _classify(rows: Iterable[CleanPresentie], stored: dict[tuple[int, date, Activiteit], _Stored]) -> None:
    for row in rows:
        existing = stored.get(row.key)
        if existing is None:
            row.soort = NIEUW
        elif existing.waarden == row.waarden:
            row.soort = ONGEWIJZIGD
        else:
            row.soort = GEWIJZIGD


def preview_presentie(rows: Sequence[CleanPresentie]) -> SaveResult:
    """Counts of what saving these validated rows would do, without saving (for an upload preview)."""
    result = SaveResult()
    for row in rows:
        setattr(result, row.soort, getattr(result, row.soort) + 1)
    return result


# --- saving --------------------------------------------------------------------------------------------------

def save_presentie(session: Session, actor: User, rows: Sequence[CleanPresentie]) -> SaveResult:
    """Upsert validated rows on (verwijzing, datum, activiteit): insert new ones in bulk, correct changed ones
    with history (who/when/old/new), leave unchanged ones alone; one audit event per inburgeraar; flush only.

    `rows` must come from `validate_presentie` for the same actor (re-validate after the user confirms).
    """
    result = SaveResult()
    if not rows:
        return result
    stored = _load_stored(
        session, actor, {r.inburgeraar_id for r in rows}, min(r.datum for r in rows), max(r.datum for r in rows)
    )
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    changed: dict[int, CleanPresentie] = {}
    per_person: dict[int, SaveResult] = defaultdict(SaveResult)
    for row in rows:
        existing = stored.get(row.key)
        if existing is None:
            new_rows.append({
                "verwijzing_id": row.verwijzing_id, "datum": row.datum, "activiteit": row.activiteit.value,
                **row.values(), "geregistreerd_door_id": actor.id, "created_at": now, "updated_at": now,
            })
            result.nieuw += 1
            per_person[row.inburgeraar_id].nieuw += 1
        elif existing.waarden == row.waarden:
            result.ongewijzigd += 1
        else:
            changed[existing.id] = row
            result.gewijzigd += 1
            per_person[row.inburgeraar_id].gewijzigd += 1
    if new_rows:
        # Core executemany on the table: several times faster than ORM unit-of-work inserts for big uploads.
        session.execute(insert(Presentie.__table__), new_rows)
    ids = list(changed)
    for start in range(0, len(ids), _IN_LIMIT):
        for obj in session.scalars(select(Presentie).where(Presentie.id.in_(ids[start:start + _IN_LIMIT]))):
            row = changed[obj.id]
            apply_changes(session, actor, obj, row.values(), object_type="presentie", inburgeraar_id=row.inburgeraar_id)
    for inburgeraar_id, counts in per_person.items():
        audit.record(
            session, actor, "presentie_geregistreerd", object_type="presentie", inburgeraar=inburgeraar_id,
            details={"nieuw": counts.nieuw, "gewijzigd": counts.gewijzigd},
        )
    session.flush()
    return result


def register(
    session: Session, actor: User, inputs: Sequence[PresentieInput], today: date
) -> tuple[SaveResult, list[RowError]]:
    """Validate and, only when every row is valid, save (the all-or-nothing path of forms and grid rows)."""
    clean, errors = validate_presentie(session, actor, inputs, today)
    if errors:
        return SaveResult(), errors
    return save_presentie(session, actor, clean), []


def _nl(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")
