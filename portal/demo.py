"""Demo data: a believable, fictional region for newcomers (`flask --app portal seed-demo`).

Everything is generated deterministically from one seed, so every installation shows the same
people. The demo logins have fixed passwords and fixed TOTP secrets, stored here and only here:
the login code itself has no demo shortcut. BSNs are generated in the 9999xxxxx range that the
BRP uses for test persons, and pass the 11-proef like real ones.

One function per area (gemeenten, aanbieders, users, contracts, inburgeraars, verwijzingen) so that
later features can add their own demo rows (presentie, declaraties) from the returned DemoRegion.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import click
import pyotp
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from stdnum.nl import bsn as stdnum_bsn

from portal import clock
from portal.domain import normen, termijnen
from portal.models import (
    Aanbieder,
    Contract,
    ContractOnderdeel,
    Gemeente,
    Inburgeraar,
    IntakeGegevens,
    Pip,
    User,
    Verwijzing,
)
from portal.models.enums import (
    AanbiederSoort,
    Doelgroep,
    Leerroute,
    NiveauPip,
    Onderdeel,
    Rol,
    VerwijzingStatus,
)
from portal.services.auth import hash_password

DEMO_SEED = 2021
DEMO_INBURGERAARS = 300

# --- reference data -----------------------------------------------------------------------------

WEST_FRIESLAND = {
    "0498": "Drechterland",
    "0388": "Enkhuizen",
    "0405": "Hoorn",
    "0532": "Stede Broec",
    "1598": "Koggenland",
    "0420": "Medemblik",
    "0431": "Opmeer",
}
OTHER_GEMEENTEN = {"0148": "Dalfsen", "0437": "Ouder-Amstel"}
# Rough share of the region's inburgeraars, following population size.
GEMEENTE_WEIGHTS = {
    "0405": 24, "0420": 14, "1598": 7, "0532": 7, "0498": 6, "0388": 6, "0431": 4, "0148": 8, "0437": 5,
}


@dataclass(frozen=True)
class DemoAanbieder:
    """A fictional provider organisation."""

    key: str
    kvk_nummer: str
    naam: str
    soort: AanbiederSoort


AANBIEDERS = (
    DemoAanbieder("omringdijk", "91835207", "Taalcentrum Omringdijk", AanbiederSoort.TAAL),
    DemoAanbieder("linguanova", "90472618", "Lingua Nova Taaltrainingen", AanbiederSoort.TAAL),
    DemoAanbieder("schakel", "92164093", "Schakelcollege Amstelland", AanbiederSoort.TAAL),
    DemoAanbieder("debrug", "93380741", "Participatiewerkplaats De Brug", AanbiederSoort.MAP_PVT),
    DemoAanbieder("vechtdal", "94025186", "Vechtdal Werk & Meedoen", AanbiederSoort.MAP_PVT),
    DemoAanbieder("samenverder", "95517320", "Stichting Samen Verder", AanbiederSoort.MAATSCHAPPELIJKE_BEGELEIDING),
    DemoAanbieder("wereldwijzer", "96201458", "Stichting Wereldwijzer", AanbiederSoort.OVERIG),
)


@dataclass(frozen=True)
class DemoLogin:
    """A demo account: fixed password and TOTP secret so any authenticator app (or oathtool) works."""

    email: str
    naam: str
    rol: Rol
    wachtwoord: str
    totp_secret: str
    aanbieder: str | None = None  # DemoAanbieder.key
    gemeenten: tuple[str, ...] = ()  # CBS codes


DEMO_LOGINS = (
    DemoLogin("klantregisseur@werksaam.example.nl", "Sanne de Boer", Rol.KLANTREGISSEUR,
              "demo-klantregisseur", "KH3XVUD2JZC3MAEXFEFQL7FMQC33N6PI", gemeenten=tuple(WEST_FRIESLAND)),
    DemoLogin("contractmanager@hoorn.example.nl", "Pieter Schouten", Rol.CONTRACTMANAGER,
              "demo-contractmanager", "UY2H5M7FGG55LUQIS3CRLTJRSH36YI36", gemeenten=("0405",)),
    DemoLogin("beheer@werksaam.example.nl", "Fatima el Idrissi", Rol.FUNCTIONEEL_BEHEERDER,
              "demo-beheerder", "3P45WLSICEODHXCQCQ7MSPQTRVCYNNBV", gemeenten=tuple(WEST_FRIESLAND)),
    DemoLogin("docent@omringdijk.example.nl", "Joost Kaag", Rol.AANBIEDER_MEDEWERKER,
              "demo-docent", "FAW37KPXVOEKVNE4FIA7FB5IX6E5MDTM", aanbieder="omringdijk"),
    DemoLogin("beheerder@omringdijk.example.nl", "Ingrid Zwaan", Rol.AANBIEDER_BEHEERDER,
              "demo-aanbiederbeheer", "C4Q3YIHJAIDJICGYOZHQSGDF77KFDWWX", aanbieder="omringdijk"),
    DemoLogin("begeleider@debrug.example.nl", "Mehmet Yilmaz", Rol.AANBIEDER_MEDEWERKER,
              "demo-begeleider", "DREGFFAVLRQ7PBICI4QDKFB5KBB34PGJ", aanbieder="debrug"),
    DemoLogin("klantregisseur@dalfsen.example.nl", "Henk Slot", Rol.KLANTREGISSEUR,
              "demo-dalfsen", "PGMMGB3VEPGDFA3BVQDEOYVDXGNDSTAX", gemeenten=("0148",)),
)


@dataclass(frozen=True)
class DemoContract:
    """A contract: one aanbieder, one or more gemeenten, onderdelen, a period in years around today."""

    kenmerk: str
    naam: str
    aanbieder: str
    gemeenten: tuple[str, ...]
    onderdelen: tuple[Onderdeel, ...]
    start_years_ago: int
    end_years_ahead: int
    beheerder: str | None = None  # e-mail of the managing contractmanager


_LEERROUTES = (Onderdeel.B1_ROUTE, Onderdeel.ONDERWIJSROUTE, Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE)
_WF_MANAGER = "contractmanager@hoorn.example.nl"
# Not every gemeente buys maatschappelijke begeleiding from the same foundation, so the caseload's aanbieders differ.
_MB_AANBIEDER = {"1598": "wereldwijzer", "0420": "wereldwijzer", "0431": "wereldwijzer"}


def _contracts() -> tuple[DemoContract, ...]:
    regional = DemoContract(
        "WF-LR-2022", "Leerroutes regio West-Friesland", "omringdijk", tuple(WEST_FRIESLAND), _LEERROUTES,
        4, 2, _WF_MANAGER,
    )
    per_gemeente = [
        DemoContract(f"MAPPVT-{code}", f"MAP en PVT {naam}", "debrug", (code,), (Onderdeel.MAP, Onderdeel.PVT),
                     3, 1, _WF_MANAGER)
        for code, naam in WEST_FRIESLAND.items()
    ]
    per_gemeente += [
        DemoContract(f"MB-{code}", f"Maatschappelijke begeleiding {naam}", _MB_AANBIEDER.get(code, "samenverder"),
                     (code,), (Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING,), 4, 1,
                     _WF_MANAGER if code in WEST_FRIESLAND else None)
        for code, naam in {**WEST_FRIESLAND, **OTHER_GEMEENTEN}.items()
    ]
    others = [
        DemoContract("DAL-LR-2022", "Leerroutes Dalfsen", "linguanova", ("0148",), _LEERROUTES, 4, 2),
        DemoContract("DAL-MAP-2023", "MAP Dalfsen", "vechtdal", ("0148",), (Onderdeel.MAP,), 3, 2),
        DemoContract("DAL-PVT-2023", "PVT Dalfsen", "wereldwijzer", ("0148",), (Onderdeel.PVT,), 3, 2),
        DemoContract("OA-OR-2022", "Onderwijsroute Ouder-Amstel", "schakel", ("0437",),
                     (Onderdeel.ONDERWIJSROUTE, Onderdeel.B1_ROUTE), 4, 2),
        DemoContract("OA-Z-2022", "Z-route Ouder-Amstel", "linguanova", ("0437",),
                     (Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE), 4, 2),
        DemoContract("OA-MAPPVT-2023", "MAP en PVT Ouder-Amstel", "wereldwijzer", ("0437",),
                     (Onderdeel.MAP, Onderdeel.PVT), 3, 2),
    ]
    return (regional, *per_gemeente, *others)


CONTRACTS = _contracts()


def _moment(day: date) -> datetime:
    """A plausible office-hours moment on a demo date, in UTC."""
    return datetime.combine(day, time(9, 30), tzinfo=UTC)

# Fictional names of varied origins (first names, family names); combinations are random.
_NAMES = {
    "Syrië": (("Ahmad", "Rania", "Omar", "Lina", "Yusuf", "Nour", "Khaled", "Hiba", "Samer", "Aya"),
              ("Haddad", "Al-Hamwi", "Khalil", "Darwish", "Sabbagh", "Nasser", "Kassab", "Halabi")),
    "Eritrea": (("Yonas", "Selam", "Filmon", "Helen", "Tesfay", "Luwam", "Dawit", "Saba"),
                ("Tesfamariam", "Gebremedhin", "Haile", "Berhane", "Kidane", "Woldu", "Abraha")),
    "Afghanistan": (("Farid", "Mariam", "Ahmad Shah", "Zahra", "Nasir", "Parwana", "Hamid", "Shabnam"),
                    ("Rahimi", "Noori", "Sultani", "Hakimi", "Amiri", "Karimi", "Wardak")),
    "Turkije": (("Emre", "Elif", "Murat", "Zeynep", "Hakan", "Ayşe", "Serkan", "Derya"),
                ("Yıldız", "Demir", "Kaya", "Aydın", "Öztürk", "Çelik", "Arslan")),
    "Jemen": (("Abdullah", "Amal", "Saleh", "Huda", "Nabil", "Fatma"), ("Al-Ahmadi", "Saeed", "Ba-Abbad", "Qasem")),
    "Marokko": (("Youssef", "Samira", "Bilal", "Naima", "Karim", "Khadija", "Mohamed", "Souad"),
                ("El Amrani", "Bennani", "Ouali", "Tahiri", "Azzouzi", "Bouzid")),
    "Thailand": (("Somchai", "Malee", "Niran", "Ploy", "Kanya"), ("Srisuk", "Wongsakul", "Chaiyaporn", "Boonmee")),
    "Filipijnen": (("Maria Luisa", "Jose", "Ana", "Ramon", "Cristina"), ("Santos", "Reyes", "Dela Cruz", "Bautista")),
    "India": (("Priya", "Arjun", "Ananya", "Rahul", "Deepa"), ("Sharma", "Iyer", "Patel", "Nair", "Reddy")),
    "Brazilië": (("Lucas", "Fernanda", "Thiago", "Juliana"), ("Oliveira", "Souza", "Carvalho", "Pereira")),
    "Oekraïne": (("Oksana", "Andrij", "Iryna", "Taras", "Olena"), ("Kovalenko", "Shevchenko", "Bondarenko")),
}
_ASIEL_HERKOMST = ("Syrië", "Syrië", "Eritrea", "Eritrea", "Afghanistan", "Turkije", "Jemen")
_GEZIN_HERKOMST = ("Marokko", "Turkije", "Thailand", "Filipijnen", "India", "Brazilië", "Oekraïne")

_GEZONDHEID = (
    "Chronische rugklachten; kan niet lang achter elkaar zitten.",
    "Slaapproblemen en concentratieklachten; in behandeling bij de huisarts.",
    "Traumagerelateerde klachten; begeleiding via de GGZ.",
    "Slechthorend; draagt een hoortoestel, vooraan zitten helpt.",
    "Diabetes type 2; heeft pauzes nodig voor medicatie.",
    "Zwanger, uitgerekend over vier maanden.",
)
_BIJZONDERHEDEN = (
    "Alleenstaande ouder van drie kinderen; kinderopvang is geregeld.",
    "Werkt parttime in de kassenteelt; lessen bij voorkeur 's ochtends.",
    "Mantelzorger voor een ziek familielid.",
    "Heeft een rijbewijs uit het land van herkomst; wil graag in de zorg werken.",
    None,
)
_OPLEIDING = (
    "Geen formeel onderwijs",
    "Basisonderwijs in land van herkomst",
    "Middelbare school in land van herkomst",
    "Beroepsopleiding in land van herkomst",
    "Universitaire opleiding in land van herkomst",
)


# --- the region -----------------------------------------------------------------------------------

@dataclass
class DemoRegion:
    """What seeding created or found, by natural key, for later seeding steps to build on."""

    rng: random.Random
    today: date
    gemeenten: dict[str, Gemeente] = field(default_factory=dict)  # by CBS code
    aanbieders: dict[str, Aanbieder] = field(default_factory=dict)  # by DemoAanbieder.key
    users: dict[str, User] = field(default_factory=dict)  # by e-mail
    contracts: list[Contract] = field(default_factory=list)
    inburgeraars: list[Inburgeraar] = field(default_factory=list)  # only the ones created in this run
    volgnummers: dict[str, int] = field(default_factory=dict)  # BSN → position in the generated sequence
    counts: dict[str, int] = field(default_factory=dict)  # rows added by later areas (starts, presentie, …)
    verwijzingen: list[Verwijzing] = field(default_factory=list)  # only the ones created in this run


def seed_demo(force: bool = False, echo: Callable[[str], None] = click.echo) -> None:
    """Load the demo region into an empty database (or with force: add what is missing); print the logins."""
    from portal.extensions import db

    session = db.session
    has_data = (session.scalar(select(func.count()).select_from(Gemeente)) or 0) > 0
    if has_data and not force:
        echo("De database bevat al gegevens: demodata niet geladen (gebruik --force om aan te vullen).")
        seed_beheertaken(session)  # a lock lasts minutes: the demo's locked account is locked again
        session.commit()
    else:
        region = load_demo_region(session)
        session.commit()
        region.counts["uploads in afwachting"] = _seed_uploads(session, region.today)
        session.commit()
        analyze(session)
        echo(
            f"Demoregio: {len(region.gemeenten)} gemeenten, {len(region.aanbieders)} aanbieders, "
            f"{len(region.contracts)} contracten; nieuw geladen: {len(region.inburgeraars)} inburgeraars "
            f"met {len(region.verwijzingen)} verwijzingen"
            + "".join(f", {count} {name}" for name, count in region.counts.items())
            + "."
        )
    print_logins(session, echo)


def _seed_uploads(session: Session, today: date) -> int:
    """Demo uploads need the app's upload directory, so they are seeded here and not in load_demo_region."""
    from flask import current_app

    from portal.demo_uploads import seed_uploads
    from portal.services.uploads import Settings

    return seed_uploads(session, Settings.from_config(current_app.config), today)


def analyze(session: Session) -> None:
    """PostgreSQL: refresh the planner's statistics after a bulk load (without them it guesses row counts and
    picked a plan 9x slower for the own caseload); SQLite plans without them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()


def load_demo_region(session: Session, seed: int = DEMO_SEED, today: date | None = None,
                     size: int = DEMO_INBURGERAARS) -> DemoRegion:
    """Create every part of the demo region that is not there yet (by natural key); flush, no commit."""
    # Demo data must be reproducible, not secret: a seeded PRNG is the point. Its day is the portal's (Amsterdam),
    # not the machine's: the kept signals stored below must be valid on the day the portal reads them.
    region = DemoRegion(rng=random.Random(seed), today=today or clock.today())  # noqa: S311
    seed_gemeenten(session, region)
    seed_aanbieders(session, region)
    seed_users(session, region)
    session.flush()  # user ids for contract_beheerder and the PIP's vastgesteld_door
    seed_contracts(session, region)
    seed_inburgeraars(session, region, size)
    seed_verwijzingen(session, region)
    seed_trajecten(session, region)
    session.flush()
    from portal.demo_keten import seed_keten

    seed_keten(session, region)
    session.flush()
    from portal.demo_kpi import seed_kpi

    seed_kpi(session, region)
    seed_dossiers_for(session, region)
    from portal.demo_billing import seed_billing

    seed_billing(session, region)
    from portal.demo_api import seed_api

    seed_api(session, region)
    session.flush()
    if region.inburgeraars:  # a forced re-run adds no second week of reads
        from portal.demo_inzage import seed_inzage

        region.counts["inzagegebeurtenissen"] = seed_inzage(session, region)
    region.counts.update(seed_beheertaken(session))
    from portal.services import kept_signalen

    # Every case's signals, kept for the regie overview (a commit would only drop the rows of so many cases).
    session.flush()
    kept_signalen.alles_opslaan(session, region.today)
    return region


def seed_beheertaken(session: Session) -> dict[str, int]:
    """The locked account and the undelivered mail the beheerders' start pages show (demo_beheer)."""
    from flask import current_app

    from portal.demo_beheer import seed_beheer
    from portal.services.auth import LoginPolicy

    policy = LoginPolicy()
    if current_app:
        policy = LoginPolicy(current_app.config["MAX_FAILED_LOGINS"], current_app.config["LOCKOUT_MINUTES"])
    counts = seed_beheer(session, policy)
    session.flush()
    return counts


def seed_dossiers_for(session: Session, region: DemoRegion) -> None:
    """Afschalingsverzoeken, results, omstandigheden, meldingen and uploads of this run's cases (demo_dossiers)."""
    from flask import current_app

    from portal.demo_dossiers import seed_dossiers

    upload_dir = Path(current_app.config["UPLOAD_DIR"]) if current_app else None
    region.counts.update(seed_dossiers(session, region, upload_dir))
    session.flush()


def seed_trajecten(session: Session, region: DemoRegion) -> None:
    """Starts and about eight weeks of presentie for the verwijzingen created in this run."""
    from portal.demo_presentie import seed_presentie

    region.counts.update(seed_presentie(session, region.rng, region.verwijzingen, region.today))


def seed_gemeenten(session: Session, region: DemoRegion) -> None:
    """The seven West-Friese gemeenten plus Dalfsen and Ouder-Amstel, with their real CBS codes."""
    existing = {g.cbs_code: g for g in session.scalars(select(Gemeente))}
    for code, naam in {**WEST_FRIESLAND, **OTHER_GEMEENTEN}.items():
        gemeente = existing.get(code) or Gemeente(cbs_code=code, naam=naam)
        session.add(gemeente)
        region.gemeenten[code] = gemeente


def seed_aanbieders(session: Session, region: DemoRegion) -> None:
    """Fictional providers of every kind."""
    existing = {a.kvk_nummer: a for a in session.scalars(select(Aanbieder))}
    for demo in AANBIEDERS:
        aanbieder = existing.get(demo.kvk_nummer) or Aanbieder(kvk_nummer=demo.kvk_nummer, naam=demo.naam,
                                                               soort=demo.soort)
        session.add(aanbieder)
        region.aanbieders[demo.key] = aanbieder


def seed_users(session: Session, region: DemoRegion) -> None:
    """One pre-enrolled account per role (plus a second aanbieder and a second gemeente)."""
    existing = {u.email: u for u in session.scalars(select(User).where(User.email.in_(_emails())))}
    for login in DEMO_LOGINS:
        user = existing.get(login.email)
        if user is None:
            user = User(
                email=login.email,
                naam=login.naam,
                rol=login.rol,
                aanbieder=region.aanbieders[login.aanbieder] if login.aanbieder else None,
                password_hash=hash_password(login.wachtwoord),
                totp_secret=login.totp_secret,
                totp_bevestigd=True,
                gemeenten=[region.gemeenten[code] for code in login.gemeenten],
            )
            session.add(user)
        region.users[login.email] = user


def seed_contracts(session: Session, region: DemoRegion) -> None:
    """A regional leerroute contract for West-Friesland and per-gemeente contracts for the rest."""
    existing = {c.kenmerk: c for c in session.scalars(select(Contract))}
    year = region.today.year
    for demo in CONTRACTS:
        contract = existing.get(demo.kenmerk)
        if contract is None:
            contract = Contract(
                kenmerk=demo.kenmerk,
                naam=demo.naam,
                aanbieder=region.aanbieders[demo.aanbieder],
                startdatum=date(year - demo.start_years_ago, 1, 1),
                einddatum=date(year + demo.end_years_ahead, 12, 31),
                gemeenten=[region.gemeenten[code] for code in demo.gemeenten],
                onderdeel_regels=[ContractOnderdeel(onderdeel=o) for o in demo.onderdelen],
            )
            session.add(contract)
            if demo.beheerder:
                # contract_beheerder is what gives the regional contractmanager the whole region in scope.
                session.flush()
                session.execute(
                    Contract.metadata.tables["contract_beheerder"].insert(),
                    {"contract_id": contract.id, "user_id": region.users[demo.beheerder].id},
                )
        region.contracts.append(contract)


def _emails() -> list[str]:
    return [login.email for login in DEMO_LOGINS]


def demo_bsn(rng: random.Random) -> str:
    """A fictional BSN in the BRP's 9999xxxxx test range that passes the 11-proef."""
    while True:
        candidate = f"9999{rng.randrange(100000):05d}"
        if stdnum_bsn.is_valid(candidate):
            return candidate


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 0) + 1))


def seed_inburgeraars(session: Session, region: DemoRegion, size: int) -> None:
    """About `size` inburgeraars with PIPs by DUO's rules, some with a second PIP version and intake notes.

    All random draws happen for every person, even ones that already exist, so a forced re-run
    produces the same people and skips exactly those already present.
    """
    rng, today = region.rng, region.today
    existing_bsns = set(session.scalars(select(Inburgeraar.bsn).where(Inburgeraar.bsn.like("9999%"))))
    codes = list(GEMEENTE_WEIGHTS)
    weights = list(GEMEENTE_WEIGHTS.values())
    klantregisseurs = {
        code: region.users[login.email] for login in DEMO_LOGINS if login.rol is Rol.KLANTREGISSEUR
        for code in login.gemeenten
    }
    beheerder = region.users["beheer@werksaam.example.nl"]
    seen: set[str] = set()
    for volgnummer in range(1, size + 1):
        bsn = demo_bsn(rng)
        while bsn in seen:
            bsn = demo_bsn(rng)
        seen.add(bsn)
        asiel = rng.random() < 0.65
        doelgroep = Doelgroep.ASIELSTATUSHOUDER if asiel else Doelgroep.GEZINSMIGRANT_OVERIG
        herkomst = rng.choice(_ASIEL_HERKOMST if asiel else _GEZIN_HERKOMST)
        voornamen, achternamen = _NAMES[herkomst]
        code = rng.choices(codes, weights)[0]
        kennisgeving = today - timedelta(days=rng.randrange(14, 3 * 365))
        person = Inburgeraar(
            bsn=bsn,
            voornamen=rng.choice(voornamen),
            achternaam=rng.choice(achternamen),
            geboortedatum=_random_date(rng, today - timedelta(days=62 * 365), today - timedelta(days=18 * 365)),
            doelgroep=doelgroep,
            gemeente=region.gemeenten[code],
            klantregisseur=klantregisseurs.get(code),
            datum_kennisgeving=kennisgeving,
            datum_brp_inschrijving=kennisgeving - timedelta(days=rng.randrange(0, 60)),
        )
        pips = _pips(rng, person, kennisgeving, today, beheerder)
        intake = _intake(rng, person, kennisgeving, today, pips)
        if bsn in existing_bsns:
            continue
        person.pips = pips
        session.add(person)
        if intake is not None:
            session.add(intake)
        region.inburgeraars.append(person)
        region.volgnummers[bsn] = volgnummer


def _leerroute(rng: random.Random, asiel: bool) -> Leerroute:
    return rng.choices((Leerroute.B, Leerroute.O, Leerroute.Z), (60, 18, 22) if asiel else (70, 15, 15))[0]


def _pips(rng: random.Random, person: Inburgeraar, kennisgeving: date, today: date, beheerder: User) -> list[Pip]:
    """PIP versions by DUO's rules: B always has a niveau and starts at B1; O and Z have none;
    geschatte intensiteit only for asielstatushouders in the B1-route; afschaling is a new version."""
    asiel = person.doelgroep is Doelgroep.ASIELSTATUSHOUDER
    leerroute = _leerroute(rng, asiel)
    dagtekening = kennisgeving + timedelta(days=rng.randrange(21, 84))
    # Recent kennisgevingen: the PIP is still being prepared (the 10-week signal shows them).
    if dagtekening > today - timedelta(days=3):
        return []
    first = Pip(
        versie=1,
        dagtekening=dagtekening,
        leerroute=leerroute,
        niveau=NiveauPip.B1 if leerroute is Leerroute.B else None,
        geschatte_intensiteit=rng.choice((800, 1000, 1200, 1400, 1600)) if leerroute is Leerroute.B and asiel
        else None,
        vastgesteld_door_id=beheerder.id,
    )
    pips = [first]
    # After 1.5 years in the B1-route some have shown, after 600+ lesuren, that A2 is the highest reachable.
    later = dagtekening + timedelta(days=rng.randrange(450, 600))
    if leerroute is Leerroute.B and later < today and rng.random() < 0.3:
        pips.append(Pip(
            versie=2,
            dagtekening=later,
            leerroute=Leerroute.B,
            niveau=NiveauPip.A2,
            geschatte_intensiteit=first.geschatte_intensiteit,
            reden_wijziging="Afschaling naar A2 na meer dan 600 lesuren NT2 en aantoonbare inzet.",
            vastgesteld_door_id=beheerder.id,
        ))
    return pips


def _intake(rng: random.Random, person: Inburgeraar, kennisgeving: date, today: date,
            pips: list[Pip]) -> IntakeGegevens | None:
    if rng.random() < 0.2:
        return None
    datum = kennisgeving + timedelta(days=rng.randrange(7, 21))
    z_route = bool(pips) and pips[0].leerroute is Leerroute.Z
    return IntakeGegevens(
        inburgeraar=person,
        datum_brede_intake=min(datum, today),
        opleidingsniveau=rng.choice(_OPLEIDING[:2] if z_route else _OPLEIDING[1:]),
        analfabeet=z_route and rng.random() < 0.5,
        gezondheid=rng.choice(_GEZONDHEID) if rng.random() < 0.3 else None,
        bijzonderheden=rng.choice(_BIJZONDERHEDEN),
    )


# --- verwijzingen ---------------------------------------------------------------------------------

_LEERROUTE_ONDERDELEN = {
    Leerroute.B: (Onderdeel.B1_ROUTE,),
    Leerroute.O: (Onderdeel.ONDERWIJSROUTE,),
    Leerroute.Z: (Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE),
}
_UREN = {
    # The legal norms where the law sets one; MAP and maatschappelijke begeleiding as regional contracts buy them.
    Onderdeel.Z_ROUTE_TAAL: Decimal(normen.WETTELIJKE_NORMEN[Onderdeel.Z_ROUTE_TAAL]),
    Onderdeel.Z_ROUTE_PARTICIPATIE: Decimal(normen.WETTELIJKE_NORMEN[Onderdeel.Z_ROUTE_PARTICIPATIE]),
    Onderdeel.ONDERWIJSROUTE: Decimal(1200),
    Onderdeel.MAP: Decimal(60),
    Onderdeel.PVT: Decimal(normen.WETTELIJKE_NORMEN[Onderdeel.PVT]),
    Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING: Decimal(40),
}
_DUUR_DAGEN = {Onderdeel.MAP: 365, Onderdeel.PVT: 180, Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING: 540}


def onderdelen_for(person: Inburgeraar, leerroute: Leerroute) -> list[Onderdeel]:
    """What the gemeente refers this person for: the leerroute only for asielstatushouders (the gemeente
    buys it only for them); MAP in the B1- and Z-route; PVT for all; maatschappelijke begeleiding for
    asielstatushouders."""
    asiel = person.doelgroep is Doelgroep.ASIELSTATUSHOUDER
    onderdelen = list(_LEERROUTE_ONDERDELEN[leerroute]) if asiel else []
    if leerroute in (Leerroute.B, Leerroute.Z):
        onderdelen.append(Onderdeel.MAP)
    onderdelen.append(Onderdeel.PVT)
    if asiel:
        onderdelen.append(Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING)
    return onderdelen


def _contract_for(region: DemoRegion, gemeente: Gemeente, onderdeel: Onderdeel, on: date) -> Contract | None:
    for contract in region.contracts:
        if contract.covers(gemeente.id, onderdeel, on):
            return contract
    return None


def seed_verwijzingen(session: Session, region: DemoRegion) -> None:
    """Verwijzingen of the newly created inburgeraars to contracted aanbieders, with believable statuses."""
    session.flush()  # ids, so Contract.covers can compare gemeenten
    rng, today = region.rng, region.today
    beheerder = region.users["beheer@werksaam.example.nl"]
    for person in region.inburgeraars:
        if not person.pips:
            continue
        first = person.pips[0]
        einde_termijn = termijnen.termijn_einde(first.dagtekening)
        for number, onderdeel in enumerate(onderdelen_for(person, first.leerroute), start=1):
            if onderdeel is not Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING and rng.random() < 0.1:
                continue  # not every part is referred yet
            start = first.dagtekening + timedelta(days=rng.randrange(14, 70))
            contract = _contract_for(region, person.gemeente, onderdeel, start)
            if contract is None:
                start = max(start, min(c.startdatum for c in region.contracts))
                contract = _contract_for(region, person.gemeente, onderdeel, start)
            if contract is None:
                continue
            duur = _DUUR_DAGEN.get(onderdeel)
            einde = min(start + timedelta(days=duur), einde_termijn) if duur else einde_termijn
            uren = first.geschatte_intensiteit if onderdeel is Onderdeel.B1_ROUTE else _UREN.get(onderdeel)
            verwijzing = Verwijzing(
                kenmerk=f"DEMO-{region.volgnummers[person.bsn]:04d}-{number}",
                inburgeraar=person,
                aanbieder=contract.aanbieder,
                contract=contract,
                onderdeel=onderdeel,
                beoogde_startdatum=start,
                uiterste_einddatum=max(einde, start),
                gecontracteerde_uren=Decimal(uren) if uren else None,
                uren_per_week=Decimal(rng.choice((8, 10, 12, 16))) if onderdeel in _LEERROUTES else None,
                doelen="Zelfstandig boodschappen doen en een afspraak bij de huisarts maken."
                if onderdeel is Onderdeel.Z_ROUTE_PARTICIPATIE else None,
                status=_status(rng, start, einde, today),
                # Made a week after the PIP, as a klantregisseur would, so the case timeline reads true.
                created_at=_moment(min(first.dagtekening + timedelta(days=7), today)),
                updated_at=_moment(min(first.dagtekening + timedelta(days=7), today)),
                aangemaakt_door_id=beheerder.id,
            )
            session.add(verwijzing)
            region.verwijzingen.append(verwijzing)


def _status(rng: random.Random, start: date, einde: date, today: date) -> VerwijzingStatus:
    if start > today:
        return VerwijzingStatus.VERWEZEN
    if einde < today:
        return rng.choices((VerwijzingStatus.AFGEROND, VerwijzingStatus.UITGEVALLEN), (9, 1))[0]
    return rng.choices(
        (VerwijzingStatus.GESTART, VerwijzingStatus.VERWEZEN, VerwijzingStatus.NIET_GESTART,
         VerwijzingStatus.UITGEVALLEN, VerwijzingStatus.INGETROKKEN),
        # Starts that slip by weeks without word from the provider are the exception in a working region.
        (88, 2, 3, 4, 3),
    )[0]


# --- logins ---------------------------------------------------------------------------------------

def current_code(secret: str) -> str:
    """The TOTP code of this moment, as an authenticator app would show it."""
    return pyotp.TOTP(secret).now()


def print_logins(session: Session, echo: Callable[[str], None] = click.echo) -> None:
    """Print the demo accounts that exist in this database, with their TOTP secret and current code."""
    present = set(session.scalars(select(User.email).where(User.email.in_(_emails()))))
    logins = [login for login in DEMO_LOGINS if login.email in present]
    if not logins:
        echo("Deze database heeft geen demo-accounts.")
        return
    rows = [("E-mailadres", "Rol", "Wachtwoord", "TOTP-sleutel", "Code nu")]
    rows += [(lg.email, lg.rol.label, lg.wachtwoord, lg.totp_secret, current_code(lg.totp_secret)) for lg in logins]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    echo("")
    echo("Demo-inlogs (tweede factor: zet de TOTP-sleutel in een authenticator-app,")
    echo("of gebruik `oathtool --totp -b SLEUTEL`; elke code werkt één keer):")
    for index, row in enumerate(rows):
        echo("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            echo("  " + "  ".join("-" * width for width in widths))
