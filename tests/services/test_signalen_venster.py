"""The attendance window of the regie signals (the last four weeks) read from the kept week totals plus the
days of its first, partial week: for every weekday the window can start on, the hours equal a recomputation
from the presentie rows themselves."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from portal.models import Presentie, PresentieTotaal, PresentieWeek, Verwijzing
from portal.models.traject import Activiteit
from portal.services import signalen
from tests.factories import PresentieFactory, VerwijzingFactory

MONDAY = date(2026, 11, 2)
quarters = st.integers(min_value=0, max_value=16).map(lambda n: Decimal(n) / 4)
# (days after MONDAY - 35, activity, present, absent with reason, absent without): six weeks and a few days on.
days = st.lists(
    st.tuples(st.integers(0, 45), st.sampled_from([Activiteit.TAALLES_KNM, Activiteit.PARTICIPATIE]),
              quarters, quarters, quarters),
    min_size=1, max_size=30, unique_by=lambda d: (d[0], d[1]),
)


def _recomputed(db, verwijzing_id: int, venster: date) -> tuple[Decimal, Decimal, Decimal]:
    row = db.execute(
        select(func.coalesce(func.sum(Presentie.uren_aanwezig), 0),
               func.coalesce(func.sum(Presentie.uren_afwezig_geoorloofd), 0),
               func.coalesce(func.sum(Presentie.uren_afwezig_ongeoorloofd), 0))
        .where(Presentie.verwijzing_id == verwijzing_id, Presentie.datum >= venster)
    ).one()
    return tuple(Decimal(str(v)).quantize(Decimal("0.01")) for v in row)  # type: ignore[return-value]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=days, weekday=st.integers(0, 6))
def test_the_window_from_week_totals_equals_the_days_themselves(db, rows, weekday):
    verwijzing = VerwijzingFactory()
    first = MONDAY - timedelta(days=35)
    for offset, activiteit, aanwezig, geoorloofd, ongeoorloofd in rows:
        PresentieFactory(verwijzing=verwijzing, datum=first + timedelta(days=offset), activiteit=activiteit,
                         uren_aanwezig=aanwezig, uren_afwezig_geoorloofd=geoorloofd,
                         uren_afwezig_ongeoorloofd=ongeoorloofd)
    db.flush()
    today = MONDAY + timedelta(days=weekday)  # the window then starts on every weekday in turn
    venster = signalen.aanwezigheid_venster(today)
    query = signalen.presentie_per_verwijzing(select(Verwijzing.id).where(Verwijzing.id == verwijzing.id), venster)
    [(_, totaal, aanwezig, geoorloofd, ongeoorloofd, laatste)] = db.execute(query).all()
    figures = tuple(Decimal(str(v)).quantize(Decimal("0.01")) for v in (aanwezig, geoorloofd, ongeoorloofd))
    assert figures == _recomputed(db, verwijzing.id, venster)
    assert Decimal(str(totaal)) == sum(r[2] for r in rows)
    assert str(laatste)[:10] == (first + timedelta(days=max(r[0] for r in rows))).isoformat()
    for model in (Presentie, PresentieWeek, PresentieTotaal):  # hypothesis reuses the test's transaction
        db.execute(delete(model).where(model.verwijzing_id == verwijzing.id))
