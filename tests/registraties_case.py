"""A small world for the registration tests: one inburgeraar referred to two providers, and gemeente staff.

Loaded as a pytest plugin by tests/conftest.py: the fixtures `case` (that world) and `log` (the domain
events emitted) are there for every test; a module may define its own `case` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal import events
from portal.events import DomainEvent
from portal.models import Gemeente, Inburgeraar, Pip, User, Verwijzing
from portal.models.enums import AanbiederSoort, Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date.today()
START = TODAY - timedelta(days=300)


@dataclass
class Case:
    """Taalaanbieder A runs the B1-route, aanbieder B the MAP, for the same inburgeraar."""

    gemeente: Gemeente
    inburgeraar: Inburgeraar
    pip: Pip
    b1: Verwijzing
    map: Verwijzing
    aanbieder_a: User
    aanbieder_b: User
    klantregisseur: User
    andere_klantregisseur: User
    contractmanager: User

    def verwijzing(self, onderdeel: Onderdeel, **kwargs) -> Verwijzing:
        """Another verwijzing of this inburgeraar to aanbieder A's organisation."""
        contract = ContractFactory(aanbieder=self.aanbieder_a.aanbieder, gemeenten=[self.gemeente],
                                   startdatum=START - timedelta(days=400))
        kwargs.setdefault("beoogde_startdatum", START)
        return VerwijzingFactory(inburgeraar=self.inburgeraar, contract=contract, onderdeel=onderdeel,
                                 status=VerwijzingStatus.GESTART, **kwargs)


def make_case() -> Case:
    """Build the world; the PIP is the first version, B1-route at B1, dated before the traject started."""
    gemeente = GemeenteFactory()
    klantregisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    inburgeraar = InburgeraarFactory(gemeente=gemeente, klantregisseur=klantregisseur,
                                     datum_kennisgeving=START - timedelta(days=120))
    pip = PipFactory(inburgeraar=inburgeraar, dagtekening=START - timedelta(days=30), leerroute=Leerroute.B,
                     niveau=NiveauPip.B1)
    contract_a = ContractFactory(gemeenten=[gemeente], startdatum=START - timedelta(days=400))
    contract_b = ContractFactory(aanbieder=AanbiederFactory(soort=AanbiederSoort.MAP_PVT), gemeenten=[gemeente],
                                 startdatum=START - timedelta(days=400))
    b1 = VerwijzingFactory(inburgeraar=inburgeraar, contract=contract_a, onderdeel=Onderdeel.B1_ROUTE,
                           beoogde_startdatum=START, status=VerwijzingStatus.GESTART)
    map_verwijzing = VerwijzingFactory(inburgeraar=inburgeraar, contract=contract_b, onderdeel=Onderdeel.MAP,
                                       beoogde_startdatum=START, status=VerwijzingStatus.GESTART)
    contractmanager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    return Case(
        gemeente=gemeente,
        inburgeraar=inburgeraar,
        pip=pip,
        b1=b1,
        map=map_verwijzing,
        aanbieder_a=UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract_a.aanbieder),
        aanbieder_b=UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=contract_b.aanbieder),
        klantregisseur=klantregisseur,
        andere_klantregisseur=UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente]),
        contractmanager=contractmanager,
    )


def add_lesuren(verwijzing: Verwijzing, uren: Decimal | int) -> None:
    """Register taalles+KNM presence on the verwijzing, eight hours a day on past days (the last day the rest)."""
    remaining = Decimal(uren)
    day = TODAY - timedelta(days=1)
    while remaining > 0:
        chunk = min(Decimal(8), remaining)
        PresentieFactory(verwijzing=verwijzing, datum=day, uren_aanwezig=chunk)
        remaining -= chunk
        day -= timedelta(days=1)


class EventLog(list[DomainEvent]):
    """Collects the domain events emitted during a test (install with monkeypatch on events._listeners)."""

    def __call__(self, _session, event: DomainEvent) -> None:
        self.append(event)

    def kinds(self) -> list[str]:
        return [e.kind for e in self]


@pytest.fixture
def case(db) -> Case:
    """The registration world of make_case()."""
    return make_case()


@pytest.fixture
def log(monkeypatch) -> EventLog:
    """The domain events emitted during the test."""
    collected = EventLog()
    monkeypatch.setattr(events, "_listeners", [collected])
    return collected
