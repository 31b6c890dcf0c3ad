"""The thresholds of the regie signals: per gemeente (the row without gemeente is the installation default)
and, for attendance, per contract. Loaded once per request; the tables are small."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Any

from sqlalchemy import String, cast, func, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from portal.models import Contract, ContractSignaalDrempels, SignaalDrempels
from portal.models.signaal import STANDAARD_DREMPELS


@dataclass(frozen=True)
class Drempels:
    """The thresholds that apply to one gemeente (and, for attendance, one contract)."""

    weken_niet_gestart: int = STANDAARD_DREMPELS["weken_niet_gestart"]
    dagen_late_start: int = STANDAARD_DREMPELS["dagen_late_start"]
    aanwezigheid_min_pct: int = STANDAARD_DREMPELS["aanwezigheid_min_pct"]
    dagen_geen_presentie: int = STANDAARD_DREMPELS["dagen_geen_presentie"]
    uren_achterstand_pct: int = STANDAARD_DREMPELS["uren_achterstand_pct"]
    maanden_termijn_einde: int = STANDAARD_DREMPELS["maanden_termijn_einde"]
    dagen_map_pvt_deadline: int = STANDAARD_DREMPELS["dagen_map_pvt_deadline"]
    dagen_afschaling_wachten: int = STANDAARD_DREMPELS["dagen_afschaling_wachten"]
    dagen_nieuw: int = STANDAARD_DREMPELS["dagen_nieuw"]
    # Where the attendance threshold comes from, for the explanation ("contract C-00012" / "gemeente").
    aanwezigheid_bron: str = "standaard"


_DREMPEL_VELDEN = [f.name for f in fields(Drempels) if f.name != "aanwezigheid_bron"]


@dataclass
class DrempelTabel:
    """All thresholds of the installation."""

    standaard: Drempels
    per_gemeente: dict[int, Drempels]
    per_contract: dict[int, tuple[str, Any]]  # kenmerk, and a row with the contract's two attendance thresholds
    # The rules ask once per verwijzing; a region has a handful of gemeente and contract combinations.
    _gekend: dict[tuple[int | None, int | None], Drempels] = field(default_factory=dict, repr=False, compare=False)

    def voor(self, gemeente_id: int | None, contract_id: int | None = None) -> Drempels:
        """Thresholds for a gemeente, with a contract's attendance thresholds on top when it has them."""
        key = (gemeente_id, contract_id)
        found = self._gekend.get(key)
        if found is None:
            found = self._gekend[key] = self._bepaal(gemeente_id, contract_id)
        return found

    def _bepaal(self, gemeente_id: int | None, contract_id: int | None) -> Drempels:
        basis = self.per_gemeente.get(gemeente_id, self.standaard) if gemeente_id is not None else self.standaard
        if contract_id is None or contract_id not in self.per_contract:
            return basis
        kenmerk, regel = self.per_contract[contract_id]
        changes: dict[str, Any] = {}
        if regel.aanwezigheid_min_pct is not None:
            changes["aanwezigheid_min_pct"] = regel.aanwezigheid_min_pct
            changes["aanwezigheid_bron"] = f"contract {kenmerk}"
        if regel.dagen_geen_presentie is not None:
            changes["dagen_geen_presentie"] = regel.dagen_geen_presentie
        return replace(basis, **changes) if changes else basis


def _drempels(row: Any, bron: str) -> Drempels:
    return Drempels(**{name: getattr(row, name) for name in _DREMPEL_VELDEN}, aanwezigheid_bron=bron)


@cache  # built once, run again with no parameters (its SQL compiled once per engine)
def _alle_drempels() -> Any:
    """Every gemeente row (soort "gemeente") and contract row (soort "contract", with the contract's kenmerk) as one
    statement of plain rows (UNION ALL, typed NULLs): the case page reads them on every request, and two statements
    loading ORM objects cost more than its signal rules."""
    tabel, contract = SignaalDrempels.__table__, ContractSignaalDrempels.__table__

    def leeg(kolom: Any) -> Any:
        return cast(null(), kolom.type)

    gemeenten = select(
        literal_column("'gemeente'", String).label("soort"), tabel.c.id.label("volgorde"),
        tabel.c.gemeente_id.label("sleutel"), *(tabel.c[name] for name in _DREMPEL_VELDEN),
        leeg(Contract.__table__.c.kenmerk).label("kenmerk"),
    )
    contracten = select(
        literal_column("'contract'", String), contract.c.id, contract.c.contract_id,
        *(contract.c[name] if name in contract.c else leeg(tabel.c[name]) for name in _DREMPEL_VELDEN),
        Contract.__table__.c.kenmerk,
    ).join(Contract.__table__, Contract.__table__.c.id == contract.c.contract_id)
    return union_all(gemeenten, contracten).order_by("soort", "volgorde")


@cache
def drempel_stempel() -> Any:
    """A scalar subquery: every threshold row (and its contract's kenmerk) as one text, for a caller's statement to
    read with what it reads anyway, so that `drempels_met_stempel` can tell whether this process's copy is current
    without a statement of its own. Equal texts are equal thresholds: numbers are digits, a NULL is '-', the
    kenmerk (free text) comes last with its length in front; rows in another order only miss the copy."""
    rij = _alle_drempels().subquery("d")
    # Literals, not bound parameters: the stamp is read at every such write, and ~30 parameters cost more to bind
    # than reading the thresholds.
    streep, dubbelepunt = literal_column("'-'", String), literal_column("':'", String)

    def tekst(kolom: Any) -> Any:
        return func.coalesce(cast(kolom, String), streep)

    delen = [rij.c.soort, *(tekst(rij.c[name]) for name in ("volgorde", "sleutel", *_DREMPEL_VELDEN)),
             func.coalesce(cast(func.length(rij.c.kenmerk), String) + dubbelepunt + rij.c.kenmerk, streep)]
    regel = delen[0]
    for deel in delen[1:]:
        regel = regel + dubbelepunt + deel
    return select(func.aggregate_strings(regel, literal_column("';'", String))).scalar_subquery()


@cache
def _alle_drempels_met_stempel() -> Any:
    """`_alle_drempels` with `drempel_stempel` on every row: the thresholds and their stamp read at once."""
    rij = _alle_drempels().subquery("r")
    return select(*rij.c, drempel_stempel().label("stempel")).order_by(rij.c.soort, rij.c.volgorde)


# This process's thresholds by stamp: a write of one case (a grid save) reads the stamp in its own statement and
# the thresholds only when they changed. Keyed by content, so any change (another worker's, a rollback) is a miss.
_per_stempel: dict[str | None, DrempelTabel] = {}


def drempels_met_stempel(session: Session, stempel: str | None) -> DrempelTabel:
    """The thresholds whose `drempel_stempel` is `stempel` (read in the caller's statement): this process's copy,
    or read again (with their stamp, in one statement) when it has none."""
    tabel = _per_stempel.get(stempel)
    if tabel is None:
        rows = session.execute(_alle_drempels_met_stempel()).all()
        tabel = _tabel(rows)
        if len(_per_stempel) >= 8:
            _per_stempel.clear()
        # Under the stamp these rows have: read later than the caller's, they may be newer (and then serve it
        # as load_drempels would have, read at this point).
        _per_stempel[rows[0].stempel if rows else None] = tabel
    return tabel


def load_drempels(session: Session) -> DrempelTabel:
    """Read every threshold row; a gemeente without a row uses the default row, else the built-in defaults."""
    return _tabel(session.execute(_alle_drempels()).all())


def _tabel(rows: Any) -> DrempelTabel:
    gemeente_rows = [row for row in rows if row.soort == "gemeente"]
    standaard = next((_drempels(row, "standaard") for row in gemeente_rows if row.sleutel is None), Drempels())
    per_gemeente = {row.sleutel: _drempels(row, "gemeente") for row in gemeente_rows if row.sleutel is not None}
    per_contract = {row.sleutel: (row.kenmerk, row) for row in rows if row.soort == "contract"}
    return DrempelTabel(standaard, per_gemeente, per_contract)
