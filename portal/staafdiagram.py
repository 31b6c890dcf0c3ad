"""Horizontal bar charts of percentages, server-rendered SVG for the KPI pages.

Readable without colour: every bar carries its value as text, a target is a dashed line named in words, and a
share over too few cases is written out instead of drawn. Text is 14 units in a 360-unit-wide
viewBox, so at the narrowest screen (about 320 px of chart) it still renders at 12 px or more.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from portal.formatting import procent

WIDTH = 360
LEFT = 4
RIGHT = 56  # room for the value text after a full bar
ROW = 48
LINE = 18
FONT = 14
WRAP = 40


@dataclass(frozen=True)
class Staaf:
    """One bar: a label, a percentage (None: not shown) and the words that replace a missing bar."""

    label: str
    percentage: Decimal | None
    tekst: str = ""  # e.g. "te weinig gegevens (3)"; shown when percentage is None
    streef: int | None = None


def beschrijving(staven: Sequence[Staaf]) -> str:
    """The chart's figures in words, for its <desc>: the description, next to the name its <title> gives."""
    parts = []
    for s in staven:
        waarde = procent(s.percentage) if s.percentage is not None else (s.tekst or "geen gegevens")
        streef = f" (streefwaarde {s.streef}%)" if s.streef is not None else ""
        parts.append(f"{s.label}: {waarde}{streef}")
    return "; ".join(parts) + "." if parts else "Geen gegevens."


def svg(titel: str, staven: Sequence[Staaf], *, ident: str) -> Markup:
    """A bar per row, 0-100%; the same data is in the table next to it.

    Named once by its <title> (the figure around it is labelled by that title's id) and described once by its
    <desc>; the title is not repeated in the description, and the figure's caption says how to read the bars."""
    plot_w = WIDTH - LEFT - RIGHT
    rows = [(s, textwrap.wrap(s.label, WRAP) or [""]) for s in staven]
    height = sum(len(lines) * LINE + ROW - LINE for _, lines in rows) + 8
    title_id, desc_id = f"{ident}-titel", f"{ident}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-kpi-chart" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-describedby="{desc_id}" focusable="false">',
        f'<title id="{title_id}">{escape(titel)}</title>',
        f'<desc id="{desc_id}">{escape(beschrijving(staven))}</desc>',
    ]
    y = 4
    for staaf, lines in rows:
        for line in lines:
            y += LINE
            out.append(f'<text x="{LEFT}" y="{y}" font-size="{FONT}" fill="#000000">{escape(line)}</text>')
        bar_y = y + 6
        # The 0-100% track: a thin outline, so an empty bar still reads as 0.
        out.append(f'<rect x="{LEFT}" y="{bar_y}" width="{plot_w}" height="14" fill="#ffffff" '
                   'stroke="#6b6b6b" stroke-width="1"/>')
        if staaf.percentage is not None:
            w = plot_w * float(min(staaf.percentage, Decimal(100))) / 100
            out.append(f'<rect x="{LEFT}" y="{bar_y}" width="{w:.1f}" height="14" fill="#154273"/>')
            out.append(f'<text x="{LEFT + plot_w + 4}" y="{bar_y + 12}" font-size="{FONT}" fill="#000000">'
                       f'{procent(staaf.percentage)}</text>')
        else:
            out.append(f'<text x="{LEFT + 6}" y="{bar_y + 12}" font-size="{FONT}" fill="#000000">'
                       f'{escape(staaf.tekst or "geen gegevens")}</text>')
        if staaf.streef is not None:
            x = LEFT + plot_w * staaf.streef / 100
            out.append(f'<line x1="{x:.1f}" y1="{bar_y - 4}" x2="{x:.1f}" y2="{bar_y + 18}" stroke="#b0201a" '
                       'stroke-width="2" stroke-dasharray="4 2"/>')
        y = bar_y + 14 + (ROW - LINE - 14) - 6
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - numbers and escaped text only
