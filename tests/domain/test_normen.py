"""Hour norms per onderdeel and doelgroep, and the afschaling threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.domain import normen
from portal.models.enums import Doelgroep, Onderdeel

ASIEL, GEZIN = Doelgroep.ASIELSTATUSHOUDER, Doelgroep.GEZINSMIGRANT_OVERIG


@pytest.mark.parametrize("onderdeel, doelgroep, norm", [
    (Onderdeel.Z_ROUTE_TAAL, ASIEL, 800),
    (Onderdeel.Z_ROUTE_TAAL, GEZIN, 800),
    (Onderdeel.Z_ROUTE_PARTICIPATIE, ASIEL, 800),
    (Onderdeel.Z_ROUTE_PARTICIPATIE, GEZIN, None),  # gezins- en overige migranten: only 800 h taal
    (Onderdeel.MAP, ASIEL, 40),
    (Onderdeel.MAP, GEZIN, 40),
    (Onderdeel.PVT, GEZIN, 12),
    (Onderdeel.B1_ROUTE, ASIEL, None),  # the B1-route has no legal hour norm
    (Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING, ASIEL, None),
])
def test_legal_hour_norms_per_onderdeel_and_doelgroep(onderdeel, doelgroep, norm):
    assert normen.wettelijke_norm(onderdeel, doelgroep, None) == norm


def test_target_hours_are_the_norm_else_the_pip_intensity_else_the_contracted_hours():
    assert normen.doeluren(Onderdeel.PVT, ASIEL, 1200, Decimal(20), None) == (
        Decimal(12), "norm " + Onderdeel.PVT.label)
    assert normen.doeluren(Onderdeel.B1_ROUTE, ASIEL, 1200, Decimal(600), None) == (
        Decimal(1200), "geschatte intensiteit in het PIP")
    assert normen.doeluren(Onderdeel.B1_ROUTE, ASIEL, None, Decimal(600), None) == (
        Decimal(600), "gecontracteerde uren")
    assert normen.doeluren(Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING, ASIEL, None, None, None) is None


def test_afschaling_needs_600_hours_of_taalles():
    assert normen.uren_tekort_afschaling(Decimal("597.5")) == Decimal("2.5")
    assert normen.uren_tekort_afschaling(Decimal(600)) == 0
    assert normen.uren_tekort_afschaling(Decimal(900)) == 0


def test_share_of_a_norm_reads_past_100_percent_beyond_the_norm():
    assert normen.aandeel(Decimal(20), 40) == 50
    # 22,75 of 40 hours is 56,875%: one decimal half up like every percentage, never truncated to 56.
    assert normen.aandeel(Decimal("22.75"), 40) == Decimal("56.9")
    # 50,25 of 40 hours is 125,6%, as the KPI's urenrealisatie computes it; "(100%)" would not be true.
    assert normen.aandeel(Decimal("50.25"), 40) == Decimal("125.6")
    assert normen.aandeel(Decimal(5), 0) == 0
