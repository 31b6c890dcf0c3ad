"""The queries behind the searchable list pages: inburgeraars (gemeente staff) and deelnemers (aanbieders).

Each starts from the user's scope in portal.access and adds the search (portal.domain.zoeken), the filters and a
whitelisted sort; the view pages the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, null, select
from sqlalchemy.orm import Session, selectinload

from portal import access
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
    leerroute: str = ""  # B, O, Z or "geen" (no PIP yet)
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


def leerroute_clause(value: str) -> ColumnElement[bool] | None:
    """Filter on the leerroute of the PIP in force; "geen" means no PIP in force (none yet, or withdrawn); anything
    else no filter."""
    if value == "geen":
        return huidige_pip(Pip.id).is_(None)
    if value in ("B", "O", "Z"):
        return huidige_pip(Pip.leerroute) == value
    return None


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
