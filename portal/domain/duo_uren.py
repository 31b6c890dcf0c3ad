"""DUO's GevolgdeUren: which presentie counts towards which of DUO's three running totals, and how it is sent.

One definition for the case page, the DUO berichten, the verhuizing dossier and the CBS file
(GevolgdeUren.openapi.yml, rev 2026-03-30; Besluit art. 3.14):
* bredeintake/taallesknm: taalles and KNM during the brede intake at the gemeente;
* participatieactiviteiten: participatieactiviteiten for the Z-route of an asielstatushouder, including
  maatschappelijke begeleiding and participation during the brede intake;
* participatietaalles: taalles and KNM at the cursusinstelling in the leerroute; brede-intake hours do not count.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from portal.models.enums import Doelgroep
from portal.models.traject import Activiteit

DUO_MAX = 9999  # DUO's GevolgdeUren are whole numbers 0–9999


class DuoUrenSoort(enum.StrEnum):
    """One of DUO's three counters; the value is the last part of its PUT path."""

    BREDE_INTAKE = "bredeintake/taallesknm"
    PARTICIPATIEACTIVITEITEN = "participatieactiviteiten"
    PARTICIPATIETAALLES = "participatietaalles"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS: dict[DuoUrenSoort, str] = {
    DuoUrenSoort.PARTICIPATIETAALLES: "Taalles en KNM bij de cursusinstelling",
    DuoUrenSoort.BREDE_INTAKE: "Taalles en KNM tijdens de brede intake",
    DuoUrenSoort.PARTICIPATIEACTIVITEITEN: "Participatieactiviteiten (met maatschappelijke begeleiding)",
}

# Which activities count towards which counter (an activity counts towards at most one).
ACTIVITEITEN: dict[DuoUrenSoort, tuple[Activiteit, ...]] = {
    DuoUrenSoort.PARTICIPATIETAALLES: (Activiteit.TAALLES_KNM,),
    DuoUrenSoort.BREDE_INTAKE: (Activiteit.BREDE_INTAKE,),
    DuoUrenSoort.PARTICIPATIEACTIVITEITEN: (Activiteit.PARTICIPATIE, Activiteit.MAATSCHAPPELIJKE_BEGELEIDING),
}


def soort_van(activiteit: Activiteit) -> DuoUrenSoort | None:
    """The counter an activity counts towards, or None (MAP and PVT hours are not sent as GevolgdeUren)."""
    for soort, activiteiten in ACTIVITEITEN.items():
        if activiteit in activiteiten:
            return soort
    return None


def tellers(per_activiteit: dict[Activiteit, Decimal]) -> dict[DuoUrenSoort, Decimal]:
    """The three counters from hours present per activity."""
    return {
        soort: sum((per_activiteit.get(a, Decimal(0)) for a in activiteiten), Decimal(0))
        for soort, activiteiten in ACTIVITEITEN.items()
    }


def gemeld_aan_duo(soort: DuoUrenSoort, doelgroep: Doelgroep) -> bool:
    """Whether DUO takes this counter for this doelgroep: participatieactiviteiten are for asielstatushouders."""
    return soort is not DuoUrenSoort.PARTICIPATIEACTIVITEITEN or doelgroep is Doelgroep.ASIELSTATUSHOUDER


def duo_waarde(uren: Decimal) -> int:
    """Whole hours as DUO takes them: quarter hours rounded down, capped at DUO's maximum."""
    return max(0, min(DUO_MAX, int(uren)))
