"""Enumerations of the Wet inburgering 2021 and DUO's M2M interface (values as DUO spells them)."""

from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a Dutch label for the UI."""

    label: str

    def __new__(cls, value: str, label: str | None = None) -> LabelledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for select fields."""
        return [(m.value, m.label) for m in cls]


class Rol(LabelledEnum):
    """The five roles of the portal (DOMAIN.md §2)."""

    AANBIEDER_MEDEWERKER = "aanbieder_medewerker", "Aanbieder-medewerker"
    AANBIEDER_BEHEERDER = "aanbieder_beheerder", "Aanbieder-beheerder"
    KLANTREGISSEUR = "klantregisseur", "Klantregisseur"
    CONTRACTMANAGER = "contractmanager", "Contractmanager"
    FUNCTIONEEL_BEHEERDER = "functioneel_beheerder", "Functioneel beheerder"

    @property
    def is_aanbieder(self) -> bool:
        """True for roles that belong to an aanbieder organisation."""
        return self in (Rol.AANBIEDER_MEDEWERKER, Rol.AANBIEDER_BEHEERDER)


AANBIEDER_ROLLEN = (Rol.AANBIEDER_MEDEWERKER, Rol.AANBIEDER_BEHEERDER)
GEMEENTE_ROLLEN = (Rol.KLANTREGISSEUR, Rol.CONTRACTMANAGER, Rol.FUNCTIONEEL_BEHEERDER)


class AanbiederSoort(LabelledEnum):
    """Kind of provider organisation."""

    TAAL = "taal", "Taalaanbieder"
    MAP_PVT = "map_pvt", "MAP/PVT-aanbieder"
    MAATSCHAPPELIJKE_BEGELEIDING = "maatschappelijke_begeleiding", "Maatschappelijke begeleiding"
    OVERIG = "overig", "Overig"


class Doelgroep(LabelledEnum):
    """DUO's Doelgroep."""

    ASIELSTATUSHOUDER = "Asielstatushouder", "Asielstatushouder"
    GEZINSMIGRANT_OVERIG = "Gezinsmigrant en overige migrant", "Gezinsmigrant en overige migrant"


class Leerroute(LabelledEnum):
    """DUO's Leerroute: B1-route, onderwijsroute, zelfredzaamheidsroute."""

    B = "B", "B1-route"
    O = "O", "Onderwijsroute"  # noqa: E741 - DUO's own code
    Z = "Z", "Z-route"


class NiveauPip(LabelledEnum):
    """DUO's NiveauPip: minimum level of the language exam parts."""

    A2 = "A2", "A2"
    B1 = "B1", "B1"


class IndicatorAlfabetisering(LabelledEnum):
    """DUO's indicatorAlfabetiseringsonderwijs (PIP and Inburgeringsaanbod)."""

    A = "A", "A: analfabeet"
    AA = "AA", "AA: anders gealfabetiseerd"
    NVT = "NVT", "Niet van toepassing"


class Onderdeel(LabelledEnum):
    """What an inburgeraar can be referred to an aanbieder for."""

    B1_ROUTE = "b1_route", "B1-route (taalcursus)"
    ONDERWIJSROUTE = "onderwijsroute", "Onderwijsroute / taalschakeltraject"
    Z_ROUTE_TAAL = "z_route_taal", "Z-route taal"
    Z_ROUTE_PARTICIPATIE = "z_route_participatie", "Z-route participatie"
    MAP = "map", "Module Arbeidsmarkt en Participatie (MAP)"
    PVT = "pvt", "Participatieverklaringstraject (PVT)"
    MAATSCHAPPELIJKE_BEGELEIDING = "maatschappelijke_begeleiding", "Maatschappelijke begeleiding"


class VerwijzingStatus(LabelledEnum):
    """Where a verwijzing stands."""

    VERWEZEN = "verwezen", "Verwezen"
    GESTART = "gestart", "Gestart"
    NIET_GESTART = "niet_gestart", "Niet gestart"
    AFGEROND = "afgerond", "Afgerond"
    UITGEVALLEN = "uitgevallen", "Uitgevallen"
    INGETROKKEN = "ingetrokken", "Ingetrokken"

    @property
    def is_open(self) -> bool:
        """Still to be delivered: referred or running. Signals, templates, results and billing count these."""
        return self in OPEN_STATUSSEN

    @property
    def accepts_registrations(self) -> bool:
        """The provider may still report on it (progress, circumstances, start, results, corrections):
        everything but a withdrawn verwijzing, which is no longer the provider's."""
        return self is not VerwijzingStatus.INGETROKKEN

    @property
    def accepts_presentie(self) -> bool:
        """Sessions can be registered on it: not withdrawn and not reported as never started."""
        return self not in (VerwijzingStatus.INGETROKKEN, VerwijzingStatus.NIET_GESTART)

    @property
    def follows_start(self) -> bool:
        """A start registration sets the status (GESTART / NIET_GESTART); a finished traject keeps its own."""
        return self in (VerwijzingStatus.VERWEZEN, VerwijzingStatus.GESTART, VerwijzingStatus.NIET_GESTART)


# The open statuses as a tuple for SQL filters (`Verwijzing.status.in_(OPEN_STATUSSEN)`).
OPEN_STATUSSEN = (VerwijzingStatus.VERWEZEN, VerwijzingStatus.GESTART)
# Statuses that take no presentie, for SQL filters (the grid's rows).
GEEN_PRESENTIE_STATUSSEN = tuple(s for s in VerwijzingStatus if not s.accepts_presentie)


class Inkoopvorm(LabelledEnum):
    """How the gemeente bought the contract (000 §2.3)."""

    AANBESTEDING = "aanbesteding", "Aanbesteding (overheidsopdracht)"
    OPEN_HOUSE = "open_house", "Open House"
    SUBSIDIE = "subsidie", "Subsidie"
    INBESTEDING = "inbesteding", "Inbesteding"
    QUASI_INBESTEDING = "quasi_inbesteding", "Quasi-inbesteding (gemeenschappelijke regeling)"


class Declaratieperiode(LabelledEnum):
    """How often the aanbieder declares under a contract."""

    MAAND = "maand", "Per maand"
    KWARTAAL = "kwartaal", "Per kwartaal"
