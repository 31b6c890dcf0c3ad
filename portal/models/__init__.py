"""All models, imported here so that metadata is complete for Alembic and create_all."""

from portal.models.account import User, UserSession, user_gemeente
from portal.models.api_client import ApiClient, ApiToken
from portal.models.audit import AuditEvent, AuditGezien
from portal.models.base import Base
from portal.models.billing import (
    BillingRun,
    ContractBudget,
    Declaratie,
    DeclaratieRegel,
    KostenTotaal,
    Prestatie,
    PrestatieIndicator,
    Tarief,
)
from portal.models.cbs import CbsLevering
from portal.models.contract import Contract, ContractOnderdeel, contract_beheerder, contract_gemeente
from portal.models.duo import BerichtSoort, BerichtStatus, DuoBericht, DuoContactpersoon
from portal.models.handhaving import (
    Handhaving,
    HandhavingBeleid,
    HandhavingGrond,
    HandhavingSoort,
    handhaving_presentie,
)
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
from portal.models.pip_intrekking import PipIntrekking
from portal.models.resultaat import (
    Afschalingsverzoek,
    AfschalingsverzoekOnderdeel,
    Examenresultaat,
    OmstandighedenMelding,
    RouteResultaat,
    Voortgangsrapportage,
)
from portal.models.signaal import ContractSignaalDrempels, SignaalDrempels, SignaalStand
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
    "ApiClient",
    "ApiToken",
    "AuditEvent",
    "AuditGezien",
    "Base",
    "BerichtSoort",
    "BerichtStatus",
    "BillingRun",
    "CbsLevering",
    "Contract",
    "ContractBudget",
    "ContractOnderdeel",
    "ContractSignaalDrempels",
    "Declaratie",
    "DeclaratieRegel",
    "DuoBericht",
    "DuoContactpersoon",
    "Examenresultaat",
    "Gemeente",
    "Handhaving",
    "HandhavingBeleid",
    "HandhavingGrond",
    "HandhavingSoort",
    "Inburgeraar",
    "IntakeGegevens",
    "KostenTotaal",
    "KpiJaarInstelling",
    "MailModus",
    "MailOutbox",
    "MailStatus",
    "MailVoorkeur",
    "Melding",
    "MeldingSoort",
    "OmstandighedenMelding",
    "Pip",
    "PipIntrekking",
    "Presentie",
    "PresentieTotaal",
    "PresentieWeek",
    "Prestatie",
    "PrestatieIndicator",
    "RegistratieWijziging",
    "RouteResultaat",
    "SignaalDrempels",
    "SignaalStand",
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
    "handhaving_presentie",
    "melding_inburgeraar",
    "user_gemeente",
]
