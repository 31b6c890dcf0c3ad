"""Settings of the prestatie-indicatoren per gemeente and year: the SPUK amount and the KPI target."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin
from portal.models.organisatie import Gemeente


class KpiJaarInstelling(TimestampMixin, Base):
    """What a gemeente set for one year: the SPUK amount it received (costs are shown against it) and its
    target for the share started within six months of BRP registration (004 §5.1: 80%)."""

    __tablename__ = "kpi_jaar_instelling"
    __table_args__ = (
        UniqueConstraint("gemeente_id", "jaar"),
        CheckConstraint("spuk_bedrag_cent IS NULL OR spuk_bedrag_cent >= 0", name="spuk_bedrag"),
        CheckConstraint("streef_start_6_maanden_pct IS NULL OR streef_start_6_maanden_pct BETWEEN 0 AND 100",
                        name="streef_pct"),
        CheckConstraint("jaar BETWEEN 2021 AND 2100", name="jaar"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id", ondelete="CASCADE"), index=True)
    jaar: Mapped[int]
    spuk_bedrag_cent: Mapped[int | None] = mapped_column(BigInteger)
    streef_start_6_maanden_pct: Mapped[int | None]
    gewijzigd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    gemeente: Mapped[Gemeente] = relationship()
