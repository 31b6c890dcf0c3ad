"""All models, imported here so that metadata is complete for Alembic and create_all."""

from portal.models.account import User, UserSession, user_gemeente
from portal.models.audit import AuditEvent
from portal.models.base import Base
from portal.models.contract import Contract, ContractOnderdeel, contract_beheerder, contract_gemeente
from portal.models.inburgeraar import Inburgeraar, IntakeGegevens, Pip
from portal.models.organisatie import Aanbieder, Gemeente
from portal.models.verwijzing import Verwijzing
from portal.models.wijziging import RegistratieWijziging

__all__ = [
    "Aanbieder",
    "AuditEvent",
    "Base",
    "Contract",
    "ContractOnderdeel",
    "Gemeente",
    "Inburgeraar",
    "IntakeGegevens",
    "Pip",
    "RegistratieWijziging",
    "User",
    "UserSession",
    "Verwijzing",
    "contract_beheerder",
    "contract_gemeente",
    "user_gemeente",
]
