"""Server-rendered SVG charts: readable without colour (patterns and labels) and with a text alternative.

The chart is an image named by its short <title> only; the summary in words is the figure's visible <figcaption>
and the figures are in the table below it. The SVG carries no <desc>: a screen reader would read the summary as
the image's name or description and then again as the caption.

No JavaScript and no inline styles (the CSP forbids them): shapes carry presentation attributes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from markupsafe import Markup

from portal.domain import afronding
from portal.formatting import datum, getal, procent, uren
from portal.services.tijdlijn import WeekPresentie

WIDTH = 720
HEIGHT = 260
MARGIN_LEFT = 48
MARGIN_RIGHT = 12
MARGIN_TOP = 16
MARGIN_BOTTOM = 64
# Text in viewBox units; the chart is never drawn narrower than 40rem (it scrolls inside its region instead),
# so on screen the text stays at least 12 px.
FONT = 14


@dataclass(frozen=True)
class Reeks:
    """One stacked series: what it is and how it is drawn (fill pattern, not colour alone)."""

    key: str
    label: str
    pattern: str


REEKSEN = (
    Reeks("aanwezig", "Aanwezig", "solid"),
    Reeks("geoorloofd", "Afwezig met reden", "hatch"),
    Reeks("ongeoorloofd", "Afwezig zonder reden", "cross"),
)


def _nice_max(value: Decimal) -> int:
    """A round top for the y axis so the gridlines fall on whole hours."""
    top = max(int(value) + 1, 4)
    step = 2 if top <= 10 else 5 if top <= 25 else 10
    return -(-top // step) * step


def _defs(prefix: str) -> str:
    # Three fills that differ in pattern and in lightness, so they survive greyscale and colour blindness.
    return (
        "<defs>"
        f'<pattern id="{prefix}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#5a5a5a" stroke-width="3"/></pattern>'
        f'<pattern id="{prefix}-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        '<path d="M0 0L6 6M6 0L0 6" stroke="#000000" stroke-width="1.5"/></pattern>'
        "</defs>"
    )


def _fill(reeks: Reeks, prefix: str) -> str:
    return "#154273" if reeks.pattern == "solid" else f"url(#{prefix}-{reeks.pattern})"


def beschrijving(weken: Sequence[WeekPresentie]) -> str:
    """A one-paragraph summary of the chart, shown in words in the figure's caption."""
    if not weken:
        return "Geen weken om te tonen."
    aanwezig = sum((w.aanwezig for w in weken), Decimal(0))
    gepland = sum((w.gepland for w in weken), Decimal(0))
    zonder = [w for w in weken if w.gepland == 0]
    percentage = afronding.percentage(aanwezig, gepland)
    pct = f" ({procent(percentage)})" if percentage is not None else ""
    return (
        f"Presentie per week, week {weken[0].weeknummer} (vanaf {datum(weken[0].maandag)}) tot en met week "
        f"{weken[-1].weeknummer}: "
        f"{uren(aanwezig)} van {uren(gepland)} geplande uren aanwezig{pct}. "
        f"{len(zonder)} van de {len(weken)} weken zonder geplande uren."
    )


def aanwezigheid_svg(weken: Sequence[WeekPresentie], *, prefix: str = "aanwezigheid") -> Markup:
    """Stacked weekly bars: present (solid), absent with reason (hatched), absent without reason (crossed).
    The summary in words is not drawn: the caller shows beschrijving(weken) as the figure's caption, once."""
    top = _nice_max(max((w.gepland for w in weken), default=Decimal(0)))
    parts = [_kop(prefix), _raster(prefix, top)]
    y_onder = MARGIN_TOP + PLOT_H
    bar_w, kolommen = _kolommen(len(weken))
    vullingen = _vullingen(prefix)
    for week, (x, midden) in zip(weken, kolommen, strict=True):
        y_base = y_onder
        for reeks, fill, naam in vullingen:
            value = getattr(week, reeks.key)
            if value <= 0:
                continue
            h = PLOT_H * float(value) / top
            y_base -= h
            parts.append(
                f'<rect x="{x}" y="{y_base:.1f}" width="{bar_w}" height="{h:.1f}" '
                f'fill="{fill}" stroke="#000000" stroke-width="1">'
                f"<title>Week {week.weeknummer}: {naam} {uren(value)} uur</title></rect>"
            )
        # The same one decimal as the table below the chart and every other attendance figure: one rounding.
        label = procent(week.percentage) if week.percentage is not None else "–"
        parts.append(f'<text x="{midden}" y="{max(y_base - 4, MARGIN_TOP + 8):.1f}" '
                     f'text-anchor="middle" font-size="{FONT}" fill="#000000">{label}</text>')
        parts.append(f'<text x="{midden}" y="{y_onder + 14:.1f}" text-anchor="middle" '
                     f'font-size="{FONT}" fill="#333333">wk {week.weeknummer}</text>')
    parts.append(_legenda(prefix))
    return Markup("".join(parts))  # noqa: S704 - built from numbers and escaped text only


# What does not depend on the hours is built once per prefix, y-axis top or number of weeks: a case page drew the
# same gridlines, legend and bar positions for every case, formatting each coordinate anew.
PLOT_W = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
PLOT_H = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM


@lru_cache(maxsize=32)
def _kop(prefix: str) -> str:
    """The opening of the chart and its name: the <title>, whose id the figure around it is labelled by."""
    # Named by the <title> child: with aria-labelledby instead, Chromium also exposes the title as the description.
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
            'role="img" focusable="false">'
            f'<title id="{prefix}-titel">Aanwezigheid per week</title>')


@lru_cache(maxsize=256)
def _raster(prefix: str, top: int) -> str:
    """After the title: the fill patterns, the gridlines with their hours and the axis title."""
    parts = [_defs(prefix)]
    for n in range(5):
        value = top * n / 4
        y = MARGIN_TOP + PLOT_H - PLOT_H * n / 4
        parts.append(f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
                     'stroke="#c8c8c8" stroke-width="1"/>')
        parts.append(f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="{FONT}" '
                     f'fill="#333333">{getal(value, 1)}</text>')
    parts.append(f'<text x="12" y="{MARGIN_TOP + PLOT_H / 2:.1f}" font-size="{FONT}" fill="#333333" '
                 f'transform="rotate(-90 12 {MARGIN_TOP + PLOT_H / 2:.1f})" text-anchor="middle">uren</text>')
    return "".join(parts)


@lru_cache(maxsize=64)
def _kolommen(aantal: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The bar width and, per week, the bar's left edge and its middle (for the labels)."""
    slot = PLOT_W / max(aantal, 1)
    bar_w = slot * 0.6
    kolommen = []
    for i in range(aantal):
        x = MARGIN_LEFT + slot * i + (slot - bar_w) / 2
        kolommen.append((f"{x:.1f}", f"{x + bar_w / 2:.1f}"))
    return f"{bar_w:.1f}", tuple(kolommen)


@lru_cache(maxsize=32)
def _vullingen(prefix: str) -> tuple[tuple[Reeks, str, str], ...]:
    """Per series, bottom up: the series, its fill and its name in a bar's title."""
    return tuple((reeks, _fill(reeks, prefix), reeks.label.lower()) for reeks in REEKSEN)


@lru_cache(maxsize=32)
def _legenda(prefix: str) -> str:
    """The legend (a swatch with the same pattern plus the words) and the chart's end."""
    legend_y = HEIGHT - 22
    x = MARGIN_LEFT
    parts = []
    for reeks in REEKSEN:
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="14" height="14" fill="{_fill(reeks, prefix)}" '
                     'stroke="#000000" stroke-width="1"/>')
        parts.append(f'<text x="{x + 20}" y="{legend_y + 1}" font-size="{FONT}" fill="#000000">{reeks.label}</text>')
        x += 30 + 8 * len(reeks.label)
    parts.append("</svg>")
    return "".join(parts)
