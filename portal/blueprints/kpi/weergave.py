"""Reading the dashboard's query string and turning KPI results into chart bars and table cells."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from portal import access
from portal.blueprints.listing import int_arg
from portal.domain import perioden
from portal.domain.kpi import KpiResultaat, Rij, klein
from portal.domain.perioden import Periode
from portal.extensions import db
from portal.formatting import aantal, euro, procent, uren
from portal.models import Contract, Gemeente, User
from portal.services.kpi import KpiFilters
from portal.staafdiagram import Staaf


@dataclass
class KpiArgs:
    """The dashboard's query string, cleaned; a gemeente or contract outside the user's scope is a 404."""

    periode: Periode
    gemeente: int | None = None
    aanbieder: int | None = None
    contract: int | None = None

    @classmethod
    def parse(cls, args: Mapping[str, str], user: User, vandaag: date) -> KpiArgs:
        parsed = cls(
            periode=perioden.parse(args.get("periode"), vandaag),
            gemeente=int_arg(args.get("gemeente")),
            aanbieder=int_arg(args.get("aanbieder")),
            contract=int_arg(args.get("contract")),
        )
        if parsed.gemeente is not None:
            access.first_or_404(access.gemeenten(user).where(Gemeente.id == parsed.gemeente))
        if parsed.contract is not None:
            access.get_contract_or_404(user, parsed.contract)
        return parsed

    @property
    def filters(self) -> KpiFilters:
        return KpiFilters(gemeente_id=self.gemeente, aanbieder_id=self.aanbieder, contract_id=self.contract)

    def as_dict(self) -> dict[str, Any]:
        """Non-empty values for url_for, so every link keeps the selection."""
        values = {"periode": self.periode.code, "gemeente": self.gemeente, "aanbieder": self.aanbieder,
                  "contract": self.contract}
        return {k: v for k, v in values.items() if v not in (None, "")}


def keuzes(user: User, vandaag: date) -> dict[str, Any]:
    """The selectors' options, all within the user's scope."""
    return {
        "perioden": perioden.keuzes(vandaag),
        "gemeenten": list(db.session.scalars(access.gemeenten(user))),
        "aanbieders": list(db.session.scalars(access.aanbieders(user))),
        "contracten": list(db.session.scalars(access.contracts(user).order_by(Contract.kenmerk))),
    }


NIET_VAN_TOEPASSING = "niet van toepassing"
GEEN_GEGEVENS = "geen gegevens"
TE_WEINIG = "te weinig gegevens"
# Not small itself, but withheld so that a total minus the shown figures does not give away a small group next to it.
AFGESCHERMD = "afgeschermd (kleine groep elders)"


def te_weinig(aantal: int) -> str:
    return f"{TE_WEINIG} ({aantal})"


def zonder_cijfer(rij: Rij) -> str:
    """Why a row shows no figure: it does not apply, afgeschermd, too few to show (the small-group rule), or nothing
    to count. The pages and the xlsx say it alike."""
    if not rij.van_toepassing:
        return NIET_VAN_TOEPASSING
    if rij.afgeschermd:
        return AFGESCHERMD
    if klein(rij.omvang):
        return te_weinig(rij.omvang)
    return GEEN_GEGEVENS


def _label(rij: Rij) -> str:
    """A bar's label names its target in words, so the dashed line is never the only clue."""
    return f"{rij.label} (streef {rij.streef}%)" if rij.streef is not None and "streef" not in rij.label \
        and "verwacht" not in rij.label else rij.label


def staaf(rij: Rij) -> Staaf | None:
    """The bar of a row that holds a percentage; None for rows with counts, hours or days."""
    if rij.aandeel is None and rij.eenheid != "%":
        return None
    if not rij.van_toepassing:
        return Staaf(rij.label, None, NIET_VAN_TOEPASSING, None)
    pct = rij.aandeel.percentage if rij.aandeel is not None else _procent(rij.waarde)
    return Staaf(_label(rij), pct, "" if pct is not None else zonder_cijfer(rij), rij.streef)


def _procent(waarde: Decimal | int | None) -> Decimal | None:
    return Decimal(waarde) if waarde is not None else None


def staaf_van(rij: Rij, label: str) -> Staaf | None:
    """The bar of one row under another label (an aanbieder's name, a quarter)."""
    bar = staaf(rij)
    return Staaf(label, bar.percentage, bar.tekst, bar.streef) if bar else None


def staven(resultaat: KpiResultaat) -> list[Staaf]:
    return [s for r in resultaat.rijen if (s := staaf(r)) is not None]


def waarde_tekst(rij: Rij) -> str:
    """The figure of a row as the table shows it."""
    if rij.aandeel is not None:
        a = rij.aandeel
        return zonder_cijfer(rij) if a.percentage is None else procent(a.percentage)
    if rij.waarde is None:
        if not rij.van_toepassing or rij.omvang or rij.eenheid in ("%", "dagen", "weken", "uur", "cent"):
            return zonder_cijfer(rij)
        return "–"
    if rij.eenheid == "%":
        return procent(rij.waarde)
    if rij.eenheid == "cent":
        return euro(int(rij.waarde))
    if rij.eenheid == "uur":
        return f"{uren(rij.waarde)} uur"
    return aantal(rij.waarde, rij.eenheid, 1)


def maat_tekst(value: Decimal | int | None, maat: str) -> str:
    """A row's numerator or denominator with its unit: '1.234,5 uur', '€ 1.250,00', '21 sessies'; '–' for none."""
    if value is None:
        return "–"
    if maat == "uur":
        return f"{uren(value)} uur"
    if maat == "cent":
        return euro(int(value))
    return aantal(value, maat, 1)
