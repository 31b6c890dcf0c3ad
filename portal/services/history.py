"""Apply changes to a registration while keeping who/when/old/new for every corrected field."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from portal import audit, formatting, pg_arrays
from portal.models import Presentie, TrajectStart, User, Verwijzing
from portal.models.base import utcnow
from portal.models.wijziging import RegistratieWijziging
from portal.services.batch import execute_many

T = TypeVar("T")

# The channel a change came in through (weekrooster, sessieformulier, upload), set around the write by its entry
# point: the history names it as the change's source, instead of the request's address.
_KANAAL: ContextVar[str | None] = ContextVar("registratie_kanaal", default=None)


@contextmanager
def via(kanaal: str) -> Iterator[None]:
    """Record the changes written inside this block as coming in through `kanaal`."""
    token = _KANAAL.set(kanaal)
    try:
        yield
    finally:
        _KANAAL.reset(token)


def _bron() -> str:
    """The source a history row names: the channel when its entry point set one, else the request's origin."""
    return _KANAAL.get() or audit.current_origin.get()


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return getattr(value, "value", None) or str(value)


def apply_changes(
    session: Session,
    actor: User | None,
    obj: Any,
    changes: Mapping[str, Any],
    *,
    object_type: str,
    inburgeraar_id: int | None,
    betreft_datum: date | None = None,
) -> dict[str, tuple[str | None, str | None]]:
    """Set changed attributes on `obj` and write one history row per changed field; returns what changed.

    Unchanged values write nothing, so submitting the same data again is a no-op. `betreft_datum`: the day the
    registration is about (a presence session's), kept with each row.
    """
    changed: dict[str, tuple[str | None, str | None]] = {}
    for field, new in changes.items():
        old = getattr(obj, field)
        if old == new:
            continue
        setattr(obj, field, new)
        changed[field] = (_as_text(old), _as_text(new))
    if changed and obj.id is not None:
        for field, (old_text, new_text) in changed.items():
            session.add(
                RegistratieWijziging(
                    object_type=object_type,
                    object_id=obj.id,
                    inburgeraar_id=inburgeraar_id,
                    veld=field,
                    oude_waarde=old_text,
                    nieuwe_waarde=new_text,
                    gewijzigd_door_id=actor.id if actor else None,
                    bron=_bron(),
                    betreft_datum=betreft_datum,
                )
            )
    return changed


_HISTORY_COLUMNS = ("object_type", "object_id", "inburgeraar_id", "veld", "oude_waarde", "nieuwe_waarde",
                    "gewijzigd_door_id", "gewijzigd_op", "bron", "betreft_datum")


def record_changes(
    session: Session,
    actor: User | None,
    changes: Iterable[tuple[int, int | None, Mapping[str, Any], Mapping[str, Any]]],
    *,
    object_type: str,
    datums: Mapping[int, date] | None = None,
) -> int:
    """The history rows `apply_changes` writes, for registrations a batch write corrected without loading them:
    per (object_id, inburgeraar_id, old values, new values) one row per field whose value changed, all in one
    statement on the session's connection (same transaction); `datums`: the day each object_id is about. Returns
    how many rows it wrote."""
    actor_id = actor.id if actor else None
    bron = _bron()
    now = utcnow()
    datums = datums or {}
    rows = [
        (object_type, object_id, inburgeraar_id, field, _as_text(old[field]), _as_text(new_value), actor_id, now, bron,
         datums.get(object_id))
        for object_id, inburgeraar_id, old, new in changes
        for field, new_value in new.items() if old[field] != new_value
    ]
    table = RegistratieWijziging.__table__
    execute_many(session.connection(), lambda: insert(table), table, _HISTORY_COLUMNS, rows,  # type: ignore[arg-type]
                 key="registratie_wijziging.insert")
    return len(rows)


_PG_PER_ROW = ("object_id", "inburgeraar_id", "veld", "oude_waarde", "nieuwe_waarde", "betreft_datum")
_PG_SHARED = ("object_type", "gewijzigd_door_id", "gewijzigd_op", "bron")


def pg_changes_parameters(
    actor: User | None,
    changes: Iterable[tuple[int, int | None, Mapping[str, Any], Mapping[str, Any]]],
    *,
    object_type: str,
    datums: Mapping[int, date] | None = None,
) -> dict[str, Any]:
    """The history rows `record_changes` writes, as the parameters of `pg_changes_cte` (PostgreSQL): the same rows,
    written by the caller's statement with its own work."""
    datums = datums or {}
    rows = [
        (object_id, inburgeraar_id, field, _as_text(old[field]), _as_text(new_value), datums.get(object_id))
        for object_id, inburgeraar_id, old, new in changes
        for field, new_value in new.items() if old[field] != new_value
    ]
    columns = list(zip(*rows, strict=True)) if rows else [() for _name in _PG_PER_ROW]
    parameters: dict[str, Any] = {f"arr_h_{name}": pg_arrays.array_literal(values)
                                  for name, values in zip(_PG_PER_ROW, columns, strict=True)}
    parameters.update(h_object_type=object_type, h_gewijzigd_door_id=actor.id if actor else None,
                      h_gewijzigd_op=utcnow(), h_bron=_bron())
    return parameters


@lru_cache(maxsize=1)
def pg_changes_cte() -> Any:
    """`record_changes`' INSERT as a data-modifying CTE ("geschiedenis") over unnested arrays (arr_h_<column>), the
    shared columns bound as h_<column>; its parameters come from `pg_changes_parameters`."""
    table = RegistratieWijziging.__table__
    rows = pg_arrays.unnested([(f"h_{name}", [], table.c[name].type) for name in _PG_PER_ROW])
    shared = [bindparam(f"h_{name}", type_=table.c[name].type).label(name) for name in _PG_SHARED]
    return insert(table).from_select(
        [*_PG_SHARED, *_PG_PER_ROW], select(*shared, *(rows.c[f"h_{name}"] for name in _PG_PER_ROW)),
    ).cte("geschiedenis")


def record_or_correct(
    session: Session,
    actor: User,
    existing: T | None,
    new: Callable[[], T],
    changes: Mapping[str, Any],
    *,
    object_type: str,
    inburgeraar_id: int | None,
) -> tuple[T, bool, list[str]]:
    """Add the registration `new()` makes, or correct `existing` with `changes` (with history); flushes.

    Returns the object, whether it was new and the fields that changed (all of `changes` when new);
    no changed fields means the same data came again and nothing was written.
    """
    if existing is None:
        obj = new()
        session.add(obj)
        session.flush()
        return obj, True, list(changes)
    changed = list(apply_changes(session, actor, existing, changes, object_type=object_type,
                                 inburgeraar_id=inburgeraar_id))
    if changed:
        session.flush()
    return existing, False, changed


def correcties_van_verwijzing(
    session: Session, verwijzing: Verwijzing, start_id: int | None, limit: int = 100
) -> list[tuple[RegistratieWijziging, str | None, str]]:
    """Corrections of a verwijzing's start, status and sessions, newest first: (correction, who, what)."""
    presentie_ids = select(Presentie.id).where(Presentie.verwijzing_id == verwijzing.id)
    conditions = [
        and_(RegistratieWijziging.object_type == "presentie", RegistratieWijziging.object_id.in_(presentie_ids)),
        and_(RegistratieWijziging.object_type == "verwijzing", RegistratieWijziging.object_id == verwijzing.id,
             RegistratieWijziging.veld == "status"),
    ]
    if start_id is not None:
        conditions.append(and_(RegistratieWijziging.object_type == "traject_start",
                               RegistratieWijziging.object_id == start_id))
    rows = session.execute(
        select(RegistratieWijziging, User.naam)
        .outerjoin(User, User.id == RegistratieWijziging.gewijzigd_door_id)
        .where(or_(*conditions))
        .order_by(RegistratieWijziging.gewijzigd_op.desc(), RegistratieWijziging.id.desc())
        .limit(limit)
    ).all()
    sessions = {
        p.id: f"Sessie {p.datum.strftime('%d-%m-%Y')}, {p.activiteit.label}"
        for p in session.scalars(select(Presentie).where(Presentie.id.in_(
            [h.object_id for h, _ in rows if h.object_type == "presentie"])))
    }
    what = {"traject_start": "Start traject", "verwijzing": "Verwijzing"}
    return [(h, naam, sessions.get(h.object_id, "") if h.object_type == "presentie" else what[h.object_type])
            for h, naam in rows]


_MODELS: dict[str, Any] = {"presentie": Presentie, "traject_start": TrajectStart, "verwijzing": Verwijzing}
_VELD_LABELS = {
    "uren_aanwezig": "Uren aanwezig", "uren_afwezig_geoorloofd": "Uren afwezig geoorloofd",
    "uren_afwezig_ongeoorloofd": "Uren afwezig ongeoorloofd", "reden_afwezig": "Reden afwezigheid",
    "gerealiseerde_startdatum": "Gerealiseerde startdatum", "bijgestelde_einddatum": "Bijgestelde einddatum",
}


def veld_label(veld: str) -> str:
    """A corrected field as the forms name it: 'Uren aanwezig', not 'uren_aanwezig'."""
    return _VELD_LABELS.get(veld) or veld.replace("_", " ").capitalize()


def waarde_label(object_type: str, veld: str, text: str | None) -> str:
    """A stored old or new value as the pages write it (3, 2,5, 05-10-2026, Ja, Gestart); '–' for none. History
    keeps values as text ('3.00', '2026-10-05', 'gestart'), typed here by the corrected model's column."""
    if text is None or text == "":
        return "–"
    model = _MODELS.get(object_type)
    column = model.__table__.c.get(veld) if model is not None else None
    if column is None:
        return text
    kind = column.type.python_type
    try:
        if issubclass(kind, Enum):
            return formatting.waarde(kind(text))
        if kind is bool:
            return formatting.waarde(text == "True")
        if kind is date:
            return formatting.datum(date.fromisoformat(text))
        if kind is Decimal:
            return formatting.uren(Decimal(text)) if veld.startswith("uren") else formatting.getal(Decimal(text))
    except (ValueError, ArithmeticError):
        pass  # a value an older version stored in another shape reads as stored
    return text
