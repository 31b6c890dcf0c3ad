"""Contracts between one or more gemeenten and an aanbieder, per onderdeel."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, enum_column
from portal.models.enums import Declaratieperiode, Inkoopvorm, Onderdeel
from portal.models.organisatie import Aanbieder, Gemeente

contract_gemeente = Table(
    "contract_gemeente",
    Base.metadata,
    Column("contract_id", ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True),
    Column("gemeente_id", ForeignKey("gemeente.id", ondelete="CASCADE"), primary_key=True),
)

contract_beheerder = Table(
    "contract_beheerder",
    Base.metadata,
    Column("contract_id", ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class Contract(TimestampMixin, Base):
    """An agreement under which an aanbieder delivers onderdelen to the inburgeraars of its gemeenten."""

    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("einddatum >= startdatum", name="periode"),
        CheckConstraint("declaratietermijn_dagen IS NULL OR declaratietermijn_dagen BETWEEN 0 AND 365", name="termijn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kenmerk: Mapped[str] = mapped_column(String(40), unique=True)
    naam: Mapped[str] = mapped_column(String(200))
    aanbieder_id: Mapped[int] = mapped_column(ForeignKey("aanbieder.id"), index=True)
    startdatum: Mapped[date]
    einddatum: Mapped[date]
    inkoopvorm: Mapped[Inkoopvorm] = mapped_column(
        enum_column(Inkoopvorm, "inkoopvorm"), default=Inkoopvorm.AANBESTEDING, server_default="aanbesteding"
    )
    declaratieperiode: Mapped[Declaratieperiode] = mapped_column(
        enum_column(Declaratieperiode, "declaratieperiode"), default=Declaratieperiode.MAAND, server_default="maand"
    )
    # Days after a periode ends within which the aanbieder should declare (NULL: not agreed).
    declaratietermijn_dagen: Mapped[int | None]

    aanbieder: Mapped[Aanbieder] = relationship()
    gemeenten: Mapped[list[Gemeente]] = relationship(secondary=contract_gemeente, order_by=Gemeente.naam)
    onderdeel_regels: Mapped[list[ContractOnderdeel]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )

    @property
    def onderdelen(self) -> list[Onderdeel]:
        """The onderdelen this contract covers."""
        return [regel.onderdeel for regel in self.onderdeel_regels]

    def covers(self, gemeente_id: int, onderdeel: Onderdeel, on: date) -> bool:
        """Whether a verwijzing for this gemeente and onderdeel fits this contract on a given day."""
        return (
            any(g.id == gemeente_id for g in self.gemeenten)
            and onderdeel in self.onderdelen
            and self.startdatum <= on <= self.einddatum
        )


class ContractOnderdeel(Base):
    """One onderdeel covered by a contract."""

    __tablename__ = "contract_onderdeel"
    __table_args__ = (UniqueConstraint("contract_id", "onderdeel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    onderdeel: Mapped[Onderdeel] = mapped_column(enum_column(Onderdeel, "onderdeel"))

    contract: Mapped[Contract] = relationship(back_populates="onderdeel_regels")
