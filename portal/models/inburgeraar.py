"""The inburgeraar, the gemeente's intake details and the PIP with its versions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain import pip as pip_regels
from portal.domain import termijnen
from portal.models.account import User
from portal.models.base import Base, TimestampMixin, enum_column
from portal.models.enums import Doelgroep, IndicatorAlfabetisering, Leerroute, NiveauPip
from portal.models.organisatie import Gemeente


class InburgeraarRegels:
    """What the portal derives from an inburgeraar's voornamen, achternaam, kennisgeving and BRP dates, term extension
    and PIP versions (`pips`, by versie): shared by the model and the case page's rows (portal.services.dossier_rijen),
    so both answer alike. No annotations here: the model maps those names itself."""

    @property
    def naam(self) -> str:
        """Full name for display."""
        return f"{self.voornamen} {self.achternaam}"

    @property
    def huidige_pip(self) -> Pip | None:
        """The latest version, withdrawn or not: what a new version follows and a withdrawal applies to. Which PIP
        is in force (a withdrawn one is none) is pip_van_kracht; read that for anything the PIP decides."""
        return self.pips[-1] if self.pips else None

    @property
    def pip_van_kracht(self) -> Pip | None:
        """The PIP in force: the latest version, unless the klantregisseur withdrew it (PipIntrekking): then none
        is in force until a new version is recorded (portal.domain.pip.van_kracht, the one rule)."""
        return pip_regels.van_kracht(self.pips)

    @property
    def pip_ingetrokken_per(self) -> date | None:
        """When no PIP is in force because the latest version was withdrawn: the date that took effect (None when
        a PIP is in force or there never was one), so a page tells "PIP ingetrokken" from "nog geen PIP"."""
        return pip_regels.ingetrokken_per(self.pips)

    @property
    def eerste_dagtekening(self) -> date | None:
        """Dagtekening of the first PIP: the term counts from it, later versions never move it."""
        return self.pips[0].dagtekening if self.pips else None

    @property
    def termijn_start(self) -> date | None:
        """First day of the inburgeringstermijn (the day after the first PIP's dagtekening)."""
        eerste = self.eerste_dagtekening
        return termijnen.termijn_start(eerste) if eerste else None

    @property
    def inburgeringstermijn_einde(self) -> date | None:
        """Last day of the term: DUO's extension, else three years from the day after the first PIP."""
        return termijnen.inburgeringstermijn_einde(self.eerste_dagtekening, self.termijn_verlengd_tot)

    @property
    def pip_uiterlijk(self) -> date | None:
        """Deadline for the first PIP: 10 weeks after kennisgeving or BRP registration, whichever is later."""
        return termijnen.pip_uiterlijk(self.datum_kennisgeving, self.datum_brp_inschrijving)

    @property
    def leerroute_wijzigen_uiterlijk(self) -> date | None:
        """Last day on which the leerroute may still be changed (1.5 years into the term)."""
        return termijnen.leerroute_wijzigen_uiterlijk(self.eerste_dagtekening)


class Inburgeraar(InburgeraarRegels, TimestampMixin, Base):
    """A person with inburgeringsplicht living in one of the gemeenten."""

    __tablename__ = "inburgeraar"

    id: Mapped[int] = mapped_column(primary_key=True)
    bsn: Mapped[str] = mapped_column(String(9), unique=True)
    voornamen: Mapped[str] = mapped_column(String(200))
    achternaam: Mapped[str] = mapped_column(String(200))
    geboortedatum: Mapped[date]
    doelgroep: Mapped[Doelgroep] = mapped_column(enum_column(Doelgroep, "doelgroep"))
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"), index=True)
    klantregisseur_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    datum_kennisgeving: Mapped[date | None]
    datum_brp_inschrijving: Mapped[date | None]
    # DUO may extend the term (verlengingsgronden); the portal records DUO's decision, never computes it.
    termijn_verlengd_tot: Mapped[date | None]

    gemeente: Mapped[Gemeente] = relationship()
    klantregisseur: Mapped[User | None] = relationship()
    pips: Mapped[list[Pip]] = relationship(
        back_populates="inburgeraar", order_by="Pip.versie", cascade="all, delete-orphan"
    )


class IntakeGegevens(TimestampMixin, Base):
    """Brede intake details, including health: for the gemeente only, never for aanbieders."""

    __tablename__ = "intake_gegevens"

    id: Mapped[int] = mapped_column(primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(
        ForeignKey("inburgeraar.id", ondelete="CASCADE"), unique=True
    )
    datum_brede_intake: Mapped[date | None]
    opleidingsniveau: Mapped[str | None] = mapped_column(String(100))
    analfabeet: Mapped[bool | None]
    gezondheid: Mapped[str | None] = mapped_column(Text)
    bijzonderheden: Mapped[str | None] = mapped_column(Text)

    inburgeraar: Mapped[Inburgeraar] = relationship()


class PipRegels:
    """What the portal derives from a PIP version: shared by the model and the case page's rows."""

    @property
    def ingetrokken_op(self) -> date | None:
        """The date this version's withdrawal takes effect, if it was withdrawn (Pip.intrekking)."""
        intrekking = getattr(self, "intrekking", None)
        return intrekking.datum if intrekking is not None else None


class Pip(PipRegels, TimestampMixin, Base):
    """One version of the Persoonlijk Plan Inburgering en Participatie (a beschikking)."""

    __tablename__ = "pip"
    __table_args__ = (
        UniqueConstraint("inburgeraar_id", "versie"),
        CheckConstraint("NOT (leerroute = 'O' AND niveau = 'A2')", name="o_niet_a2"),
        CheckConstraint("NOT (leerroute = 'Z' AND niveau = 'B1')", name="z_niet_b1"),
        CheckConstraint("leerroute <> 'B' OR niveau IS NOT NULL", name="b_heeft_niveau"),
        CheckConstraint(
            "geschatte_intensiteit IS NULL OR geschatte_intensiteit BETWEEN 1 AND 9999",
            name="intensiteit_bereik",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id", ondelete="CASCADE"))
    versie: Mapped[int]
    dagtekening: Mapped[date]
    leerroute: Mapped[Leerroute] = mapped_column(enum_column(Leerroute, "leerroute"))
    niveau: Mapped[NiveauPip | None] = mapped_column(enum_column(NiveauPip, "niveau_pip"))
    # DUO's geschatteIntensiteitB1Route: estimated total hours for the B1-route (asielstatushouders).
    geschatte_intensiteit: Mapped[int | None]
    reden_wijziging: Mapped[str | None] = mapped_column(String(500))
    # DUO's indicatorAlfabetiseringsonderwijs and indicatorMagOpleidingAfmaken (PIP.openapi.yml).
    indicator_alfabetisering: Mapped[IndicatorAlfabetisering | None] = mapped_column(
        enum_column(IndicatorAlfabetisering, "indicator_alfabetisering"))
    indicator_mag_opleiding_afmaken: Mapped[bool | None]
    vastgesteld_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inburgeraar: Mapped[Inburgeraar] = relationship(back_populates="pips")
