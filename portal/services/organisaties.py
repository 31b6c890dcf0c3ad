"""Gemeenten (CBS code) and aanbieders (KvK number), kept by the functioneel beheerder."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import AuditActie
from portal.models import Aanbieder, Gemeente, User
from portal.models.enums import AanbiederSoort
from portal.services import Raw, ValidationError
from portal.services.chain import referentie
from portal.services.validation import FieldError

try:  # python-stdnum has no KvK module yet; use it when a release adds one
    from stdnum.nl import kvk as _stdnum_kvk  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the installed stdnum
    _stdnum_kvk = None


def parse_cbs_code(raw: str) -> str:
    """A gemeente's CBS code: four digits (leading zeros kept, "GM0344" accepted)."""
    text = (raw or "").strip().upper().removeprefix("GM")
    if not re.fullmatch(r"[0-9]{4}", text):
        raise ValueError("Een CBS-gemeentecode bestaat uit vier cijfers, bijvoorbeeld 0344.")
    return text


def parse_kvk_nummer(raw: str) -> str:
    """A KvK number: eight digits (spaces and dots removed)."""
    text = re.sub(r"[\s.]", "", raw or "")
    if _stdnum_kvk is not None:
        if not _stdnum_kvk.is_valid(text):
            raise ValueError("Dit is geen geldig KvK-nummer. Een KvK-nummer heeft acht cijfers.")
        return _stdnum_kvk.compact(text)
    if not re.fullmatch(r"[0-9]{8}", text):
        raise ValueError("Een KvK-nummer bestaat uit acht cijfers, bijvoorbeeld 12345678.")
    return text


def _unique_number(
    session: Session, errors: dict[str, str], field: str, raw: str, parse: Callable[[str], str],
    column: Any, own: Gemeente | Aanbieder | None, taken: str,
) -> str:
    """An organisation's identifying number, parsed and not used by another one; problems go into `errors`."""
    try:
        value = parse(raw)
    except ValueError as exc:
        errors[field] = str(exc)
        return ""
    clash = session.scalar(select(column.class_.id).where(column == value))
    if clash is not None and (own is None or clash != own.id):
        errors[field] = taken
    return value


def save_gemeente(
    session: Session, actor: User, *, cbs_code: str, naam: str, gemeente: Gemeente | None = None,
    oin: str | None = None,
) -> Gemeente:
    """Create or change a gemeente; a new gemeente joins the creator's own gemeenten so it can be managed.

    `oin` None leaves the OIN as it is; an empty text clears it.
    """
    errors: dict[str, str] = {}
    code = _unique_number(session, errors, "cbs_code", cbs_code, parse_cbs_code, Gemeente.cbs_code, gemeente,
                          "Er bestaat al een gemeente met deze CBS-code.")
    clean_naam = _check_naam(naam, errors, 120)
    clean_oin = gemeente.oin if gemeente is not None else None
    if oin is not None:
        clean_oin = _optional_unique(session, errors, "oin", oin, referentie.parse_oin, Gemeente.oin, gemeente,
                                     "Er bestaat al een gemeente met dit OIN.")
    if errors:
        raise ValidationError(errors)
    created = gemeente is None
    if gemeente is None:
        gemeente = Gemeente(cbs_code=code, naam=clean_naam, oin=clean_oin)
        session.add(gemeente)
        actor.gemeenten.append(gemeente)
    else:
        gemeente.cbs_code, gemeente.naam, gemeente.oin = code, clean_naam, clean_oin
    session.flush()
    audit.record(
        session, actor, AuditActie.GEMEENTE_AANGEMAAKT if created else "gemeente_gewijzigd",
        object_type="gemeente", object_id=gemeente.id, details={"cbs_code": code},
    )
    session.flush()
    return gemeente


def save_aanbieder(
    session: Session,
    actor: User,
    *,
    kvk_nummer: str,
    naam: str,
    soort: AanbiederSoort | str | None,
    actief: bool = True,
    aanbieder: Aanbieder | None = None,
    duo: DuoInstelling | None = None,
) -> Aanbieder:
    """Create or change an aanbieder organisation (`duo` None leaves DUO's reference data as it is)."""
    errors: dict[str, str] = {}
    instelling = _check_duo(session, errors, duo, aanbieder) if duo is not None else None
    kvk = _unique_number(session, errors, "kvk_nummer", kvk_nummer, parse_kvk_nummer, Aanbieder.kvk_nummer, aanbieder,
                         "Er bestaat al een aanbieder met dit KvK-nummer.")
    clean_naam = _check_naam(naam, errors, 200)
    try:
        clean_soort = AanbiederSoort(soort) if soort else None
    except ValueError:
        clean_soort = None
    if clean_soort is None:
        errors["soort"] = "Kies de soort aanbieder."
    if errors:
        raise ValidationError(errors)
    assert clean_soort is not None
    created = aanbieder is None
    if aanbieder is None:
        aanbieder = Aanbieder(kvk_nummer=kvk, naam=clean_naam, soort=clean_soort, actief=actief)
        session.add(aanbieder)
    else:
        aanbieder.kvk_nummer, aanbieder.naam, aanbieder.soort, aanbieder.actief = kvk, clean_naam, clean_soort, actief
    if instelling is not None:
        for name, value in instelling.items():
            setattr(aanbieder, name, value)
    session.flush()
    audit.record(
        session, actor, AuditActie.AANBIEDER_AANGEMAAKT if created else "aanbieder_gewijzigd",
        object_type="aanbieder", object_id=aanbieder.id,
        details={"kvk_nummer": kvk, "soort": clean_soort.value, "actief": actief},
    )
    session.flush()
    return aanbieder


@dataclass
class DuoInstelling:
    """DUO's reference data of a cursusinstelling as entered: instellingsnummer, Blik op Werk, keurmerken."""

    instellingsnummer: Raw = None
    bow_nummer: Raw = None
    bow_keurmerk: bool = False
    tst_keurmerk: bool = False


def _check_duo(
    session: Session, errors: dict[str, str], duo: DuoInstelling, own: Aanbieder | None
) -> dict[str, object]:
    values: dict[str, object] = {"bow_keurmerk": bool(duo.bow_keurmerk), "tst_keurmerk": bool(duo.tst_keurmerk)}
    values["instellingsnummer"] = _optional_unique(
        session, errors, "instellingsnummer", duo.instellingsnummer, referentie.parse_instellingsnummer,
        Aanbieder.instellingsnummer, own, "Er bestaat al een aanbieder met dit DUO-instellingsnummer.")
    try:
        values["bow_nummer"] = referentie.parse_bow_nummer(duo.bow_nummer)
    except FieldError as exc:
        errors["bow_nummer"] = str(exc)
    return values


def _optional_unique(
    session: Session, errors: dict[str, str], field: str, raw: object, parse: Callable[[object], str | None],
    column: Any, own: Gemeente | Aanbieder | None, taken: str,
) -> str | None:
    """An optional identifying number, parsed and not used by another organisation; problems go into `errors`."""
    try:
        value = parse(raw)
    except FieldError as exc:
        errors[field] = str(exc)
        return None
    if value is not None:
        clash = session.scalar(select(column.class_.id).where(column == value))
        if clash is not None and (own is None or clash != own.id):
            errors[field] = taken
    return value


def _check_naam(raw: str, errors: dict[str, str], max_length: int) -> str:
    naam = " ".join((raw or "").split())
    if not naam:
        errors["naam"] = "Vul de naam in."
    elif len(naam) > max_length:
        errors["naam"] = f"De naam is te lang (maximaal {max_length} tekens)."
    return naam
