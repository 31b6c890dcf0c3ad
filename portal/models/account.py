"""User accounts, their gemeenten and their server-side sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, enum_column, utcnow
from portal.models.enums import Rol
from portal.models.organisatie import Aanbieder, Gemeente

user_gemeente = Table(
    "user_gemeente",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("gemeente_id", ForeignKey("gemeente.id", ondelete="CASCADE"), primary_key=True),
)


class User(TimestampMixin, Base):
    """A person who logs in; belongs to one aanbieder or to one or more gemeenten."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "(rol IN ('aanbieder_medewerker', 'aanbieder_beheerder')) = (aanbieder_id IS NOT NULL)",
            name="aanbieder_rol",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    naam: Mapped[str] = mapped_column(String(200))
    # A klantregisseur is DUO's contactpersoon of its inburgeraars (Contactpersoon.openapi.yml needs a phone).
    telefoonnummer: Mapped[str | None] = mapped_column(String(22))
    rol: Mapped[Rol] = mapped_column(enum_column(Rol, "rol"))
    aanbieder_id: Mapped[int | None] = mapped_column(ForeignKey("aanbieder.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_bevestigd: Mapped[bool] = mapped_column(default=False)
    # The last accepted TOTP time step: a code is accepted only for a later step, so it works once.
    totp_last_step: Mapped[int] = mapped_column(default=0)
    actief: Mapped[bool] = mapped_column(default=True)
    mislukte_pogingen: Mapped[int] = mapped_column(default=0)
    geblokkeerd_tot: Mapped[datetime | None]
    laatst_ingelogd: Mapped[datetime | None]

    aanbieder: Mapped[Aanbieder | None] = relationship()
    gemeenten: Mapped[list[Gemeente]] = relationship(secondary=user_gemeente, order_by=Gemeente.naam)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.actief

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def gemeente_ids(self) -> list[int]:
        """Ids of the gemeenten this user works for."""
        return [g.id for g in self.gemeenten]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.rol.value}>"


class UserSession(Base):
    """A server-side login session; the cookie only carries its random id."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
