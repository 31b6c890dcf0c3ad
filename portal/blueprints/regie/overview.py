"""Reading the overview's query string into filters, and sorting and paging the signalled caseload."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.blueprints.listing import choice_arg, int_arg
from portal.models import User
from portal.models.enums import Doelgroep, Leerroute, Rol
from portal.services.overzichten import GEEN_PIP_KEUZES
from portal.services.signalen import SIGNAAL_SOORTEN, CaseCijfers, Filters, actie_nodig

LEERROUTE_KEUZES = {**Leerroute._value2member_map_, **dict(GEEN_PIP_KEUZES)}  # a leerroute, or no PIP in force


def _naam(c: CaseCijfers) -> tuple[str, str, int]:
    return (c.achternaam.lower(), c.voornamen.lower(), c.id)


def _signaalvolgorde(hoogste_ernst: int, aantal: int, c: CaseCijfers) -> tuple[Any, ...]:
    """The signal order: most urgent first, then most signals, then by name (worked out or kept, the same)."""
    return (-hoogste_ernst, -aantal, *_naam(c))


SORTS: dict[str, Callable[[CaseCijfers], Any]] = {
    # "Signalen" ascending means most urgent first: that is what a klantregisseur opens the page for.
    "signalen": lambda c: _signaalvolgorde(c.hoogste_ernst, len(c.signalen), c),
    "naam": _naam,
    "gemeente": lambda c: (c.gemeente_naam.lower(), *_naam(c)),
    "leerroute": lambda c: (c.leerroute.value if c.leerroute else "~", *_naam(c)),
    "termijn": lambda c: (c.termijn_einde or date.max, *_naam(c)),
    "klantregisseur": lambda c: ((c.klantregisseur_naam or "~").lower(), *_naam(c)),
}
SORT_LABELS = {
    "naam": "Naam",
    "gemeente": "Gemeente",
    "leerroute": "Leerroute",
    "klantregisseur": "Klantregisseur",
    "termijn": "Einde termijn",
    "signalen": "Signalen",
}
DEFAULT_SORT = "signalen"


@dataclass
class OverzichtArgs:
    """The overview's query string, cleaned: what the links and the filter form echo back."""

    q: str = ""
    gemeente: int | None = None
    klantregisseur: int | None = None
    leerroute: str = ""
    doelgroep: str = ""
    aanbieder: int | None = None
    signaal: str = ""
    actie: str = ""  # "1": only cases that count as "Actie nodig" (signalen.actie_nodig)
    alle: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def parse(cls, args: Mapping[str, str], user: User) -> OverzichtArgs:
        """Drop anything unknown; a klantregisseur sees its own caseload unless it asks for all."""
        sort = args.get("sort", DEFAULT_SORT)
        if sort.lstrip("-") not in SORTS:
            sort = DEFAULT_SORT
        parsed = cls(
            q=args.get("q", "").strip()[:100],
            gemeente=int_arg(args.get("gemeente")),
            klantregisseur=int_arg(args.get("klantregisseur")),
            leerroute=choice_arg(args.get("leerroute"), LEERROUTE_KEUZES),
            doelgroep=choice_arg(args.get("doelgroep"), Doelgroep._value2member_map_),
            aanbieder=int_arg(args.get("aanbieder")),
            signaal=choice_arg(args.get("signaal"), SIGNAAL_SOORTEN),
            actie="1" if args.get("actie") == "1" else "",
            alle="1" if args.get("alle") == "1" else "",
            sort=sort,
        )
        if user.rol is Rol.KLANTREGISSEUR and not parsed.alle:
            parsed.klantregisseur = None
        return parsed

    @property
    def naar_signalen(self) -> bool:
        """Whether order or selection depend on the signals, so every case's rules must run before paging."""
        return bool(self.signaal or self.actie) or self.sort.lstrip("-") == "signalen"

    def filters(self, user: User) -> Filters:
        """The database filters; the signal filter is applied after the rules ran."""
        klantregisseur = self.klantregisseur
        if user.rol is Rol.KLANTREGISSEUR and not self.alle:
            klantregisseur = user.id
        return Filters(
            gemeente_id=self.gemeente,
            klantregisseur_id=klantregisseur,
            leerroute=Leerroute(self.leerroute) if self.leerroute in Leerroute._value2member_map_ else None,
            pip=self.leerroute if self.leerroute in dict(GEEN_PIP_KEUZES) else None,
            doelgroep=Doelgroep(self.doelgroep) if self.doelgroep else None,
            aanbieder_id=self.aanbieder,
            zoek=self.q or None,
        )

    def as_dict(self) -> dict[str, Any]:
        """Non-empty values for url_for, so links keep search, filters and sort order."""
        values = {
            "q": self.q, "gemeente": self.gemeente, "klantregisseur": self.klantregisseur,
            "leerroute": self.leerroute, "doelgroep": self.doelgroep, "aanbieder": self.aanbieder,
            "signaal": self.signaal, "actie": self.actie, "alle": self.alle,
            "sort": self.sort if self.sort != DEFAULT_SORT else "",
        }
        return {k: v for k, v in values.items() if v not in (None, "")}


def sort_cases(cases: Sequence[CaseCijfers], sort: str) -> list[CaseCijfers]:
    """Sort by a known column; a leading '-' reverses."""
    key = SORTS[sort.lstrip("-")]
    return sorted(cases, key=key, reverse=sort.startswith("-"))


def signaal_order(
    rijen: Sequence[tuple[Any, tuple[int, int, str] | None]], args: OverzichtArgs,
    berekend: Mapping[int, tuple[int, int, str]],
) -> list[Any]:
    """The cases (own columns, or a `Rij` for the signal order) with the signal filter applied and in the signal
    order when asked, from their kept signals (hoogste ernst, aantal, codes) or from `berekend` where none were
    kept: the same order and selection as `sort_cases` over `caseload`."""
    stand = {c.id: s if s is not None else berekend[c.id] for c, s in rijen if s is not None or c.id in berekend}
    cases = [c for c, _s in rijen if c.id in stand]
    if args.signaal:
        cases = [c for c in cases if args.signaal in stand[c.id][2].split()]
    if args.actie:
        cases = [c for c in cases if actie_nodig(stand[c.id][0])]
    if args.sort.lstrip("-") != "signalen":
        return sort_cases(cases, args.sort)
    return sorted(cases, key=lambda c: _signaalvolgorde(stand[c.id][0], stand[c.id][1], c),
                  reverse=args.sort.startswith("-"))
