"""Demo data for the work around a traject, so every feature shows up for every demo login: afschalingsverzoeken
waiting and decided (B1-route deelnemers past 600 hours), exam and route results, changed circumstances, meldingen
read and unread, and uploads (one confirmed, one with errors in its preview).

Everything goes through the same service functions as the forms and uploads, so the demo holds only what the
portal itself would store, with its audit events and meldingen. Called by portal.demo for the inburgeraars
created in this run; a forced re-run adds nothing twice.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.domain import normen
from portal.models import Inburgeraar, Melding, Presentie, User, Verwijzing
from portal.models.base import utcnow
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, Rol, VerwijzingStatus
from portal.models.resultaat import TAAL_EXAMENONDERDELEN, AfschalingStatus, Examenuitslag, OmstandighedenSoort
from portal.models.upload import UploadSoort
from portal.services import ValidationError, afschaling, resultaten, totals, voortgang
from portal.services.auth import hash_password

_OBSERVATIES = (
    "Na ruim 600 lesuren komen lezen en luisteren op A2 niet verder, ondanks extra oefenuren en huiswerkbegeleiding.",
    "Spreken blijft moeizaam: korte zinnen lukken, een gesprek op B1 niet. De toetsen stagneren al een half jaar.",
    "Deelnemer is er bijna altijd en doet goed mee, maar schrijven op B1 blijft buiten bereik.",
)
_ERVARING = (
    "Vindt de lessen zwaar en merkt dat het onthouden steeds moeilijker gaat.",
    "Wil graag aan het werk en ervaart het B1-examen als een te hoge drempel.",
    "Is gemotiveerd, maar zegt zelf dat lezen en schrijven niet verder komen.",
)
_OMSTANDIGHEDEN = (
    (OmstandighedenSoort.WERK, "Heeft een baan van 24 uur per week in de kassenteelt; lessen voortaan op de "
                               "ochtenden dat hij vrij is."),
    (OmstandighedenSoort.GEZINSSITUATIE, "Gezinshereniging: partner en twee kinderen zijn aangekomen."),
    (OmstandighedenSoort.VERHUIZING, "Verhuist binnen de gemeente; reistijd naar de les wordt korter."),
    (OmstandighedenSoort.ANDERS, "Mantelzorg voor een familielid; mist daardoor soms een les."),
)
AFSCHALING_UREN = Decimal(600)


def seed_dossiers(session: Session, region: object, upload_dir: Path | None = None) -> dict[str, int]:
    """The demo's afschalingsverzoeken, results, omstandigheden, meldingen and uploads for this run's cases."""
    from portal.demo import DEMO_LOGINS, DemoRegion  # imported here: portal.demo is the entry point

    assert isinstance(region, DemoRegion)
    if not region.verwijzingen:
        return {}
    session.flush()
    today = region.today
    users = region.users
    docent = users["docent@omringdijk.example.nl"]
    begeleider = users["begeleider@debrug.example.nl"]
    lingua = _collega(session, region, "linguanova", "docent@linguanova.example.nl", "Ayla Demir")
    regisseurs = {login: users[login] for login in ("klantregisseur@werksaam.example.nl",
                                                     "klantregisseur@dalfsen.example.nl")}
    counts = {"afschalingsverzoeken": 0, "examenresultaten": 0, "routeresultaten": 0, "omstandigheden": 0}

    ids = [v.id for v in region.verwijzingen]
    verwijzingen = list(session.scalars(select(Verwijzing).where(Verwijzing.id.in_(ids)).order_by(Verwijzing.id)))
    for provider, regisseur, plan in (
        (docent, regisseurs["klantregisseur@werksaam.example.nl"], ("wacht", "wacht", "wacht", "goed", "goed", "af")),
        (lingua, regisseurs["klantregisseur@dalfsen.example.nl"], ("wacht", "goed")),
    ):
        counts["afschalingsverzoeken"] += _afschalingen(session, provider, regisseur, verwijzingen, plan, today)
        counts["examenresultaten"] += _examens(session, provider, verwijzingen, today)
        counts["omstandigheden"] += _omstandigheden(session, provider, verwijzingen, today)
    counts["routeresultaten"] += _routeresultaten(session, begeleider, verwijzingen, today)
    counts["omstandigheden"] += _omstandigheden(session, begeleider, verwijzingen, today, aantal=2)
    session.flush()
    counts["meldingen gelezen"] = _lees_de_helft(session, [users[login.email] for login in DEMO_LOGINS])
    if upload_dir is not None:
        counts["uploads"] = _uploads(session, docent, verwijzingen, today, upload_dir)
    return {k: v for k, v in counts.items() if v}


def _collega(session: Session, region: object, aanbieder_key: str, email: str, naam: str) -> User:
    """A provider employee without a login (no second factor), so Dalfsen's cases have someone who registers."""
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, naam=naam, rol=Rol.AANBIEDER_MEDEWERKER,
                    aanbieder=region.aanbieders[aanbieder_key],  # type: ignore[attr-defined]
                    password_hash=hash_password(secrets.token_urlsafe(24)), totp_bevestigd=False)
        session.add(user)
        session.flush()
    return user


def _eigen(verwijzingen: Iterable[Verwijzing], provider: User, onderdeel: Onderdeel) -> list[Verwijzing]:
    return [v for v in verwijzingen if v.aanbieder_id == provider.aanbieder_id and v.onderdeel is onderdeel
            and v.status is VerwijzingStatus.GESTART]


def _afschalingen(session: Session, provider: User, regisseur: User, verwijzingen: Sequence[Verwijzing],
                  plan: Sequence[str], today: date) -> int:
    """Requests on B1-route verwijzingen past 600 hours whose PIP is still B1: waiting, approved or rejected."""
    kandidaten = []
    for v in _eigen(verwijzingen, provider, Onderdeel.B1_ROUTE):
        pip = v.inburgeraar.huidige_pip
        if pip is None or pip.leerroute is not Leerroute.B or pip.niveau is not NiveauPip.B1:
            continue
        if v.inburgeraar.klantregisseur_id not in (regisseur.id, None):
            continue
        if Decimal(totals.taalles_knm_uren(session, v.inburgeraar_id)) >= AFSCHALING_UREN:
            kandidaten.append(v)
    made = 0
    for n, (v, uitkomst) in enumerate(zip(kandidaten, plan, strict=False)):
        # Never a part already passed (DUO's results are seeded before this): submit_verzoek refuses those, so the
        # demo names the parts still open, preferring two of them.
        nog_open = [o.value for o in TAAL_EXAMENONDERDELEN if o not in {
            e.onderdeel for e in afschaling.al_behaald(session, v.inburgeraar, TAAL_EXAMENONDERDELEN)}]
        voorkeur = [o for o in (["LE", "LU"] if n % 2 == 0 else ["SP", "SC"]) if o in nog_open]
        onderdelen = voorkeur or nog_open[:2]
        try:
            verzoek = afschaling.submit_verzoek(session, provider, v, afschaling.AfschalingsverzoekInput(
                onderdelen=onderdelen, observaties_aanbieder=_OBSERVATIES[n % len(_OBSERVATIES)],
                ervaring_inburgeraar=_ERVARING[n % len(_ERVARING)]), today=today)
        except ValidationError:
            continue
        # Submitted some days ago, so the waiting ones show the "wacht op besluit" signal and order oldest first.
        verzoek.ingediend_op = utcnow() - timedelta(days=4 + 5 * n)
        if uitkomst != "wacht":
            besluit = afschaling.BesluitInput(
                besluit=(AfschalingStatus.GOEDGEKEURD if uitkomst == "goed" else AfschalingStatus.AFGEWEZEN).value,
                besluit_reden=None if uitkomst == "goed" else
                "Nog geen 600 uur aantoonbare inzet bij spreken: eerst drie maanden extra spreekoefening.",
                dagtekening=f"{today:%d-%m-%Y}")
            afschaling.decide(session, regisseur, verzoek, besluit, today=today)
        made += 1
    return made


def _examens(session: Session, provider: User, verwijzingen: Sequence[Verwijzing], today: date) -> int:
    """Exam results of B1-route deelnemers who have followed many lessons: passed, failed and one absence."""
    uitslagen = (
        ("KNM", "A2", Examenuitslag.GESLAAGD, None), ("LU", "B1", Examenuitslag.GESLAAGD, None),
        ("LE", "B1", Examenuitslag.GEZAKT, None), ("SP", "B1", Examenuitslag.GEEN, "Nietverwijtbaar"),
    )
    made = 0
    gekozen = [v for v in _eigen(verwijzingen, provider, Onderdeel.B1_ROUTE)
               if Decimal(totals.taalles_knm_uren(session, v.inburgeraar_id)) >= 400][-4:]
    for n, v in enumerate(gekozen):
        onderdeel, niveau, uitslag, reden = uitslagen[n % len(uitslagen)]
        try:
            resultaten.register_examenresultaat(session, provider, v, resultaten.ExamenresultaatInput(
                onderdeel=onderdeel, niveau=niveau, resultaat=uitslag.value,
                examendatum=f"{today - timedelta(days=9 + n):%d-%m-%Y}", reden_geen_resultaat=reden), today=today)
        except ValidationError:
            continue
        made += 1
    return made


def _routeresultaten(session: Session, provider: User, verwijzingen: Sequence[Verwijzing], today: date) -> int:
    """MAP eindgesprekken and signed PVT declarations of deelnemers whose practical hours are complete."""
    made = 0
    for onderdeel, veld in ((Onderdeel.MAP, "datum_eindgesprek_map"), (Onderdeel.PVT, "datum_ondertekening_pvt")):
        norm = Decimal(normen.WETTELIJKE_NORMEN[onderdeel])
        klaar = [v for v in _eigen(verwijzingen, provider, onderdeel) if _uren(session, v) >= norm][:3]
        for n, v in enumerate(klaar):
            try:
                resultaten.register_routeresultaat(session, provider, v, resultaten.RouteResultaatInput(
                    **{veld: f"{today - timedelta(days=3 + 4 * n):%d-%m-%Y}"}), today=today)
            except ValidationError:
                continue
            made += 1
    return made


def _uren(session: Session, verwijzing: Verwijzing) -> Decimal:
    """Hours present on one verwijzing (the practical part of MAP or PVT is complete at the legal norm)."""
    total = session.scalar(select(func.sum(Presentie.uren_aanwezig)).where(Presentie.verwijzing_id == verwijzing.id))
    return Decimal(total or 0)


def _omstandigheden(session: Session, provider: User, verwijzingen: Sequence[Verwijzing], today: date,
                    aantal: int = 3) -> int:
    """A few changed circumstances, reported in the last weeks."""
    made = 0
    kandidaten = [v for v in verwijzingen if v.aanbieder_id == provider.aanbieder_id
                  and v.status is VerwijzingStatus.GESTART][3::17][:aantal]
    for n, v in enumerate(kandidaten):
        soort, toelichting = _OMSTANDIGHEDEN[(n + len(kandidaten)) % len(_OMSTANDIGHEDEN)]
        try:
            voortgang.report_omstandigheden(session, provider, v, voortgang.OmstandighedenInput(
                soort=soort.value, datum=f"{today - timedelta(days=2 + 6 * n):%d-%m-%Y}", toelichting=toelichting),
                today=today)
        except ValidationError:
            continue
        made += 1
    return made


def _lees_de_helft(session: Session, regisseurs: Sequence[User]) -> int:
    """Mark the older half of each demo user's meldingen read, as if the morning's work had begun."""
    read = 0
    for user in regisseurs:
        rows = list(session.scalars(select(Melding).where(Melding.user_id == user.id, Melding.read_at.is_(None))
                                    .order_by(Melding.created_at, Melding.id)))
        for melding in rows[: len(rows) // 2]:
            melding.read_at = utcnow()
            read += 1
    return read


def _uploads(session: Session, docent: User, verwijzingen: Sequence[Verwijzing], today: date,
             upload_dir: Path) -> int:
    """Two presence spreadsheets of last week through the upload lifecycle: one confirmed, one whose preview
    shows rows with errors (a day in the future and absence without a reason) waiting for a corrected file."""
    from portal.services.uploads import lifecycle
    from portal.spreadsheets.guard import Limits
    from portal.spreadsheets.layouts import PRESENTIE
    from portal.spreadsheets.write import template_csv

    eigen = [v for v in verwijzingen if v.aanbieder_id == docent.aanbieder_id
             and v.status is VerwijzingStatus.GESTART and v.onderdeel is Onderdeel.B1_ROUTE]
    if len(eigen) < 8:
        return 0
    friday = today - timedelta(days=today.weekday() + 3)  # Friday of last week: no sessions seeded on Fridays
    rows = [_presentie_rij(v.inburgeraar, v, friday, "3") for v in eigen[:6]]
    fout = [_presentie_rij(v.inburgeraar, v, friday, "3") for v in eigen[6:8]]
    fout[0]["datum"] = f"{today + timedelta(days=8):%d-%m-%Y}"  # a date in the future
    fout[1].update(uren_aanwezig="0", uren_afwezig_ongeoorloofd="3", reden_afwezig="")  # no reason given
    made = 0
    limits = Limits()
    for naam, inhoud, bevestigen in (("presentie-vrijdag.csv", rows, True), ("presentie-correcties.csv", fout, False)):
        data = template_csv(PRESENTIE, inhoud)
        upload = lifecycle.store(session, docent, UploadSoort.PRESENTIE, io.BytesIO(data), naam, upload_dir, limits)
        lifecycle.validate(session, docent, upload, upload_dir, today, limits)
        if bevestigen and upload.aantal_fout == 0:
            lifecycle.request_confirmation(session, docent, upload)
            lifecycle.confirm(session, docent, upload, upload_dir, today, limits)
        made += 1
    return made


def _presentie_rij(persoon: Inburgeraar, v: Verwijzing, dag: date, uren: str) -> dict[str, str]:
    return {"bsn": persoon.bsn, "naam": f"{persoon.voornamen} {persoon.achternaam}", "onderdeel": v.onderdeel.label,
            "traject": v.kenmerk, "datum": f"{dag:%d-%m-%Y}", "activiteit": "Taalles en KNM",
            "uren_aanwezig": uren, "uren_afwezig_geoorloofd": "", "uren_afwezig_ongeoorloofd": "",
            "reden_afwezig": ""}
