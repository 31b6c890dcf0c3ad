"""The regie rules: pure functions that turn a case's figures and thresholds into signals, with the Dutch texts.

Deadlines, norms and attendance come from portal.domain, so a signal says what the case page, the totals and
the meldingen say. The explanation is written only when someone reads it (see Signaal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import IntEnum
from functools import lru_cache

from portal.access import REDEN_VERBORGEN
from portal.domain import aanwezigheid, normen, termijnen, trajecten
from portal.formatting import datum, procent, uren
from portal.models.enums import Onderdeel, VerwijzingStatus
from portal.services.signalen.drempels import Drempels, DrempelTabel
from portal.services.signalen.metrics import CaseCijfers, VerwijzingCijfers
from portal.services.validation import as_date

PIP_WAARSCHUWING_DAGEN = 14  # warn two weeks before the PIP deadline
MIN_DAGEN_VOOR_TEMPO = 28  # hours-behind-pace is noise in the first weeks of a traject


class Ernst(IntEnum):
    """How urgent a signal is; higher sorts first."""

    INFO = 1
    LET_OP = 2
    HOOG = 3

    @property
    def label(self) -> str:
        return {Ernst.INFO: "Ter informatie", Ernst.LET_OP: "Let op", Ernst.HOOG: "Actie nodig"}[self]


# code -> short title; also the choices of the overview's signal filter.
SIGNAAL_SOORTEN: dict[str, str] = {
    "pip_termijn": "PIP niet op tijd vastgesteld",
    "niet_gestart": "Verwijzing niet gestart",
    "late_start": "Later gestart dan beoogd",
    "aanwezigheid_laag": "Aanwezigheid onder de drempel",
    "geen_presentie": "Geen presentie geregistreerd",
    "uren_achter": "Uren achter op de norm",
    "termijn_einde": "Inburgeringstermijn eindigt, onderdelen open",
    "map_pvt_deadline": "Einddatum MAP/PVT nadert",
    "afschaling_wacht": "Afschalingsverzoek wacht op besluit",
    "examen_nieuw": "Nieuw examenresultaat",
    "omstandigheden": "Omstandigheden gewijzigd",
}


# The statuses on which a verwijzing can give a signal: open (every verwijzing rule but regel_niet_gestart first asks
# v.open, and regel_termijn_einde counts only open ones) or decided by its start registration (regel_niet_gestart).
# An afgeronde, uitgevallen or ingetrokken verwijzing never signals, so ordering a caseload by its signals need not
# read those (tests/services/test_signalen_statussen.py checks it against the rules).
SIGNALERENDE_STATUSSEN = tuple(s for s in VerwijzingStatus if s.is_open or s.follows_start)


@dataclass(frozen=True, slots=True)
class Signaal:
    """One reason for the klantregisseur to look at a case, with the numbers behind it in words.

    The explanation is written only when someone reads it: the overview decides and sorts on thousands
    of signals but shows a page of them, and Dutch number formatting is the costly part.
    """

    code: str
    titel: str
    tekst: Callable[[], str] = field(repr=False, compare=False)
    ernst: Ernst = Ernst.INFO
    verwijzing_id: int | None = None

    @property
    def uitleg(self) -> str:
        """Why this signal fires, with the numbers behind it."""
        return self.tekst()



def _dagen(n: int) -> str:
    return "1 dag" if n == 1 else f"{n} dagen"


def _weken(n: int) -> str:
    return "1 week" if n == 1 else f"{n} weken"


def _uur(value: Decimal | float | int) -> str:
    """Hours as every page shows them: to the quarter hour (portal.formatting.uren), 182,75 uur."""
    return f"{uren(value)} uur"


def regel_pip_termijn(case_: CaseCijfers, today: date) -> Signaal | None:
    """No PIP yet while the 10-week deadline has passed or is two weeks away."""
    if case_.pip_versies:
        return None
    uiterlijk = case_.pip_uiterlijk
    if uiterlijk is None:
        return None
    start = termijnen.pip_startmoment(case_.datum_kennisgeving, case_.datum_brp_inschrijving)
    assert start is not None
    bron = "inschrijving in de BRP" if start == case_.datum_brp_inschrijving and start != case_.datum_kennisgeving \
        else "kennisgeving van DUO"
    if uiterlijk < today:
        return Signaal(
            "pip_termijn", SIGNAAL_SOORTEN["pip_termijn"],
            lambda: (f"Er is nog geen PIP. De {bron} was op {datum(start)}; het PIP moest binnen "
                f"{termijnen.PIP_WEKEN} weken, uiterlijk op {datum(uiterlijk)}, zijn vastgesteld. "
                f"Dat is {_dagen((today - uiterlijk).days)} geleden."),
            Ernst.HOOG,
        )
    if (uiterlijk - today).days <= PIP_WAARSCHUWING_DAGEN:
        return Signaal(
            "pip_termijn", "PIP-termijn loopt af",
            lambda: (f"Er is nog geen PIP. De {bron} was op {datum(start)}; het PIP moet uiterlijk op "
                f"{datum(uiterlijk)} zijn vastgesteld, over {_dagen((uiterlijk - today).days)}."),
            Ernst.LET_OP,
        )
    return None


def _reden(tekst: str) -> str:
    """The provider's reason as a sentence; the figures already hold only what the reader may see
    (metrics.verwijzing_kolommen), so a hidden one says that a reason was given."""
    if tekst == REDEN_VERBORGEN:
        return "De aanbieder heeft een reden opgegeven (alleen zichtbaar voor de klantregisseur)."
    return f"Reden van de aanbieder: “{tekst}”."


def regel_niet_gestart(case_: CaseCijfers, v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """Not started N weeks after the beoogde startdatum, or reported as not started by the provider."""
    # The provider reported it did not start: the verwijzing is NIET_GESTART (or still open) until the
    # gemeente withdraws or ends it.
    if v.niet_gestart and v.status.follows_start:
        reden = f" {_reden(v.reden_niet_gestart)}" if v.reden_niet_gestart else ""
        return Signaal("niet_gestart", SIGNAAL_SOORTEN["niet_gestart"],
                       lambda: (f"De aanbieder meldt dat {v.omschrijving} niet is gestart (beoogde start "
                           f"{datum(v.beoogde_startdatum)}).{reden}"), Ernst.HOOG, v.id)
    if v.status is not VerwijzingStatus.VERWEZEN or v.gerealiseerde_startdatum or v.niet_gestart:
        return None
    te_laat = (today - v.beoogde_startdatum).days
    if te_laat < d.weken_niet_gestart * 7:
        return None
    return Signaal(
        "niet_gestart", SIGNAAL_SOORTEN["niet_gestart"],
        lambda: (f"{v.omschrijving} is {_weken(te_laat // 7)} ({_dagen(te_laat)}) na de beoogde startdatum "
            f"{datum(v.beoogde_startdatum)} nog niet gestart; de drempel is {_weken(d.weken_niet_gestart)}."),
        Ernst.HOOG, v.id,
    )


def regel_late_start(v: VerwijzingCijfers, d: Drempels) -> Signaal | None:
    """Started more than N days after the beoogde startdatum, with the provider's reason."""
    if not v.open or v.gerealiseerde_startdatum is None:
        return None
    if trajecten.op_tijd_gestart(v.beoogde_startdatum, v.gerealiseerde_startdatum, d.dagen_late_start):
        return None
    later = trajecten.dagen_later_gestart(v.beoogde_startdatum, v.gerealiseerde_startdatum)
    reden = _reden(v.reden_latere_start) if v.reden_latere_start else "De aanbieder heeft geen reden opgegeven."
    return Signaal(
        "late_start", SIGNAAL_SOORTEN["late_start"],
        lambda: (f"{v.omschrijving} is gestart op {datum(v.gerealiseerde_startdatum)}, {_dagen(later)} na de beoogde "
            f"startdatum {datum(v.beoogde_startdatum)} (drempel {_dagen(d.dagen_late_start)}). {reden}"),
        Ernst.INFO, v.id,
    )


def _actief(v: VerwijzingCijfers, today: date) -> bool:
    """A traject that has started, is not finished and has not passed its end date."""
    return trajecten.actief(v.open, v.gerealiseerde_startdatum, v.einddatum, v.afgerond_resultaat, today)


def regel_aanwezigheid(v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """Present hours / planned hours over the last four weeks below the threshold."""
    gepland = v.uren_aanwezig_4w + v.uren_geoorloofd_4w + v.uren_ongeoorloofd_4w
    if not v.open or gepland <= 0:
        return None
    pct = v.aanwezigheid_4w
    if not aanwezigheid.onder_drempel(pct, d.aanwezigheid_min_pct):
        return None
    vanaf = aanwezigheid.venster_start(today)
    return Signaal(
        "aanwezigheid_laag", SIGNAAL_SOORTEN["aanwezigheid_laag"],
        lambda: (f"{v.omschrijving}: aanwezig {_uur(v.uren_aanwezig_4w)} van {_uur(gepland)} geplande uren "
            f"({procent(pct)}) in de afgelopen 4 weken (vanaf {datum(vanaf)}); de drempel is "
            f"{d.aanwezigheid_min_pct}% ({d.aanwezigheid_bron}). Afwezig met reden {_uur(v.uren_geoorloofd_4w)}, "
            f"zonder reden {_uur(v.uren_ongeoorloofd_4w)}."),
        Ernst.HOOG if v.uren_ongeoorloofd_4w > 0 else Ernst.LET_OP, v.id,
    )


def regel_geen_presentie(v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """An active traject without any presence registered for N days."""
    if not _actief(v, today):
        return None
    if normen.praktijk_klaar(v.onderdeel, v.uren_aanwezig_totaal):
        # The practical hours are done; only the eindgesprek/ondertekening remains (its own deadline signal).
        return None
    assert v.gerealiseerde_startdatum is not None
    sinds = max(v.laatste_presentie or v.gerealiseerde_startdatum, v.gerealiseerde_startdatum)
    stil = (today - sinds).days
    if stil <= d.dagen_geen_presentie:
        return None
    wat = f"de laatste registratie op {datum(v.laatste_presentie)}" if v.laatste_presentie \
        else f"de start op {datum(v.gerealiseerde_startdatum)}"
    return Signaal(
        "geen_presentie", SIGNAAL_SOORTEN["geen_presentie"],
        lambda: (f"{v.omschrijving}: al {_dagen(stil)} geen presentie geregistreerd, sinds {wat}; de drempel is "
            f"{_dagen(d.dagen_geen_presentie)}."),
        Ernst.LET_OP, v.id,
    )


def uren_norm(case_: CaseCijfers, v: VerwijzingCijfers) -> tuple[Decimal, str] | None:
    """The hours a verwijzing should reach and where that number comes from (portal.domain.normen)."""
    return normen.doeluren(v.onderdeel, case_.doelgroep, case_.geschatte_intensiteit, v.gecontracteerde_uren,
                           case_.zroute_norm_gezinsmigrant)


def regel_uren_achter(case_: CaseCijfers, v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """Hours present lag the straight-line pace to the norm by more than the threshold percentage."""
    if not _actief(v, today):
        return None
    norm = uren_norm(case_, v)
    assert v.gerealiseerde_startdatum is not None
    duur = (v.einddatum - v.gerealiseerde_startdatum).days
    verstreken = (today - v.gerealiseerde_startdatum).days
    if norm is None or duur <= 0 or verstreken < MIN_DAGEN_VOOR_TEMPO:
        return None
    uren, bron = norm
    verwacht = uren * min(verstreken, duur) / duur
    if v.uren_aanwezig_totaal >= verwacht * (100 - d.uren_achterstand_pct) / 100:
        return None
    tempo = v.uren_aanwezig_totaal * 100 / verwacht
    return Signaal(
        "uren_achter", SIGNAAL_SOORTEN["uren_achter"],
        lambda: (f"{v.omschrijving}: na {_weken(verstreken // 7)} van {_weken(duur // 7)} hoort bij {_uur(uren)} "
            f"({bron}) een stand van {_uur(verwacht)}; gerealiseerd is {_uur(v.uren_aanwezig_totaal)} "
            f"({procent(tempo)} van het tempo). De drempel is {d.uren_achterstand_pct}% achterstand."),
        Ernst.LET_OP, v.id,
    )


@lru_cache(maxsize=64)
def _maanden_na(today: date, maanden: int) -> date:
    """`today` plus `maanden` months: the same for every case of a request, so worked out once."""
    return termijnen.add_months(today, maanden)


def regel_termijn_einde(case_: CaseCijfers, d: Drempels, today: date) -> Signaal | None:
    """The inburgeringstermijn ends within N months (or has ended) while onderdelen are still open."""
    einde = case_.termijn_einde
    if einde is None or einde > _maanden_na(today, d.maanden_termijn_einde):
        return None
    open_ = [v for v in case_.verwijzingen if v.open and not v.afgerond_resultaat]
    if not open_:
        return None
    namen = ", ".join(v.onderdeel.label for v in open_)
    wanneer = f"is op {datum(einde)} verstreken" if einde < today else \
        f"eindigt op {datum(einde)}, over {_dagen((einde - today).days)}"
    return Signaal(
        "termijn_einde", SIGNAAL_SOORTEN["termijn_einde"],
        lambda: (f"De inburgeringstermijn {wanneer}; de drempel is {d.maanden_termijn_einde} maanden. "
            f"Nog {len(open_)} {'onderdeel' if len(open_) == 1 else 'onderdelen'} open: {namen}."),
        Ernst.HOOG, None,
    )


def regel_map_pvt(v: VerwijzingCijfers, d: Drempels, today: date) -> Signaal | None:
    """A MAP or PVT without result whose end date is within N days or has passed."""
    if v.onderdeel not in (Onderdeel.MAP, Onderdeel.PVT) or not v.open or v.afgerond_resultaat:
        return None
    over = (v.einddatum - today).days
    if over > d.dagen_map_pvt_deadline:
        return None
    wat = "eindgesprek" if v.onderdeel is Onderdeel.MAP else "ondertekening van de participatieverklaring"
    wanneer = f"{_dagen(-over)} geleden verstreken" if over < 0 else f"over {_dagen(over)}"
    return Signaal(
        "map_pvt_deadline", SIGNAAL_SOORTEN["map_pvt_deadline"],
        lambda: (f"{v.omschrijving} moet uiterlijk op {datum(v.einddatum)} klaar zijn ({wanneer}; drempel "
            f"{_dagen(d.dagen_map_pvt_deadline)}). Het {wat} is nog niet geregistreerd."),
        Ernst.HOOG if over < 0 else Ernst.LET_OP, v.id,
    )


def regel_afschaling(case_: CaseCijfers, d: Drempels, today: date) -> Signaal | None:
    """Afschalingsverzoeken waiting for the klantregisseur's decision."""
    if not case_.afschaling_open or case_.afschaling_oudste is None:
        return None
    wacht = (today - as_date(case_.afschaling_oudste)).days  # type: ignore[operator]
    if wacht < d.dagen_afschaling_wachten:
        return None
    aantal = "1 afschalingsverzoek wacht" if case_.afschaling_open == 1 else \
        f"{case_.afschaling_open} afschalingsverzoeken wachten"
    oudste = case_.afschaling_oudste
    return Signaal(
        "afschaling_wacht", SIGNAAL_SOORTEN["afschaling_wacht"],
        lambda: f"{aantal} op uw besluit; ingediend op {datum(oudste)} ({_dagen(wacht)} geleden).",
        Ernst.HOOG, None,
    )


def regel_examen(case_: CaseCijfers, d: Drempels, today: date) -> Signaal | None:
    """An exam result registered in the last N days."""
    laatst = case_.examen_laatst_geregistreerd
    if laatst is None or (today - as_date(laatst)).days > d.dagen_nieuw:  # type: ignore[operator]
        return None
    aantal, geslaagd = case_.examens_aantal, case_.examens_geslaagd
    return Signaal(
        "examen_nieuw", SIGNAAL_SOORTEN["examen_nieuw"],
        lambda: (f"Examenresultaat geregistreerd op {datum(laatst)} (nieuw: minder dan {_dagen(d.dagen_nieuw)} oud). "
            f"In totaal {aantal} resultaten, waarvan {geslaagd} geslaagd."),
        Ernst.INFO, None,
    )


def regel_omstandigheden(case_: CaseCijfers, d: Drempels, today: date) -> Signaal | None:
    """Changed circumstances reported in the last N days."""
    laatst = case_.omstandigheden_laatst_gemeld
    if laatst is None or (today - as_date(laatst)).days > d.dagen_nieuw:  # type: ignore[operator]
        return None
    per, aantal = case_.omstandigheden_laatste_datum, case_.omstandigheden_aantal
    return Signaal(
        "omstandigheden", SIGNAAL_SOORTEN["omstandigheden"],
        lambda: (f"Een aanbieder meldde op {datum(laatst)} gewijzigde omstandigheden (per "
            f"{datum(per)}); {aantal} {'melding' if aantal == 1 else 'meldingen'} in totaal."),
        Ernst.LET_OP, None,
    )


def signalen_voor(case_: CaseCijfers, tabel: DrempelTabel, today: date) -> list[Signaal]:
    """Every signal of one case, most urgent first."""
    gemeente_id = case_.gemeente_id
    d = tabel.voor(gemeente_id)
    found = [s for s in (
        regel_pip_termijn(case_, today),
        regel_termijn_einde(case_, d, today),
        regel_afschaling(case_, d, today),
        regel_examen(case_, d, today),
        regel_omstandigheden(case_, d, today),
    ) if s is not None]
    for v in case_.verwijzingen:
        dv = tabel.voor(gemeente_id, v.contract_id)
        if (s := regel_niet_gestart(case_, v, dv, today)) is not None:
            found.append(s)
        if not v.open:
            # Every other rule of a verwijzing is about one still open (each checks v.open itself as well):
            # skipping them here only saves the calls for the many finished ones of a caseload.
            continue
        for s in (regel_late_start(v, dv), regel_map_pvt(v, dv, today)):
            if s is not None:
                found.append(s)
        if normen.inspanningsverplichting(v.onderdeel, case_.doelgroep):
            for s in (
                regel_aanwezigheid(v, dv, today),
                regel_geen_presentie(v, dv, today),
                regel_uren_achter(case_, v, dv, today),
            ):
                if s is not None:
                    found.append(s)
    if len(found) > 1:
        found.sort(key=_urgentste_eerst)
    return found


def _urgentste_eerst(s: Signaal) -> int:
    return -s.ernst
