"""Meldingen (in-app notifications), each user's mail preference and the outbox of mails to send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, enum_column, utcnow
from portal.models.enums import LabelledEnum


class MeldingSoort(LabelledEnum):
    """What a melding is about; the values match the domain event kinds of portal/events.py."""

    AFSCHALINGSVERZOEK_INGEDIEND = "afschalingsverzoek_ingediend", "Afschalingsverzoek ingediend"
    AFSCHALINGSVERZOEK_BESLOTEN = "afschalingsverzoek_besloten", "Besluit op afschalingsverzoek"
    EXAMENRESULTAAT = "examenresultaat", "Examenresultaat"
    ROUTE_RESULTAAT = "route_resultaat", "Resultaat onderdeel"
    LATE_START = "late_start", "Late start"
    NIET_GESTART = "niet_gestart", "Niet gestart"
    AANWEZIGHEID_ONDER_NORM = "aanwezigheid_onder_norm", "Aanwezigheid onder de norm"
    OMSTANDIGHEDEN_GEWIJZIGD = "omstandigheden_gewijzigd", "Omstandigheden gewijzigd"
    UPLOAD_BEVESTIGD = "upload_bevestigd", "Wijzigingen uit een upload"
    DECLARATIE_BEOORDEELD = "declaratie_beoordeeld", "Declaratie beoordeeld"


class MailModus(LabelledEnum):
    """How a user wants to hear about meldingen by e-mail."""

    PER_MELDING = "per_melding", "Een e-mail per melding"
    DAGELIJKS = "dagelijks", "Eén e-mail per dag met een overzicht"
    GEEN = "geen", "Geen e-mail, alleen in het portaal"


class MailStatus(LabelledEnum):
    """Where an outgoing mail stands."""

    PENDING = "pending", "Wacht op verzending"
    SENT = "sent", "Verzonden"
    FAILED = "failed", "Mislukt"


class Melding(Base):
    """One notification for one user about one case, or (summary) about the cases in `melding_inburgeraar`.

    Its text holds no BSN, name or health data.
    """

    __tablename__ = "melding"
    __table_args__ = (Index("ix_melding_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[MeldingSoort] = mapped_column(enum_column(MeldingSoort, "melding_soort"))
    # The case the melding links to; the link re-checks access when it is opened.
    # NULL for a summary melding (e.g. a confirmed upload): its cases are rows of melding_inburgeraar.
    inburgeraar_id: Mapped[int | None] = mapped_column(ForeignKey("inburgeraar.id", ondelete="CASCADE"), index=True)
    verwijzing_id: Mapped[int | None] = mapped_column(ForeignKey("verwijzing.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # When the melding went into a mail (per melding or in the daily digest); NULL: not mailed.
    mailed_at: Mapped[datetime | None]

    @property
    def ongelezen(self) -> bool:
        """True until the user has opened or marked it."""
        return self.read_at is None

    @property
    def is_overzicht(self) -> bool:
        """A summary melding about several cases (listed in melding_inburgeraar) rather than one case."""
        return self.inburgeraar_id is None


# The cases a summary melding is about: for an upload, the changed inburgeraars of that recipient's caseload.
# Ids only; names are looked up through access.inburgeraars when the melding is opened.
melding_inburgeraar = Table(
    "melding_inburgeraar",
    Base.metadata,
    Column("melding_id", ForeignKey("melding.id", ondelete="CASCADE"), primary_key=True),
    Column("inburgeraar_id", ForeignKey("inburgeraar.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class MailVoorkeur(Base):
    """A user's choice between a mail per melding, a daily digest or no mail; no row means per melding."""

    __tablename__ = "mail_voorkeur"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    modus: Mapped[MailModus] = mapped_column(enum_column(MailModus, "mail_modus"), default=MailModus.PER_MELDING)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MailOutbox(Base):
    """A mail written in the same transaction as its cause and sent later by a background job."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus, "mail_status"), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
