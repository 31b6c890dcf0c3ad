"""Append-only audit events: who read or changed which inburgeraar, from where, with what result."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.models import AuditEvent, Inburgeraar, User

# Set per request/job by the entry point (web, api, upload, cli); services never read request objects.
current_origin: ContextVar[str] = ContextVar("audit_origin", default="systeem")


def record(
    session: Session,
    actor: User | None,
    action: str,
    *,
    object_type: str,
    object_id: Any = None,
    inburgeraar: Inburgeraar | int | None = None,
    result: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session; it is committed with the change it describes."""
    inburgeraar_id = inburgeraar.id if isinstance(inburgeraar, Inburgeraar) else inburgeraar
    event_row = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        inburgeraar_id=inburgeraar_id,
        result=result,
        origin=current_origin.get(),
        details=details,
    )
    session.add(event_row)
    return event_row


class AuditAppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(Session, "before_flush")
def _forbid_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Audit events are evidence: the ORM refuses to update or delete them."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditAppendOnlyError("Audit events kunnen niet worden gewijzigd of verwijderd.")
