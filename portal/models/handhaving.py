"""The handhaving register: waarschuwingen and boetes the gemeente decided, with the presentie as evidence.

Gemeente only: never shown to aanbieders. The register records decisions; it does not make them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.formatting import euro
from portal.models.base import Base, TimestampMixin, enum_column, utcnow
from portal.models.enums import LabelledEnum
from portal.models.inburgeraar import Inburgeraar
from portal.models.organisatie import Gemeente
from portal.models.traject import Presentie

handhaving_presentie = Table(
    "handhaving_presentie",
    Base.metadata,
    Column("handhaving_id", ForeignKey("handhaving.id", ondelete="CASCADE"), primary_key=True),
    Column("presentie_id", ForeignKey("presentie.id", ondelete="CASCADE"), primary_key=True),
)


class HandhavingSoort(LabelledEnum):
    """A warning or a fine."""

    WAARSCHUWING = "waarschuwing", "Waarschuwing"
    BOETE = "boete", "Boete"


class HandhavingGrond(LabelledEnum):
    """The legal ground (Wet inburgering 2021; 003 §3.2.6)."""

    BREDE_INTAKE = "brede_intake", "Niet verschenen bij de brede intake (ook na een tweede oproep)"
    PIP_VERPLICHTING = "pip_verplichting", "Niet nakomen van een verplichting uit het PIP"


class Handhaving(TimestampMixin, Base):
    """One waarschuwing or boete as the gemeente decided it."""

    __tablename__ = "handhaving"
    __table_args__ = (
        CheckConstraint("verwijtbaarheid_pct IS NULL OR verwijtbaarheid_pct BETWEEN 0 AND 100",
                        name="verwijtbaarheid"),
        CheckConstraint("(soort = 'boete') = (bedrag_cent IS NOT NULL)", name="bedrag_alleen_bij_boete"),
        CheckConstraint("bedrag_cent IS NULL OR bedrag_cent > 0", name="bedrag_positief"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"), index=True)
    soort: Mapped[HandhavingSoort] = mapped_column(enum_column(HandhavingSoort, "handhaving_soort"))
    grond: Mapped[HandhavingGrond] = mapped_column(enum_column(HandhavingGrond, "handhaving_grond"))
    datum: Mapped[date]  # date of the beschikking
    verwijtbaarheid_pct: Mapped[int | None]
    bedrag_cent: Mapped[int | None]  # integer euro cents, boetes only
    kenmerk: Mapped[str | None] = mapped_column(String(40))  # the beschikking's reference in the gemeente's system
    toelichting: Mapped[str | None] = mapped_column(Text)
    vastgelegd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inburgeraar: Mapped[Inburgeraar] = relationship()
    gemeente: Mapped[Gemeente] = relationship()
    bewijs: Mapped[list[Presentie]] = relationship(secondary=handhaving_presentie, order_by=Presentie.datum)

    @property
    def bedrag_tekst(self) -> str:
        """The amount in Dutch notation (€ 1.234,50), empty for a waarschuwing."""
        return "" if self.bedrag_cent is None else euro(self.bedrag_cent)

    def as_json(self) -> dict[str, object]:
        return {"soort": self.soort.value, "grond": self.grond.value, "datum": self.datum.isoformat(),
                "verwijtbaarheid_pct": self.verwijtbaarheid_pct, "bedrag_cent": self.bedrag_cent,
                "kenmerk": self.kenmerk}


class HandhavingBeleid(Base):
    """A gemeente's amounts (its beleidsregels): the maximum per overtreding and per termijn, and the escalation."""

    __tablename__ = "handhaving_beleid"
    __table_args__ = (
        # The law's maxima (003 §3.2.6): a gemeente's beleid may be stricter, never higher.
        CheckConstraint("max_brede_intake_cent BETWEEN 1 AND 25000", name="max_brede_intake"),
        CheckConstraint("max_pip_cent BETWEEN 1 AND 80000", name="max_pip"),
        CheckConstraint("max_per_termijn_cent BETWEEN 1 AND 240000", name="max_per_termijn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id", ondelete="CASCADE"), unique=True)
    # 003 §3.2.6: €250 per brede-intake overtreding, at most €800 per PIP overtreding, €2,400 per termijn.
    max_brede_intake_cent: Mapped[int] = mapped_column(default=25000)
    max_pip_cent: Mapped[int] = mapped_column(default=80000)
    max_per_termijn_cent: Mapped[int] = mapped_column(default=240000)
    # The first overtreding on a ground gets a waarschuwing before any boete.
    waarschuwing_eerst: Mapped[bool] = mapped_column(default=False)
    # Escalation of PIP fines, one amount (cents) per boete in order, the last repeating (e.g. Dalfsen, 001 §9:
    # €50 doubling up to €800); empty: every boete starts from the maximum.
    escalatie_cent: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
