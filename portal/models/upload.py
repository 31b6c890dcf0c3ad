"""An uploaded spreadsheet on its way from file to confirmed registrations."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.account import User
from portal.models.base import Base, enum_column, utcnow
from portal.models.enums import LabelledEnum
from portal.models.organisatie import Aanbieder


class UploadSoort(LabelledEnum):
    """What an upload contains; each kind has its own template."""

    PRESENTIE = "presentie", "Presentie en uren"
    EXAMENRESULTATEN = "examenresultaten", "Examenresultaten"
    STARTDATUMS = "startdatums", "Startdatums"
    ROUTE_RESULTATEN = "route_resultaten", "Resultaten MAP, PVT en Z-route"


class UploadStatus(LabelledEnum):
    """Where an upload stands: nothing is stored before the user confirms a preview."""

    UPLOADED = "uploaded", "Ontvangen"
    VALIDATING = "validating", "Wordt gecontroleerd"
    PREVIEWED = "previewed", "Klaar om te bevestigen"
    CONFIRMING = "confirming", "Wordt opgeslagen"
    CONFIRMED = "confirmed", "Opgeslagen"
    FAILED = "failed", "Niet verwerkt"


def new_upload_id() -> str:
    """An unguessable id: upload ids appear in URLs, which must not let anyone enumerate uploads."""
    return secrets.token_hex(16)


class Upload(Base):
    """One uploaded file of one aanbieder: where it is stored, what the check found, whether it was confirmed."""

    __tablename__ = "upload"
    __table_args__ = (
        Index("ix_upload_aanbieder_created", "aanbieder_id", "created_at"),
        CheckConstraint("(status = 'confirmed') = (bevestigd_op IS NOT NULL)", name="bevestigd"),
        CheckConstraint("voortgang BETWEEN 0 AND 100", name="voortgang"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_upload_id)
    aanbieder_id: Mapped[int] = mapped_column(ForeignKey("aanbieder.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    soort: Mapped[UploadSoort] = mapped_column(enum_column(UploadSoort, "upload_soort"))
    bestandsnaam: Mapped[str] = mapped_column(String(200))  # sanitised original name, for display only
    opgeslagen_naam: Mapped[str] = mapped_column(String(80), unique=True)  # random; never derived from user input
    bestandstype: Mapped[str] = mapped_column(String(8))  # xlsx or csv, determined from the content
    grootte: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[UploadStatus] = mapped_column(
        enum_column(UploadStatus, "upload_status"), default=UploadStatus.UPLOADED
    )
    aantal_rijen: Mapped[int] = mapped_column(default=0)
    aantal_nieuw: Mapped[int] = mapped_column(default=0)
    aantal_gewijzigd: Mapped[int] = mapped_column(default=0)
    aantal_ongewijzigd: Mapped[int] = mapped_column(default=0)
    aantal_fout: Mapped[int] = mapped_column(default=0)
    # [{"regel": 12, "kolom": "Datum", "waarde": "31-02-2026", "melding": "..."}]; no BSN in the message texts.
    fouten: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    melding: Mapped[str | None] = mapped_column(String(500))  # why the whole file was refused or failed
    # The file's headers that no column reads, as written there (the preview lists them: nothing goes unnoticed).
    niet_ingelezen: Mapped[list[str] | None] = mapped_column(JSON)
    # What else the preview must say, in plain Dutch (e.g. that a missing activity was filled in, and how).
    opmerkingen: Mapped[list[str] | None] = mapped_column(JSON)
    # What each correction would overwrite: [{"regel", "wat" (datum · activiteit), "kolom", "oud", "nieuw"}], as
    # Dutch text; at most the first importers.base.MAX_CORRECTIONS (aantal_gewijzigd counts them all).
    correcties: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    voortgang: Mapped[int] = mapped_column(default=0)
    voortgang_tekst: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    gecontroleerd_op: Mapped[datetime | None]
    bevestigd_op: Mapped[datetime | None]
    bevestigd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Which run of the check or confirmation owns the upload: each claim counts up, and a run whose number is no
    # longer the upload's (its lease ran out and someone started again) may not store anything.
    poging: Mapped[int] = mapped_column(default=0, server_default="0")
    # Until when the current run counts as alive without a heartbeat (portal.services.uploads.lease).
    lease_expires_at: Mapped[datetime | None]

    aanbieder: Mapped[Aanbieder] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def te_bewaren(self) -> int:
        """Rows that confirming would save: new and corrected ones (unchanged and faulty rows are not saved)."""
        return (self.aantal_nieuw or 0) + (self.aantal_gewijzigd or 0)

    @property
    def bezig(self) -> bool:
        """Whether a background step is still running (the status page keeps polling)."""
        return self.status in (UploadStatus.UPLOADED, UploadStatus.VALIDATING, UploadStatus.CONFIRMING)
