"""Kept presentie totals per verwijzing and activity (PresentieTotaal) and per ISO week (PresentieWeek).

Pages that show totals read these rows instead of aggregating every presentie day, so their cost follows what
they show, not how long the history is. They change only through `record`, which
`portal.services.presentie.save_presentie` / `delete_presentie` call in the same transaction as the presentie
write itself (every door: form, week grid, upload, API). `differences` recomputes everything from presentie and
says what differs (`flask --app portal totalen-controleren`); `rebuild` sets kept totals to the recomputation
(for data loaded around the service: the demo and the benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Enum as SqlEnum
from sqlalchemy import String, bindparam, case, cast, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

from portal import audit, pg_arrays
from portal.models import Presentie, PresentieTotaal, PresentieWeek
from portal.models.traject import Activiteit
from portal.services import kept_signalen
from portal.services.batch import execute_many
from portal.services.validation import as_decimal

Uren = tuple[Decimal, Decimal, Decimal]  # aanwezig, afwezig geoorloofd, afwezig ongeoorloofd
_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_CHUNK = 500  # keys per IN list: under SQLite's variable limit


class Wijziging(NamedTuple):
    """One presentie write as the totals see it: `oud` None for a new row, `nieuw` None for a deleted one.

    A named tuple: a 10,000-row batch makes 10,000 of them, and a tuple is built and unpacked cheaply."""

    verwijzing_id: int
    activiteit: Activiteit
    datum: date
    oud: Uren | None
    nieuw: Uren | None


@dataclass(frozen=True, slots=True)
class Stand:
    """Totals of one key: hours present, absent with and without reason, number of rows, last day."""

    aanwezig: Decimal
    geoorloofd: Decimal
    ongeoorloofd: Decimal
    aantal: int
    laatste: date | None = None


@dataclass(frozen=True, slots=True)
class Verschil:
    """A kept total that differs from the recomputation (None: that side has no row)."""

    soort: str  # "verwijzing" or "week"
    sleutel: tuple[Any, ...]
    bewaard: Stand | None
    herberekend: Stand | None

    def __str__(self) -> str:
        what = f"verwijzing {self.sleutel[0]}, {self.sleutel[1].label}"
        if self.soort == "week":
            what += f", week van {self.sleutel[2].isoformat()}"
        return f"{what}: bewaard {_tekst(self.bewaard)}, herberekend {_tekst(self.herberekend)}"


def _tekst(stand: Stand | None) -> str:
    if stand is None:
        return "geen"
    laatste = f", laatste {stand.laatste.isoformat()}" if stand.laatste else ""
    return (f"{stand.aanwezig} aanwezig, {stand.geoorloofd} geoorloofd, {stand.ongeoorloofd} ongeoorloofd, "
            f"{stand.aantal} regels{laatste}")


class week_start(FunctionElement[date]):
    """The Monday of the ISO week of a date column, in SQL."""

    type = Date()
    inherit_cache = True


@compiles(week_start, "postgresql")
def _week_start_pg(element: week_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(week_start)
def _week_start_sqlite(element: week_start, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    # strftime('%w'): 0 = Sunday; step back (weekday + 6) % 7 days to the Monday.
    return f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7) || ' days')"


def maandag(dag: date) -> date:
    """The Monday of the ISO week of a day (the `week` key of PresentieWeek)."""
    return dag - timedelta(days=dag.weekday())


# --- keeping ------------------------------------------------------------------------------------------------

_SUMS = ("uren_aanwezig", "uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd", "aantal")


def record(session: Session, changes: Iterable[Wijziging]) -> None:
    """Apply presentie writes to the kept totals, in the caller's transaction (call it with every write)."""
    apply(session, plan(session, changes))


@dataclass(slots=True)
class Plan:
    """What `apply` writes for a batch of presentie writes, worked out in Python without touching the database:
    a caller may plan while the database is busy with the batch itself (presentie's COPY)."""

    weeks: dict[tuple[int, Activiteit, date], list[Any]]  # deltas per week (and the last new day)
    removed: set[tuple[int, Activiteit]]  # keys that lost a row
    parameters: dict[str, str] | None  # PostgreSQL: the upsert's arrays


def plan(session: Session, changes: Iterable[Wijziging], new: Iterable[Any] = ()) -> Plan:
    """The kept totals' writes for these presentie writes (no SQL: `apply` sends them).

    `new`: rows added, as objects with verwijzing_id, activiteit, datum and the three hours (a batch's validated
    rows), read as they are instead of each made into a Wijziging first."""
    # One pass adds each change to its week (with the last new day); the totals per verwijzing and activity are
    # then summed from the weeks, a few thousand entries instead of every row of a batch.
    weeks: dict[tuple[int, Activiteit, date], list[Any]] = {}
    removed: set[tuple[int, Activiteit]] = set()
    mondays: dict[date, date] = {}  # a batch repeats the same few days
    for row in new:
        datum = row.datum
        monday = mondays.get(datum)
        if monday is None:
            monday = mondays[datum] = maandag(datum)
        key = (row.verwijzing_id, row.activiteit, monday)
        week = weeks.get(key)
        if week is None:
            weeks[key] = [row.uren_aanwezig, row.uren_afwezig_geoorloofd, row.uren_afwezig_ongeoorloofd, 1, datum]
        else:
            week[0] += row.uren_aanwezig
            week[1] += row.uren_afwezig_geoorloofd
            week[2] += row.uren_afwezig_ongeoorloofd
            week[3] += 1
            if week[4] is None or datum > week[4]:
                week[4] = datum
    for verwijzing_id, activiteit, datum, oud, nieuw in changes:
        if oud is None:
            if nieuw is None:
                continue
            d0, d1, d2 = nieuw
            d3 = 1
        elif nieuw is None:
            d0, d1, d2, d3 = _ZERO - oud[0], _ZERO - oud[1], _ZERO - oud[2], -1
            removed.add((verwijzing_id, activiteit))
        else:
            d0, d1, d2, d3 = nieuw[0] - oud[0], nieuw[1] - oud[1], nieuw[2] - oud[2], 0
            if not (d0 or d1 or d2):
                continue  # only the reason changed
        monday = mondays.get(datum)
        if monday is None:
            monday = mondays[datum] = maandag(datum)
        key = (verwijzing_id, activiteit, monday)
        week = weeks.get(key)
        if week is None:
            weeks[key] = [d0, d1, d2, d3, datum if oud is None else None]
        else:
            week[0] += d0
            week[1] += d1
            week[2] += d2
            week[3] += d3
            if oud is None and (week[4] is None or datum > week[4]):
                week[4] = datum
    parameters = _pg_parameters(weeks) if weeks and session.get_bind().dialect.name == "postgresql" else None
    return Plan(weeks, removed, parameters)


def apply(session: Session, plan: Plan, events: Callable[[], None] | None = None) -> None:
    """Write a plan's deltas to the kept totals, in the caller's transaction; and the planned audit `events` of the
    write (portal.audit.planned_many), on PostgreSQL in the totals' statement (a round trip fewer per grid save)."""
    weeks, removed = plan.weeks, plan.removed
    if not weeks:
        if events is not None:
            events()
        return
    kept_signalen.presentie_gewijzigd(session, {key[0] for key in weeks})
    if plan.parameters is not None:
        events_parameters = audit.pg_events_parameters(events) if events is not None else None
        if events_parameters is not None:
            session.flush()  # the events may name objects still pending, as their own insert would flush them
            session.execute(_pg_upsert_with_events(), {**plan.parameters, **events_parameters})
            events = None
        else:
            session.execute(_pg_upsert(), plan.parameters)
    else:
        _upsert_sqlite(session, weeks)
    if removed:
        _after_removal(session, removed, [k for k in weeks if (k[0], k[1]) in removed])
    if events is not None:
        events()


_WEEK = ("verwijzing_id", "activiteit", "week", *_SUMS)
_TOTAAL = ("verwijzing_id", "activiteit", *_SUMS, "laatste_datum")


def _on_conflict_add(statement: Any, table: Any) -> Any:
    """ON CONFLICT (key) add the row's deltas to the stored sums (and keep the later last day)."""
    excluded = statement.excluded
    values: dict[str, Any] = {name: table.c[name] + excluded[name] for name in _SUMS}
    if "laatste_datum" in table.c:
        values["laatste_datum"] = case(
            (or_(table.c.laatste_datum.is_(None), excluded.laatste_datum > table.c.laatste_datum),
             excluded.laatste_datum),
            else_=table.c.laatste_datum,
        )
    return statement.on_conflict_do_update(index_elements=[c.name for c in table.primary_key], set_=values)


def _pg_parameters(weeks: dict[tuple[int, Activiteit, date], list[Any]]) -> dict[str, str]:
    """PostgreSQL, one statement (`_pg_upsert`): its arrays.

    The week deltas and the totals per verwijzing and activity (summed here from the weeks, a few thousand
    entries) travel as one array per column (thousands of single-row upserts cost more than the presentie rows'
    own COPY); the server adds them to presentie_week (a data-modifying CTE) and to presentie_totaal. Summing here
    spares the server a materialised CTE and a hash aggregate (about a fifth of the statement's time for a
    10,000-item API call). The statement is built once; each write binds its arrays (building it cost more than
    a grid save's one-row upsert)."""
    totals = _totals_of(weeks)
    # Column by column with C-level transposes and joins (Python per element cost more than the server's upsert
    # for a 10,000-item call); only the last days may hold a NULL.
    week_v, week_a, week_w = zip(*weeks, strict=True)
    week_0, week_1, week_2, week_3, _laatste = zip(*weeks.values(), strict=True)
    totaal_v, totaal_a = zip(*totals, strict=True)
    totaal_0, totaal_1, totaal_2, totaal_3, totaal_l = zip(*totals.values(), strict=True)
    numbers = _numbers
    return {
        "week_verwijzing_id": numbers(week_v), "week_activiteit": _activiteiten(week_a), "week_week": _dates(week_w),
        "week_uren_aanwezig": numbers(week_0), "week_uren_afwezig_geoorloofd": numbers(week_1),
        "week_uren_afwezig_ongeoorloofd": numbers(week_2), "week_aantal": numbers(week_3),
        "totaal_verwijzing_id": numbers(totaal_v), "totaal_activiteit": _activiteiten(totaal_a),
        "totaal_uren_aanwezig": numbers(totaal_0), "totaal_uren_afwezig_geoorloofd": numbers(totaal_1),
        "totaal_uren_afwezig_ongeoorloofd": numbers(totaal_2), "totaal_aantal": numbers(totaal_3),
        "totaal_laatste_datum": pg_arrays.array_literal(totaal_l),
    }


def _numbers(values: Sequence[int | Decimal]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _dates(values: Sequence[date]) -> str:
    return "{" + ",".join(map(date.isoformat, values)) + "}"


# Each activity's code as an array element, quoted as pg_arrays quotes text (enum attribute access per element
# cost more than the join).
_ACTIVITEIT_ELEMENT = {a: pg_arrays.array_literal([a.value])[1:-1] for a in Activiteit}


def _activiteiten(values: Sequence[Activiteit]) -> str:
    return "{" + ",".join(map(_ACTIVITEIT_ELEMENT.__getitem__, values)) + "}"


_PG_UPSERT: list[Any] = []


def _unnest(table: Any, names: Sequence[str], prefix: str) -> Any:
    """`unnest(…)` over one array per column of `table`, each bound as `<prefix>_<column>`."""
    arrays = [cast(bindparam(f"{prefix}_{name}", type_=String()), postgresql.ARRAY(_element_type(table.c[name])))
              for name in names]
    return func.unnest(*arrays).table_valued(*names).render_derived()


def _pg_upsert() -> Any:
    """The upsert on PostgreSQL: the week deltas bound as `week_<column>` arrays, the totals as `totaal_<column>`."""
    if _PG_UPSERT:
        return _PG_UPSERT[0]
    week_table, totaal_table = PresentieWeek.__table__, PresentieTotaal.__table__
    weeks = _unnest(week_table, _WEEK, "week")
    to_weeks = _on_conflict_add(postgresql.insert(week_table).from_select(
        list(_WEEK), select(*weeks.c)), week_table).cte("weken")
    totals = _unnest(totaal_table, _TOTAAL, "totaal")
    to_totals = _on_conflict_add(postgresql.insert(totaal_table).from_select(list(_TOTAAL), select(*totals.c)),
                                 totaal_table)
    _PG_UPSERT.append(to_totals.add_cte(to_weeks))
    return _PG_UPSERT[0]


_PG_UPSERT_WITH_EVENTS: list[Any] = []


def _pg_upsert_with_events() -> Any:
    """`_pg_upsert` that also writes planned audit events (portal.audit.pg_events_cte, parameters e_… and arr_…)."""
    if not _PG_UPSERT_WITH_EVENTS:
        _PG_UPSERT_WITH_EVENTS.append(_pg_upsert().add_cte(audit.pg_events_cte()))
    return _PG_UPSERT_WITH_EVENTS[0]


def _totals_of(weeks: dict[tuple[int, Activiteit, date], list[Any]]) -> dict[tuple[int, Activiteit], list[Any]]:
    """The week deltas summed per verwijzing and activity (with the latest new day)."""
    totals: dict[tuple[int, Activiteit], list[Any]] = {}
    for (verwijzing_id, activiteit, _monday), week in weeks.items():
        total = totals.get((verwijzing_id, activiteit))
        if total is None:
            totals[(verwijzing_id, activiteit)] = week[:]
        else:
            total[0] += week[0]
            total[1] += week[1]
            total[2] += week[2]
            total[3] += week[3]
            if week[4] is not None and (total[4] is None or week[4] > total[4]):
                total[4] = week[4]
    return totals


def _upsert_sqlite(session: Session, weeks: dict[tuple[int, Activiteit, date], list[Any]]) -> None:
    """SQLite: the totals per verwijzing and activity summed from the weeks here; one executemany per table on
    the driver (SQLAlchemy's per-row parameter handling cost twice SQLite's own upserts)."""
    totals = _totals_of(weeks)
    for table, names, rows in (
        (PresentieTotaal.__table__, _TOTAAL, [(v, a.value, *d) for (v, a), d in totals.items()]),
        (PresentieWeek.__table__, _WEEK, [(v, a.value, w, *d[:4]) for (v, a, w), d in weeks.items()]),
    ):
        execute_many(session.connection(), lambda t=table: _on_conflict_add(sqlite.insert(t), t), table, names,
                     rows, key=f"{table.name}.upsert")


def _element_type(column: Any) -> Any:
    """The array element type for a column's deltas (enums travel as their stored text)."""
    return String() if isinstance(column.type, SqlEnum) else column.type


def _after_removal(
    session: Session, keys: set[tuple[int, Activiteit]], week_keys: Sequence[tuple[int, Activiteit, date]]
) -> None:
    """After deleted rows: drop totals of keys without rows and find the last day again."""
    key_list = list(keys)
    for start in range(0, len(key_list), _CHUNK):
        chunk = key_list[start:start + _CHUNK]
        in_chunk = tuple_(PresentieTotaal.verwijzing_id, PresentieTotaal.activiteit).in_(chunk)
        session.execute(delete(PresentieTotaal).where(in_chunk, PresentieTotaal.aantal <= 0))
        laatste = (
            select(func.max(Presentie.datum))
            .where(Presentie.verwijzing_id == PresentieTotaal.verwijzing_id,
                   Presentie.activiteit == PresentieTotaal.activiteit)
            .scalar_subquery()
        )
        session.execute(update(PresentieTotaal).where(in_chunk).values(laatste_datum=laatste),
                        execution_options={"synchronize_session": False})
    for start in range(0, len(week_keys), _CHUNK):
        chunk_w = list(week_keys[start:start + _CHUNK])
        session.execute(delete(PresentieWeek).where(
            tuple_(PresentieWeek.verwijzing_id, PresentieWeek.activiteit, PresentieWeek.week).in_(chunk_w),
            PresentieWeek.aantal <= 0,
        ))


# --- checking -----------------------------------------------------------------------------------------------

def _stand(aanwezig: Any, geoorloofd: Any, ongeoorloofd: Any, aantal: Any, laatste: Any = None) -> Stand:
    def q(value: Any) -> Decimal:
        return as_decimal(value).quantize(_CENT)

    return Stand(q(aanwezig), q(geoorloofd), q(ongeoorloofd), int(aantal or 0), laatste)


def _where_verwijzing(column: Any, verwijzing_ids: Sequence[int] | None) -> Any:
    return True if verwijzing_ids is None else column.in_(verwijzing_ids)


def recomputed(session: Session, verwijzing_ids: Sequence[int] | None = None) -> tuple[dict, dict]:
    """Totals per (verwijzing, activiteit) and per (verwijzing, activiteit, week) straight from presentie."""
    sums = (func.sum(Presentie.uren_aanwezig), func.sum(Presentie.uren_afwezig_geoorloofd),
            func.sum(Presentie.uren_afwezig_ongeoorloofd), func.count())
    where = _where_verwijzing(Presentie.verwijzing_id, verwijzing_ids)
    totals = {
        (v, a): _stand(*rest)
        for v, a, *rest in session.execute(
            select(Presentie.verwijzing_id, Presentie.activiteit, *sums, func.max(Presentie.datum))
            .where(where).group_by(Presentie.verwijzing_id, Presentie.activiteit))
    }
    week = week_start(Presentie.datum)
    weeks = {
        (v, a, _as_date(w)): _stand(*rest)
        for v, a, w, *rest in session.execute(
            select(Presentie.verwijzing_id, Presentie.activiteit, week, *sums)
            .where(where).group_by(Presentie.verwijzing_id, Presentie.activiteit, week))
    }
    return totals, weeks


def kept(session: Session, verwijzing_ids: Sequence[int] | None = None) -> tuple[dict, dict]:
    """The kept totals, keyed as `recomputed` keys them."""
    t, w = PresentieTotaal, PresentieWeek
    totals = {
        (v, a): _stand(*rest)
        for v, a, *rest in session.execute(select(
            t.verwijzing_id, t.activiteit, t.uren_aanwezig, t.uren_afwezig_geoorloofd, t.uren_afwezig_ongeoorloofd,
            t.aantal, t.laatste_datum).where(_where_verwijzing(t.verwijzing_id, verwijzing_ids)))
    }
    weeks = {
        (v, a, _as_date(wk)): _stand(*rest)
        for v, a, wk, *rest in session.execute(select(
            w.verwijzing_id, w.activiteit, w.week, w.uren_aanwezig, w.uren_afwezig_geoorloofd,
            w.uren_afwezig_ongeoorloofd, w.aantal).where(_where_verwijzing(w.verwijzing_id, verwijzing_ids)))
    }
    return totals, weeks


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def differences(session: Session, verwijzing_ids: Sequence[int] | None = None) -> list[Verschil]:
    """Every kept total that differs from a recomputation from presentie (empty: they agree)."""
    session.flush()
    kept_t, kept_w = kept(session, verwijzing_ids)
    new_t, new_w = recomputed(session, verwijzing_ids)
    result = []
    for soort, bewaard, herberekend in (("verwijzing", kept_t, new_t), ("week", kept_w, new_w)):
        for key in sorted(bewaard.keys() | herberekend.keys(), key=lambda k: tuple(str(p) for p in k)):
            if bewaard.get(key) != herberekend.get(key):
                result.append(Verschil(soort, key, bewaard.get(key), herberekend.get(key)))
    return result


def rebuild(session: Session, verwijzing_ids: Sequence[int] | None = None) -> None:
    """Set the kept totals (of these verwijzingen, or all) to a recomputation from presentie, in SQL."""
    session.flush()
    for model in (PresentieTotaal, PresentieWeek):
        session.execute(delete(model).where(_where_verwijzing(model.verwijzing_id, verwijzing_ids)))
    where = _where_verwijzing(Presentie.verwijzing_id, verwijzing_ids)
    sums = (func.sum(Presentie.uren_aanwezig), func.sum(Presentie.uren_afwezig_geoorloofd),
            func.sum(Presentie.uren_afwezig_ongeoorloofd), func.count())
    columns = ["uren_aanwezig", "uren_afwezig_geoorloofd", "uren_afwezig_ongeoorloofd", "aantal"]
    session.execute(insert(PresentieTotaal).from_select(
        ["verwijzing_id", "activiteit", *columns, "laatste_datum"],
        select(Presentie.verwijzing_id, Presentie.activiteit, *sums, func.max(Presentie.datum))
        .where(where).group_by(Presentie.verwijzing_id, Presentie.activiteit),
    ))
    week = week_start(Presentie.datum)
    session.execute(insert(PresentieWeek).from_select(
        ["verwijzing_id", "activiteit", "week", *columns],
        select(Presentie.verwijzing_id, Presentie.activiteit, week, *sums)
        .where(where).group_by(Presentie.verwijzing_id, Presentie.activiteit, week),
    ))
