"""The append-only audit trail of who saw or changed which inburgeraar."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow


class AuditEvent(Base):
    """One read or change of personal data, or one security event; never updated or deleted.

    The ids of the actor, API client and inburgeraar are plain indexed values, not foreign keys: the trail is
    evidence that must outlive what it names (an inburgeraar erased after the retention period, a removed
    account or client) and still answer who saw or changed which inburgeraar (migration 0023a)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    # Set instead of actor_id when a provider's or gemeente's system acted through the API.
    api_client_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    inburgeraar_id: Mapped[int | None] = mapped_column(index=True)
    result: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(80))
    # Field names and non-personal facts only; never a BSN, name or health detail.
    details: Mapped[dict | None] = mapped_column(JSON)


class AuditGezien(Base):
    """One inburgeraar shown by a list-reading audit event (an overview page, a grid, an export): the event says
    who, when and which list; these rows say whom, so "who saw inburgeraar X" also finds the lists X was in.

    Ids only (never a name or BSN), no foreign keys (evidence, as AuditEvent), append-only. The key leads with
    the inburgeraar: the lookup is by person; the write is one statement per list request (portal.audit)."""

    __tablename__ = "audit_gezien"

    inburgeraar_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    audit_event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
