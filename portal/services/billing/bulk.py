"""Set-based helpers of the billing run: driver values converted once per distinct value, and bulk inserts."""

from __future__ import annotations

import enum
import gc
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Enum, insert, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from portal.database import note_write

_IN_LIMIT = 5000
_ROWS_PER_INSERT = 500


def raw(expression: Any) -> Any:
    """The column as the driver returns it (a float on SQLite): converted by `Memo(as_decimal)` once per distinct
    value instead of once per row."""
    return type_coerce(expression, NullType())


class Memo(dict):
    """A function applied once per distinct argument."""

    def __init__(self, function: Any) -> None:
        super().__init__()
        self.function = function

    def __call__(self, value: Any) -> Any:
        try:
            return self[value]
        except KeyError:
            result = self[value] = self.function(value)
            return result


@contextmanager
def zonder_gc() -> Iterator[None]:
    """No cyclic garbage collection while a run makes its tens of thousands of rows and dicts: they hold no cycles
    (reference counting frees them), but each allocation burst triggers full collections that walk every object of
    the process (measured: a third of a first run's CPU on 20,000 regels). Collection resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def rijen(session: Session, statement: Any) -> list[Any]:
    """The rows of a select of columns, through Core and fetched at once (no ORM rows, no fetch per row)."""
    return session.connection().execute(statement).all()


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (dicts with the same keys) in the session's transaction: COPY on PostgreSQL with psycopg (its
    executemany sends the rows one by one); on SQLite multi-row INSERTs through the driver, with the columns' own
    bind conversions applied here (SQLAlchemy's per-row parameter handling costs more than SQLite's insert)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        converters = [(i, _json_text if isinstance(table.c[name].type, JSON) else _enum_value)
                      for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON | Enum)]
        note_write(connection)  # the COPY below runs on the driver's cursor, unseen by SQLAlchemy's events
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                value = [row[name] for name in columns]
                for i, convert in converters:
                    value[i] = convert(value[i])
                copy.write_row(value)
        return
    if dialect.paramstyle != "qmark":
        for start in range(0, len(rows), _IN_LIMIT):
            session.execute(insert(table), rows[start:start + _IN_LIMIT])
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    columns = list(compiled.positiontup or ())  # the order of the statement's placeholders
    kolommen = [_driver_values(table.c[name].type, dialect, [row[name] for row in rows]) for name in columns]
    values = [value for row in zip(*kolommen, strict=True) for value in row]
    # Many rows per INSERT: SQLite evaluates the table's CHECK constraints (the enum lists) far cheaper per row
    # within one statement than across the statements of an executemany (measured: about half the time).
    prefix = str(compiled).rsplit(" VALUES ", 1)[0] + " VALUES "
    group = "(" + ", ".join("?" * len(columns)) + ")"
    per_statement = max(1, min(_ROWS_PER_INSERT, _sqlite_variable_limit(connection) // len(columns)))
    width = per_statement * len(columns)
    for start in range(0, len(values), width):
        chunk = values[start:start + width]
        statement = prefix + ", ".join([group] * (len(chunk) // len(columns)))
        connection.exec_driver_sql(statement, tuple(chunk))


def _driver_values(column_type: Any, dialect: Any, values: list[Any]) -> list[Any]:
    """One column's values as the driver takes them, by the column type's own bind conversion: each distinct value
    converted once (dates, amounts and statuses repeat; JSON is not hashable and is converted per value)."""
    convert = column_type._cached_bind_processor(dialect)
    if convert is None:
        return values
    if isinstance(column_type, JSON):
        return [None if value is None else convert(value) for value in values]
    converted = {value: convert(value) for value in set(values) if value is not None}
    converted[None] = None
    return [converted[value] for value in values]


def _sqlite_variable_limit(connection: Any) -> int:
    """How many ? one SQLite statement may hold (999 on builds before 3.32)."""
    driver_connection = connection.connection.driver_connection
    try:
        return int(driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except AttributeError:  # Python before 3.11
        return 999


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value
