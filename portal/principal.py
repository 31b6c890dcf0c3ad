"""Who is acting when a provider's or gemeente's system calls the API: a ClientActor.

Services and `portal/access.py` take an actor with the attributes of a User (`rol`, `aanbieder_id`, `id`);
a ClientActor has those too, so the API goes through exactly the same scoping and authorisation as the web.
An aanbieder's client acts as an aanbieder-medewerker of its organisation; a gemeente's client reads as a
contractmanager of that one gemeente (no intake or health details, no case management). It is no user
account, so `id` is None: registrations record no user, and audit events carry `api_client_id` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.models import Aanbieder, ApiClient
from portal.models.enums import Rol


@dataclass(frozen=True, eq=False)
class ClientActor:
    """An authenticated API client, acting with the scopes of its token."""

    api_client_id: int
    client_id: str
    naam: str
    rol: Rol
    aanbieder_id: int | None
    gemeente_id: int | None
    scopes: frozenset[str] = field(default_factory=frozenset)
    aanbieder: Aanbieder | None = None
    id: None = None  # not a user account
    is_api_client: bool = True

    @classmethod
    def of(cls, client: ApiClient, scopes: frozenset[str]) -> ClientActor:
        """The actor of a client with the scopes its token carries."""
        rol = Rol.AANBIEDER_MEDEWERKER if client.aanbieder_id is not None else Rol.CONTRACTMANAGER
        return cls(client.id, client.client_id, client.naam, rol, client.aanbieder_id, client.gemeente_id,
                   scopes, client.aanbieder)

    @property
    def gemeente_ids(self) -> list[int]:
        """The one gemeente a gemeente's client works for (none for an aanbieder's client)."""
        return [self.gemeente_id] if self.gemeente_id is not None else []

    @property
    def is_authenticated(self) -> bool:
        return True
