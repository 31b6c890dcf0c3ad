"""Demo data for trajecten: a start for every verwijzing that started (or a 'niet gestart' with a reason) and
about eight weeks of believable sessions, with late starts, absences and the occasional late arrival.

Called by portal.demo after the verwijzingen exist; idempotent: verwijzingen that already have a start are skipped.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.domain import normen
from portal.models import Presentie, TrajectStart, Verwijzing
from portal.models.base import utcnow
from portal.models.enums import Onderdeel, VerwijzingStatus
from portal.models.traject import Activiteit
from portal.services import kept_totals

WEKEN = 40  # long enough that hours-against-pace signals reflect attendance, not a truncated history
_STARTED = (VerwijzingStatus.GESTART, VerwijzingStatus.AFGEROND, VerwijzingStatus.UITGEVALLEN)
# (activity, weekdays 0=Monday, hours per session, cap on total hours) per onderdeel
_ROOSTER: dict[Onderdeel, tuple[Activiteit, tuple[int, ...], Decimal, Decimal | None]] = {
    Onderdeel.B1_ROUTE: (Activiteit.TAALLES_KNM, (0, 2, 3), Decimal(3), None),
    Onderdeel.ONDERWIJSROUTE: (Activiteit.TAALLES_KNM, (0, 1, 2, 3), Decimal(4), None),
    Onderdeel.Z_ROUTE_TAAL: (Activiteit.TAALLES_KNM, (1, 3), Decimal("2.5"), None),
    Onderdeel.Z_ROUTE_PARTICIPATIE: (Activiteit.PARTICIPATIE, (4,), Decimal(4), None),
    # MAP and PVT stop at their legal norm: the practical part is done, the eindgesprek/ondertekening follows.
    Onderdeel.MAP: (Activiteit.MAP_PRAKTIJK, (1,), Decimal(4), Decimal(normen.WETTELIJKE_NORMEN[Onderdeel.MAP])),
    Onderdeel.PVT: (Activiteit.PVT, (4,), Decimal(2), Decimal(normen.WETTELIJKE_NORMEN[Onderdeel.PVT])),
    Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING: (Activiteit.MAATSCHAPPELIJKE_BEGELEIDING, (2,), Decimal("1.5"), None),
}
# How each demo aanbieder registers presence: the participatiewerkplaats collected a month in Excel (its history
# makes the aanleverdiscipline KPI), and registers weekly in the portal since a few weeks; Vechtdal still monthly.
_AANLEVEREN = {"Taalcentrum Omringdijk": "dagelijks", "Stichting Samen Verder": "dagelijks",
               "Participatiewerkplaats De Brug": "maandelijks", "Vechtdal Werk & Meedoen": "maandelijks"}
_WEKELIJKS_SINDS = {"Participatiewerkplaats De Brug": timedelta(weeks=6)}  # before today
# Deelnemers whose sessions of last week are not registered yet (what the provider's start page counts): a few per
# aanbieder. De Brug's are the MAP and PVT deelnemers of its own export, waiting in the uploads (demo_uploads).
NOG_NIET_GEREGISTREERD = 3
_EXPORT_AANBIEDER = "Participatiewerkplaats De Brug"
_EXPORT_ONDERDELEN = (Onderdeel.MAP, Onderdeel.PVT)
EXPORT_DEELNEMERS = 7
_REDEN_LATER = (
    "Kinderopvang was nog niet geregeld.",
    "Deelnemer was op familiebezoek in het buitenland; afgesproken start na terugkomst.",
    "Groep was vol; gestart in de eerstvolgende groep.",
    "Verhuizing naar een nieuwe woning in dezelfde gemeente.",
    "Medische afspraken in de eerste weken.",
)
_REDEN_NIET = (
    "Deelnemer is verhuisd naar een andere gemeente.",
    "Deelnemer is niet verschenen op de intake, ook niet na twee uitnodigingen.",
    "Deelnemer werkt fulltime; in overleg met de klantregisseur wordt een avondtraject gezocht.",
)
_REDEN_GEOORLOOFD = ("Ziek gemeld", "Afspraak bij de huisarts", "Afspraak bij de gemeente", "Zorg voor ziek kind",
                     "Sollicitatiegesprek")
_REDEN_ONGEOORLOOFD = ("Zonder bericht afwezig", "Te laat zonder bericht", "Vergeten")


def seed_presentie(
    session: Session, rng: random.Random, verwijzingen: Sequence[Verwijzing], today: date
) -> dict[str, int]:
    """Starts and ~8 weeks of sessions for the given verwijzingen; returns counts of what was added."""
    session.flush()
    ids = [v.id for v in verwijzingen]
    has_start = set(session.scalars(select(TrajectStart.verwijzing_id).where(TrajectStart.verwijzing_id.in_(ids))))
    now = utcnow()
    starts: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    lopend: list[Verwijzing] = []  # running for at least four weeks: candidates for a week not yet registered
    for verwijzing in verwijzingen:
        if verwijzing.id in has_start or verwijzing.beoogde_startdatum > today:
            continue
        if verwijzing.status is VerwijzingStatus.NIET_GESTART:
            starts.append(_start_row(verwijzing, now, niet_gestart=True, reden_niet_gestart=rng.choice(_REDEN_NIET)))
            continue
        if verwijzing.status not in _STARTED:
            continue
        start = verwijzing.beoogde_startdatum
        reden = None
        if rng.random() < 0.25:
            start = min(start + timedelta(days=rng.randrange(3, 22)), today, verwijzing.uiterste_einddatum)
            reden = rng.choice(_REDEN_LATER) if start > verwijzing.beoogde_startdatum else None
        starts.append(_start_row(verwijzing, now, gerealiseerde_startdatum=start, reden_latere_start=reden))
        sessions.extend(_sessions(rng, verwijzing, start, today, now))
        if verwijzing.status is VerwijzingStatus.GESTART and start <= _vorige_maandag(today) - timedelta(days=28):
            lopend.append(verwijzing)
    sessions = _hold_last_week(rng, sessions, lopend, today)
    if starts:
        session.execute(insert(TrajectStart.__table__), starts)
    if sessions:
        session.execute(insert(Presentie.__table__), sessions)
        # Loaded around the presentie service (in bulk): count them into the kept totals the same way.
        kept_totals.rebuild(session, sorted({s["verwijzing_id"] for s in sessions}))
    session.flush()
    return {"starts": len(starts), "presentie": len(sessions)}


def _vorige_maandag(today: date) -> date:
    """The Monday of last week (the week the provider's start page asks about)."""
    return today - timedelta(days=today.weekday() + 7)


def _hold_last_week(rng: random.Random, sessions: list[dict[str, Any]], lopend: Sequence[Verwijzing],
                    today: date) -> list[dict[str, Any]]:
    """Leave out last week's sessions of a few running deelnemers per aanbieder (not registered yet): at De Brug
    those of MAP and PVT deelnemers, one of them following both, whose export waits in the uploads."""
    monday = _vorige_maandag(today)
    sunday = monday + timedelta(days=6)
    # Only deelnemers with sessions that week (a MAP or PVT with its hours reached has none left to forget).
    met_sessies = {s["verwijzing_id"] for s in sessions if monday <= s["datum"] <= sunday}
    per_aanbieder: dict[str, list[Verwijzing]] = {}
    for verwijzing in lopend:
        if verwijzing.id in met_sessies:
            per_aanbieder.setdefault(verwijzing.aanbieder.naam, []).append(verwijzing)
    held: set[int] = set()
    for naam, candidates in sorted(per_aanbieder.items()):
        if naam == _EXPORT_AANBIEDER:
            export = [v for v in candidates if v.onderdeel in _EXPORT_ONDERDELEN]
            people: dict[int, list[Verwijzing]] = {}
            for v in export:
                people.setdefault(v.inburgeraar_id, []).append(v)
            both = next((vs for _p, vs in sorted(people.items()) if len(vs) > 1), [])
            rest = [v for v in export if v not in both]
            chosen = both + rng.sample(rest, min(len(rest), EXPORT_DEELNEMERS - len(both)))
        else:
            chosen = rng.sample(candidates, min(len(candidates), NOG_NIET_GEREGISTREERD))
        held.update(v.id for v in chosen)
    return [s for s in sessions if not (s["verwijzing_id"] in held and monday <= s["datum"] <= sunday)]


def _start_row(verwijzing: Verwijzing, now: Any, **values: Any) -> dict[str, Any]:
    row = {
        "verwijzing_id": verwijzing.id, "gerealiseerde_startdatum": None, "bijgestelde_einddatum": None,
        "reden_latere_start": None, "niet_gestart": False, "reden_niet_gestart": None,
        "geregistreerd_door_id": None, "created_at": now, "updated_at": now,
    }
    row.update(values)
    return row


def _sessions(rng: random.Random, verwijzing: Verwijzing, start: date, today: date, now: Any) -> list[dict]:
    activiteit, weekdays, uren, cap = _ROOSTER[verwijzing.onderdeel]
    # Each aanbieder has its own habit of registering presence (daily, weekly, monthly in Excel).
    aanleveren = _AANLEVEREN.get(verwijzing.aanbieder.naam, "wekelijks")
    wekelijks_vanaf = today - _WEKELIJKS_SINDS.get(verwijzing.aanbieder.naam, timedelta(days=-1))
    # Most deelnemers come almost always; about one traject in twenty misses often enough to raise a signal (a
    # person follows two to four parts, so that is roughly one in ten people, as in a real region).
    trouw = rng.random() < 0.95
    attendance = rng.uniform(0.9, 0.99) if trouw else rng.uniform(0.55, 0.8)
    # Regular attenders call in sick or have an appointment; absence without word is what marks the few who drift.
    geoorloofd_kans, te_laat_kans = (0.9, 0.02) if trouw else (0.5, 0.05)
    # The B1-route keeps its whole history: the 600-hour threshold for afschaling counts every lesuur since the
    # start, and deelnemers who started about two years ago have passed it. Other parts keep WEKEN weeks.
    first = start if verwijzing.onderdeel is Onderdeel.B1_ROUTE else max(start, today - timedelta(weeks=WEKEN))
    last = min(today - timedelta(days=1), verwijzing.uiterste_einddatum)
    total = Decimal(0)
    rows = []
    day = first
    while day <= last:
        if day.weekday() in weekdays and (cap is None or total < cap):
            aanwezig, geoorloofd, ongeoorloofd, reden = uren, Decimal(0), Decimal(0), None
            draw = rng.random()
            if draw > attendance:
                aanwezig = Decimal(0)
                if rng.random() < geoorloofd_kans:
                    geoorloofd, reden = uren, rng.choice(_REDEN_GEOORLOOFD)
                else:
                    ongeoorloofd, reden = uren, rng.choice(_REDEN_ONGEOORLOOFD)
            elif draw > attendance - te_laat_kans and uren > 1:
                aanwezig, ongeoorloofd, reden = uren - Decimal("0.75"), Decimal("0.75"), "Te laat gekomen"
            total += aanwezig
            geregistreerd = _registratiemoment(rng, "wekelijks" if day >= wekelijks_vanaf else aanleveren, day)
            if geregistreerd > now:
                day += timedelta(days=1)
                continue  # held, not registered yet: the aanbieder sends it later
            rows.append({
                "verwijzing_id": verwijzing.id, "datum": day, "activiteit": activiteit.value,
                "uren_aanwezig": aanwezig, "uren_afwezig_geoorloofd": geoorloofd,
                "uren_afwezig_ongeoorloofd": ongeoorloofd, "reden_afwezig": reden,
                "geregistreerd_door_id": None, "created_at": geregistreerd, "updated_at": geregistreerd,
            })
        day += timedelta(days=1)
    return rows


def _registratiemoment(rng: random.Random, aanleveren: str, day: date) -> datetime:
    """When a session was registered: the same or next day, at the end of the week, or after the month
    (the Excel-by-mail habit), with the odd straggler; what the aanleverdiscipline KPI measures."""
    if aanleveren == "dagelijks":
        later = rng.choice((0, 0, 0, 1, 1, 3))
    elif aanleveren == "wekelijks":
        later = 4 - day.weekday() + rng.choice((0, 0, 3))
    else:
        volgende_maand = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        later = (volgende_maand - day).days + rng.randrange(1, 8)
    if rng.random() < 0.03:
        later += rng.randrange(14, 40)
    return datetime.combine(day + timedelta(days=max(later, 0)), time(16, 30), tzinfo=UTC)
