"""Exam levels: which level each exam part must be passed at, and whether a result meets it."""

from __future__ import annotations

from collections.abc import Iterable

from portal.models.enums import Leerroute, NiveauPip
from portal.models.resultaat import TAAL_EXAMENONDERDELEN, Examenniveau, Examenonderdeel

NIVEAU_RANG = {Examenniveau.A2: 1, Examenniveau.B1: 2, Examenniveau.B2: 3}


def vereist_niveau(
    leerroute: Leerroute | None, pip_niveau: NiveauPip | None, verlaagd: Iterable[Examenonderdeel] = ()
) -> dict[Examenonderdeel, Examenniveau]:
    """The level each exam part must be passed at: the PIP niveau, A2 for parts lowered by an approved
    afschalingsverzoek (DUO's PIP holds one niveau; the approved parts say which parts that change was for).

    Only the B1-route ends in exams; the onderwijsroute and Z-route have their own results (empty dict).
    """
    if leerroute is not Leerroute.B:
        return {}
    niveau = Examenniveau.A2 if pip_niveau is NiveauPip.A2 else Examenniveau.B1
    lager = set(verlaagd)
    vereist = {o: (Examenniveau.A2 if o in lager else niveau) for o in TAAL_EXAMENONDERDELEN}
    vereist[Examenonderdeel.KNM] = Examenniveau.A2  # KNM has one exam for everyone
    return vereist


def voldoet(behaald: Examenniveau | None, vereist: Examenniveau) -> bool:
    """Whether a result at `behaald` is at or above the required level; a result without a niveau (possible in
    DUO's data) proves no level."""
    return behaald is not None and NIVEAU_RANG[behaald] >= NIVEAU_RANG[vereist]
