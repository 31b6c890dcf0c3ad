"""Deriving prestaties from the registrations, and regels on the concept declaraties: one run per contract and periode.

Idempotent by natural key: (verwijzing, indicator, periode) for periodic triggers, (verwijzing, indicator,
EENMALIG) for one-off milestones, so running it again creates nothing. A run only looks at what changed since the
contract's previous run's peilmoment (presentie.updated_at is indexed for that; see _peilmoment for why a little
before its start), so a rerun without changes costs almost nothing.

Regels follow the prestatie: a new prestatie gets a debet regel on the concept declaratie of its periode, or of the
next periode that is still concept when its own was already submitted. When a registration is corrected, a regel on
a concept declaratie is simply brought up to date (its date too); an approved one is never changed: it gets a credit
regel and a new debet regel on the next concept declaratie. A regel that waits for a decision is left alone until
decided. A submitted regel keeps the prestatiedatum it was declared with: a recomputed date alone corrects nothing,
so what was submitted, exported and counted per year stays as it was (the amount is what a correction settles).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from portal import audit
from portal.audit import AuditActie
from portal.database import BUSY_TIMEOUT_SECONDS
from portal.domain import afronding, termijnen
from portal.domain import pip as pip_regels
from portal.models import (
    BillingRun,
    Contract,
    Declaratie,
    DeclaratieRegel,
    Inburgeraar,
    Pip,
    Presentie,
    Prestatie,
    PrestatieIndicator,
    RegistratieWijziging,
    Tarief,
    TrajectStart,
    User,
    Verwijzing,
)
from portal.models.base import utcnow
from portal.models.billing import EENMALIG, DeclaratieStatus, RegelStatus, Trigger
from portal.models.enums import VerwijzingStatus
from portal.models.resultaat import (
    AfschalingStatus,
    Afschalingsverzoek,
    Examenresultaat,
    Examenuitslag,
    RouteResultaat,
    TaalschakelResultaat,
)
from portal.services.billing import checks
from portal.services.billing.bulk import Memo, bulk_insert, raw, rijen, zonder_gc
from portal.services.billing.locking import lock_contract
from portal.services.billing.rules import (
    Periode,
    Prijzen,
    bedrag_cent,
    betalende_gemeente,
    betalende_gemeente_expr,
    niveau_voldoet,
    periode_uit_code,
    periode_van,
)
from portal.services.validation import as_date, as_decimal

logger = logging.getLogger(__name__)

_ZERO = Decimal(0)
_TWO = Decimal("0.01")
_IN_LIMIT = 5000
# Statuses in which a traject ran (for "active in the period" and "uitval").
_GELOPEN = (VerwijzingStatus.GESTART, VerwijzingStatus.AFGEROND, VerwijzingStatus.UITGEVALLEN)


class Gemeten(NamedTuple):
    """A prestatie as the registrations say it is now; `gemeente_id` is the paying gemeente where the measuring
    query selected it (betalende_gemeente_expr), None where it is looked up afterwards. A tuple: a run makes
    tens of thousands."""

    verwijzing_id: int
    inburgeraar_id: int
    periode: str
    prestatiedatum: date
    aantal: Decimal
    aanwezigheid_pct: Decimal | None = None
    gemeente_id: int | None = None


@dataclass
class RunResult:
    """What one run did, in numbers."""

    periode: Periode
    nieuwe_prestaties: int = 0
    gewijzigde_prestaties: int = 0
    nieuwe_regels: int = 0
    credit_regels: int = 0
    bijgewerkte_regels: int = 0
    zonder_tarief: int = 0
    declaraties: set[int] = field(default_factory=set)


@dataclass
class _Scope:
    """Which verwijzingen and periodes this run recomputes."""

    alles: bool  # every verwijzing of the contract, for the run's periode
    uren: dict[str, set[int]] = field(default_factory=dict)  # periode → verwijzingen with changed presentie
    overig: set[int] = field(default_factory=set)  # verwijzingen with other changed facts

    @property
    def leeg(self) -> bool:
        return not self.alles and not self.uren and not self.overig

    def verwijzingen(self) -> set[int]:
        return self.overig.union(*self.uren.values()) if self.uren else set(self.overig)


# --- the run --------------------------------------------------------------------------------------

def derive(session: Session, contract: Contract, periode: Periode, actor: User | None = None,
           now: datetime | None = None, opnieuw: Iterable[int] = ()) -> RunResult:
    """Bring the prestaties of a contract up to date with its registrations up to the end of `periode`, and the
    regels of its concept declaraties with them; flush, the caller commits.

    `opnieuw`: prestaties the aanbieder re-declares after a rejection (they get a new regel).
    """
    # Before the run's start time and anything it reads: the previous writer's tarieven, prestaties and regels are
    # then committed and older than this run's watermark.
    lock_contract(session, contract.id)
    started = now or utcnow()
    peilmoment = _peilmoment(session, started)
    result = RunResult(periode)
    indicatoren = list(session.scalars(
        select(PrestatieIndicator).where(PrestatieIndicator.contract_id == contract.id)
        .options(selectinload(PrestatieIndicator.tarieven))
    ))
    scope = _scope(session, contract, periode, indicatoren)
    # Prestaties corrected while their regel waited for a decision, and approved since: settle the difference now.
    opnieuw = set(opnieuw) | _approved_but_changed(session, contract)
    if scope.leeg and not opnieuw:
        _record_run(session, contract, periode, started, peilmoment, result, actor)
        return result

    with zonder_gc():
        for indicator in indicatoren:
            gemeten = _measure(session, contract, indicator, periode, scope)
            _upsert(session, indicator, gemeten, scope, periode, result, started)
        # What needs regels: what this run stored (berekend_op is the run's start), what the caller names, and in a
        # full run what never got a regel (e.g. there was no tarief yet at the time).
        touched = Prestatie.berekend_op == started
        if opnieuw:
            touched = or_(touched, Prestatie.id.in_(sorted(opnieuw)))
        if scope.alles:
            touched = or_(touched, and_(
                Prestatie.aantal > 0, Prestatie.afgewezen.is_(False),
                ~select(DeclaratieRegel.id).where(DeclaratieRegel.prestatie_id == Prestatie.id).exists()))
        _reconcile(session, contract, {i.id: i for i in indicatoren}, touched, periode, result)
    _record_run(session, contract, periode, started, peilmoment, result, actor)
    return result


def _approved_but_changed(session: Session, contract: Contract) -> set[int]:
    """Prestaties whose approved, not yet credited regel no longer matches what the registrations say."""
    credit = select(DeclaratieRegel.credit_van_regel_id).where(DeclaratieRegel.credit_van_regel_id.is_not(None))
    return set(session.scalars(
        select(Prestatie.id)
        .join(DeclaratieRegel, DeclaratieRegel.prestatie_id == Prestatie.id)
        .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
        .where(Declaratie.contract_id == contract.id, DeclaratieRegel.status == RegelStatus.GOEDGEKEURD,
               DeclaratieRegel.credit_van_regel_id.is_(None), DeclaratieRegel.aantal != Prestatie.aantal,
               DeclaratieRegel.id.not_in(credit), Prestatie.afgewezen.is_(False))
    ))


def _record_run(session: Session, contract: Contract, periode: Periode, started: datetime, peilmoment: datetime,
                result: RunResult, actor: User | None) -> None:
    session.add(BillingRun(contract_id=contract.id, periode=periode.code, gestart_op=started, peilmoment=peilmoment,
                           nieuwe_prestaties=result.nieuwe_prestaties, nieuwe_regels=result.nieuwe_regels))
    audit.record(session, actor, AuditActie.PRESTATIES_BEREKEND, object_type="contract", object_id=contract.id,
                 details={"periode": periode.code, "nieuwe_prestaties": result.nieuwe_prestaties,
                          "gewijzigde_prestaties": result.gewijzigde_prestaties,
                          "nieuwe_regels": result.nieuwe_regels, "credit_regels": result.credit_regels})
    session.flush()


# --- what to recompute ------------------------------------------------------------------------------

# Registration writers (grid, forms, uploads, API, exam results, start dates) never take the contract lock: they
# must not wait for billing. So a change can be stamped (updated_at, in Python) before a run starts and become
# visible only after the run read: on PostgreSQL a transaction that commits later, on SQLite a writer that stamped
# before it waited for the write lock the run held. A run's watermark for the next run is therefore not its start
# but its peilmoment, a moment before which every change it could not see was stamped:
# * SQLite: every write happens under the one write lock, held by the run from its first statement to its commit,
#   and a writer waits for it at most the busy timeout (then gives up, writing nothing). A change the run missed
#   was stamped at most that long, plus _MARGE, before the run's start.
# * PostgreSQL: a change the run missed belongs to a transaction still open when the run looked (or begun later).
#   pg_stat_activity gives the start of the oldest one; the peilmoment is that far back, minus _MARGE.
# Looking back further only costs a little rescanning: derive is idempotent.
#
# _MARGE covers the time between a writer's Python stamp and its transaction's begin or first write (a request
# reads, stamps, then writes), and clocks of app servers and database that differ by less than it.
_MARGE = timedelta(minutes=10)
_SQLITE_TERUG = timedelta(seconds=BUSY_TIMEOUT_SECONDS) + _MARGE
# The age of the oldest other transaction of this database's clients (NULL: none), and how many of its sessions
# this role may not see (their transactions could be older).
_OUDSTE_TRANSACTIE = text(
    "SELECT clock_timestamp() - min(xact_start) FILTER (WHERE pid <> pg_backend_pid()"
    " AND backend_type = 'client backend'), count(*) FILTER (WHERE query = '<insufficient privilege>')"
    " FROM pg_stat_activity WHERE datname = current_database()")
# PostgreSQL keeps the pg_stat_activity it read first in a transaction; bereken_concepten runs several contracts in
# one, so each run reads it afresh.
_VERS = text("SELECT pg_stat_clear_snapshot()")
_BEGIN = datetime(1970, 1, 1, tzinfo=UTC)


def _peilmoment(session: Session, started: datetime) -> datetime:
    """The moment before which every change this run cannot see was stamped (see above)."""
    if session.get_bind().dialect.name != "postgresql":
        return started - _SQLITE_TERUG
    session.execute(_VERS)
    leeftijd, onzichtbaar = session.execute(_OUDSTE_TRANSACTIE).one()
    if onzichtbaar:
        # Sessions of another role whose transactions this one may not see (grant it pg_read_all_stats): their
        # changes could be of any age, so the next run looks at everything.
        logger.warning("Billing: %s databasesessies onzichtbaar voor deze rol; de volgende run kijkt alles na",
                       onzichtbaar)
        return _BEGIN
    peil = started if leeftijd is None else min(started, utcnow() - leeftijd)
    return peil - _MARGE

def _scope(session: Session, contract: Contract, periode: Periode,
           indicatoren: list[PrestatieIndicator]) -> _Scope:
    """Everything for a periode never run before (or after the contract's indicators changed); otherwise only the
    verwijzingen whose registrations changed since the previous run, in the periodes they changed."""
    # The latest run's peilmoment, not the highest: a long transaction can hold a later run's further back.
    watermark = session.scalar(select(BillingRun.peilmoment).where(BillingRun.contract_id == contract.id)
                               .order_by(BillingRun.gestart_op.desc(), BillingRun.id.desc()).limit(1))
    gedraaid = session.scalar(select(BillingRun.id).where(
        BillingRun.contract_id == contract.id, BillingRun.periode == periode.code).limit(1))
    if watermark is None:
        return _Scope(alles=True)
    indicator_ids = [i.id for i in indicatoren]
    contract_gewijzigd = bool(indicator_ids) and bool(
        session.scalar(select(PrestatieIndicator.id).where(
            PrestatieIndicator.contract_id == contract.id, PrestatieIndicator.updated_at > watermark).limit(1))
        or session.scalar(select(Tarief.id).where(
            Tarief.indicator_id.in_(indicator_ids), Tarief.updated_at > watermark).limit(1)))
    scope = _Scope(alles=gedraaid is None or contract_gewijzigd)
    in_contract = Verwijzing.contract_id == contract.id
    soort = contract.declaratieperiode
    # The sessions changed since, found by the updated_at index alone and kept to the contract here: joined to the
    # contract's verwijzingen in SQL, SQLite walks every session of the contract instead (1 s on 1 M rows).
    changed = rijen(session,
        select(Presentie.verwijzing_id, Presentie.datum).where(Presentie.updated_at > watermark))
    if changed:
        eigen = set(session.scalars(select(Verwijzing.id).where(in_contract)))
        periode_code = Memo(lambda datum: periode_van(datum, soort).code)
        for verwijzing_id, datum in changed:
            if verwijzing_id in eigen and datum <= periode.tot:
                scope.uren.setdefault(periode_code(datum), set()).add(verwijzing_id)
    others = [
        select(Verwijzing.id).where(in_contract, Verwijzing.updated_at > watermark),
        select(TrajectStart.verwijzing_id).join(Verwijzing, Verwijzing.id == TrajectStart.verwijzing_id)
        .where(in_contract, TrajectStart.updated_at > watermark),
        select(RouteResultaat.verwijzing_id).join(Verwijzing, Verwijzing.id == RouteResultaat.verwijzing_id)
        .where(in_contract, RouteResultaat.updated_at > watermark),
        select(Afschalingsverzoek.verwijzing_id).join(Verwijzing, Verwijzing.id == Afschalingsverzoek.verwijzing_id)
        .where(in_contract, Afschalingsverzoek.updated_at > watermark),
        select(Verwijzing.id).join(Examenresultaat, Examenresultaat.inburgeraar_id == Verwijzing.inburgeraar_id)
        .where(in_contract, Examenresultaat.updated_at > watermark),
    ]
    for query in others:
        scope.overig.update(session.scalars(query))
    # A deleted session leaves no row to find by updated_at, only its history: recompute the periodes already
    # billed for the verwijzingen of those inburgeraars (a deletion can only lower what was there).
    gewist = select(RegistratieWijziging.inburgeraar_id).where(
        RegistratieWijziging.object_type == "presentie", RegistratieWijziging.gewijzigd_op > watermark)
    for verwijzing_id, code in session.execute(
        select(Prestatie.verwijzing_id, Prestatie.periode).distinct()
        .join(Verwijzing, Verwijzing.id == Prestatie.verwijzing_id)
        .where(in_contract, Verwijzing.inburgeraar_id.in_(gewist), Prestatie.periode != EENMALIG)
    ):
        scope.uren.setdefault(code, set()).add(verwijzing_id)
        scope.overig.add(verwijzing_id)
    return scope


# --- measuring: what the registrations say per trigger ------------------------------------------------

def _measure(session: Session, contract: Contract, indicator: PrestatieIndicator, periode: Periode,
             scope: _Scope) -> dict[tuple[int, str], Gemeten]:
    """The prestaties of one indicator within the scope, by (verwijzing, periode)."""
    base = and_(Verwijzing.contract_id == contract.id, Verwijzing.onderdeel == indicator.onderdeel)
    found: dict[tuple[int, str], Gemeten] = {}
    trigger = indicator.trigger
    if trigger is Trigger.UREN_AANWEZIG:
        periodes = dict(scope.uren)
        if scope.alles:
            periodes[periode.code] = set()  # empty: every verwijzing
        for code, ids in periodes.items():
            for g in _uren_in_periode(session, base, indicator, periode_uit_code(code), ids or None):
                found[(g.verwijzing_id, g.periode)] = g
    elif trigger is Trigger.PERIODE_ACTIEF:
        metingen = _actief(session, base, contract, periode, None) if scope.alles else []
        if scope.verwijzingen():
            metingen += _actief(session, base, contract, periode, scope.verwijzingen())
        for g in metingen:
            found[(g.verwijzing_id, g.periode)] = g
    else:
        ids = None if scope.alles else scope.verwijzingen()
        if ids is not None and not ids:
            return found
        for g in _eenmalig(session, base, indicator, periode, ids):
            found[(g.verwijzing_id, EENMALIG)] = g
    return found


def _in_ids(column: Any, ids: set[int] | None) -> Any:
    return True if ids is None else column.in_(sorted(ids))


def _uren_in_periode(session: Session, base: Any, indicator: PrestatieIndicator, periode: Periode,
                     ids: set[int] | None) -> list[Gemeten]:
    """Hours present (and geoorloofd absent when the contract pays it) per verwijzing in one periode, with the
    gemeente that pays on the last day of it."""
    totalen = (
        select(Verwijzing.id.label("verwijzing_id"), Verwijzing.inburgeraar_id.label("inburgeraar_id"),
               raw(func.sum(Presentie.uren_aanwezig)).label("aanwezig"),
               raw(func.sum(Presentie.uren_afwezig_geoorloofd)).label("geoorloofd"),
               raw(func.sum(Presentie.uren_afwezig_ongeoorloofd)).label("ongeoorloofd"),
               func.max(Presentie.datum).label("laatste"))
        .join(Presentie, Presentie.verwijzing_id == Verwijzing.id)
        .where(base, Presentie.datum >= periode.van, Presentie.datum <= periode.tot, _in_ids(Verwijzing.id, ids),
               True if indicator.activiteit is None else Presentie.activiteit == indicator.activiteit)
        .group_by(Verwijzing.id, Verwijzing.inburgeraar_id)
    ).subquery()
    c = totalen.c
    rows = rijen(session, select(c.verwijzing_id, c.inburgeraar_id, c.aanwezig, c.geoorloofd, c.ongeoorloofd,
                                 raw(c.laatste), betalende_gemeente_expr(c.inburgeraar_id, c.laatste)))
    # Hours and days repeat: each distinct sum and day is converted, and each distinct combination measured by the
    # one attendance rule, once.
    uren, dagen = Memo(as_decimal), Memo(as_date)
    pcts: dict[tuple[Any, Any, Any], tuple[Decimal, Decimal | None]] = {}
    telt_geoorloofd = indicator.telt_geoorloofd_afwezig
    code = periode.code
    found = []
    for verwijzing_id, inburgeraar_id, aanwezig_raw, geoorloofd_raw, ongeoorloofd_raw, laatste, gemeente_id in rows:
        key = (aanwezig_raw, geoorloofd_raw, ongeoorloofd_raw)
        gemeten = pcts.get(key)
        if gemeten is None:
            aanwezig, geoorloofd = uren(aanwezig_raw), uren(geoorloofd_raw)
            aantal = aanwezig + geoorloofd if telt_geoorloofd else aanwezig
            gemeten = pcts[key] = (aantal, afronding.percentage(
                aanwezig, aanwezig + geoorloofd + uren(ongeoorloofd_raw)))
        found.append(Gemeten(verwijzing_id, inburgeraar_id, code, dagen(laatste), gemeten[0], gemeten[1],
                             gemeente_id))
    return found


def _actief(session: Session, base: Any, contract: Contract, periode: Periode,
            ids: set[int] | None) -> list[Gemeten]:
    """Months a started traject ran within each periode up to this one (taakgericht, e.g. begeleiding per maand)."""
    rows = session.execute(
        select(Verwijzing.id, Verwijzing.inburgeraar_id, Verwijzing.beoogde_startdatum, Verwijzing.uiterste_einddatum,
               TrajectStart.gerealiseerde_startdatum, TrajectStart.bijgestelde_einddatum)
        .join(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .where(base, Verwijzing.status.in_(_GELOPEN), TrajectStart.gerealiseerde_startdatum.is_not(None),
               _in_ids(Verwijzing.id, ids))
    )
    found = []
    for verwijzing_id, inburgeraar_id, beoogd, uiterste, gerealiseerd, bijgesteld in rows:
        start = termijnen.traject_startdatum(gerealiseerd, beoogd)
        einde = min(termijnen.traject_einddatum(uiterste, bijgesteld), periode.tot)
        # A full recompute of one periode only needs that periode; a changed traject all periodes it ran in.
        eerste = periode if ids is None else periode_van(max(start, contract.startdatum), contract.declaratieperiode)
        huidige = eerste
        while huidige.van <= periode.van:
            maanden = _maanden_overlap(max(start, huidige.van), min(einde, huidige.tot))
            if maanden:
                found.append(Gemeten(verwijzing_id, inburgeraar_id, huidige.code, min(einde, huidige.tot),
                                     Decimal(maanden)))
            huidige = huidige.volgende()
    return found


def _maanden_overlap(van: date, tot: date) -> int:
    """Calendar months touched by [van, tot] (0 when empty)."""
    if tot < van:
        return 0
    return (tot.year - van.year) * 12 + tot.month - van.month + 1


def _eenmalig(session: Session, base: Any, indicator: PrestatieIndicator, periode: Periode,
              ids: set[int] | None) -> list[Gemeten]:
    """One-off milestones reached by the end of the periode, with the day they were reached."""
    trigger = indicator.trigger
    scoped = and_(base, _in_ids(Verwijzing.id, ids))
    einde = periode.tot
    kolommen = (Verwijzing.id, Verwijzing.inburgeraar_id)
    if trigger is Trigger.START:
        startdatum = TrajectStart.gerealiseerde_startdatum
        rows = rijen(session, select(*kolommen, raw(startdatum),
                                     betalende_gemeente_expr(Verwijzing.inburgeraar_id, startdatum))
                     .join(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
                     .where(scoped, startdatum <= einde))
        een, dagen = Decimal(1), Memo(as_date)
        return [Gemeten(v, i, EENMALIG, dagen(d), een, None, g) for v, i, d, g in rows]
    if trigger is Trigger.UREN_MIJLPAAL:
        return _mijlpaal(session, scoped, indicator, einde)
    if trigger is Trigger.EXAMEN_GESLAAGD:
        return _examen(session, scoped, indicator, einde)
    if trigger is Trigger.AFSCHALING_GOEDGEKEURD:
        rows = session.execute(select(*kolommen, func.min(Afschalingsverzoek.besloten_op))
                               .join(Afschalingsverzoek, Afschalingsverzoek.verwijzing_id == Verwijzing.id)
                               .where(scoped, Afschalingsverzoek.status == AfschalingStatus.GOEDGEKEURD)
                               .group_by(*kolommen))
        return [Gemeten(v, i, EENMALIG, _dag(d), Decimal(1)) for v, i, d in rows if d and _dag(d) <= einde]
    if trigger is Trigger.UITVAL_PRO_RATA:
        return _uitval(session, scoped, einde)
    datum_kolom = {
        Trigger.TAALSCHAKEL_BEHAALD: RouteResultaat.datum_taalschakel_resultaat,
        Trigger.MAP_EINDGESPREK: RouteResultaat.datum_eindgesprek_map,
        Trigger.PVT_ONDERTEKEND: RouteResultaat.datum_ondertekening_pvt,
        Trigger.Z_AFGEROND: RouteResultaat.datum_afronding_z_route,
    }[trigger]
    extra = (RouteResultaat.taalschakel_resultaat == TaalschakelResultaat.BEHAALD
             if trigger is Trigger.TAALSCHAKEL_BEHAALD else True)
    rows = session.execute(select(*kolommen, datum_kolom)
                           .join(RouteResultaat, RouteResultaat.verwijzing_id == Verwijzing.id)
                           .where(scoped, datum_kolom.is_not(None), datum_kolom <= einde, extra))
    return [Gemeten(v, i, EENMALIG, d, Decimal(1)) for v, i, d in rows]


def _dag(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _mijlpaal(session: Session, scoped: Any, indicator: PrestatieIndicator, einde: date) -> list[Gemeten]:
    """The day the cumulative hours present first reached the indicator's threshold."""
    drempel = indicator.drempel_uren or _ZERO
    cumulatief = func.sum(Presentie.uren_aanwezig).over(
        partition_by=Presentie.verwijzing_id, order_by=(Presentie.datum, Presentie.id))
    running = (select(Verwijzing.id.label("verwijzing_id"), Verwijzing.inburgeraar_id.label("inburgeraar_id"),
                      Presentie.datum.label("datum"), cumulatief.label("cum"))
               .join(Presentie, Presentie.verwijzing_id == Verwijzing.id)
               .where(scoped, Presentie.datum <= einde)).subquery()
    rows = session.execute(select(running.c.verwijzing_id, running.c.inburgeraar_id, func.min(running.c.datum))
                           .where(running.c.cum >= drempel)
                           .group_by(running.c.verwijzing_id, running.c.inburgeraar_id))
    return [Gemeten(v, i, EENMALIG, d, Decimal(1)) for v, i, d in rows]


def _examen(session: Session, scoped: Any, indicator: PrestatieIndicator, einde: date) -> list[Gemeten]:
    """The day the indicator's exam part was first passed at or above the niveau of the PIP in force
    (portal.domain.pip.van_kracht; spec billing-and-kpis A2: EXAMEN_GESLAAGD(onderdeel, niveau≥PIP)).

    A prestatie is judged by the PIP of its prestatiedatum, as checks.py judges it: normally the examendatum; when
    no PIP asked that level then (withdrawn, or still B1 before an afschaling to A2), the dagtekening of the first
    later version that does, up to the end of the period. An exam passed while no PIP was in force is no prestatie
    until a new PIP is; a withdrawal after the prestatiedatum leaves it one, so a later run never takes it back."""
    rows = session.execute(
        select(Verwijzing.id, Verwijzing.inburgeraar_id, Examenresultaat.niveau, Examenresultaat.examendatum)
        .join(Examenresultaat, Examenresultaat.inburgeraar_id == Verwijzing.inburgeraar_id)
        .where(scoped, Examenresultaat.onderdeel == indicator.examenonderdeel,
               Examenresultaat.resultaat == Examenuitslag.GESLAAGD, Examenresultaat.examendatum <= einde)
        .order_by(Examenresultaat.examendatum)
    ).all()
    personen = {p.id: p for p in session.scalars(
        select(Inburgeraar).where(Inburgeraar.id.in_({r[1] for r in rows}))
        .options(selectinload(Inburgeraar.pips).selectinload(Pip.intrekking)))}
    first: dict[int, Gemeten] = {}
    for verwijzing_id, inburgeraar_id, niveau, examendatum in rows:
        dag = _examen_voldoet_op(personen[inburgeraar_id].pips, niveau, examendatum, einde)
        if dag is not None and (verwijzing_id not in first or dag < first[verwijzing_id].prestatiedatum):
            first[verwijzing_id] = Gemeten(verwijzing_id, inburgeraar_id, EENMALIG, dag, Decimal(1))
    return list(first.values())


def _examen_voldoet_op(pips: Any, niveau: Any, examendatum: date, einde: date) -> date | None:
    """The first day from the examendatum up to `einde` on which the PIP in force asks no more than `niveau`."""
    for dag in [examendatum, *sorted(p.dagtekening for p in pips if examendatum < p.dagtekening <= einde)]:
        pip = pip_regels.van_kracht(pips, dag)
        if pip is not None and niveau_voldoet(niveau, pip.niveau):
            return dag
    return None


def _uitval(session: Session, scoped: Any, einde: date) -> list[Gemeten]:
    """A traject that fell out: paid for the share of its gecontracteerde uren that was realised (at most 1)."""
    rows = session.execute(
        select(Verwijzing.id, Verwijzing.inburgeraar_id, Verwijzing.gecontracteerde_uren,
               func.sum(Presentie.uren_aanwezig), func.max(Presentie.datum))
        .join(Presentie, Presentie.verwijzing_id == Verwijzing.id)
        .where(scoped, Verwijzing.status == VerwijzingStatus.UITGEVALLEN, Presentie.datum <= einde)
        .group_by(Verwijzing.id, Verwijzing.inburgeraar_id, Verwijzing.gecontracteerde_uren)
    )
    found = []
    for verwijzing_id, inburgeraar_id, gecontracteerd, uren, laatste in rows:
        if not gecontracteerd:
            continue  # no hours agreed: no share to pay
        aandeel = min(Decimal(1), as_decimal(uren) / as_decimal(gecontracteerd)).quantize(_TWO)
        found.append(Gemeten(verwijzing_id, inburgeraar_id, EENMALIG, laatste, aandeel))
    return found


# --- storing prestaties --------------------------------------------------------------------------------

def _upsert(session: Session, indicator: PrestatieIndicator, gemeten: dict[tuple[int, str], Gemeten],
            scope: _Scope, periode: Periode, result: RunResult, now: datetime) -> None:
    """Insert new prestaties, bring changed ones up to date (a prestatie that no longer holds gets aantal 0);
    both get the run's start as berekend_op, which is how the regels step finds them."""
    existing = _existing(session, indicator, gemeten, scope, periode)
    nieuw = [g for key, g in gemeten.items() if key not in existing and g.aantal > 0]
    gewijzigd: list[tuple[int, Gemeten | None]] = []
    for key, (prestatie_id, aantal, pct) in existing.items():
        g = gemeten.get(key)
        if g is None:
            if aantal != 0:
                gewijzigd.append((prestatie_id, None))
        elif g.aantal != aantal or g.aanwezigheid_pct != pct:
            gewijzigd.append((prestatie_id, g))
    betaler = betalende_gemeente(session, [(g.inburgeraar_id, g.prestatiedatum) for g in nieuw
                                           if g.gemeente_id is None])
    indicator_id = indicator.id
    bulk_insert(session, Prestatie.__table__, [
        {"verwijzing_id": g.verwijzing_id, "indicator_id": indicator_id, "periode": g.periode,
         "inburgeraar_id": g.inburgeraar_id,
         "gemeente_id": betaler[(g.inburgeraar_id, g.prestatiedatum)] if g.gemeente_id is None else g.gemeente_id,
         "prestatiedatum": g.prestatiedatum, "aantal": g.aantal, "aanwezigheid_pct": g.aanwezigheid_pct,
         "afgewezen": False, "berekend_op": now}
        for g in nieuw
    ])
    # A recomputed prestatiedatum moves no regel: each keeps the date it was declared with (and its cost year).
    for prestatie_id, g in gewijzigd:
        values: dict[str, Any] = {"aantal": _ZERO, "berekend_op": now} if g is None else {
            "aantal": g.aantal, "aanwezigheid_pct": g.aanwezigheid_pct, "prestatiedatum": g.prestatiedatum,
            "berekend_op": now}
        session.execute(update(Prestatie).where(Prestatie.id == prestatie_id).values(**values))
    result.nieuwe_prestaties += len(nieuw)
    result.gewijzigde_prestaties += len(gewijzigd)


def _existing(session: Session, indicator: PrestatieIndicator, gemeten: dict[tuple[int, str], Gemeten],
              scope: _Scope, periode: Periode) -> dict[tuple[int, str], tuple[int, Decimal, Decimal | None]]:
    """Stored prestaties of the indicator inside the scope just measured, by natural key."""
    if indicator.trigger is Trigger.UREN_AANWEZIG:
        conditions = [and_(Prestatie.periode == code, _in_ids(Prestatie.verwijzing_id, ids))
                      for code, ids in scope.uren.items()]
        if scope.alles:
            conditions.append(Prestatie.periode == periode.code)
    elif scope.alles:
        conditions = [Prestatie.periode == periode.code] if indicator.trigger.periodiek else [True]
        if indicator.trigger.periodiek and scope.verwijzingen():
            conditions.append(Prestatie.verwijzing_id.in_(sorted(scope.verwijzingen())))
    else:
        conditions = [Prestatie.verwijzing_id.in_(sorted(scope.verwijzingen()))]
    if indicator.trigger.periodiek:
        # Only periodes up to the run's own: a later periode is not measured here.
        conditions = [and_(c, Prestatie.periode <= periode.code) for c in conditions]
    if not conditions:
        return {}
    rows = session.execute(
        select(Prestatie.id, Prestatie.verwijzing_id, Prestatie.periode, Prestatie.aantal, Prestatie.aanwezigheid_pct)
        .where(Prestatie.indicator_id == indicator.id, or_(*conditions))
    )
    return {(v, code): (pid, as_decimal(aantal), None if pct is None else as_decimal(pct))
            for pid, v, code, aantal, pct in rows}


# --- regels on the concept declaraties ---------------------------------------------------------------------

@dataclass
class _Regel:
    id: int
    declaratie_id: int
    aantal: Decimal
    bedrag_cent: int
    status: RegelStatus
    credit_van: int | None
    declaratie_status: DeclaratieStatus
    prestatiedatum: date


class _Prestatie(NamedTuple):
    """The columns of a prestatie the regels step needs (no ORM object per row: a run can touch 20,000)."""

    id: int
    verwijzing_id: int
    indicator_id: int
    periode: str
    inburgeraar_id: int
    gemeente_id: int
    prestatiedatum: date
    aantal: Decimal
    aanwezigheid_pct: Decimal | None
    afgewezen: bool


def _reconcile(session: Session, contract: Contract, indicatoren: dict[int, PrestatieIndicator],
               touched: Any, periode: Periode, result: RunResult) -> None:
    """Make the regels of each touched prestatie (a condition on Prestatie) add up to what it is worth now."""
    if not indicatoren:
        return
    selected = and_(Prestatie.indicator_id.in_(list(indicatoren)), touched)
    decimalen, dagen = Memo(as_decimal), Memo(as_date)
    prestaties = [
        _Prestatie(pid, vid, iid, code, persoon, gemeente, dagen(dag), decimalen(aantal),
                   None if pct is None else decimalen(pct), bool(afgewezen))
        for pid, vid, iid, code, persoon, gemeente, dag, aantal, pct, afgewezen in rijen(session, select(
            Prestatie.id, Prestatie.verwijzing_id, Prestatie.indicator_id, Prestatie.periode, Prestatie.inburgeraar_id,
            Prestatie.gemeente_id, raw(Prestatie.prestatiedatum), raw(Prestatie.aantal),
            raw(Prestatie.aanwezigheid_pct), raw(Prestatie.afgewezen)).where(selected).order_by(Prestatie.id))
    ]
    if not prestaties:
        return
    regels: dict[int, list[_Regel]] = defaultdict(list)
    for row in rijen(session,
        select(DeclaratieRegel.prestatie_id, DeclaratieRegel.id, DeclaratieRegel.declaratie_id,
               DeclaratieRegel.aantal, DeclaratieRegel.bedrag_cent, DeclaratieRegel.status,
               DeclaratieRegel.credit_van_regel_id, Declaratie.status, DeclaratieRegel.prestatiedatum)
        .join(Declaratie, Declaratie.id == DeclaratieRegel.declaratie_id)
        .where(DeclaratieRegel.prestatie_id.in_(select(Prestatie.id).where(selected)))
        .order_by(DeclaratieRegel.id)
    ):
        regels[row[0]].append(_Regel(row[1], row[2], as_decimal(row[3]), row[4], row[5], row[6], row[7],
                                     as_date(row[8])))
    declaraties = _Declaraties(session, contract, periode)
    prijzen = Prijzen()
    nieuwe: list[dict[str, Any]] = []
    for prestatie in prestaties:
        if prestatie.afgewezen:
            continue  # rejected: declared again only when the aanbieder asks for it
        eigen = regels.get(prestatie.id, ())
        gecrediteerd = {r.credit_van for r in eigen if r.credit_van is not None}
        levend = [r for r in eigen if r.credit_van is None and r.id not in gecrediteerd
                  and r.status is not RegelStatus.AFGEWEZEN] if eigen else eigen
        indicator = indicatoren[prestatie.indicator_id]
        if not levend:
            if prestatie.aantal > 0:
                regel = _debet(prestatie, indicator, declaraties, prijzen, result)
                if regel:
                    nieuwe.append(regel)
            continue
        huidig = levend[-1]
        concept = huidig.declaratie_status is DeclaratieStatus.CONCEPT
        if huidig.aantal == prestatie.aantal and (not concept or huidig.prestatiedatum == prestatie.prestatiedatum):
            continue
        if concept:
            _update_concept(session, huidig, prestatie, indicator, prijzen, result)
        elif huidig.status is RegelStatus.GOEDGEKEURD:
            target_id = declaraties.concept_id(prestatie.gemeente_id)
            nieuwe.append({"declaratie_id": target_id, "prestatie_id": prestatie.id, "credit_van_regel_id": huidig.id,
                           **_copy_of(session, huidig.id), "status": RegelStatus.INGEDIEND, "bevindingen": None})
            result.credit_regels += 1
            result.declaraties.add(target_id)
            if prestatie.aantal > 0:
                regel = _debet(prestatie, indicator, declaraties, prijzen, result)
                if regel:
                    nieuwe.append(regel)
        # else: the regel waits for the contractmanager; once decided, the next run settles the difference.
    if nieuwe:
        checks.add_bevindingen(session, contract, indicatoren, nieuwe, {p.id: p for p in prestaties})
        # Core executemany, timestamps given: one statement per slice instead of the ORM's per-row bookkeeping.
        now = utcnow()
        for regel in nieuwe:
            regel["created_at"] = regel["updated_at"] = now
        bulk_insert(session, DeclaratieRegel.__table__, nieuwe)
        result.nieuwe_regels += len(nieuwe)
    session.flush()


def _copy_of(session: Session, regel_id: int) -> dict[str, Any]:
    """The numbers of a credit regel: the original's units, tarief and prestatiedatum, minus its amount."""
    original = session.get(DeclaratieRegel, regel_id)
    assert original is not None
    return {"tarief_id": original.tarief_id, "eenheid": original.eenheid, "aantal": original.aantal,
            "tarief_cent": original.tarief_cent, "bedrag_cent": -original.bedrag_cent,
            "prestatiedatum": original.prestatiedatum}


def _debet(prestatie: _Prestatie, indicator: PrestatieIndicator, declaraties: _Declaraties, prijzen: Prijzen,
           result: RunResult) -> dict[str, Any] | None:
    """A new debet regel at the tarief valid on the prestatiedatum; None (counted) when no tarief applies."""
    tarief = prijzen.tarief(indicator, prestatie.prestatiedatum, prestatie.gemeente_id)
    if tarief is None:
        result.zonder_tarief += 1
        return None
    target_id = declaraties.concept_id(prestatie.gemeente_id)
    result.declaraties.add(target_id)
    tarief_id, eenheid, tarief_cent = prijzen.kolommen(tarief)
    return {"declaratie_id": target_id, "prestatie_id": prestatie.id, "credit_van_regel_id": None,
            "tarief_id": tarief_id, "eenheid": eenheid, "aantal": prestatie.aantal,
            "tarief_cent": tarief_cent, "bedrag_cent": prijzen.bedrag(prestatie.aantal, tarief_cent),
            "prestatiedatum": prestatie.prestatiedatum, "status": RegelStatus.INGEDIEND, "bevindingen": None}


def _update_concept(session: Session, regel: _Regel, prestatie: _Prestatie, indicator: PrestatieIndicator,
                    prijzen: Prijzen, result: RunResult) -> None:
    """A concept declaratie can still change: its regel follows the corrected registration, its date and the tarief
    valid on that date (or goes when nothing is left or no tarief applies)."""
    stored = session.get(DeclaratieRegel, regel.id)
    assert stored is not None
    verschoven = prestatie.prestatiedatum != regel.prestatiedatum
    tarief = prijzen.tarief(indicator, prestatie.prestatiedatum, prestatie.gemeente_id) if verschoven else None
    if verschoven and tarief is None:
        result.zonder_tarief += 1
    if prestatie.aantal == 0 or (verschoven and tarief is None):
        session.delete(stored)
    else:
        if tarief is not None:
            stored.tarief_id, stored.eenheid, stored.tarief_cent = prijzen.kolommen(tarief)
        stored.prestatiedatum = prestatie.prestatiedatum
        stored.aantal = prestatie.aantal
        stored.bedrag_cent = bedrag_cent(prestatie.aantal, stored.tarief_cent)
        session.flush()
        stored.bevindingen = checks.bevindingen_voor(session, prestatie, indicator) or None
    result.bijgewerkte_regels += 1


class _Declaraties:
    """The concept declaraties of one contract a run puts regels on, made when first needed."""

    def __init__(self, session: Session, contract: Contract, periode: Periode) -> None:
        self.session = session
        self.contract = contract
        self.periode = periode
        self.cache: dict[tuple[int, str], Declaratie] = {}
        self.concept: dict[int, int] = {}

    def concept_id(self, gemeente_id: int) -> int:
        """The id of the run's own concept declaratie for the gemeente, or of the first later one still open: what
        was registered late for a periode already declared goes on the next declaratie."""
        if gemeente_id not in self.concept:
            huidige = self.periode
            while True:
                declaratie = self._get(gemeente_id, huidige)
                if declaratie.status is DeclaratieStatus.CONCEPT:
                    break
                huidige = huidige.volgende()
            self.concept[gemeente_id] = declaratie.id
        return self.concept[gemeente_id]

    def _get(self, gemeente_id: int, periode: Periode) -> Declaratie:
        key = (gemeente_id, periode.code)
        if key not in self.cache:
            found = self.session.scalars(select(Declaratie).where(
                Declaratie.contract_id == self.contract.id, Declaratie.gemeente_id == gemeente_id,
                Declaratie.periode == periode.code)).first()
            if found is None:
                found = nieuwe_declaratie(self.session, self.contract, gemeente_id, periode)
            self.cache[key] = found
        return self.cache[key]


def nieuwe_declaratie(session: Session, contract: Contract, gemeente_id: int, periode: Periode) -> Declaratie:
    """An empty concept declaratie with its number: contract, CBS code of the gemeente, periode."""
    from portal.models import Gemeente

    gemeente = session.get(Gemeente, gemeente_id)
    assert gemeente is not None
    declaratie = Declaratie(
        nummer=f"{contract.kenmerk}-{gemeente.cbs_code}-{periode.code}", contract_id=contract.id,
        aanbieder_id=contract.aanbieder_id, gemeente_id=gemeente_id, periode=periode.code, periode_van=periode.van,
        periode_tot=periode.tot, status=DeclaratieStatus.CONCEPT,
    )
    session.add(declaratie)
    session.flush()
    return declaratie
