"""Main menu entries; each blueprint adds its own, shown only to the roles that may open them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from portal.models.enums import Rol


@dataclass(frozen=True)
class NavItem:
    """One menu entry."""

    endpoint: str
    label: str
    roles: frozenset[Rol]
    description: str = ""
    order: int = 50
    # A role that may open the page but not do all the description promises reads its own (role, text) instead.
    per_rol: tuple[tuple[Rol, str], ...] = ()

    def description_for(self, rol: Rol) -> str:
        """What the start page says this entry is for, to this role."""
        return dict(self.per_rol).get(rol, self.description)


_ITEMS: list[NavItem] = []


def add_nav_item(endpoint: str, label: str, roles: tuple[Rol, ...], description: str = "", order: int = 50,
                 per_rol: Mapping[Rol, str] | None = None) -> None:
    """Register a menu entry (called at import time of a blueprint's routes module); `per_rol` gives a role that
    may only read the page its own description."""
    if not any(item.endpoint == endpoint for item in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, frozenset(roles), description, order,
                              tuple((per_rol or {}).items())))
        _ITEMS.sort(key=lambda item: item.order)
        _MENUS.clear()
        _RENDERED_MENUS.clear()


@dataclass(frozen=True)
class RenderedNavItem:
    """A menu entry resolved for the current request."""

    endpoint: str
    label: str
    url: str
    description: str
    current: bool


def nav_items() -> tuple[RenderedNavItem, ...]:
    """The entries the current user may open, with the current page marked."""
    user = current_user._get_current_object()  # the user itself: each read through the proxy costs a lookup
    if not user.is_authenticated:
        return ()
    rol, script_root, endpoint = user.rol, request.script_root, request.endpoint
    return _remember(_RENDERED_MENUS, (rol, script_root, endpoint), lambda: tuple(
        RenderedNavItem(item.endpoint, item.label, url, item.description_for(rol), endpoint == item.endpoint)
        for item, url in _menu(rol, script_root)))


MAX_FIXED_URLS = 256  # a few dozen in use; the mount point comes from the server, but the cache never grows unbounded


def _remember(cache: dict[Any, Any], key: Any, build: Callable[[], Any]) -> Any:
    """cache[key], built once; the cache emptied when full (its keys come from the server and the templates)."""
    value = cache.get(key)
    if value is None:
        value = build()
        if len(cache) >= MAX_FIXED_URLS:
            cache.clear()
        cache[key] = value
    return value


# Per role and mount point: building ten URLs on every page cost more than the rest of the header.
_MENUS: dict[tuple[Rol, str], list[tuple[NavItem, str]]] = {}
# And per page (endpoint) the entries as shown, the current one marked: ~9 µs a page to build them anew.
_RENDERED_MENUS: dict[tuple[Rol, str, str | None], tuple[RenderedNavItem, ...]] = {}


def _menu(rol: Rol, script_root: str) -> list[tuple[NavItem, str]]:
    """The menu entries this role may open, with their URLs under this mount point."""
    return _remember(_MENUS, (rol, script_root),
                     lambda: [(item, url_for(item.endpoint)) for item in _ITEMS if rol in item.roles])


# Per mount point, endpoint and static file: the header's stylesheets, scripts and links are on every page, and each
# url_for cost about as much as rendering the rest of its line. Only for URLs without values of the request.
_FIXED_URLS: dict[tuple[str, str, str | None], str] = {}


def vaste_url(endpoint: str, filename: str | None = None) -> str:
    """url_for(endpoint), or url_for('static', filename=filename), built once per mount point."""
    return _remember(_FIXED_URLS, (request.script_root, endpoint, filename),
                     lambda: url_for(endpoint) if filename is None else url_for(endpoint, filename=filename))


# Per mount point, endpoint and the name of its one number: the URL's text before and after that number. A case page
# links each verwijzing twice and the case itself five times; building each with url_for cost more than its row.
_ID_URLS: dict[tuple[str, str, str], tuple[str, str]] = {}
_MARKER = 987654321987  # a number no route holds otherwise: where it lands in the built URL, the id goes


def id_url(endpoint: str, **waarde: int) -> str:
    """url_for(endpoint, naam=id) for a route whose only value is one whole number (such as /inburgeraars/<int:id>),
    the text around the number built once per mount point."""
    [(naam, nummer)] = waarde.items()

    def delen() -> tuple[str, str]:
        voor, marker, na = url_for(endpoint, **{naam: _MARKER}).partition(str(_MARKER))
        if not marker or str(_MARKER) in na:
            raise ValueError(f"{endpoint} heeft geen getal {naam} in zijn URL")
        return voor, na

    voor, na = _remember(_ID_URLS, (request.script_root, endpoint, naam), delen)
    return f"{voor}{int(nummer)}{na}"


def init_app(app: Flask) -> None:
    """Expose nav_items(), vaste_url() and id_url() to templates."""
    app.context_processor(lambda: {"nav_items": nav_items})
    app.add_template_global(vaste_url)
    app.add_template_global(id_url)
