"""A working day's concurrency: several people save week-grid rows and read case pages at the same moment.

The real app runs on a live threaded werkzeug server over a scratch database (a WAL-mode SQLite file, or a
throwaway PostgreSQL database when DATABASE_URL points at PostgreSQL), and eight clients send their requests
at once. Nobody may get a server error, and every save the portal said it stored must be in the database with
the value that was typed.
"""

from __future__ import annotations

import http.client
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db as portal_db
from portal.models import Presentie, User, UserSession
from portal.models.enums import Onderdeel, Rol
from portal.models.traject import Activiteit, TrajectStart
from portal.security import SESSION_KEY
from tests import factories
from tests.helpers import app_on_scratch_database, serving

CLIENTS = 8
REQUESTS_PER_CLIENT = 50
SAVERS = 6  # the other clients are klantregisseurs reading case pages
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
_BERICHT = re.compile(r'data-bericht="([^"]*)"')


@dataclass
class Werkdag:
    """The live server and who works on it."""

    app: Flask
    port: int
    docenten: list[tuple[int, int]]  # (user id, the verwijzing id whose row this docent saves)
    regisseurs: list[int]
    inburgeraar_ids: list[int]
    verwijzing_ids: list[int]


@pytest.fixture
def werkdag(tmp_path: Path) -> Iterator[Werkdag]:
    with app_on_scratch_database(tmp_path, "portal_werkdag") as app:
        day = _seed(app)
        with serving(app) as port:
            yield Werkdag(app, port, *day)


def _seed(app: Flask) -> tuple[list[tuple[int, int]], list[int], list[int], list[int]]:
    """One aanbieder with six docenten, each with their own started deelnemer; two klantregisseurs."""
    with app.app_context():
        session = portal_db.session
        for factory_class in factories.ALL_FACTORIES:
            factory_class._meta.sqlalchemy_session = session
        gemeente = factories.GemeenteFactory()
        aanbieder = factories.AanbiederFactory()
        contract = factories.ContractFactory(aanbieder=aanbieder, gemeenten=[gemeente])
        regisseurs = [factories.UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente]) for _ in range(2)]
        docenten, inburgeraars, verwijzingen = [], [], []
        for n in range(SAVERS):
            docent = factories.UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=aanbieder)
            inburgeraar = factories.InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseurs[n % 2])
            factories.PipFactory(inburgeraar=inburgeraar)
            verwijzing = factories.VerwijzingFactory(
                inburgeraar=inburgeraar, contract=contract, onderdeel=Onderdeel.B1_ROUTE,
                beoogde_startdatum=date.today() - timedelta(days=90),
            )
            session.add(TrajectStart(verwijzing_id=verwijzing.id,
                                     gerealiseerde_startdatum=date.today() - timedelta(days=90)))
            docenten.append((docent.id, verwijzing.id))
            inburgeraars.append(inburgeraar.id)
            verwijzingen.append(verwijzing.id)
        session.commit()
        return docenten, [r.id for r in regisseurs], inburgeraars, verwijzingen


class Client:
    """One person's browser: a session cookie, the CSRF token of the last page, plain HTTP on loopback."""

    def __init__(self, werkdag: Werkdag, user_id: int) -> None:
        self.port = werkdag.port
        session_id = secrets.token_urlsafe(32)
        with werkdag.app.app_context():
            portal_db.session.add(UserSession(id=session_id, user_id=user_id))
            portal_db.session.commit()
            serializer = werkdag.app.session_interface.get_signing_serializer(werkdag.app)
            assert serializer is not None
            self.cookie = serializer.dumps({"_user_id": str(user_id), "_fresh": True, SESSION_KEY: session_id})
        self.cookie_name = werkdag.app.config["SESSION_COOKIE_NAME"]
        self.csrf = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                htmx: bool = False) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": f"{self.cookie_name}={self.cookie}"}
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if form is not None:
            body = urlencode({"csrf_token": self.csrf, **form})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith(f"{self.cookie_name}="):
                    self.cookie = value.split(";", 1)[0].split("=", 1)[1]
        finally:
            connection.close()
        if match := _CSRF.search(content):
            self.csrf = match.group(1)
        return response.status, content


@dataclass
class Outcome:
    """What every client saw."""

    failures: list[str] = field(default_factory=list)
    told_saved: dict[tuple[int, date], Decimal] = field(default_factory=dict)
    saves: int = 0
    reads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _docent(werkdag: Werkdag, user_id: int, verwijzing_id: int, outcome: Outcome, start: threading.Barrier) -> None:
    client = Client(werkdag, user_id)
    today = date.today()
    monday = today - timedelta(days=today.weekday() + 7)  # last week: every day is in the past
    week_url = f"/presentie/week?week={_week(monday)}&activiteit={Activiteit.TAALLES_KNM.value}"
    typed_days: dict[str, str] = {}  # what the row's inputs hold, as the browser posts all of them
    start.wait()
    for n in range(REQUESTS_PER_CLIENT):
        if n % 5 == 0:
            status, content = client.request("GET", week_url)
            _check(outcome, "GET week", status, content)
            continue
        day = n % 5  # Tuesday to Friday, round and round: corrections of stored rows after the first pass
        value = Decimal(1 + (n * 7 + user_id) % 12) / 4  # quarter hours, 0,25 … 3,00
        typed_days[f"aanwezig_{day}"] = f"{value:.2f}".replace(".", ",")
        status, content = client.request("POST", f"/presentie/week/rij/{verwijzing_id}", {
            "week": _week(monday), "activiteit": Activiteit.TAALLES_KNM.value, **typed_days,
        }, htmx=True)
        _check(outcome, "POST rij", status, content)
        bericht = _BERICHT.search(content)
        with outcome.lock:
            outcome.saves += 1
            if status == 200 and bericht and bericht.group(1).startswith(("Opgeslagen voor", "Geen wijzigingen")):
                outcome.told_saved[(verwijzing_id, monday + timedelta(days=day))] = value
            else:
                outcome.failures.append(f"save {n} of docent {user_id}: {status} {bericht and bericht.group(1)} "
                                        f"{re.findall(r'portal-grid__error[^>]*>([^<]*)', content)}")


def _regisseur(werkdag: Werkdag, user_id: int, outcome: Outcome, start: threading.Barrier) -> None:
    client = Client(werkdag, user_id)
    pages = [f"/inburgeraars/{i}" for i in werkdag.inburgeraar_ids]
    pages += [f"/registraties/verwijzing/{v}" for v in werkdag.verwijzing_ids]
    pages += ["/regie/"]
    start.wait()
    for n in range(REQUESTS_PER_CLIENT):
        path = pages[(n + user_id) % len(pages)]
        status, content = client.request("GET", path)
        _check(outcome, f"GET {path}", status, content)
        with outcome.lock:
            outcome.reads += 1


def _check(outcome: Outcome, what: str, status: int, content: str) -> None:
    if status >= 500 or status in (403, 404):
        title = re.search(r"<title>(.*?)</title>", content, re.S)
        with outcome.lock:
            outcome.failures.append(f"{what}: {status} {title.group(1).strip() if title else content[:120]!r}")


def test_concurrent_grid_saves_and_case_reads_all_succeed_and_every_confirmed_save_is_stored(werkdag: Werkdag):
    outcome = Outcome()
    start = threading.Barrier(CLIENTS)
    workers = [
        threading.Thread(target=_docent, args=(werkdag, user_id, verwijzing_id, outcome, start))
        for user_id, verwijzing_id in werkdag.docenten
    ] + [
        threading.Thread(target=_regisseur, args=(werkdag, user_id, outcome, start))
        for user_id in werkdag.regisseurs
    ]
    assert len(workers) == CLIENTS
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not any(worker.is_alive() for worker in workers), "clients did not finish"

    assert outcome.failures == []
    assert outcome.saves == SAVERS * (REQUESTS_PER_CLIENT - REQUESTS_PER_CLIENT // 5)
    assert outcome.reads == (CLIENTS - SAVERS) * REQUESTS_PER_CLIENT
    with werkdag.app.app_context():
        stored = {
            (p.verwijzing_id, p.datum): p.uren_aanwezig
            for p in portal_db.session.scalars(select(Presentie).where(
                Presentie.verwijzing_id.in_(werkdag.verwijzing_ids)))
        }
        assert portal_db.session.scalar(select(User.id).limit(1)) is not None
    assert len(outcome.told_saved) == SAVERS * 4
    wrong = {key: (value, stored.get(key)) for key, value in outcome.told_saved.items() if stored.get(key) != value}
    assert wrong == {}, "saves the portal confirmed but the database does not hold"
