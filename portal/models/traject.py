"""The traject an aanbieder runs for a verwijzing: its start and the presentie per session."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TimestampMixin, enum_column
from portal.models.enums import LabelledEnum, Onderdeel
from portal.models.verwijzing import Verwijzing


class Activiteit(LabelledEnum):
    """What a session was; decides which of DUO's hour counters and which norm it counts towards."""

    TAALLES_KNM = "taalles_knm", "Taalles en KNM"
    BREDE_INTAKE = "brede_intake", "Taalles en KNM tijdens brede intake"
    PARTICIPATIE = "participatie", "Participatieactiviteit (Z-route)"
    MAP_PRAKTIJK = "map_praktijk", "MAP praktijkdeel"
    PVT = "pvt", "Participatieverklaringstraject (PVT)"
    MAATSCHAPPELIJKE_BEGELEIDING = "maatschappelijke_begeleiding", "Maatschappelijke begeleiding"


# Which activities fit a verwijzing's onderdeel (the provider registers only what it was referred for).
ACTIVITEITEN_PER_ONDERDEEL: dict[Onderdeel, tuple[Activiteit, ...]] = {
    Onderdeel.B1_ROUTE: (Activiteit.TAALLES_KNM, Activiteit.BREDE_INTAKE),
    Onderdeel.ONDERWIJSROUTE: (Activiteit.TAALLES_KNM, Activiteit.BREDE_INTAKE),
    Onderdeel.Z_ROUTE_TAAL: (Activiteit.TAALLES_KNM, Activiteit.BREDE_INTAKE),
    Onderdeel.Z_ROUTE_PARTICIPATIE: (Activiteit.PARTICIPATIE,),
    Onderdeel.MAP: (Activiteit.MAP_PRAKTIJK,),
    Onderdeel.PVT: (Activiteit.PVT,),
    Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING: (Activiteit.MAATSCHAPPELIJKE_BEGELEIDING,),
}


class TrajectStart(TimestampMixin, Base):
    """The realised start of a verwijzing's traject, or the fact that it did not start (one row per verwijzing)."""

    __tablename__ = "traject_start"
    __table_args__ = (
        CheckConstraint(
            "niet_gestart OR gerealiseerde_startdatum IS NOT NULL", name="startdatum_of_niet_gestart"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"), unique=True)
    gerealiseerde_startdatum: Mapped[date | None]
    bijgestelde_einddatum: Mapped[date | None]
    reden_latere_start: Mapped[str | None] = mapped_column(String(500))
    niet_gestart: Mapped[bool] = mapped_column(default=False)
    reden_niet_gestart: Mapped[str | None] = mapped_column(String(500))
    geregistreerd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    verwijzing: Mapped[Verwijzing] = relationship()


class Presentie(TimestampMixin, Base):
    """Hours present and absent of one inburgeraar in one activity on one day, under one verwijzing."""

    __tablename__ = "presentie"
    __table_args__ = (
        UniqueConstraint("verwijzing_id", "datum", "activiteit"),
        Index("ix_presentie_verwijzing_datum", "verwijzing_id", "datum"),
        # The attendance window of the regie over all cases in scope: the last four weeks, not all history.
        Index("ix_presentie_datum", "datum"),
        # The billing service asks "what changed since my last run?" without reading every row.
        Index("ix_presentie_updated_at", "updated_at"),
        CheckConstraint(
            "uren_aanwezig >= 0 AND uren_afwezig_geoorloofd >= 0 AND uren_afwezig_ongeoorloofd >= 0", name="uren"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"))
    datum: Mapped[date]
    activiteit: Mapped[Activiteit] = mapped_column(enum_column(Activiteit, "activiteit"))
    uren_aanwezig: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    uren_afwezig_geoorloofd: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    uren_afwezig_ongeoorloofd: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    reden_afwezig: Mapped[str | None] = mapped_column(String(500))
    geregistreerd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    verwijzing: Mapped[Verwijzing] = relationship()


_UREN_TOTAAL = Numeric(12, 2)  # up to 9,999,999,999.99 hours: sums of many Numeric(5, 2) days


class PresentieTotaal(Base):
    """Kept totals of one verwijzing for one activity, updated in the same transaction as every presentie write
    (portal.services.kept_totals); `flask --app portal totalen-controleren` compares them with a recomputation."""

    __tablename__ = "presentie_totaal"
    # Every presentie write updates these rows: room on each page lets PostgreSQL update them in place (HOT, no
    # new index entries, 10,000-item API call: a fifth less server time for the kept totals).
    __table_args__ = ({"postgresql_with": {"fillfactor": 70}},)

    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"), primary_key=True)
    activiteit: Mapped[Activiteit] = mapped_column(enum_column(Activiteit, "activiteit"), primary_key=True)
    uren_aanwezig: Mapped[Decimal] = mapped_column(_UREN_TOTAAL, default=Decimal(0))
    uren_afwezig_geoorloofd: Mapped[Decimal] = mapped_column(_UREN_TOTAAL, default=Decimal(0))
    uren_afwezig_ongeoorloofd: Mapped[Decimal] = mapped_column(_UREN_TOTAAL, default=Decimal(0))
    aantal: Mapped[int] = mapped_column(default=0)  # presentie rows counted
    laatste_datum: Mapped[date | None]


class PresentieWeek(Base):
    """Kept totals of one verwijzing for one activity in one ISO week (`week` is its Monday), updated with
    PresentieTotaal: the weekly chart and the timeline read these instead of every day."""

    __tablename__ = "presentie_week"
    __table_args__ = (
        # Weeks of one verwijzing from a date on (the attendance window, the chart, the timeline) without reading
        # every activity's whole history: the primary key has the activity between verwijzing and week.
        Index("ix_presentie_week_verwijzing_week", "verwijzing_id", "week"),
        # The attendance window over a whole region (the regie's "alle"): the last weeks of every verwijzing in
        # scope, read without scanning every week of the history (PostgreSQL otherwise scans the table).
        Index("ix_presentie_week_week", "week"),
        {"postgresql_with": {"fillfactor": 70}},  # updated on every write, like presentie_totaal
    )

    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"), primary_key=True)
    activiteit: Mapped[Activiteit] = mapped_column(enum_column(Activiteit, "activiteit"), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    uren_aanwezig: Mapped[Decimal] = mapped_column(_UREN_TOTAAL, default=Decimal(0))
    uren_afwezig_geoorloofd: Mapped[Decimal] = mapped_column(_UREN_TOTAAL, default=Decimal(0))
    uren_afwezig_ongeoorloofd: Mapped[Decimal] = mapped_column(_UREN_TOTAAL, default=Decimal(0))
    aantal: Mapped[int] = mapped_column(default=0)
