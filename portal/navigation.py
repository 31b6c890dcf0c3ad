"""Main menu entries; each blueprint adds its own, shown only to the roles that may open them."""

from __future__ import annotations

from dataclasses import dataclass

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


_ITEMS: list[NavItem] = []


def add_nav_item(endpoint: str, label: str, roles: tuple[Rol, ...], description: str = "", order: int = 50) -> None:
    """Register a menu entry (called at import time of a blueprint's routes module)."""
    if not any(item.endpoint == endpoint for item in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, frozenset(roles), description, order))
        _ITEMS.sort(key=lambda item: item.order)


@dataclass(frozen=True)
class RenderedNavItem:
    """A menu entry resolved for the current request."""

    endpoint: str
    label: str
    url: str
    description: str
    current: bool


def nav_items() -> list[RenderedNavItem]:
    """The entries the current user may open, with the current page marked."""
    if not current_user.is_authenticated:
        return []
    return [
        RenderedNavItem(
            item.endpoint, item.label, url_for(item.endpoint), item.description,
            request.endpoint == item.endpoint,
        )
        for item in _ITEMS
        if current_user.rol in item.roles
    ]


def init_app(app: Flask) -> None:
    """Expose nav_items() to templates."""
    app.context_processor(lambda: {"nav_items": nav_items})
