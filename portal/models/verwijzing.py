"""The verwijzing: an inburgeraar referred to an aanbieder for one onderdeel under a contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, enum_column
from portal.models.contract import Contract
from portal.models.enums import Onderdeel, VerwijzingStatus
from portal.models.inburgeraar import Inburgeraar
from portal.models.organisatie import Aanbieder


class Verwijzing(TimestampMixin, Base):
    """What the gemeente asks an aanbieder to deliver for one inburgeraar."""

    __tablename__ = "verwijzing"
    __table_args__ = (
        CheckConstraint("uiterste_einddatum >= beoogde_startdatum", name="periode"),
        CheckConstraint("gecontracteerde_uren IS NULL OR gecontracteerde_uren >= 0", name="uren"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kenmerk: Mapped[str] = mapped_column(String(20), unique=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    aanbieder_id: Mapped[int] = mapped_column(ForeignKey("aanbieder.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    onderdeel: Mapped[Onderdeel] = mapped_column(enum_column(Onderdeel, "onderdeel"))
    beoogde_startdatum: Mapped[date]
    uiterste_einddatum: Mapped[date]
    gecontracteerde_uren: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    uren_per_week: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    doelen: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[VerwijzingStatus] = mapped_column(
        enum_column(VerwijzingStatus, "verwijzing_status"), default=VerwijzingStatus.VERWEZEN
    )
    aangemaakt_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inburgeraar: Mapped[Inburgeraar] = relationship()
    aanbieder: Mapped[Aanbieder] = relationship()
    contract: Mapped[Contract] = relationship()
