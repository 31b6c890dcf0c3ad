"""API clients of providers' and gemeenten' own systems (OAuth2 client credentials) and their access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, utcnow
from portal.models.organisatie import Aanbieder, Gemeente


class ApiClient(TimestampMixin, Base):
    """A registered system of one aanbieder or one gemeente; its secret is stored only as a hash."""

    __tablename__ = "api_client"
    __table_args__ = (
        CheckConstraint("(aanbieder_id IS NULL) <> (gemeente_id IS NULL)", name="een_organisatie"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    naam: Mapped[str] = mapped_column(String(120))
    secret_hash: Mapped[str] = mapped_column(String(128))
    aanbieder_id: Mapped[int | None] = mapped_column(ForeignKey("aanbieder.id"), index=True)
    gemeente_id: Mapped[int | None] = mapped_column(ForeignKey("gemeente.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(500))  # space-separated, as OAuth2 writes them
    verloopt_op: Mapped[datetime]
    ingetrokken_op: Mapped[datetime | None]
    laatst_gebruikt_at: Mapped[datetime | None]
    aangemaakt_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    aanbieder: Mapped[Aanbieder | None] = relationship()
    gemeente: Mapped[Gemeente | None] = relationship()

    @property
    def scope_list(self) -> list[str]:
        """The granted scopes, in their stored order."""
        return self.scopes.split()

    def __repr__(self) -> str:
        return f"<ApiClient {self.client_id}>"


class ApiToken(Base):
    """A short-lived bearer token issued to a client; only its SHA-256 hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    client: Mapped[ApiClient] = relationship()
