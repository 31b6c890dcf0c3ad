"""The KPI bar chart names itself once and describes its figures once, for a screen reader."""

from __future__ import annotations

import re
from decimal import Decimal

from portal.staafdiagram import Staaf, svg


def test_chart_is_named_by_its_title_and_described_once_by_its_figures():
    staven = [Staaf("Tijdig gestart", Decimal("66.7"), streef=80), Staaf("Onbekend", None, "te weinig gegevens (3)")]
    chart = str(svg("Tijdige start", staven, ident="grafiek-tijdig"))
    assert 'role="img" aria-describedby="grafiek-tijdig-desc"' in chart and "aria-labelledby" not in chart
    assert '<title id="grafiek-tijdig-titel">Tijdige start</title>' in chart
    desc = re.search(r'<desc id="grafiek-tijdig-desc">([^<]*)</desc>', chart).group(1)
    assert desc == "Tijdig gestart: 66,7% (streefwaarde 80%); Onbekend: te weinig gegevens (3)."
    assert chart.count("Tijdige start") == 1  # the title is the name; the description does not repeat it
    assert re.search(r"<desc[^>]*>Geen gegevens\.</desc>", str(svg("Leeg", [], ident="leeg")))
