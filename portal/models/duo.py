"""DUO berichten: the outbox per gemeente of what DUO must know, with DUO's answer once sent."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, enum_column, utcnow
from portal.models.enums import LabelledEnum
from portal.models.inburgeraar import Inburgeraar
from portal.models.organisatie import Gemeente


class BerichtSoort(LabelledEnum):
    """Which of DUO's APIs a bericht is for."""

    PIP = "pip", "PIP"
    INBURGERINGSAANBOD = "inburgeringsaanbod", "Inburgeringsaanbod"
    GEVOLGDE_UREN = "gevolgde_uren", "Gevolgde uren"
    MAP = "map", "Resultaat MAP"
    PVT = "pvt", "Resultaat PVT"
    ZROUTE = "zroute", "Afronding Z-route"
    CONTACTPERSOON = "contactpersoon", "Contactpersoon"


class BerichtStatus(LabelledEnum):
    """Where a bericht stands; only a pending one can still be replaced."""

    KLAAR = "klaar", "Klaar om te versturen"
    VERVANGEN = "vervangen", "Vervangen door een nieuwer bericht"
    VERZONDEN = "verzonden", "Verzonden, wacht op antwoord"
    GEACCEPTEERD = "geaccepteerd", "Geaccepteerd door DUO"
    AFGEWEZEN = "afgewezen", "Afgewezen door DUO"


class DuoBericht(Base):
    """One request to DUO: berichtId, bron and doel OIN, method, path and body; made only when the value for
    its `sleutel` differs from the last one made for it."""

    __tablename__ = "duo_bericht"
    __table_args__ = (
        Index("ix_duo_bericht_gemeente_status", "gemeente_id", "status"),
        Index("ix_duo_bericht_sleutel", "gemeente_id", "sleutel", "id"),
        UniqueConstraint("bericht_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bericht_id: Mapped[str] = mapped_column(String(36))  # uuid4, DUO's berichtId header
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"))
    inburgeraar_id: Mapped[int | None] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    soort: Mapped[BerichtSoort] = mapped_column(enum_column(BerichtSoort, "bericht_soort"))
    # What the value is about (e.g. "uren:12:participatietaalles"); the next bericht for it is compared to this one.
    sleutel: Mapped[str] = mapped_column(String(120))
    methode: Mapped[str] = mapped_column(String(6))
    pad: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    bron_oin: Mapped[str] = mapped_column(String(20))
    doel_oin: Mapped[str] = mapped_column(String(20))
    status: Mapped[BerichtStatus] = mapped_column(
        enum_column(BerichtStatus, "bericht_status"), default=BerichtStatus.KLAAR)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verzonden_op: Mapped[datetime | None]
    verzonden_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    antwoord_op: Mapped[datetime | None]
    antwoord_status: Mapped[int | None]  # DUO's HTTP status (201, 204, 400, 403, 404, 500, 503)
    antwoord: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # DUO's body: Foutmelding[] or a created id

    gemeente: Mapped[Gemeente] = relationship()
    inburgeraar: Mapped[Inburgeraar | None] = relationship()

    @property
    def pad_kort(self) -> str:
        """The path for lists, without the BSN (the bericht's own page shows it)."""
        return re.sub(r"/personen/\d{9}", "/personen/…", self.pad)


class DuoContactpersoon(Base):
    """The id DUO gave a klantregisseur as contactpersoon of one gemeente (POST /contactpersonen answers it)."""

    __tablename__ = "duo_contactpersoon"
    __table_args__ = (UniqueConstraint("user_id", "gemeente_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id", ondelete="CASCADE"))
    duo_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
