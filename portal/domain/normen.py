"""Hour norms of the Wet inburgering 2021 per onderdeel and doelgroep (DOMAIN.md §3; Besluit 3.14, 5.5)."""

from __future__ import annotations

from decimal import Decimal

from portal.domain import afronding
from portal.models.enums import Doelgroep, Onderdeel

# Legal minimum hours: Z-route 800 h taal and 800 h participatie (asielstatushouders), the MAP's practical
# part at least 40 h, the PVT at least 12 h. Gezins- en overige migranten: Z-route taal only, to the gemeente's
# own norm (ZROUTE_TAAL_GEZINSMIGRANT_STANDAARD when it set none).
WETTELIJKE_NORMEN: dict[Onderdeel, int] = {
    Onderdeel.Z_ROUTE_TAAL: 800,
    Onderdeel.Z_ROUTE_PARTICIPATIE: 800,
    Onderdeel.MAP: 40,
    Onderdeel.PVT: 12,
}
NORM_LABELS: dict[Onderdeel, str] = {
    Onderdeel.MAP: "MAP praktijkdeel",
    Onderdeel.PVT: "PVT",
    Onderdeel.Z_ROUTE_TAAL: "Z-route taal",
    Onderdeel.Z_ROUTE_PARTICIPATIE: "Z-route participatie",
}
# Besluit art. 5.5 / 003 Bijlage B: afschalen to A2 only after at least 600 lesuren taalles+KNM.
AFSCHALING_MINIMUM_UREN = Decimal(600)


# 003 Bijlage B: gezins- en overige migranten may follow Z-route taal and maatschappelijke begeleiding (their
# Z-route hours go to DUO; MB is "niet uitgesloten"), but the law sets them no inspanningsverplichting towards the
# gemeente there (003 footnotes 14-16): their hours are shown against the norm, but no attendance or hour signals.
ZONDER_INSPANNINGSVERPLICHTING = frozenset({Onderdeel.Z_ROUTE_TAAL, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING})


def inspanningsverplichting(onderdeel: Onderdeel, doelgroep: Doelgroep) -> bool:
    """Whether the gemeente holds this inburgeraar to hours and attendance on this onderdeel."""
    return doelgroep is Doelgroep.ASIELSTATUSHOUDER or onderdeel not in ZONDER_INSPANNINGSVERPLICHTING


# 003 Bijlage B asks a "aparte urenverplichting" for the Z-route taal of gezins- en overige migranten without
# a number; the gemeente sets it (Gemeente.zroute_taal_norm_gezinsmigrant), this is the default.
ZROUTE_TAAL_GEZINSMIGRANT_STANDAARD = 800


def wettelijke_norm(onderdeel: Onderdeel, doelgroep: Doelgroep, zroute_gezinsmigrant: int | None) -> int | None:
    """The minimum hours of an onderdeel for this doelgroep, or None when the law sets none.

    `zroute_gezinsmigrant` is the inburgeraar's gemeente's Z-route taal norm for gezinsmigranten (None: default).
    """
    if doelgroep is not Doelgroep.ASIELSTATUSHOUDER:
        if onderdeel is Onderdeel.Z_ROUTE_PARTICIPATIE:
            return None  # gezins- en overige migranten: Z-route taal only
        if onderdeel is Onderdeel.Z_ROUTE_TAAL:
            return zroute_gezinsmigrant or ZROUTE_TAAL_GEZINSMIGRANT_STANDAARD
    return WETTELIJKE_NORMEN.get(onderdeel)


def doeluren(
    onderdeel: Onderdeel, doelgroep: Doelgroep, geschatte_intensiteit: int | None,
    gecontracteerde_uren: Decimal | None, zroute_gezinsmigrant: int | None,
) -> tuple[Decimal, str] | None:
    """The hours a verwijzing should reach and where that number comes from: the legal norm, else for the
    B1-route the PIP's geschatte intensiteit, else the contracted hours; None when nothing says."""
    norm = wettelijke_norm(onderdeel, doelgroep, zroute_gezinsmigrant)
    if norm is not None:
        return Decimal(norm), f"norm {onderdeel.label}"
    if onderdeel is Onderdeel.B1_ROUTE and geschatte_intensiteit:
        return Decimal(geschatte_intensiteit), "geschatte intensiteit in het PIP"
    if gecontracteerde_uren:
        return Decimal(gecontracteerde_uren), "gecontracteerde uren"
    return None


def praktijk_klaar(onderdeel: Onderdeel, uren_aanwezig: Decimal) -> bool:
    """MAP or PVT with its legal hours reached: only the eindgesprek or ondertekening remains, so no more
    presence is expected (the 'geen presentie' signal and the aanleverdiscipline KPI skip it)."""
    return onderdeel in (Onderdeel.MAP, Onderdeel.PVT) and uren_aanwezig >= WETTELIJKE_NORMEN[onderdeel]


def uren_tekort_afschaling(taalles_uren: Decimal) -> Decimal:
    """Taalles+KNM hours still missing before an afschalingsverzoek is possible (0 when none)."""
    return max(Decimal(0), AFSCHALING_MINIMUM_UREN - taalles_uren)


def aandeel(uren: Decimal, norm: Decimal | int) -> Decimal:
    """Percent of a norm reached (portal.domain.afronding: one decimal, half up, as every percentage); past the
    norm it reads past 100, as the KPI's urenrealisatie does (the progress bar stops at its maximum); 0 without a
    norm."""
    return afronding.percentage(uren, norm) or Decimal(0)
