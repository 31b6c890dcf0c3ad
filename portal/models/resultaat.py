"""What a provider reports about a traject besides presence: progress, circumstances, afschaling and results."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.account import User
from portal.models.base import Base, TimestampMixin, enum_column, utcnow
from portal.models.enums import LabelledEnum
from portal.models.inburgeraar import Inburgeraar, Pip
from portal.models.verwijzing import Verwijzing

# --- enumerations (values as DUO spells them where DUO has one) -----------------------------------


class OmstandighedenSoort(LabelledEnum):
    """Kind of change in personal circumstances that may affect progress (003 Bijlage B)."""

    VERHUIZING = "verhuizing", "Verhuizing"
    GEZONDHEID = "gezondheid", "Gezondheid"
    GEZINSSITUATIE = "gezinssituatie", "Gezinssituatie"
    WERK = "werk", "Werk"
    ANDERS = "anders", "Anders"


class Examenonderdeel(LabelledEnum):
    """DUO's ExamenonderdeelWI2021Inburgering."""

    KNM = "KNM", "Kennis van de Nederlandse Maatschappij (KNM)"
    LE = "LE", "Lezen (LE)"
    LU = "LU", "Luisteren (LU)"
    SC = "SC", "Schrijven (SC)"
    SP = "SP", "Spreken (SP)"


# The language parts: the ones a PIP niveau and an afschaling apply to.
TAAL_EXAMENONDERDELEN = (Examenonderdeel.LE, Examenonderdeel.LU, Examenonderdeel.SC, Examenonderdeel.SP)


class Examenniveau(LabelledEnum):
    """DUO's ExamenniveauWI2021."""

    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"


class Examenuitslag(LabelledEnum):
    """DUO's ExamenresultaatWI2021."""

    GESLAAGD = "Geslaagd", "Geslaagd"
    GEZAKT = "Gezakt", "Gezakt"
    GEEN = "Geen", "Geen resultaat"


class RedenGeenResultaat(LabelledEnum):
    """DUO's RedenGeenResultaatInburgeringsexamen."""

    VERWIJTBAAR = "Verwijtbaar", "Verwijtbaar (bijvoorbeeld fraude, eigen schuld niet verschenen)"
    NIETVERWIJTBAAR = "Nietverwijtbaar", "Niet verwijtbaar (bijvoorbeeld ziek tijdens het examen)"
    AFGEMELD = "Afgemeld", "Afgemeld"
    ABSENT = "Absent", "Absent"


class ResultaatBron(LabelledEnum):
    """Who reported a result: DUO is the source of truth, a provider reports what it knows."""

    AANBIEDER = "aanbieder", "Aanbieder"
    DUO = "duo", "DUO"


class AfschalingStatus(LabelledEnum):
    """Where an afschalingsverzoek stands."""

    INGEDIEND = "ingediend", "Ingediend"
    GOEDGEKEURD = "goedgekeurd", "Goedgekeurd"
    AFGEWEZEN = "afgewezen", "Afgewezen"


class TaalschakelResultaat(LabelledEnum):
    """Outcome of the taalschakeltraject in the onderwijsroute."""

    BEHAALD = "behaald", "Behaald"
    NIET_BEHAALD = "niet_behaald", "Niet behaald"


class JaNee(LabelledEnum):
    """DUO's InburgeringJaNeeType."""

    JA = "Ja", "Ja"
    NEE = "Nee", "Nee"


class BereiktNiveau(LabelledEnum):
    """Language level reached at the end of the Z-route."""

    ONDER_A1 = "onder_A1", "Lager dan A1"
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"


# --- models -------------------------------------------------------------------------------------


class Voortgangsrapportage(TimestampMixin, Base):
    """A periodic progress note by the provider on one verwijzing; one per peildatum."""

    __tablename__ = "voortgangsrapportage"
    __table_args__ = (UniqueConstraint("verwijzing_id", "peildatum"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"), index=True)
    peildatum: Mapped[date]
    motivatie: Mapped[str] = mapped_column(Text)
    voortgang: Mapped[str] = mapped_column(Text)
    belemmeringen: Mapped[str | None] = mapped_column(Text)
    geregistreerd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    verwijzing: Mapped[Verwijzing] = relationship()
    geregistreerd_door: Mapped[User | None] = relationship()


class OmstandighedenMelding(TimestampMixin, Base):
    """A provider's report of changed circumstances: for the gemeente and the reporting provider only."""

    __tablename__ = "omstandigheden_melding"

    id: Mapped[int] = mapped_column(primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    # The verwijzing it was reported under; its aanbieder is the only provider that may read it.
    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"), index=True)
    aanbieder_id: Mapped[int] = mapped_column(ForeignKey("aanbieder.id"), index=True)
    soort: Mapped[OmstandighedenSoort] = mapped_column(enum_column(OmstandighedenSoort, "omstandigheden_soort"))
    datum: Mapped[date]
    toelichting: Mapped[str] = mapped_column(Text)
    gemeld_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inburgeraar: Mapped[Inburgeraar] = relationship()
    verwijzing: Mapped[Verwijzing] = relationship()
    gemeld_door: Mapped[User | None] = relationship()


class Afschalingsverzoek(TimestampMixin, Base):
    """A provider's request to lower exam parts of a B1-route traject to A2, decided by the klantregisseur."""

    __tablename__ = "afschalingsverzoek"
    __table_args__ = (
        CheckConstraint("status <> 'afgewezen' OR besluit_reden IS NOT NULL", name="afwijzing_met_reden"),
        CheckConstraint("status <> 'goedgekeurd' OR pip_id IS NOT NULL", name="goedkeuring_met_pip"),
        CheckConstraint("uren_op_moment >= 0", name="uren"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"), index=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    status: Mapped[AfschalingStatus] = mapped_column(
        enum_column(AfschalingStatus, "afschaling_status"), default=AfschalingStatus.INGEDIEND, index=True
    )
    observaties_aanbieder: Mapped[str] = mapped_column(Text)
    ervaring_inburgeraar: Mapped[str] = mapped_column(Text)
    # Taalles+KNM hours at the moment of the request, kept as evidence for the decision.
    uren_op_moment: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    ingediend_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ingediend_op: Mapped[datetime] = mapped_column(default=utcnow)
    besluit_reden: Mapped[str | None] = mapped_column(Text)
    besloten_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    besloten_op: Mapped[datetime | None]
    pip_id: Mapped[int | None] = mapped_column(ForeignKey("pip.id"))

    verwijzing: Mapped[Verwijzing] = relationship()
    inburgeraar: Mapped[Inburgeraar] = relationship()
    pip: Mapped[Pip | None] = relationship()
    ingediend_door: Mapped[User | None] = relationship(foreign_keys=[ingediend_door_id])
    besloten_door: Mapped[User | None] = relationship(foreign_keys=[besloten_door_id])
    onderdeel_regels: Mapped[list[AfschalingsverzoekOnderdeel]] = relationship(
        back_populates="verzoek", cascade="all, delete-orphan", order_by="AfschalingsverzoekOnderdeel.onderdeel"
    )

    @property
    def onderdelen(self) -> list[Examenonderdeel]:
        """The exam parts requested to A2, in DUO's order."""
        gevraagd = {regel.onderdeel for regel in self.onderdeel_regels}
        return [o for o in TAAL_EXAMENONDERDELEN if o in gevraagd]


class AfschalingsverzoekOnderdeel(Base):
    """One language exam part an afschalingsverzoek asks to lower to A2."""

    __tablename__ = "afschalingsverzoek_onderdeel"
    __table_args__ = (
        UniqueConstraint("afschalingsverzoek_id", "onderdeel"),
        CheckConstraint("onderdeel IN ('LE', 'LU', 'SC', 'SP')", name="taalonderdeel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    afschalingsverzoek_id: Mapped[int] = mapped_column(ForeignKey("afschalingsverzoek.id", ondelete="CASCADE"))
    onderdeel: Mapped[Examenonderdeel] = mapped_column(enum_column(Examenonderdeel, "examenonderdeel"))

    verzoek: Mapped[Afschalingsverzoek] = relationship(back_populates="onderdeel_regels")


class Examenresultaat(TimestampMixin, Base):
    """One exam part result as DUO defines it, with its source; the natural key makes re-submission idempotent."""

    __tablename__ = "examenresultaat"
    __table_args__ = (
        UniqueConstraint("inburgeraar_id", "onderdeel", "niveau", "examendatum", "bron"),
        CheckConstraint(
            "(resultaat = 'Geen') = (reden_geen_resultaat IS NOT NULL)", name="reden_alleen_bij_geen"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    verwijzing_id: Mapped[int | None] = mapped_column(ForeignKey("verwijzing.id"), index=True)
    onderdeel: Mapped[Examenonderdeel] = mapped_column(enum_column(Examenonderdeel, "examenonderdeel"))
    # DUO's exam results may lack a niveau (Examen.openapi.yml: optional).
    niveau: Mapped[Examenniveau | None] = mapped_column(enum_column(Examenniveau, "examenniveau"))
    resultaat: Mapped[Examenuitslag] = mapped_column(enum_column(Examenuitslag, "examenuitslag"))
    reden_geen_resultaat: Mapped[RedenGeenResultaat | None] = mapped_column(
        enum_column(RedenGeenResultaat, "reden_geen_resultaat")
    )
    examendatum: Mapped[date]
    bron: Mapped[ResultaatBron] = mapped_column(enum_column(ResultaatBron, "resultaat_bron"))
    geregistreerd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inburgeraar: Mapped[Inburgeraar] = relationship()
    verwijzing: Mapped[Verwijzing | None] = relationship()


class RouteResultaat(TimestampMixin, Base):
    """The end result of one verwijzing for the onderwijsroute, MAP, PVT or Z-route (DUO's MAP/PVT/Z-route API)."""

    __tablename__ = "route_resultaat"
    __table_args__ = (
        CheckConstraint(
            "(datum_afronding_z_route IS NULL) = (bereikt_niveau IS NULL)", name="afronding_met_niveau"
        ),
        CheckConstraint(
            "(taalschakel_resultaat IS NULL) = (datum_taalschakel_resultaat IS NULL)", name="taalschakel_met_datum"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"), unique=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    taalschakel_resultaat: Mapped[TaalschakelResultaat | None] = mapped_column(
        enum_column(TaalschakelResultaat, "taalschakel_resultaat")
    )
    datum_taalschakel_resultaat: Mapped[date | None]
    datum_eindgesprek_map: Mapped[date | None]
    datum_ondertekening_pvt: Mapped[date | None]
    # DUO's verwijtbaar: only given when the MAP/PVT was finished after the inburgeringstermijn ended.
    verwijtbaar: Mapped[JaNee | None] = mapped_column(enum_column(JaNee, "ja_nee"))
    # The Z-route is afgerond when this date is known (DUO's datumAfrondingZroute), with the level reached.
    datum_afronding_z_route: Mapped[date | None]
    # The klantregisseur confirms the eindgesprek/ondertekening/afronding date before it goes to DUO.
    duo_bevestigd_op: Mapped[datetime | None]
    duo_bevestigd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    bereikt_niveau: Mapped[BereiktNiveau | None] = mapped_column(enum_column(BereiktNiveau, "bereikt_niveau"))
    geregistreerd_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    verwijzing: Mapped[Verwijzing] = relationship()
