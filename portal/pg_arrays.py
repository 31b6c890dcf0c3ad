"""Many rows as one PostgreSQL statement: each column sent as one array literal and unnested server-side.

An executemany of thousands of rows costs thousands of statements, and psycopg's own list dumper escapes every
element in Python (slower still); an array literal is built with one str.join per column and parsed by the
server in C. Used by the bulk bookkeeping of presentie writes (kept totals, audit events).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import String, bindparam, cast, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine


def _element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"geen array-element: {type(value).__name__}")


def array_literal(values: Sequence[Any]) -> str:
    """The PostgreSQL text form of a one-dimensional array of ints, Decimals, dates, strings or None."""
    kinds = {type(v) for v in values}
    if kinds <= {int, Decimal}:  # the common case: no quoting, no NULLs, str() in C
        return "{" + ",".join(map(str, values)) + "}"
    if kinds <= {date}:
        return "{" + ",".join(map(date.isoformat, values)) + "}"
    if kinds <= {str}:  # every element quoted; escaped in one pass over the whole (NUL never occurs in text)
        body = "\0".join(values)
        if body.count("\0") != len(values) - 1:
            raise ValueError("tekst met een NUL-teken")
        return '{"' + body.replace("\\", "\\\\").replace('"', '\\"').replace("\0", '","') + '"}'
    return "{" + ",".join(map(_element, values)) + "}"


def unnested(columns: Sequence[tuple[str, Sequence[Any], TypeEngine[Any]]]) -> TableValuedAlias:
    """`unnest(…) AS anon(name, …)` over one array per (name, values, element type); all the same length."""
    arrays = [cast(bindparam(f"arr_{name}", array_literal(values), type_=String()), ARRAY(type_))
              for name, values, type_ in columns]
    return func.unnest(*arrays).table_valued(*(name for name, _values, _type in columns)).render_derived()
