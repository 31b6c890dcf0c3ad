"""Rows of the case page written once in Python: the timeline's entries (twenty to a hundred a page) and the weekly
attendance table (twelve weeks), where Jinja's loops read every attribute, called every filter and escaped every
value through its runtime (the timeline's loop was ~40% of the page's timeline render). Same markup as the template
loops they replace (portal/templates/inburgeraars/_tijdlijn.html, _aanwezigheid.html)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from markupsafe import Markup, escape

from portal.formatting import datum, datum_element, procent, uren
from portal.services.tijdlijn import Gebeurtenis, WeekPresentie


def tijdlijn_regels(gebeurtenissen: Iterable[Gebeurtenis], inburgeraar_id: int) -> Markup:
    """The <li> of every event, newest first, each with the whitespace the template's loop gave it."""
    parts = []
    for e in gebeurtenissen:
        verwijzing = f" · {escape(e.verwijzing)}" if e.verwijzing else ""
        paginas = ""
        if e.paginas:
            laatste = len(e.paginas) - 1
            links = "".join(
                f'<a class="utrecht-link" href="{escape(_pagina_url(inburgeraar_id, p))}#kop-tijdlijn">'
                f'tijdlijnpagina {p}</a>'
                + ("" if n == laatste else (" en " if n == laatste - 1 else ", "))
                for n, p in enumerate(e.paginas))
            paginas = f'\n            <p class="utrecht-paragraph">Die weken staan op {links}.</p>\n          '
        parts.append(
            f'\n        <li>\n          <p class="utrecht-paragraph">{datum_element(e.moment)} · <strong>'
            f'{escape(e.soort)}</strong>{verwijzing}</p>\n          <p class="utrecht-paragraph">'
            f'{escape(e.omschrijving)}</p>\n          {paginas}\n          <p class="utrecht-paragraph portal-hint">'
            f'Bron: {escape(e.bron)}</p>\n        </li>\n      ')
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped or already markup


def _pagina_url(inburgeraar_id: int, pagina: int) -> str:
    return url_for("inburgeraars.detail", inburgeraar_id=inburgeraar_id, tijdlijn=pagina)


def aanwezigheid_rijen(weken: Iterable[WeekPresentie]) -> Markup:
    """The <tr> of every week of the attendance table, each with the whitespace the template's loop gave it."""
    parts = []
    for w in weken:
        percentage = escape(procent(w.percentage)) if w.percentage is not None else "geen uren gepland"
        parts.append(
            f'\n            <tr>\n              <th scope="row">Week {w.weeknummer} '
            f'(vanaf {escape(datum(w.maandag))})</th>'
            f'\n              <td class="num">{escape(uren(w.aanwezig))}</td>'
            f'\n              <td class="num">{escape(uren(w.geoorloofd))}</td>'
            f'\n              <td class="num">{escape(uren(w.ongeoorloofd))}</td>'
            f'\n              <td class="num">{percentage}</td>\n            </tr>\n          ')
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped
