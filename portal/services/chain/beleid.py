"""A gemeente's own handhaving beleid (maxima, waarschuwing first, escalation steps) and its Z-route taal norm
for gezinsmigranten: validated and stored here, read by the handhaving register and the hour norms.

The register (services.chain.handhaving) and the norms (domain.normen) read what is stored here; nothing else
keeps these numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import AuditActie
from portal.domain import normen
from portal.formatting import euro
from portal.models import Gemeente, User
from portal.models.enums import Doelgroep, Onderdeel
from portal.models.handhaving import HandhavingBeleid
from portal.services import Errors, Raw
from portal.services.chain.handhaving import (
    WETTELIJK_MAX_BREDE_INTAKE_CENT,
    WETTELIJK_MAX_PER_TERMIJN_CENT,
    WETTELIJK_MAX_PIP_CENT,
    beleid_voor,
    parse_euro_cent,
)
from portal.services.validation import FieldError, is_empty, parse_whole_number, parse_yes_no, zinsbegin

MAX_STAPPEN = 10
_STAP_SCHEIDING = re.compile(r"[\n;]+")


@dataclass
class BeleidInput:
    """The beleid as entered: amounts in euros as text ("2.400,00", "€ 250"), escalation one amount a line."""

    max_brede_intake: Raw = None
    max_pip: Raw = None
    max_per_termijn: Raw = None
    waarschuwing_eerst: Raw = None
    escalatie: Raw = None
    zroute_norm_gezinsmigrant: Raw = None  # hours; empty: the portal's default


@dataclass(frozen=True)
class GemeenteBeleid:
    """What one gemeente uses now: its handhaving beleid (or the law's maxima) and its Z-route norm."""

    gemeente: Gemeente
    beleid: HandhavingBeleid
    eigen: bool  # the gemeente stored its own beleid

    @property
    def zroute_norm(self) -> int:
        """The Z-route taal hours a gezinsmigrant of this gemeente is held to."""
        return normen.wettelijke_norm(Onderdeel.Z_ROUTE_TAAL, Doelgroep.GEZINSMIGRANT_OVERIG,
                                      self.gemeente.zroute_taal_norm_gezinsmigrant) or 0

    @property
    def escalatie_tekst(self) -> str:
        """The escalation steps as the screens show them."""
        return " → ".join(euro(c) for c in self.beleid.escalatie_cent or []) or "geen (elke boete vanaf het maximum)"


def gemeente_beleid(session: Session, gemeente: Gemeente) -> GemeenteBeleid:
    beleid = beleid_voor(session, gemeente.id)
    return GemeenteBeleid(gemeente, beleid, beleid.id is not None)


def stappen_tekst(cents: list[int]) -> str:
    """The escalation steps as the form shows them: one amount a line, in Dutch notation without the € sign."""
    return "\n".join(euro(c).removeprefix("€ ") for c in cents)


def _bedrag(raw: Raw, label: str, wettelijk: int, wat: str) -> int:
    cent = parse_euro_cent(raw, label=label)
    if cent is None:
        raise FieldError(f"Vul {label} in, in euro (bijvoorbeeld {euro(wettelijk).removeprefix('€ ')}).")
    if cent <= 0:
        raise FieldError(f"{zinsbegin(label)} moet hoger zijn dan € 0,00.")
    if cent > wettelijk:
        raise FieldError(f"De wet staat {wat} ten hoogste {euro(wettelijk)} toe. Vul een bedrag tot en met "
                         f"{euro(wettelijk)} in.")
    return cent


def _stappen(raw: Raw, max_pip: int | None) -> list[int]:
    regels = [r.strip() for r in _STAP_SCHEIDING.split(str(raw or "")) if r.strip()]
    if len(regels) > MAX_STAPPEN:
        raise FieldError(f"Geef hooguit {MAX_STAPPEN} stappen; de laatste stap geldt voor elke volgende boete.")
    stappen: list[int] = []
    for n, regel in enumerate(regels, start=1):
        try:
            cent = parse_euro_cent(regel, label=f"stap {n}")
        except FieldError as exc:
            raise FieldError(f"Stap {n} ('{regel}') is geen bedrag. Zet één bedrag per regel, bijvoorbeeld "
                             "50,00.") from exc
        assert cent is not None
        if cent <= 0:
            raise FieldError(f"Stap {n} moet hoger zijn dan € 0,00.")
        if max_pip is not None and cent > max_pip:
            raise FieldError(f"Stap {n} ({euro(cent)}) is hoger dan het maximum per PIP-overtreding "
                             f"({euro(max_pip)}).")
        if stappen and cent < stappen[-1]:
            raise FieldError(f"Stap {n} ({euro(cent)}) is lager dan stap {n - 1} ({euro(stappen[-1])}): een "
                             "volgende boete is nooit lager. Zet de bedragen van laag naar hoog.")
        stappen.append(cent)
    return stappen


def save(session: Session, actor: User, gemeente: Gemeente, data: BeleidInput) -> GemeenteBeleid:
    """Validate and store the gemeente's beleid and Z-route norm; the caller checked the gemeente is in scope."""
    errors = Errors()
    brede = errors.run("max_brede_intake", lambda: _bedrag(
        data.max_brede_intake, "het maximum bij de brede intake", WETTELIJK_MAX_BREDE_INTAKE_CENT,
        "bij niet verschijnen op de brede intake per overtreding"))
    pip = errors.run("max_pip", lambda: _bedrag(
        data.max_pip, "het maximum per PIP-overtreding", WETTELIJK_MAX_PIP_CENT,
        "bij het niet nakomen van het PIP per overtreding"))
    termijn = errors.run("max_per_termijn", lambda: _bedrag(
        data.max_per_termijn, "het maximum per termijn", WETTELIJK_MAX_PER_TERMIJN_CENT,
        "per inburgeringstermijn van drie jaar"))
    eerst = errors.run("waarschuwing_eerst", lambda: parse_yes_no(data.waarschuwing_eerst))
    stappen = errors.run("escalatie", lambda: _stappen(data.escalatie, pip))
    norm = errors.run("zroute_norm_gezinsmigrant", lambda: None if is_empty(data.zroute_norm_gezinsmigrant)
                      else parse_whole_number(data.zroute_norm_gezinsmigrant, label="de urennorm", minimum=1,
                                              maximum=9999))
    if termijn is not None and pip is not None and brede is not None and termijn < max(pip, brede):
        errors.add("max_per_termijn", f"Het maximum per termijn ({euro(termijn)}) is lager dan het maximum per "
                   f"overtreding ({euro(max(pip, brede))}). Verhoog het maximum per termijn of verlaag dat per "
                   "overtreding.")
    errors.raise_if_any()
    voor = gemeente_beleid(session, gemeente)
    oud = {"max_brede_intake_cent": voor.beleid.max_brede_intake_cent, "max_pip_cent": voor.beleid.max_pip_cent,
           "max_per_termijn_cent": voor.beleid.max_per_termijn_cent,
           "waarschuwing_eerst": voor.beleid.waarschuwing_eerst,
           "escalatie_cent": list(voor.beleid.escalatie_cent or []),
           "zroute_taal_norm_gezinsmigrant": gemeente.zroute_taal_norm_gezinsmigrant}
    beleid = session.scalar(select(HandhavingBeleid).where(HandhavingBeleid.gemeente_id == gemeente.id))
    if beleid is None:
        beleid = HandhavingBeleid(gemeente_id=gemeente.id)
        session.add(beleid)
    beleid.max_brede_intake_cent, beleid.max_pip_cent, beleid.max_per_termijn_cent = brede, pip, termijn
    beleid.waarschuwing_eerst = bool(eerst)
    beleid.escalatie_cent = stappen
    gemeente.zroute_taal_norm_gezinsmigrant = norm
    session.flush()
    nieuw = {"max_brede_intake_cent": brede, "max_pip_cent": pip, "max_per_termijn_cent": termijn,
             "waarschuwing_eerst": bool(eerst), "escalatie_cent": stappen, "zroute_taal_norm_gezinsmigrant": norm}
    audit.record(session, actor, AuditActie.HANDHAVINGSBELEID_GEWIJZIGD, object_type="gemeente",
                 object_id=gemeente.id,
                 details={"wijzigingen": {k: [oud[k], v] for k, v in nieuw.items() if oud[k] != v}})
    return gemeente_beleid(session, gemeente)
