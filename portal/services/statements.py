"""Statements built once per user and day and run again with bound parameters.

Building a scoped SQLAlchemy statement (portal.access's subqueries, the signals query's CTEs) and generating its
cache key costs far more Python time than running it for one inburgeraar: the signals query of one case took
6 ms to build and 3 ms to run. A page that a user opens many times a day (the case page) builds its statements
once per worker with `bindparam` placeholders for what changes between requests, and reuses them.

The key holds everything the builders may branch on in Python: the user's id, role and aanbieder (what
portal.access looks at; the gemeenten of a user are a subquery in the SQL itself, so a changed assignment
applies at once) and the day (windows such as "the last four weeks" are literals). API principals are built
afresh every time: their scope lives in Python.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row
from sqlalchemy.orm import Session

from portal.models import User

S = TypeVar("S")
MAX_STATEMENTS = 2048  # a few per user per day; cleared whole when full (a new day starts a new set anyway)

_cache: dict[tuple[Hashable, ...], Any] = {}
_lock = threading.Lock()


def per_user(name: str, user: User, build: Callable[[], S], today: date | None = None) -> S:
    """The statement `name` for this user (and day, for statements that depend on it), built by `build()` the
    first time."""
    if getattr(user, "is_api_client", False):
        return build()
    key = (name, user.id, user.rol, user.aanbieder_id, today)
    statement = _cache.get(key)
    if statement is None:
        statement = build()
        with _lock:
            if len(_cache) >= MAX_STATEMENTS:
                _cache.clear()
            _cache[key] = statement
    return statement


def lees_rijen(session: Session, statement: Any, params: dict[str, Any]) -> Sequence[Row[Any]]:
    """The rows of a statement that selects columns only (no entities), run on the session's connection: the ORM's
    execution and result layers cost ~0.1 ms a statement for nothing to load (the case page runs such statements
    on every view). Pending changes are flushed first, as the session's own execute would (autoflush)."""
    session.flush()
    return session.connection().execute(statement, params).all()


def clear() -> None:
    """Forget every statement (tests that change what the builders read)."""
    with _lock:
        _cache.clear()
