"""Gemeenten and aanbieders (provider organisations)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TimestampMixin, enum_column
from portal.models.enums import AanbiederSoort


class Gemeente(TimestampMixin, Base):
    """A gemeente, identified by its four-digit CBS code."""

    __tablename__ = "gemeente"

    id: Mapped[int] = mapped_column(primary_key=True)
    cbs_code: Mapped[str] = mapped_column(String(4), unique=True)
    naam: Mapped[str] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<Gemeente {self.cbs_code}>"


class Aanbieder(TimestampMixin, Base):
    """A contracted provider organisation, identified by its KvK number."""

    __tablename__ = "aanbieder"

    id: Mapped[int] = mapped_column(primary_key=True)
    kvk_nummer: Mapped[str] = mapped_column(String(8), unique=True)
    naam: Mapped[str] = mapped_column(String(200))
    soort: Mapped[AanbiederSoort] = mapped_column(enum_column(AanbiederSoort, "aanbieder_soort"))
    actief: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Aanbieder {self.kvk_nummer}>"
