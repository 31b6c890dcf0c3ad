"""Residence history: every verhuizing closes the old gemeente's period; the current one is Inburgeraar.gemeente_id."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, enum_column, utcnow
from portal.models.contract import Contract
from portal.models.enums import LabelledEnum
from portal.models.inburgeraar import Inburgeraar
from portal.models.organisatie import Gemeente
from portal.models.verwijzing import Verwijzing


class Verhuizing(TimestampMixin, Base):
    """A move to another gemeente: the old gemeente's period ends the day before `datum`.

    The residence history is the chain of verhuizingen: from `periode_van` (None: since the start of the
    case) to `datum` - 1 the inburgeraar lived in `van_gemeente`; from `datum` on in `naar_gemeente`, until
    the next verhuizing. `Inburgeraar.gemeente_id` is the gemeente of today, kept in the same transaction.
    """

    __tablename__ = "verhuizing"
    __table_args__ = (
        UniqueConstraint("inburgeraar_id", "datum"),
        CheckConstraint("van_gemeente_id <> naar_gemeente_id", name="andere_gemeente"),
        CheckConstraint("periode_van IS NULL OR periode_van < datum", name="periode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"))
    van_gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"), index=True)
    naar_gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"), index=True)
    # First day of the old gemeente's period (the previous verhuizing's datum), None when unknown.
    periode_van: Mapped[date | None]
    # First day in the new gemeente (the BRP date of the move); the old period ends the day before.
    datum: Mapped[date]
    gestart_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inburgeraar: Mapped[Inburgeraar] = relationship()
    van_gemeente: Mapped[Gemeente] = relationship(foreign_keys=[van_gemeente_id])
    naar_gemeente: Mapped[Gemeente] = relationship(foreign_keys=[naar_gemeente_id])
    verwijzingen: Mapped[list[VerhuizingVerwijzing]] = relationship(
        back_populates="verhuizing", order_by="VerhuizingVerwijzing.id", cascade="all, delete-orphan"
    )


class VerwijzingBesluit(LabelledEnum):
    """What the new gemeente decides about a verwijzing that was open at the move."""

    BEEINDIGD = "beeindigd", "Beëindigd"
    VOORGEZET = "voortgezet", "Voortgezet onder een contract voor de nieuwe gemeente"


class VerhuizingVerwijzing(Base):
    """One verwijzing that was open on the day of the move, listed for the new gemeente's decision."""

    __tablename__ = "verhuizing_verwijzing"
    __table_args__ = (UniqueConstraint("verhuizing_id", "verwijzing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verhuizing_id: Mapped[int] = mapped_column(ForeignKey("verhuizing.id", ondelete="CASCADE"))
    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"), index=True)
    besluit: Mapped[VerwijzingBesluit | None] = mapped_column(enum_column(VerwijzingBesluit, "verwijzing_besluit"))
    # The contract the verwijzing continues under (it covers the new gemeente); None when ended or undecided.
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    besloten_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    besloten_op: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    verhuizing: Mapped[Verhuizing] = relationship(back_populates="verwijzingen")
    verwijzing: Mapped[Verwijzing] = relationship()
    contract: Mapped[Contract | None] = relationship()
