"""Helpers for work on large batches (uploads, the caseload of a whole region)."""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table

# From this many rows on, Python's cyclic garbage collector pauses while a batch is built.
GC_PAUSE_ROWS = 5_000


@contextmanager
def gc_paused(rows: int | None = None) -> Iterator[None]:
    """Pause the cyclic garbage collector while a big batch is built (always when `rows` is None).

    A 100,000-row batch allocates a few hundred thousand small objects that live until the batch is done; the
    collector would scan the whole growing heap again and again. Nothing here builds reference cycles, so
    memory is still freed by reference counting; the collector resumes afterwards.
    """
    if (rows is not None and rows < GC_PAUSE_ROWS) or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_COMPILED: dict[tuple[Any, ...], Any] = {}  # execute_many's statements by key: a few, compiled once each


def execute_many(connection: Connection, statement: Any, table: Table, names: Sequence[str],
                 rows: Sequence[Sequence[Any]], *, key: Hashable | None = None) -> None:
    """An INSERT (or upsert) of these columns of `table` for many rows, as one executemany on the driver.

    Each column's values are converted by the column type's own bind conversion once per distinct value (a batch
    repeats the same few dates, hours, ids and actions; unhashable JSON documents are converted one by one), so
    the driver gets exactly what a Core executemany would send, without SQLAlchemy's work per row and column
    (on SQLite that costs more than the insert itself). The caller flushes first if the rows depend on
    pending ORM objects.

    `key` names a statement that is always the same for these columns: it is compiled once per dialect and kept
    (compiling cost more than the write itself for the one row of a grid save and its audit event); `statement`
    may then be a function that builds it, called only to compile.
    """
    if not rows:
        return
    dialect = connection.dialect
    kept = None if key is None else (key, type(dialect), dialect.paramstyle, tuple(names))
    compiled = _COMPILED.get(kept) if kept is not None else None
    if compiled is None:
        compiled = (statement() if callable(statement) else statement).compile(dialect=dialect,
                                                                                column_keys=list(names))
        if kept is not None:
            _COMPILED[kept] = compiled
    columns: list[Any] = list(zip(*rows, strict=True))
    del rows  # a 100,000-row upload: hold the values once (the caller may pass the list without keeping it)
    for n, name in enumerate(names):
        convert = table.c[name].type._cached_bind_processor(dialect)
        if convert is None:
            continue
        try:
            converted = {value: convert(value) for value in set(columns[n])}
        except TypeError:
            columns[n] = list(map(convert, columns[n]))
        else:
            columns[n] = list(map(converted.__getitem__, columns[n]))
    if compiled.positional:
        position = {name: n for n, name in enumerate(names)}
        params: list[Any] = list(zip(*(columns[position[name]] for name in compiled.positiontup or ()), strict=True))
    else:
        params = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    del columns
    connection.exec_driver_sql(compiled.string, params)
