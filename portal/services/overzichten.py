"""The queries behind the searchable list pages: inburgeraars (gemeente staff) and deelnemers (aanbieders).

Each starts from the user's scope in portal.access and adds the search (portal.domain.zoeken), the filters and a
whitelisted sort; the view pages the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, null, select
from sqlalchemy.orm import Session, selectinload

from portal import access
from portal.domain import pip as pip_regels
from portal.domain import zoeken
from portal.models import Gemeente, Inburgeraar, Pip, PipIntrekking, User, Verwijzing

INBURGERAAR_SORTERING = {
    "naam": (Inburgeraar.achternaam, Inburgeraar.voornamen),
    "bsn": (Inburgeraar.bsn,),
    "geboortedatum": (Inburgeraar.geboortedatum,),
    "gemeente": (Gemeente.naam,),
    "aangemaakt": (Inburgeraar.created_at,),
}
DEELNEMER_SORTERING = {
    "naam": (Inburgeraar.achternaam, Inburgeraar.voornamen),
    "bsn": (Inburgeraar.bsn,),
    "start": (Verwijzing.beoogde_startdatum,),
    "einde": (Verwijzing.uiterste_einddatum,),
}


@dataclass(frozen=True)
class InburgeraarFilters:
    """What the inburgeraars list narrows to; all optional."""

    zoek: str = ""
    gemeente_id: int | None = None
    doelgroep: str = ""
    leerroute: str = ""  # B, O, Z, or one of GEEN_PIP_KEUZES (no PIP in force, and why)
    klantregisseur_id: int | None = None
    sort: str = "naam"


@dataclass(frozen=True)
class DeelnemerFilters:
    """What the deelnemers list narrows to; all optional."""

    zoek: str = ""
    onderdeel: str = ""
    status: str = ""
    gemeente_id: int | None = None
    sort: str = "naam"


def inburgeraars(user: User, filters: InburgeraarFilters) -> tuple[Select[tuple[Inburgeraar]], str]:
    """The inburgeraars in scope matching the filters, sorted; and the sort actually used."""
    query = access.inburgeraars(user).join(Inburgeraar.gemeente).options(
        selectinload(Inburgeraar.pips).selectinload(Pip.intrekking), selectinload(Inburgeraar.gemeente),
        selectinload(Inburgeraar.klantregisseur),
    )
    if (clause := _zoek(filters.zoek)) is not None:
        query = query.where(clause)
    if filters.gemeente_id:
        query = query.where(Inburgeraar.gemeente_id == filters.gemeente_id)
    if filters.doelgroep:
        query = query.where(Inburgeraar.doelgroep == filters.doelgroep)
    if (clause := leerroute_clause(filters.leerroute)) is not None:
        query = query.where(clause)
    if filters.klantregisseur_id:
        query = query.where(Inburgeraar.klantregisseur_id == filters.klantregisseur_id)
    return apply_sort(query, filters.sort, INBURGERAAR_SORTERING, "naam")


def deelnemers(user: User, filters: DeelnemerFilters) -> tuple[Select[tuple[Verwijzing]], str]:
    """The user's verwijzingen (one row each) matching the filters, sorted; and the sort actually used."""
    query = access.verwijzingen(user).join(Verwijzing.inburgeraar).options(
        selectinload(Verwijzing.inburgeraar).selectinload(Inburgeraar.pips).selectinload(Pip.intrekking),
        selectinload(Verwijzing.inburgeraar).selectinload(Inburgeraar.gemeente),
    )
    if (clause := _zoek(filters.zoek)) is not None:
        query = query.where(clause)
    if filters.onderdeel:
        query = query.where(Verwijzing.onderdeel == filters.onderdeel)
    if filters.status:
        query = query.where(Verwijzing.status == filters.status)
    if filters.gemeente_id:
        query = query.where(Inburgeraar.gemeente_id == filters.gemeente_id)
    return apply_sort(query, filters.sort, DEELNEMER_SORTERING, "naam", tiebreak=Verwijzing.id)


def aantallen(session: Session, user: User) -> tuple[int, int]:
    """How many inburgeraars and verwijzingen the user can see (the start page)."""
    inburgeraar_count = session.scalar(select(func.count()).select_from(access.inburgeraars(user).subquery()))
    verwijzing_count = session.scalar(select(func.count()).select_from(access.verwijzingen(user).subquery()))
    return inburgeraar_count or 0, verwijzing_count or 0


def _zoek(q: str) -> ColumnElement[bool] | None:
    return zoeken.clause(q, voornamen=Inburgeraar.voornamen, achternaam=Inburgeraar.achternaam, bsn=Inburgeraar.bsn)


def huidige_pip(column: Any) -> Any:
    """A correlated subquery giving a column of the inburgeraar's PIP in force (Inburgeraar.pip_van_kracht): the
    highest version, NULL when there is none or it was withdrawn."""
    withdrawn = exists().where(PipIntrekking.pip_id == Pip.id)
    return (
        select(case((withdrawn, null()), else_=column))
        .where(Pip.inburgeraar_id == Inburgeraar.id)
        .order_by(Pip.versie.desc())
        .limit(1)
        .correlate(Inburgeraar)
        .scalar_subquery()
    )


# The leerroute filter's choices for "no PIP in force" (portal.domain.pip.van_kracht: none yet, or the latest version
# withdrawn): both together, or either, so a list tells "never had a PIP" from "PIP withdrawn".
GEEN_PIP_KEUZES = [
    ("geen", "Geen PIP van kracht (nog geen of ingetrokken)"),
    ("nog_geen", "Nog geen PIP"),
    ("ingetrokken", "PIP ingetrokken"),
]


def leerroute_clause(value: str) -> ColumnElement[bool] | None:
    """Filter on the leerroute of the PIP in force; "geen" means no PIP in force (none yet, or withdrawn),
    "nog_geen" never a PIP version, "ingetrokken" versions but the latest withdrawn; anything else no filter."""
    geen_van_kracht = huidige_pip(Pip.id).is_(None)
    heeft_versies = exists().where(Pip.inburgeraar_id == Inburgeraar.id)
    if value == "geen":
        return geen_van_kracht
    if value == "nog_geen":
        return ~heeft_versies
    if value == "ingetrokken":
        return and_(geen_van_kracht, heeft_versies)
    if value in ("B", "O", "Z"):
        return huidige_pip(Pip.leerroute) == value
    return None


class _Versie(NamedTuple):
    """What portal.domain.pip reads of a PIP version."""

    versie: int
    dagtekening: date
    ingetrokken_op: date | None


def pip_ingetrokken_per(session: Session, user: User, rows: Iterable[Any]) -> dict[int, date]:
    """For the rows of a list (with `id`, `leerroute` of the PIP in force and `pip_versies`, as the caseload's
    CaseCijfers) that have no PIP in force but did have versions: the date the withdrawal took effect
    (portal.domain.pip.ingetrokken_per, the rule Inburgeraar.pip_ingetrokken_per reads), by inburgeraar id. Read
    for those rows only, through the user's scope; one statement, none when there are no such rows."""
    ids = [r.id for r in rows if r.leerroute is None and r.pip_versies]
    if not ids:
        return {}
    in_scope = access.inburgeraars(user).with_only_columns(Inburgeraar.id).where(Inburgeraar.id.in_(ids))
    versies: dict[int, list[_Versie]] = {}
    for inburgeraar_id, versie, dagtekening, ingetrokken in session.execute(
        select(Pip.inburgeraar_id, Pip.versie, Pip.dagtekening, PipIntrekking.datum)
        .outerjoin(PipIntrekking, PipIntrekking.pip_id == Pip.id)
        .where(Pip.inburgeraar_id.in_(in_scope.order_by(None)))
    ):
        versies.setdefault(inburgeraar_id, []).append(_Versie(versie, dagtekening, ingetrokken))
    return {i: per for i, v in versies.items() if (per := pip_regels.ingetrokken_per(v)) is not None}


def apply_sort(
    query: Select[Any], sort: str, columns: Mapping[str, Any], default: str, tiebreak: Any = Inburgeraar.id
) -> tuple[Select[Any], str]:
    """Order by a whitelisted column; a leading '-' sorts descending. Returns the query and the sort used."""
    key = sort.lstrip("-")
    if key not in columns:
        sort, key = default, default.lstrip("-")
    descending = sort.startswith("-")
    order = [c.desc() if descending else c.asc() for c in columns[key]]
    return query.order_by(*order, tiebreak), sort
