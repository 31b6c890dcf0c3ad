"""Domain events raised by services; listeners (e.g. meldingen for the klantregisseur) subscribe here.

Services stay unaware of who listens: they call `emit` inside the same transaction, so a listener's rows
are committed, or rolled back, together with the registration that caused them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from portal.models import User


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to a case; `details` holds no BSN, name or health data."""

    kind: str
    inburgeraar_id: int
    actor: User | None
    verwijzing_id: int | None = None
    object_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


# Event kinds used across the portal.
AFSCHALINGSVERZOEK_INGEDIEND = "afschalingsverzoek_ingediend"
AFSCHALINGSVERZOEK_BESLOTEN = "afschalingsverzoek_besloten"
EXAMENRESULTAAT = "examenresultaat"
LATE_START = "late_start"
NIET_GESTART = "niet_gestart"
OMSTANDIGHEDEN_GEWIJZIGD = "omstandigheden_gewijzigd"
ROUTE_RESULTAAT = "route_resultaat"
UPLOAD_BEVESTIGD = "upload_bevestigd"

Listener = Callable[[Session, DomainEvent], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Listener:
    """Register a listener (usable as a decorator); idempotent."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def emit(session: Session, event: DomainEvent) -> None:
    """Hand the event to every listener within the caller's transaction."""
    for listener in list(_listeners):
        listener(session, event)
