"""A provider with started trajecten, and helpers to write presence files the way people do."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.orm import Session

from portal.models import TrajectStart, User, Verwijzing
from portal.models.enums import Onderdeel, Rol
from portal.services.uploads import Settings
from portal.spreadsheets.guard import Limits
from tests import factories


@dataclass
class Provider:
    """An aanbieder-medewerker with three started B1-route deelnemers and a stranger referred elsewhere."""

    user: User
    verwijzingen: list[Verwijzing]
    stranger: Verwijzing
    start: date


@pytest.fixture
def provider(db: Session) -> Provider:
    aanbieder = factories.AanbiederFactory()
    gemeente = factories.GemeenteFactory()
    contract = factories.ContractFactory(aanbieder=aanbieder, gemeenten=[gemeente])
    user = factories.UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=aanbieder)
    start = date.today() - timedelta(days=60)
    verwijzingen = []
    for _ in range(3):
        inburgeraar = factories.InburgeraarFactory(gemeente=gemeente)
        verwijzing = factories.VerwijzingFactory(
            inburgeraar=inburgeraar, contract=contract, onderdeel=Onderdeel.B1_ROUTE
        )
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=start))
        verwijzingen.append(verwijzing)
    other_contract = factories.ContractFactory(gemeenten=[gemeente])
    stranger = factories.VerwijzingFactory(contract=other_contract, onderdeel=Onderdeel.B1_ROUTE)
    db.add(TrajectStart(verwijzing_id=stranger.id, gerealiseerde_startdatum=start))
    db.flush()
    return Provider(user, verwijzingen, stranger, start)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "uploads", Limits(), 256 * 1024)


def xlsx_bytes(rows: list[list[Any]], title_rows: int = 0) -> bytes:
    """An xlsx with optional title rows, then the given rows (the first is the header)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append(["Presentielijst"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["BSN", "Datum", "Activiteit", "Uren aanwezig", "Uren afwezig geoorloofd", "Reden afwezigheid"]


def presence_rows(provider: Provider, day: date, uren: str = "2,5") -> list[list[Any]]:
    """One row per deelnemer of the provider on one day."""
    return [
        [v.inburgeraar.bsn, day.strftime("%d-%m-%Y"), "Taalles en KNM", uren, None, None]
        for v in provider.verwijzingen
    ]
