"""Billing: prestatie-indicatoren with dated tarieven per contract, derived prestaties, declaraties and their regels.

The chain is contract → prestatie-indicator → tarief → prestatie → declaratie → declaratieregel. Prestaties are
derived from what the aanbieder registered (portal.services.billing.derive); a regel keeps the numbers it was
declared with, so changing a contract or a tarief never changes what was already declared.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.account import User
from portal.models.base import Base, TimestampMixin, enum_column, utcnow
from portal.models.contract import Contract
from portal.models.enums import LabelledEnum, Onderdeel
from portal.models.organisatie import Aanbieder, Gemeente
from portal.models.resultaat import Examenonderdeel
from portal.models.traject import Activiteit
from portal.models.verwijzing import Verwijzing


class IndicatorSoort(LabelledEnum):
    """The three bekostigingsvormen of iWmo/iJw (DOMAIN.md §6)."""

    INSPANNING = "inspanning", "Inspanningsgericht"
    OUTPUT = "output", "Outputgericht"
    TAAK = "taak", "Taakgericht"


class Trigger(LabelledEnum):
    """What registered fact makes a prestatie: the closed list of billing-and-kpis.md §A2."""

    UREN_AANWEZIG = "uren_aanwezig", "Uren aanwezig in de periode"
    START = "start", "Start van het traject"
    UREN_MIJLPAAL = "uren_mijlpaal", "Urenmijlpaal bereikt"
    EXAMEN_GESLAAGD = "examen_geslaagd", "Examenonderdeel geslaagd op of boven het PIP-niveau"
    AFSCHALING_GOEDGEKEURD = "afschaling_goedgekeurd", "Afschaling goedgekeurd"
    TAALSCHAKEL_BEHAALD = "taalschakel_behaald", "Taalschakeltraject behaald"
    MAP_EINDGESPREK = "map_eindgesprek", "MAP-eindgesprek gevoerd"
    PVT_ONDERTEKEND = "pvt_ondertekend", "Participatieverklaring ondertekend"
    Z_AFGEROND = "z_afgerond", "Z-route afgerond"
    PERIODE_ACTIEF = "periode_actief", "Traject actief in de periode"
    UITVAL_PRO_RATA = "uitval_pro_rata", "Uitval, naar rato van de gerealiseerde uren"

    @property
    def periodiek(self) -> bool:
        """Periodic triggers make one prestatie per verwijzing per periode; the others one per verwijzing."""
        return self in (Trigger.UREN_AANWEZIG, Trigger.PERIODE_ACTIEF)

    @property
    def eenheid(self) -> Eenheid:
        """The unit its prestatie counts in, so the unit a tarief for it is paid per: hours present per uur (the
        hours checks go by it), an active period per maand, every one-off fact (uitval's share too) per stuk."""
        if self is Trigger.UREN_AANWEZIG:
            return Eenheid.UUR
        return Eenheid.MAAND if self is Trigger.PERIODE_ACTIEF else Eenheid.STUK


class Eenheid(LabelledEnum):
    """The unit a tarief is paid per (iWmo's eenheid)."""

    UUR = "uur", "Uur"
    STUK = "stuk", "Stuk"
    MAAND = "maand", "Maand"


class DeclaratieStatus(LabelledEnum):
    """Where a declaratie stands; only a concept can change."""

    CONCEPT = "concept", "Concept"
    INGEDIEND = "ingediend", "Ingediend"
    IN_BEHANDELING = "in_behandeling", "Deels beoordeeld"
    AFGEHANDELD = "afgehandeld", "Afgehandeld"


class RegelStatus(LabelledEnum):
    """The contractmanager's decision on one regel."""

    INGEDIEND = "ingediend", "Te beoordelen"
    GOEDGEKEURD = "goedgekeurd", "Goedgekeurd"
    AFGEWEZEN = "afgewezen", "Afgewezen"


class Afwijsreden(LabelledEnum):
    """Why a contractmanager rejects a regel (billing-and-kpis.md §A2)."""

    GEEN_VERWIJZING_CONTRACT = "geen_verwijzing_contract", "Geen geldige verwijzing of contract"
    BUITEN_UREN = "buiten_uren", "Buiten de gecontracteerde uren"
    AANWEZIGHEID = "aanwezigheid", "Aanwezigheid onder de voorwaarde"
    DUBBEL = "dubbel", "Dubbel gedeclareerd"
    PIP = "pip", "Onderdeel past niet bij het PIP"
    KEURMERK = "keurmerk", "Instelling zonder keurmerk"
    ANDERS = "anders", "Anders"


class Voorziening(LabelledEnum):
    """The SPUK's spending categories (001 §4.2: "extra kosten voor tolken"; 004 §4.2: "de inzet van tolken")."""

    LEERROUTE = "leerroute", "Leerroute"
    MAATSCHAPPELIJKE_BEGELEIDING = "maatschappelijke_begeleiding", "Maatschappelijke begeleiding"
    PVT = "pvt", "PVT"
    MAP = "map", "MAP"
    TOLKEN = "tolken", "Tolken"


VOORZIENING_VAN: dict[Onderdeel, Voorziening] = {
    Onderdeel.B1_ROUTE: Voorziening.LEERROUTE,
    Onderdeel.ONDERWIJSROUTE: Voorziening.LEERROUTE,
    Onderdeel.Z_ROUTE_TAAL: Voorziening.LEERROUTE,
    Onderdeel.Z_ROUTE_PARTICIPATIE: Voorziening.LEERROUTE,
    Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING: Voorziening.MAATSCHAPPELIJKE_BEGELEIDING,
    Onderdeel.PVT: Voorziening.PVT,
    Onderdeel.MAP: Voorziening.MAP,
}



def voorziening_van(onderdeel: Onderdeel, eigen: Voorziening | None) -> Voorziening:
    """The SPUK voorziening a prestatie counts towards: the indicator's own (tolken) or its onderdeel's."""
    return eigen or VOORZIENING_VAN[onderdeel]


# The natural key's periode for one-off milestones: one prestatie per (verwijzing, indicator).
EENMALIG = "eenmalig"


class ContractBudget(Base):
    """An optional budget per gemeente per year under a (regional) contract, in euro cents."""

    __tablename__ = "contract_budget"
    __table_args__ = (
        UniqueConstraint("contract_id", "gemeente_id", "jaar"),
        CheckConstraint("bedrag_cent >= 0", name="bedrag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"))
    jaar: Mapped[int]
    bedrag_cent: Mapped[int] = mapped_column(BigInteger)

    gemeente: Mapped[Gemeente] = relationship()


class PrestatieIndicator(TimestampMixin, Base):
    """What an aanbieder is paid for under a contract, and the registered fact that triggers it."""

    __tablename__ = "prestatie_indicator"
    __table_args__ = (
        UniqueConstraint("contract_id", "code"),
        CheckConstraint("min_aanwezigheid_pct IS NULL OR min_aanwezigheid_pct BETWEEN 0 AND 100", name="pct"),
        CheckConstraint("drempel_uren IS NULL OR drempel_uren > 0", name="drempel"),
        CheckConstraint("max_eenheden IS NULL OR max_eenheden >= 0", name="max_eenheden"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    naam: Mapped[str] = mapped_column(String(200))
    onderdeel: Mapped[Onderdeel] = mapped_column(enum_column(Onderdeel, "onderdeel"))
    soort: Mapped[IndicatorSoort] = mapped_column(enum_column(IndicatorSoort, "indicator_soort"))
    trigger: Mapped[Trigger] = mapped_column(enum_column(Trigger, "indicator_trigger"))
    # UREN_AANWEZIG: the activiteit counted (NULL: every activiteit of the onderdeel).
    activiteit: Mapped[Activiteit | None] = mapped_column(enum_column(Activiteit, "activiteit"))
    # UREN_MIJLPAAL: the cumulative hours that make the milestone.
    drempel_uren: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    # EXAMEN_GESLAAGD: the exam part.
    examenonderdeel: Mapped[Examenonderdeel | None] = mapped_column(enum_column(Examenonderdeel, "examenonderdeel"))
    # Conditions: minimum attendance in the period, geoorloofd absence paid, maximum units per verwijzing
    # (NULL: its gecontracteerde uren for hour indicators).
    min_aanwezigheid_pct: Mapped[int | None]
    telt_geoorloofd_afwezig: Mapped[bool] = mapped_column(default=False)
    max_eenheden: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    # The SPUK voorziening when it is not the onderdeel's (a tolk's cost under MB, PVT, ...); NULL: the onderdeel's.
    voorziening: Mapped[Voorziening | None] = mapped_column(enum_column(Voorziening, "voorziening"))

    contract: Mapped[Contract] = relationship()
    tarieven: Mapped[list[Tarief]] = relationship(
        back_populates="indicator", order_by="Tarief.geldig_vanaf", cascade="all, delete-orphan"
    )


class Tarief(TimestampMixin, Base):
    """The price of one unit of an indicator over a validity period, optionally for one gemeente only."""

    __tablename__ = "tarief"
    __table_args__ = (
        CheckConstraint("bedrag_cent >= 0", name="bedrag"),
        CheckConstraint("geldig_tot IS NULL OR geldig_tot >= geldig_vanaf", name="geldigheid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("prestatie_indicator.id", ondelete="CASCADE"), index=True)
    gemeente_id: Mapped[int | None] = mapped_column(ForeignKey("gemeente.id"))
    geldig_vanaf: Mapped[date]
    geldig_tot: Mapped[date | None]
    bedrag_cent: Mapped[int] = mapped_column(BigInteger)
    eenheid: Mapped[Eenheid] = mapped_column(enum_column(Eenheid, "eenheid"))
    # Demo and benchmark tariffs are fictitious: the seeds set none, so they say so wherever shown.
    fictief: Mapped[bool] = mapped_column(default=False)

    indicator: Mapped[PrestatieIndicator] = relationship(back_populates="tarieven")
    gemeente: Mapped[Gemeente | None] = relationship()


class Prestatie(Base):
    """What an aanbieder delivered under one indicator for one verwijzing, derived from its registrations.

    The natural key (verwijzing, indicator, periode) makes deriving idempotent; one-off milestones use the
    periode EENMALIG. `aantal` follows the registrations; the regels keep what was declared.
    """

    __tablename__ = "prestatie"
    __table_args__ = (
        UniqueConstraint("verwijzing_id", "indicator_id", "periode"),
        CheckConstraint("aantal >= 0", name="aantal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    verwijzing_id: Mapped[int] = mapped_column(ForeignKey("verwijzing.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("prestatie_indicator.id"), index=True)
    periode: Mapped[str] = mapped_column(String(8))
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"))
    prestatiedatum: Mapped[date]
    aantal: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    # Attendance in the period (hour indicators), kept for the condition check and shown with it.
    aanwezigheid_pct: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    # A rejected prestatie is declared again only when the aanbieder asks for it.
    afgewezen: Mapped[bool] = mapped_column(default=False)
    berekend_op: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    verwijzing: Mapped[Verwijzing] = relationship()
    indicator: Mapped[PrestatieIndicator] = relationship()


class Declaratie(TimestampMixin, Base):
    """The regels of one contract for one gemeente over one periode (iWmo 303/323), decided by that gemeente."""

    __tablename__ = "declaratie"
    __table_args__ = (UniqueConstraint("contract_id", "gemeente_id", "periode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nummer: Mapped[str] = mapped_column(String(60), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    aanbieder_id: Mapped[int] = mapped_column(ForeignKey("aanbieder.id"), index=True)
    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"), index=True)
    periode: Mapped[str] = mapped_column(String(8))
    periode_van: Mapped[date]
    periode_tot: Mapped[date]
    status: Mapped[DeclaratieStatus] = mapped_column(
        enum_column(DeclaratieStatus, "declaratie_status"), default=DeclaratieStatus.CONCEPT, index=True
    )
    ingediend_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ingediend_op: Mapped[datetime | None]
    afgehandeld_op: Mapped[datetime | None]
    # The contract's declaratietermijn when the declaratie was submitted: a later change of the contract does not
    # make it late or on time afterwards (checks.uiterste_indiendatum). None for a concept or a contract without one.
    declaratietermijn_dagen: Mapped[int | None]

    contract: Mapped[Contract] = relationship()
    aanbieder: Mapped[Aanbieder] = relationship()
    gemeente: Mapped[Gemeente] = relationship()
    ingediend_door: Mapped[User | None] = relationship()


class DeclaratieRegel(TimestampMixin, Base):
    """One declared prestatie (debet) or the reversal of an earlier regel (credit), with its decision.

    Units, tarief, amount and prestatiedatum are copied when the regel is made (a credit regel carries the date
    of the regel it credits); a submitted regel is never changed, a correction is a credit regel (−the original)
    plus a new debet regel. So a prestatie whose date is recomputed later moves no declared regel, export or cost
    year.
    """

    __tablename__ = "declaratie_regel"
    __table_args__ = (
        CheckConstraint("aantal >= 0 AND tarief_cent >= 0", name="aantal_tarief"),
        CheckConstraint("credit_van_regel_id IS NULL OR bedrag_cent <= 0", name="credit_negatief"),
        CheckConstraint("credit_van_regel_id IS NOT NULL OR bedrag_cent >= 0", name="debet_positief"),
        CheckConstraint("status <> 'afgewezen' OR afwijsreden IS NOT NULL", name="afwijzing_met_reden"),
        CheckConstraint("afwijsreden <> 'anders' OR toelichting IS NOT NULL", name="anders_met_toelichting"),
        Index("ix_declaratie_regel_prestatie", "prestatie_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaratie_id: Mapped[int] = mapped_column(ForeignKey("declaratie.id"), index=True)
    prestatie_id: Mapped[int] = mapped_column(ForeignKey("prestatie.id"))
    credit_van_regel_id: Mapped[int | None] = mapped_column(ForeignKey("declaratie_regel.id"), unique=True)
    tarief_id: Mapped[int] = mapped_column(ForeignKey("tarief.id"))
    eenheid: Mapped[Eenheid] = mapped_column(enum_column(Eenheid, "eenheid"))
    aantal: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    tarief_cent: Mapped[int] = mapped_column(BigInteger)
    bedrag_cent: Mapped[int] = mapped_column(BigInteger)
    # The prestatie's date when declared: what the pages and exports show and the cost year (kosten_totaal) counts.
    prestatiedatum: Mapped[date]
    # What the checks found before the contractmanager looked: [{"code": ..., "tekst": ...}].
    bevindingen: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    status: Mapped[RegelStatus] = mapped_column(
        enum_column(RegelStatus, "regel_status"), default=RegelStatus.INGEDIEND
    )
    afwijsreden: Mapped[Afwijsreden | None] = mapped_column(enum_column(Afwijsreden, "afwijsreden"))
    toelichting: Mapped[str | None] = mapped_column(Text)
    beoordeeld_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    beoordeeld_op: Mapped[datetime | None]

    declaratie: Mapped[Declaratie] = relationship()
    prestatie: Mapped[Prestatie] = relationship()
    credit_van: Mapped[DeclaratieRegel | None] = relationship(remote_side="DeclaratieRegel.id")

    @property
    def is_credit(self) -> bool:
        return self.credit_van_regel_id is not None


class BillingRun(Base):
    """One run of the billing service for a contract and periode; its peilmoment is the next run's watermark."""

    __tablename__ = "billing_run"
    __table_args__ = (Index("ix_billing_run_contract_gestart", "contract_id", "gestart_op"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    periode: Mapped[str] = mapped_column(String(8))
    gestart_op: Mapped[datetime]
    # Every change stamped before it was visible to this run; the next run looks at what changed from here on
    # (portal.services.billing.derive._peilmoment).
    peilmoment: Mapped[datetime]
    nieuwe_prestaties: Mapped[int] = mapped_column(default=0)
    nieuwe_regels: Mapped[int] = mapped_column(default=0)


class KostenTotaal(Base):
    """Kept cost totals of the submitted declaraties per gemeente, contract, indicator and year of the regels'
    prestatiedatum: declared (every regel, credits netted) and approved, in euro cents.

    The costs page (SPUK verantwoording) reads these instead of aggregating every regel. They change only through
    portal.services.billing.kosten_totalen, called in the same transaction as the submit and the decisions;
    `flask --app portal totalen-controleren` compares them with a recomputation.
    Per indicator, not per voorziening: an indicator's voorziening is looked up when the totals are read."""

    __tablename__ = "kosten_totaal"

    gemeente_id: Mapped[int] = mapped_column(ForeignKey("gemeente.id"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("prestatie_indicator.id", ondelete="CASCADE"),
                                              primary_key=True)
    jaar: Mapped[int] = mapped_column(primary_key=True)
    gedeclareerd_cent: Mapped[int] = mapped_column(BigInteger, default=0)
    goedgekeurd_cent: Mapped[int] = mapped_column(BigInteger, default=0)
