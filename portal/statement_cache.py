"""The engine's cache of compiled statements, which finds a statement again without hashing its whole cache key.

SQLAlchemy looks every execution's compiled SQL up in a cache keyed by the statement's cache key: a nested tuple
with an entry for every column, join and clause, hashed again at every lookup (Python does not remember a
tuple's hash). The case page's scoped statements (portal.services.statements) have keys of thousands of parts:
hashing them cost ~0.3 ms of a ~5 ms case page (measured: LRUCache.get under cProfile, and timed apart).
Those statements are built once and run again as the same objects, and SQLAlchemy memoises a statement's cache
key on it, so the next lookup comes with the very same key parts. This cache first looks for an entry whose key
parts are those same objects (an identity check costs nothing); only a key it has not seen in that form is
hashed and compared as SQLAlchemy's own cache does. Correctness does not rest on that: objects that are
identical are equal, so an identity hit is the entry an equality lookup would find.

Passed to the engine as the public `compiled_cache` execution option.
"""

from __future__ import annotations

import threading
from typing import Any

DEFAULT_SIZE = 500  # SQLAlchemy's own default (query_cache_size)


class StatementCache:
    """A bounded mapping from cache key to compiled statement (the interface SQLAlchemy uses: get and item
    assignment), with a lookup by the key parts' identity in front of it. When full it drops its oldest entries,
    as a day's new statements replace the last day's; a statement dropped while still in use is compiled once more."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: dict[Any, Any] = {}
        # _shortcut(key) -> (key, compiled); the key held here keeps the parts behind those ids alive, so no other
        # object can take their ids while the entry exists.
        self._by_identity: dict[tuple[int, ...], tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Any, default: Any = None) -> Any:
        """The compiled statement of `key`, or `default`."""
        shortcut = _shortcut(key)
        if shortcut is not None:
            found = self._by_identity.get(shortcut)
            if found is not None and all(a is b or a == b for a, b in zip(found[0], key, strict=True)):
                return found[1]
        compiled = self._entries.get(key, default)
        if compiled is not default and shortcut is not None:
            with self._lock:
                self._remember(shortcut, key, compiled)
        return compiled

    def __setitem__(self, key: Any, compiled: Any) -> None:
        with self._lock:
            self._entries[key] = compiled
            shortcut = _shortcut(key)
            if shortcut is not None:
                self._remember(shortcut, key, compiled)
            while len(self._entries) > self.size:
                del self._entries[next(iter(self._entries))]
                # The identity index is only a shortcut: rebuilt from lookups as they come.
                self._by_identity.clear()

    def __getitem__(self, key: Any) -> Any:
        return self._entries[key]

    def __contains__(self, key: Any) -> bool:
        return key in self._entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_identity.clear()

    def _remember(self, shortcut: tuple[Any, ...], key: Any, compiled: Any) -> None:
        if len(self._by_identity) >= self.size:
            self._by_identity.clear()
        self._by_identity[shortcut] = (key, compiled)


def _shortcut(key: Any) -> tuple[Any, ...] | None:
    """A tuple key with each nested part other than a tuple of names (the parameter names, built afresh for every
    execution and cheap to hash: strings keep their hash) replaced by its id(); None for another kind of key
    (looked up by equality only)."""
    if type(key) is not tuple:
        return None
    return tuple(id(part) if type(part) is tuple and not all(type(x) is str for x in part) else part for part in key)
