"""DUO's `GET /instellingen` answer (Inburgeringsaanbod.openapi.yml): checked against the Instelling schema, matched
to the portal's aanbieders, shown as a preview and applied all-or-nothing.

The functioneel beheerder pastes or uploads the JSON the gemeente's DUO koppeling received. The preview names every
DUO instelling: the aanbieder it belongs to (by instellingsnummer, else Blik op Werk-nummer, else exact name) and
what changes, or that no aanbieder matches (nothing is changed for it). Confirming re-reads the same JSON against the
data as it is then; if that gives another plan than the one previewed, nothing is applied and the new preview shown.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import AuditActie
from portal.models import Aanbieder, User
from portal.services import ValidationError

MAX_INSTELLINGEN = 200  # the schema's maxItems
MAX_TEKENS = 200_000  # 200 instellingen of at most ~400 characters each, with room for layout
# Instelling (Inburgeringsaanbod.openapi.yml, rev 2026): (name, type, required, min length, max length, pattern).
_VELDEN: tuple[tuple[str, type, bool, int | None, int | None, str | None], ...] = (
    ("instellingsnummer", str, True, 10, 10, None),
    ("naam", str, True, 1, 128, None),
    ("postcode", str, True, None, 6, r"[1-9][0-9]{3}[A-Z]{2}"),
    ("huisnummer", int, True, None, None, None),
    ("huisnummertoevoeging", str, False, 1, 4, None),
    ("plaatsnaam", str, True, 1, 40, None),
    ("bow", str, False, 1, None, r"^\d{1,10}$"),
    ("brin", str, False, 4, 4, r"[0-9]{2}[A-Z]{2}"),
    ("indicatieBowKeurmerk", bool, False, None, None, None),
    ("indicatieTstKeurmerk", bool, False, None, None, None),
)
VELD_LABELS = {"instellingsnummer": "DUO-instellingsnummer", "bow_nummer": "Blik op Werk-nummer",
               "bow_keurmerk": "Blik op Werk-keurmerk", "tst_keurmerk": "Taalschakeltraject-keurmerk"}


@dataclass(frozen=True)
class DuoInstelling:
    """One instelling as DUO knows it."""

    instellingsnummer: str
    naam: str
    plaatsnaam: str
    bow: str | None
    bow_keurmerk: bool
    tst_keurmerk: bool


@dataclass(frozen=True)
class Wijziging:
    veld: str
    oud: object
    nieuw: object

    @property
    def label(self) -> str:
        return VELD_LABELS[self.veld]


@dataclass
class Koppeling:
    """One DUO instelling and the aanbieder it belongs to (None: no aanbieder in the portal matches)."""

    instelling: DuoInstelling
    aanbieder: Aanbieder | None = None
    via: str = ""
    wijzigingen: list[Wijziging] = field(default_factory=list)


@dataclass
class Voorstel:
    """What confirming would change, what cannot be applied, and a digest of the plan."""

    koppelingen: list[Koppeling]
    niet_bij_duo: list[Aanbieder]  # aanbieders with an instellingsnummer DUO's list does not hold
    fouten: list[str]

    @property
    def te_wijzigen(self) -> list[Koppeling]:
        return [k for k in self.koppelingen if k.wijzigingen]

    @property
    def niet_gekoppeld(self) -> list[Koppeling]:
        return [k for k in self.koppelingen if k.aanbieder is None]

    @property
    def digest(self) -> str:
        """The plan as a short hash: confirming applies only the plan that was previewed."""
        plan = [(k.aanbieder.id, w.veld, w.nieuw) for k in self.te_wijzigen if k.aanbieder for w in k.wijzigingen]
        return hashlib.sha256(json.dumps(plan, default=str).encode()).hexdigest()[:16]


def _schema_fouten(n: int, item: object) -> list[str]:
    waar = f"Instelling {n}"
    if not isinstance(item, dict):
        return [f"{waar} is geen object met velden."]
    fouten = []
    for name, soort, verplicht, kort, lang, patroon in _VELDEN:
        if name not in item:
            if verplicht:
                fouten.append(f"{waar}: het verplichte veld '{name}' ontbreekt.")
            continue
        value = item[name]
        goed_type = isinstance(value, soort) and not (soort is int and isinstance(value, bool))
        if not goed_type:
            wat = {str: "tekst", int: "een heel getal", bool: "true of false"}[soort]
            fouten.append(f"{waar}: '{name}' moet {wat} zijn.")
            continue
        if soort is int and not 1 <= value <= 99999:
            fouten.append(f"{waar}: '{name}' moet tussen 1 en 99999 liggen.")
        if soort is str:
            if (kort is not None and len(value) < kort) or (lang is not None and len(value) > lang):
                lengte = f"precies {kort}" if kort == lang else f"{kort or 0} tot en met {lang or 'onbeperkt'}"
                fouten.append(f"{waar}: '{name}' moet {lengte} tekens hebben.")
            elif patroon is not None and not re.search(patroon, value):
                fouten.append(f"{waar}: '{name}' heeft niet de vorm die DUO gebruikt ('{value[:20]}').")
    onbekend = sorted(set(item) - {v[0] for v in _VELDEN})
    if onbekend:
        fouten.append(f"{waar}: velden die DUO niet kent: {', '.join(onbekend)}.")
    return fouten


def lees(tekst: str) -> list[DuoInstelling]:
    """DUO's answer as instellingen; a ValidationError on the field 'json' names every problem (at most 20)."""
    tekst = (tekst or "").strip()
    if not tekst:
        raise ValidationError({"json": "Plak het antwoord van DUO of kies een JSON-bestand."})
    if len(tekst) > MAX_TEKENS:
        raise ValidationError({"json": "Dit is meer dan DUO ooit stuurt (hooguit 200 instellingen). Controleer of "
                                       "u het goede bestand heeft."})
    try:
        data = json.loads(tekst)
    except json.JSONDecodeError as exc:
        raise ValidationError({"json": f"Dit is geen geldige JSON (regel {exc.lineno}, kolom {exc.colno}). Plak het "
                                       "antwoord van DUO precies zoals het is ontvangen."}) from exc
    if not isinstance(data, list):
        raise ValidationError({"json": "DUO's antwoord is een lijst van instellingen (begint met '['). Dit is iets "
                                       "anders."})
    if len(data) > MAX_INSTELLINGEN:
        raise ValidationError({"json": f"DUO stuurt hooguit {MAX_INSTELLINGEN} instellingen; dit zijn er "
                                       f"{len(data)}."})
    fouten = [f for n, item in enumerate(data, start=1) for f in _schema_fouten(n, item)]
    nummers = [item.get("instellingsnummer") for item in data if isinstance(item, dict)]
    dubbel = sorted({str(x) for x in nummers if nummers.count(x) > 1})
    if dubbel:
        fouten.append(f"Instellingsnummer(s) meer dan eens in de lijst: {', '.join(dubbel)}.")
    if fouten:
        meer = f" En nog {len(fouten) - 20} andere." if len(fouten) > 20 else ""
        raise ValidationError({"json": " ".join(fouten[:20]) + meer})
    return [DuoInstelling(i["instellingsnummer"], i["naam"], i["plaatsnaam"], i.get("bow"),
                          bool(i.get("indicatieBowKeurmerk", False)), bool(i.get("indicatieTstKeurmerk", False)))
            for i in data]


def _naam(text: str) -> str:
    return " ".join(text.casefold().split())


def voorstel(session: Session, instellingen: list[DuoInstelling]) -> Voorstel:
    """Match each DUO instelling to an aanbieder and list what would change."""
    aanbieders = list(session.scalars(select(Aanbieder).order_by(Aanbieder.id)))
    op_nummer = {a.instellingsnummer: a for a in aanbieders if a.instellingsnummer}
    op_bow: dict[str, list[Aanbieder]] = {}
    op_naam: dict[str, list[Aanbieder]] = {}
    for a in aanbieders:
        if a.bow_nummer:
            op_bow.setdefault(a.bow_nummer, []).append(a)
        op_naam.setdefault(_naam(a.naam), []).append(a)
    koppelingen, fouten = [], []
    gekoppeld: dict[int, str] = {}
    for inst in instellingen:
        k = Koppeling(inst)
        if inst.instellingsnummer in op_nummer:
            k.aanbieder, k.via = op_nummer[inst.instellingsnummer], "instellingsnummer"
        elif inst.bow and len(op_bow.get(inst.bow, [])) == 1:
            k.aanbieder, k.via = op_bow[inst.bow][0], "Blik op Werk-nummer"
        elif len(op_naam.get(_naam(inst.naam), [])) == 1:
            k.aanbieder, k.via = op_naam[_naam(inst.naam)][0], "naam"
        elif len(op_naam.get(_naam(inst.naam), [])) > 1:
            fouten.append(f"{inst.naam} ({inst.instellingsnummer}): meer dan één aanbieder heeft deze naam. Vul bij "
                          "de goede aanbieder het instellingsnummer in bij Organisaties en controleer opnieuw.")
        a = k.aanbieder
        if a is not None:
            if a.id in gekoppeld:
                fouten.append(f"{a.naam} hoort bij twee DUO-instellingen ({gekoppeld[a.id]} en "
                              f"{inst.instellingsnummer}). Vul het goede instellingsnummer in bij Organisaties.")
            gekoppeld[a.id] = inst.instellingsnummer
            if a.instellingsnummer and a.instellingsnummer != inst.instellingsnummer:
                fouten.append(f"{a.naam} heeft instellingsnummer {a.instellingsnummer}, DUO noemt "
                              f"{inst.instellingsnummer} bij dezelfde {k.via}. Controleer welk nummer klopt.")
            nieuw = {"instellingsnummer": inst.instellingsnummer, "bow_nummer": inst.bow or a.bow_nummer,
                     "bow_keurmerk": inst.bow_keurmerk, "tst_keurmerk": inst.tst_keurmerk}
            k.wijzigingen = [Wijziging(veld, getattr(a, veld), waarde) for veld, waarde in nieuw.items()
                             if getattr(a, veld) != waarde]
        koppelingen.append(k)
    bij_duo = {i.instellingsnummer for i in instellingen}
    niet_bij_duo = [a for a in aanbieders if a.instellingsnummer and a.instellingsnummer not in bij_duo]
    return Voorstel(koppelingen, niet_bij_duo, fouten)


def toepassen(session: Session, actor: User, tekst: str, digest: str) -> Voorstel:
    """Apply the previewed plan in one go (the caller commits); a changed plan or any problem applies nothing."""
    plan = voorstel(session, lees(tekst))
    if plan.fouten:
        raise ValidationError({"json": "Los eerst de punten in de controle op; er is niets gewijzigd."})
    if plan.digest != digest:
        raise ValidationError({"json": "De gegevens zijn sinds de controle gewijzigd. Bekijk de nieuwe controle "
                                       "en bevestig opnieuw; er is niets gewijzigd."})
    for k in plan.te_wijzigen:
        assert k.aanbieder is not None
        for w in k.wijzigingen:
            setattr(k.aanbieder, w.veld, w.nieuw)
    session.flush()
    details: dict[str, Any] = {
        "instellingen": len(plan.koppelingen), "gewijzigd": len(plan.te_wijzigen),
        "niet_gekoppeld": len(plan.niet_gekoppeld), "niet_bij_duo": len(plan.niet_bij_duo),
        "wijzigingen": {str(k.aanbieder.id): [w.veld for w in k.wijzigingen] for k in plan.te_wijzigen
                        if k.aanbieder is not None},
    }
    audit.record(session, actor, AuditActie.DUO_INSTELLINGEN_GEIMPORTEERD, object_type="aanbieder", details=details)
    return plan
