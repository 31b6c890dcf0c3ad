"""One figure, one value (issue 11.9): the same inburgeraar's hours and attendance read the same on the regie list
and its export, the case page, the KPI dashboard and the declaratie line.

The attendance is chosen on a rounding edge: 15,25 of 20 planned hours is 76,25%, which one rounding (half up,
one decimal: domain.afronding) makes 76,3% everywhere; formatting the unrounded figure would show 76,2%.
The progress against the PIP's geschatte intensiteit is chosen the same way: 15,25 of 27 hours is 56,48…%, which
reads 56,5% on the case page and the KPI page and 56.5 in the KPI export; a whole-percent truncation shows 56%.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import clock
from portal.models import Declaratie, Presentie, TrajectStart
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from portal.services import kept_totals
from portal.services.billing.derive import derive
from portal.services.billing.rules import periode_uit_code
from tests.factories import (
    AanbiederFactory,
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PrestatieIndicatorFactory,
    TariefFactory,
    UserFactory,
    VerwijzingFactory,
)

PERCENTAGE = "76,3%"
UREN = "15,25"
INTENSITEIT = 27  # hours the PIP estimates for the B1-route
VOORTGANG = "56,5%"  # 15,25 / 27
# Eight sessions of 2,5 hours: six attended, one attended for a quarter (late, the rest without reason), one ill.
SESSIES = [("2.5", "0", "0", None)] * 6 + [("0.25", "0", "2.25", "Te laat zonder bericht"),
                                          ("0", "2.5", "0", "Ziek gemeld")]


def _session_days(today: date) -> list[date]:
    """Eight weekdays inside the four-week attendance window (ending yesterday) and inside one calendar month, so
    the case page's four weeks, the declaratie's month and the KPI's quarter all hold exactly these sessions."""
    window = [today - timedelta(days=n) for n in range(27, 0, -1)]
    months: dict[tuple[int, int], list[date]] = {}
    for day in window:
        if day.weekday() < 5:
            months.setdefault((day.year, day.month), []).append(day)
    days = max(months.values(), key=len)
    assert len(days) >= 8
    return days[-8:]


@pytest.fixture
def regio(db):
    today = clock.today()
    days = _session_days(today)
    gemeente = GemeenteFactory(naam="Hoorn")
    aanbieder = AanbiederFactory(naam="Taalcentrum Afronding")
    contract = ContractFactory(aanbieder=aanbieder, gemeenten=[gemeente], startdatum=today - timedelta(days=400),
                               einddatum=today + timedelta(days=400), onderdelen=[Onderdeel.B1_ROUTE])
    indicator = PrestatieIndicatorFactory(contract=contract, code="UUR", min_aanwezigheid_pct=80)
    TariefFactory(indicator=indicator, bedrag_cent=1250, geldig_vanaf=today - timedelta(days=400))
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    beheerder = UserFactory(rol=Rol.AANBIEDER_BEHEERDER, aanbieder=aanbieder)
    # Five alike, so the KPI (which hides a percentage over fewer than five) shows the same percentage.
    mensen = []
    for n in range(5):
        persoon = InburgeraarFactory(gemeente=gemeente, klantregisseur=regisseur, achternaam=f"Afronding{n}")
        PipFactory(inburgeraar=persoon, leerroute=Leerroute.B, niveau=NiveauPip.B1,
                   geschatte_intensiteit=INTENSITEIT)
        verwijzing = VerwijzingFactory(
            inburgeraar=persoon, contract=contract, onderdeel=Onderdeel.B1_ROUTE, status=VerwijzingStatus.GESTART,
            beoogde_startdatum=today - timedelta(days=90), uiterste_einddatum=today + timedelta(days=600))
        db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=today - timedelta(days=90)))
        for day, (aanwezig, geoorloofd, ongeoorloofd, reden) in zip(days, SESSIES, strict=True):
            db.add(Presentie(verwijzing_id=verwijzing.id, datum=day, activiteit="taalles_knm",
                             uren_aanwezig=Decimal(aanwezig), uren_afwezig_geoorloofd=Decimal(geoorloofd),
                             uren_afwezig_ongeoorloofd=Decimal(ongeoorloofd), reden_afwezig=reden))
        mensen.append((persoon, verwijzing))
    db.flush()
    kept_totals.rebuild(db, [v.id for _p, v in mensen])
    periode = periode_uit_code(f"{days[0]:%Y-%m}")
    derive(db, contract, periode)
    db.commit()
    return {"mensen": mensen, "regisseur": regisseur, "manager": manager, "beheerder": beheerder,
            "aanbieder": aanbieder, "dag": days[0]}


def _tekst(html: str) -> str:
    """The page's text, tags dropped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_hours_and_attendance_read_the_same_on_every_page(db, app, regio, login_as):
    persoon, verwijzing = regio["mensen"][0]
    assert sum(p.uren_aanwezig for p in db.scalars(
        select(Presentie).where(Presentie.verwijzing_id == verwijzing.id))) == Decimal(UREN.replace(",", "."))

    # Case page: totals and the attendance signal's explanation.
    regisseur = login_as(regio["regisseur"])
    dossier = _tekst(regisseur.get(f"/inburgeraars/{persoon.id}").get_data(as_text=True))
    assert f"Presentie laatste 4 weken {PERCENTAGE}" in dossier
    assert f"Uren aanwezig {UREN}" in dossier
    assert f"aanwezig {UREN} uur van 20 uur geplande uren ({PERCENTAGE})" in dossier
    assert f"{UREN} van {INTENSITEIT} uur ({VOORTGANG})" in dossier
    assert "(56%)" not in dossier and "(57%)" not in dossier
    # DUO's counter takes whole hours, rounded down (its own definition, said under the table), from the same hours.
    assert f"Taalles en KNM bij de cursusinstelling {UREN} 15" in dossier and "DUO vraagt hele uren" in dossier

    # Regie list: the signal; its export: the same explanation with the same figures.
    lijst = _tekst(regisseur.get("/regie/?q=Afronding0").get_data(as_text=True))
    assert "Aanwezigheid onder de drempel" in lijst
    export = load_workbook(io.BytesIO(regisseur.get("/regie/export.xlsx").data)).active
    kop = next(r for r in export.iter_rows(values_only=True) if r[0] == "Achternaam")
    rij = next(r for r in export.iter_rows(values_only=True) if r[0] == persoon.achternaam)
    assert f"aanwezig {UREN} uur van 20 uur geplande uren ({PERCENTAGE})" in rij[kop.index("Toelichting")]

    # KPI dashboard of the contractmanager, for this aanbieder and the quarter of the sessions.
    from tests.helpers import open_session

    manager = open_session(db, app.test_client(), regio["manager"])
    kwartaal = f"{regio['dag'].year}-K{(regio['dag'].month - 1) // 3 + 1}"
    kpi = _tekst(manager.get(f"/kpi/?periode={kwartaal}&aanbieder={regio['aanbieder'].id}").get_data(as_text=True))
    assert re.search(rf"Aanwezig {re.escape(PERCENTAGE)}", kpi), kpi[:2000]
    assert re.search(rf"geschatte intensiteit in het PIP: uren gerealiseerd van het doel {VOORTGANG}", kpi)
    # The KPI export holds the same rounded figures as numbers.
    blad = load_workbook(io.BytesIO(manager.get(
        f"/kpi/export.xlsx?periode={kwartaal}&aanbieder={regio['aanbieder'].id}").data)).worksheets[0]
    waarden = {(r[0], r[1]): r[5] for r in blad.iter_rows(min_row=4, values_only=True)}
    assert waarden[("Aanwezigheid", "Aanwezig")] == float(PERCENTAGE.rstrip("%").replace(",", "."))
    assert waarden[("Urenrealisatie", "B1-route tegen geschatte intensiteit in het PIP: uren gerealiseerd van het "
                                      "doel")] == float(VOORTGANG.rstrip("%").replace(",", "."))

    # Declaratie line (still a concept: the aanbieder sees it): the hours and the attendance finding.
    beheerder = open_session(db, app.test_client(), regio["beheerder"])
    declaratie = db.scalars(select(Declaratie)).one()
    regels = _tekst(beheerder.get(f"/declaraties/{declaratie.id}").get_data(as_text=True))
    assert f"{UREN} uur × € 12,50" in regels
    assert f"Aanwezigheid {PERCENTAGE} in" in regels
