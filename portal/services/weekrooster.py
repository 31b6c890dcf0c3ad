"""The weekly presentie grid (weekrooster): which deelnemers and days a provider can fill for one activity,
with what is stored. The blueprint maps a submitted row onto presentie inputs (portal.blueprints.presentie.grid)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, and_, bindparam, func, select
from sqlalchemy.orm import Session

from portal import access
from portal.domain import termijnen, zoeken
from portal.formatting import getal
from portal.models import Inburgeraar, Presentie, TrajectStart, User, Verwijzing
from portal.models.enums import GEEN_PRESENTIE_STATUSSEN
from portal.models.traject import ACTIVITEITEN_PER_ONDERDEEL, Activiteit
from portal.services import statements

DAGEN = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
DAGEN_KORT = ("ma", "di", "wo", "do", "vr", "za", "zo")
VELDEN = ("aanwezig", "geoorloofd", "ongeoorloofd", "reden")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(raw: str | None, today: date) -> date:
    """The Monday of an ISO week like 2026-W47; the current week for anything else."""
    match = _WEEK.match(raw or "")
    if match:
        try:
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            pass
    return today - timedelta(days=today.weekday())


def week_label(monday: date) -> str:
    """2026-W47."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def activiteiten_for(session: Session, user: User) -> list[Activiteit]:
    """Activities that fit at least one onderdeel the provider has verwijzingen for (all when none)."""
    onderdelen = set(session.scalars(
        access.verwijzingen_for_registration(user).with_only_columns(Verwijzing.onderdeel).distinct()
    ))
    fitting = [a for a in Activiteit if any(a in ACTIVITEITEN_PER_ONDERDEEL[o] for o in onderdelen)]
    return fitting or list(Activiteit)


@dataclass
class Cell:
    """One day of one row: the four inputs, their values and errors, and whether the day can be filled."""

    index: int
    day: date
    editable: bool
    waarom_niet: str = ""
    stored: bool = False
    values: dict[str, str] = field(default_factory=lambda: dict.fromkeys(VELDEN, ""))
    # What is stored for the day as shown; unlike values it is not replaced by what a user typed, so a row
    # returned with errors still knows which stored value a correction would overwrite.
    opgeslagen: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def dag(self) -> str:
        return DAGEN[self.index]

    @property
    def heeft_afwezigheid(self) -> bool:
        absent = any(self.values[v] not in ("", "0") for v in ("geoorloofd", "ongeoorloofd"))
        return absent or bool(self.values["reden"])


@dataclass(frozen=True, slots=True)
class Deelnemer:
    """What a grid row needs of its verwijzing: its id (forms, links), kenmerk (shown under the name) and whose it
    is (the grid's read in the audit trail)."""

    id: int
    kenmerk: str
    inburgeraar_id: int


@dataclass
class Row:
    """One deelnemer (verwijzing) in the grid."""

    verwijzing: Deelnemer
    naam: str
    startdatum: date | None  # the realised start; None when no start is registered
    niet_gestart: bool
    cells: list[Cell]
    errors: list[str] = field(default_factory=list)
    bericht: str = ""

    @property
    def gestart(self) -> bool:
        return not self.niet_gestart and self.startdatum is not None

    @property
    def afwezigheid_open(self) -> bool:
        """Open only to show an absence error: open panels on every row would make a 30-row grid unscannable;
        the summary already says how many days have absence."""
        return any(any(k != "aanwezig" for k in c.errors) for c in self.cells)

    @property
    def aantal_afwezig(self) -> int:
        return sum(1 for c in self.cells if c.heeft_afwezigheid)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(c.errors for c in self.cells)


def _hours(value: Decimal | None) -> str:
    return "" if value is None else getal(value)


GRID_PER_PAGE = 40


def _row_query(user: User, monday: Any, sunday: Any, activiteit: Activiteit, zoek: str = "") -> Any:
    onderdelen = [o for o, acts in ACTIVITEITEN_PER_ONDERDEEL.items() if activiteit in acts]
    # Columns, not entities: a row shows a few values, and loading three ORM objects per row cost more than the
    # query itself (a grid save loads one row before it saves).
    query = (
        access.verwijzingen_for_registration(user)
        .join(Inburgeraar, Inburgeraar.id == Verwijzing.inburgeraar_id)
        .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .with_only_columns(Verwijzing.id, Verwijzing.kenmerk, Verwijzing.uiterste_einddatum, Inburgeraar.voornamen,
                           Inburgeraar.achternaam, TrajectStart.gerealiseerde_startdatum, TrajectStart.niet_gestart,
                           TrajectStart.bijgestelde_einddatum, Verwijzing.inburgeraar_id)
        .where(
            Verwijzing.onderdeel.in_(onderdelen),
            Verwijzing.status.not_in(GEEN_PRESENTIE_STATUSSEN),
            # termijnen.traject_startdatum / traject_einddatum, in SQL: the traject overlaps the week.
            func.coalesce(TrajectStart.gerealiseerde_startdatum, Verwijzing.beoogde_startdatum) <= sunday,
            func.coalesce(TrajectStart.bijgestelde_einddatum, Verwijzing.uiterste_einddatum) >= monday,
        )
    )
    gezocht = zoeken.clause(zoek, voornamen=Inburgeraar.voornamen, achternaam=Inburgeraar.achternaam,
                            bsn=Inburgeraar.bsn, extra=(Verwijzing.kenmerk,))
    return query if gezocht is None else query.where(gezocht)


def count_rows(session: Session, user: User, monday: date, activiteit: Activiteit, zoek: str = "") -> int:
    """How many deelnemers the grid has for this week, activity and search."""
    query = _row_query(user, monday, monday + timedelta(days=6), activiteit, zoek).with_only_columns(
        func.count(Verwijzing.id))
    return session.scalar(query) or 0


def _one_row_query(user: User, activiteit: Activiteit) -> Any:
    """The row of one verwijzing (a grid save, the absence panel) with its stored days of the week, one result row
    per stored day (or one without), built once per user and activity (portal.services.statements): building the
    scoped query cost more than running it, and a second statement for the days more than joining them."""
    monday, sunday = bindparam("monday", type_=Date), bindparam("sunday", type_=Date)
    return statements.per_user(f"weekrooster.rij.{activiteit.value}", user, lambda: _row_query(
        user, monday, sunday, activiteit,
    ).where(Verwijzing.id == bindparam("only")).outerjoin(Presentie, and_(
        Presentie.verwijzing_id == Verwijzing.id, Presentie.datum.between(monday, sunday),
        Presentie.activiteit == bindparam("activiteit", type_=Presentie.__table__.c.activiteit.type),
    )).add_columns(*_STORED_COLUMNS))


_STORED_COLUMNS = (Presentie.verwijzing_id, Presentie.datum, Presentie.uren_aanwezig,
                   Presentie.uren_afwezig_geoorloofd, Presentie.uren_afwezig_ongeoorloofd, Presentie.reden_afwezig)


def _stored(verwijzingen: Any) -> Any:
    return (
        select(*_STORED_COLUMNS)
        .where(verwijzingen,
               Presentie.datum.between(bindparam("monday", type_=Date), bindparam("sunday", type_=Date)),
               Presentie.activiteit == bindparam("activiteit", type_=Presentie.__table__.c.activiteit.type))
    )


# The stored days of the shown rows (one row's come with it: _one_row_query).
_STORED = _stored(Presentie.verwijzing_id.in_(bindparam("ids", expanding=True)))


def load_rows(
    session: Session, user: User, monday: date, activiteit: Activiteit, today: date, only: int | None = None,
    zoek: str = "", pagina: int = 1,
) -> list[Row]:
    """The provider's deelnemers whose traject overlaps the week and fits the activity, with stored presentie."""
    sunday = monday + timedelta(days=6)
    if only is not None:
        query = _one_row_query(user, activiteit)
    else:
        query = _row_query(user, monday, sunday, activiteit, zoek).order_by(
            Inburgeraar.achternaam, Inburgeraar.voornamen, Verwijzing.id,
        ).limit(GRID_PER_PAGE).offset((max(pagina, 1) - 1) * GRID_PER_PAGE)
    # Core execution on the session's connection: plain rows, no ORM loading (nothing is pending in a read).
    connection = session.connection()
    results = connection.execute(query, {"monday": monday, "sunday": sunday, "only": only,
                                         "activiteit": activiteit}).all()
    stored: dict[tuple[int, date], tuple[Any, ...]] = {}
    if only is not None:  # the row's stored days came with it: one result row each
        stored = {(p[9], p[10]): p[9:] for p in results if p[10] is not None}
        results = results[:1]
    elif results:
        params = {"ids": [r[0] for r in results], "monday": monday, "sunday": sunday, "activiteit": activiteit}
        for p in connection.execute(_STORED, params):
            stored[(p[0], p[1])] = p
    days = [monday + timedelta(days=i) for i in range(7)]
    rows = []
    for vid, kenmerk, uiterste, voornamen, achternaam, startdatum, niet_gestart, bijgesteld, persoon, *_dag in results:
        row = Row(Deelnemer(vid, kenmerk, persoon), f"{voornamen} {achternaam}", startdatum, bool(niet_gestart), [])
        einde = termijnen.traject_einddatum(uiterste, bijgesteld)
        gestart = row.gestart
        for i, day in enumerate(days):
            cell = Cell(i, day, editable=False)
            if not gestart:
                cell.waarom_niet = "nog geen startdatum"
            elif day < startdatum:
                cell.waarom_niet = "vóór de start"
            elif day > einde:
                cell.waarom_niet = "na het einde"
            elif day > today:
                cell.waarom_niet = "in de toekomst"
            else:
                cell.editable = True
            p = stored.get((vid, day))
            if p is not None:
                _v, _d, aanwezig, geoorloofd, ongeoorloofd, reden = p
                cell.values = {
                    "aanwezig": _hours(aanwezig),
                    "geoorloofd": "" if not geoorloofd else _hours(geoorloofd),
                    "ongeoorloofd": "" if not ongeoorloofd else _hours(ongeoorloofd),
                    "reden": reden or "",
                }
                cell.opgeslagen = dict(cell.values)
                cell.stored = True
            row.cells.append(cell)
        rows.append(row)
    return rows
