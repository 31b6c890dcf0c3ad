"""A provider with started trajecten, and helpers to write presence files the way people do."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from portal.extensions import db as portal_db
from portal.models import TrajectStart, User, Verwijzing
from portal.models.enums import Onderdeel, Rol
from portal.services.uploads import Settings
from portal.spreadsheets.guard import Limits
from tests import factories


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """tests/conftest.py's `db`, plus an explicit BEGIN on SQLite.

    These tests commit (uploads are confirmed in their own transaction). pysqlite only emits BEGIN before
    DML, so the outer transaction of the shared fixture is not open when the first SAVEPOINT runs, and
    releasing that savepoint commits for real: data would leak into later tests. An explicit BEGIN keeps
    every commit inside the rolled-back outer transaction.
    """
    assert portal_db.engine is not None
    connection = portal_db.engine.connect()
    outer = connection.begin()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
    original_factory = portal_db.session_factory
    portal_db.session_factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    session = portal_db.session_factory()
    for factory_class in factories.ALL_FACTORIES:
        factory_class._meta.sqlalchemy_session = session
    try:
        yield session
    finally:
        session.close()
        portal_db.session_factory = original_factory
        if outer.is_active:
            outer.rollback()
        connection.close()


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
        verwijzing = factories.VerwijzingFactory(inburgeraar=inburgeraar, contract=contract, onderdeel=Onderdeel.B1_ROUTE)
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
