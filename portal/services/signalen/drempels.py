"""The thresholds of the regie signals: per gemeente (the row without gemeente is the installation default)
and, for attendance, per contract. Loaded once per request; the tables are small."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Any

from sqlalchemy import String, cast, literal_column, null, select, union_all
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


def load_drempels(session: Session) -> DrempelTabel:
    """Read every threshold row; a gemeente without a row uses the default row, else the built-in defaults."""
    rows = session.execute(_alle_drempels()).all()
    gemeente_rows = [row for row in rows if row.soort == "gemeente"]
    standaard = next((_drempels(row, "standaard") for row in gemeente_rows if row.sleutel is None), Drempels())
    per_gemeente = {row.sleutel: _drempels(row, "gemeente") for row in gemeente_rows if row.sleutel is not None}
    per_contract = {row.sleutel: (row.kenmerk, row) for row in rows if row.soort == "contract"}
    return DrempelTabel(standaard, per_gemeente, per_contract)
