"""The portal's Jinja environment: Flask's, with templates reading the environment's globals directly."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from flask import Flask
from flask.templating import Environment


class PortalEnvironment(Environment):
    """Flask's environment; a template without globals of its own reads the environment's globals dict, and every
    template, once loaded, stays loaded."""

    def __init__(self, app: Flask, **options: Any) -> None:
        # A plain dict instead of Jinja's 400-entry LRU cache, which takes a lock and reorders its queue (a linear
        # search) on each of the twenty lookups of a case page (extends, includes, imports). The portal has a fixed
        # set of template files; nothing renders templates from strings it keeps.
        options.setdefault("cache_size", -1)
        super().__init__(app, **options)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        # Jinja gives every template ChainMap(d, self.globals) and iterates that ChainMap in Python on every render,
        # include and import (the new context's dict and key set, the import's key difference): ~10 µs each, some
        # twenty times on a case page. With nothing to overlay the environment's dict is the same mapping, read in C.
        if not d:
            return self.globals
        return super().make_globals(d)

    def get_template(self, name: Any, parent: str | None = None,
                     globals: MutableMapping[str, Any] | None = None) -> Any:
        """Jinja's, without template globals: for a template already loaded Jinja would update its globals, here the
        environment's own (make_globals)."""
        _no_template_globals(globals)
        return super().get_template(name, parent)

    def select_template(self, names: Any, parent: str | None = None,
                        globals: MutableMapping[str, Any] | None = None) -> Any:
        """Jinja's, without template globals (see get_template)."""
        _no_template_globals(globals)
        return super().select_template(names, parent)


def _no_template_globals(globals_: MutableMapping[str, Any] | None) -> None:
    if globals_:
        raise TypeError("PortalEnvironment: template globals are not supported (they would become every template's)")
