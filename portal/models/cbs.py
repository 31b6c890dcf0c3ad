"""The delivery log of the CBS Statistiek Wet inburgering file: who, when, which period, how many rows, which file."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, utcnow
from portal.models.organisatie import Gemeente


class CbsLevering(Base):
    """One CBS file made for one gemeente and period; the file itself is not kept, its SHA-256 is."""

    __tablename__ = "cbs_levering"
    __table_args__ = (CheckConstraint("periode_tot >= periode_van", name="periode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"), index=True)
    periode_van: Mapped[date]
    periode_tot: Mapped[date]  # inclusive
    aantal_rijen: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    layout_versie: Mapped[str] = mapped_column(String(20))
    gemaakt_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    gemeente: Mapped[Gemeente] = relationship()
