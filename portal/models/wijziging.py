"""History of corrections to registrations: who changed which field, when, from what to what."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow


class RegistratieWijziging(Base):
    """One changed field of one registration (presentie, start, result ...); append-only."""

    __tablename__ = "registratie_wijziging"
    __table_args__ = (
        Index("ix_registratie_wijziging_object", "object_type", "object_id"),
        # The case timeline's presence corrections of some weeks (portal.services.tijdlijn): only those rows.
        Index("ix_registratie_wijziging_betreft", "inburgeraar_id", "object_type", "betreft_datum"),
        # The first timeline page's corrections made in its weeks of older weeks: only those made recently.
        Index("ix_registratie_wijziging_gewijzigd", "inburgeraar_id", "object_type", "gewijzigd_op"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    inburgeraar_id: Mapped[int | None] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    veld: Mapped[str] = mapped_column(String(60))
    oude_waarde: Mapped[str | None] = mapped_column(String(500))
    nieuwe_waarde: Mapped[str | None] = mapped_column(String(500))
    gewijzigd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    gewijzigd_op: Mapped[datetime] = mapped_column(default=utcnow)
    # Where the change came from: the channel (weekrooster, upload, ...) or the request's origin (api <client> ...).
    bron: Mapped[str] = mapped_column(String(80))
    # The day the corrected registration is about (a presence session's day): the timeline groups by it.
    betreft_datum: Mapped[date | None]
