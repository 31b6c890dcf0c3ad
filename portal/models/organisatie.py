"""Gemeenten and aanbieders (provider organisations)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TimestampMixin, enum_column
from portal.models.enums import AanbiederSoort


class Gemeente(TimestampMixin, Base):
    """A gemeente, identified by its four-digit CBS code."""

    __tablename__ = "gemeente"
    __table_args__ = (
        CheckConstraint("zroute_taal_norm_gezinsmigrant BETWEEN 1 AND 9999", name="zroute_norm_gezinsmigrant"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cbs_code: Mapped[str] = mapped_column(String(4), unique=True)
    naam: Mapped[str] = mapped_column(String(120))
    # Organisatie-identificatienummer: DUO's `bron` header of every bericht (20 digits).
    oin: Mapped[str | None] = mapped_column(String(20), unique=True)
    # The Z-route taal hours a gezins- of overige migrant is held to: the law names a separate norm without a
    # number (003 Bijlage B), so the gemeente sets it; None: portal.domain.normen's default (800).
    zroute_taal_norm_gezinsmigrant: Mapped[int | None]

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
    # DUO's reference data of a cursusinstelling (GET /instellingen): the Inburgeringsaanbod path needs the
    # instellingsnummer; Blik op Werk registration and the keurmerk flags decide where hours count.
    instellingsnummer: Mapped[str | None] = mapped_column(String(10), unique=True)
    bow_nummer: Mapped[str | None] = mapped_column(String(10))
    bow_keurmerk: Mapped[bool] = mapped_column(default=False)
    tst_keurmerk: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Aanbieder {self.kvk_nummer}>"
