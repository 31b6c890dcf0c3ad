"""Thresholds of the regie signals: per gemeente (no gemeente: the default) and, for attendance, per contract."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TimestampMixin

# Used when no row exists at all; each value is explained where the rule uses it (portal/services/signalen.py).
STANDAARD_DREMPELS: dict[str, int] = {
    "weken_niet_gestart": 2,
    "dagen_late_start": 14,
    "aanwezigheid_min_pct": 80,
    "dagen_geen_presentie": 14,
    "uren_achterstand_pct": 20,
    "maanden_termijn_einde": 6,
    "dagen_map_pvt_deadline": 30,
    "dagen_afschaling_wachten": 0,
    "dagen_nieuw": 14,
}


class SignaalDrempels(TimestampMixin, Base):
    """The thresholds one gemeente uses for its signals; the row without gemeente is the installation default."""

    __tablename__ = "signaal_drempels"
    __table_args__ = (
        CheckConstraint("aanwezigheid_min_pct BETWEEN 0 AND 100", name="aanwezigheid_pct"),
        CheckConstraint("uren_achterstand_pct BETWEEN 0 AND 100", name="achterstand_pct"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gemeente_id: Mapped[int | None] = mapped_column(ForeignKey("gemeente.id", ondelete="CASCADE"), unique=True)
    # A verwijzing not started this many weeks after its beoogde startdatum.
    weken_niet_gestart: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["weken_niet_gestart"])
    # A start this many days later than planned is a late start.
    dagen_late_start: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["dagen_late_start"])
    # Attendance (present / planned hours) over the last four weeks below this percentage.
    aanwezigheid_min_pct: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["aanwezigheid_min_pct"])
    # No presence registered this many days on an active traject.
    dagen_geen_presentie: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["dagen_geen_presentie"])
    # Hours behind the pace of the norm by more than this percentage.
    uren_achterstand_pct: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["uren_achterstand_pct"])
    # The inburgeringstermijn ends within this many months while onderdelen are open.
    maanden_termijn_einde: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["maanden_termijn_einde"])
    # A MAP or PVT reaches its uiterste (or bijgestelde) einddatum within this many days.
    dagen_map_pvt_deadline: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["dagen_map_pvt_deadline"])
    # An afschalingsverzoek waiting longer than this many days (0: signal as soon as it arrives).
    dagen_afschaling_wachten: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["dagen_afschaling_wachten"])
    # Exam results and changed circumstances count as new for this many days.
    dagen_nieuw: Mapped[int] = mapped_column(default=STANDAARD_DREMPELS["dagen_nieuw"])


class ContractSignaalDrempels(TimestampMixin, Base):
    """Attendance thresholds agreed in one contract; they override the gemeente's where set."""

    __tablename__ = "contract_signaal_drempels"
    __table_args__ = (
        CheckConstraint(
            "aanwezigheid_min_pct IS NULL OR aanwezigheid_min_pct BETWEEN 0 AND 100", name="aanwezigheid_pct"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), unique=True)
    aanwezigheid_min_pct: Mapped[int | None]
    dagen_geen_presentie: Mapped[int | None]


class SignaalStand(Base):
    """The kept signals of one case, as gemeente staff see them: the order and selection of the regie overview.

    Written in the same transaction as the facts they follow (portal.services.kept_signalen); valid from
    `geldig_van` up to (not including) `geldig_tot`, the first day on which the date alone may change them.
    `met_gezondheid`: as a klantregisseur sees the case (health-related omstandigheden count), else as other
    gemeente staff do (portal.access.omstandigheden). `flask --app portal totalen-controleren` checks them.
    """

    __tablename__ = "signaal_stand"
    __table_args__ = (
        # The nightly refresh reads the rows whose validity ended.
        Index("ix_signaal_stand_geldig_tot", "geldig_tot"),
    )

    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id", ondelete="CASCADE"), primary_key=True)
    met_gezondheid: Mapped[bool] = mapped_column(primary_key=True)
    hoogste_ernst: Mapped[int]  # the most urgent signal's ernst, 0 without signals
    aantal: Mapped[int]  # how many signals
    codes: Mapped[str] = mapped_column(String(400))  # the signals' codes, sorted, space-separated, each once
    # What the overview's row shows: one "ernst<TAB>aantal<TAB>titel" line per kind of signal, most urgent first.
    samenvatting: Mapped[str] = mapped_column(Text, default="", server_default="")
    geldig_van: Mapped[date]
    geldig_tot: Mapped[date]
