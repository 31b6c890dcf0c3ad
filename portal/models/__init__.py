"""All models, imported here so that metadata is complete for Alembic and create_all."""

from portal.models.account import User, UserSession, user_gemeente
from portal.models.audit import AuditEvent
from portal.models.base import Base
from portal.models.billing import (
    BillingRun,
    ContractBudget,
    Declaratie,
    DeclaratieRegel,
    Prestatie,
    PrestatieIndicator,
    Tarief,
)
from portal.models.contract import Contract, ContractOnderdeel, contract_beheerder, contract_gemeente
from portal.models.inburgeraar import Inburgeraar, IntakeGegevens, Pip
from portal.models.kpi import KpiJaarInstelling
from portal.models.melding import (
    MailModus,
    MailOutbox,
    MailStatus,
    MailVoorkeur,
    Melding,
    MeldingSoort,
    melding_inburgeraar,
)
from portal.models.organisatie import Aanbieder, Gemeente
from portal.models.resultaat import (
    Afschalingsverzoek,
    AfschalingsverzoekOnderdeel,
    Examenresultaat,
    OmstandighedenMelding,
    RouteResultaat,
    Voortgangsrapportage,
)
from portal.models.signaal import ContractSignaalDrempels, SignaalDrempels
from portal.models.traject import Activiteit, Presentie, PresentieTotaal, PresentieWeek, TrajectStart
from portal.models.upload import Upload, UploadSoort, UploadStatus
from portal.models.verwijzing import Verwijzing
from portal.models.wijziging import RegistratieWijziging
from portal.models.woonplaats import Verhuizing, VerhuizingVerwijzing, VerwijzingBesluit

__all__ = [
    "Aanbieder",
    "Activiteit",
    "Afschalingsverzoek",
    "AfschalingsverzoekOnderdeel",
    "AuditEvent",
    "Base",
    "BillingRun",
    "Contract",
    "ContractBudget",
    "ContractOnderdeel",
    "ContractSignaalDrempels",
    "Declaratie",
    "DeclaratieRegel",
    "Examenresultaat",
    "Gemeente",
    "Inburgeraar",
    "IntakeGegevens",
    "KpiJaarInstelling",
    "MailModus",
    "MailOutbox",
    "MailStatus",
    "MailVoorkeur",
    "Melding",
    "MeldingSoort",
    "OmstandighedenMelding",
    "Pip",
    "Presentie",
    "PresentieTotaal",
    "PresentieWeek",
    "Prestatie",
    "PrestatieIndicator",
    "RegistratieWijziging",
    "RouteResultaat",
    "SignaalDrempels",
    "Tarief",
    "TrajectStart",
    "Upload",
    "UploadSoort",
    "UploadStatus",
    "User",
    "UserSession",
    "Verhuizing",
    "VerhuizingVerwijzing",
    "Verwijzing",
    "VerwijzingBesluit",
    "Voortgangsrapportage",
    "contract_beheerder",
    "contract_gemeente",
    "melding_inburgeraar",
    "user_gemeente",
]
