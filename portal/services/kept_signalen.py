"""Kept signals per case (SignaalStand): what the regie overview orders, filters and counts by, kept up to date in
the same transaction as the facts that change them, so the overview runs the rules for the page it shows only.

The rules of portal.services.signalen.regels stay the only definition: a case's row is what `signalen_voor` says
for the figures `caseload` reads, summed up (most urgent ernst, how many, which codes). Writes reach it through
two doors: every ORM flush of a table the signals read (a session hook collects the inburgeraars it touched) and
presentie, which portal.services.kept_totals writes in bulk and reports here (`presentie_gewijzigd`). Just before
the session commits, the collected cases are worked out again and stored.

The date alone changes signals too (weeks without presence, deadlines, the four-week attendance window): each row
holds the first day on which that may happen (`geldig_tot`). From that day the overview works the case out in
memory for its request, and the hourly refresh (`verlopen_bijwerken`) stores it again; a GET never writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Integer, and_, bindparam, delete, event, func, inspect, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from portal import clock
from portal.models import (
    Afschalingsverzoek,
    ContractSignaalDrempels,
    Examenresultaat,
    Gemeente,
    Inburgeraar,
    OmstandighedenMelding,
    Pip,
    PipIntrekking,
    Presentie,
    RouteResultaat,
    SignaalDrempels,
    SignaalStand,
    TrajectStart,
    Verwijzing,
)
from portal.models.enums import Rol
from portal.services.batch import gc_paused
from portal.services.signalen import (
    CaseCijfers,
    DrempelTabel,
    Filters,
    caseload_queries,
    drempel_stempel,
    drempels_met_stempel,
    load_drempels,
    signalen_voor,
)
from portal.services.signalen.metrics import (
    case_cijfers,
    fold_cases,
    met_afschaling,
    met_examens,
    met_omstandigheden,
    samenvatting_van,
    verwijzing_cijfers,
)
from portal.services.validation import as_date

# How many days ahead the rules are tried to find when the date alone changes a case's signals; a case that does
# not change within them is looked at again after them.
VOORUIT_DAGEN = 14
_CHUNK = 500  # cases worked out per round of queries (keeps IN lists small)
GROTE_BATCH = 200  # a transaction that touched more cases drops their rows instead (see `bijwerken`)

_INBURGERAARS = "kept_signalen.inburgeraars"  # session.info keys: what this transaction touched
_VERWIJZINGEN = "kept_signalen.verwijzingen"
_CONTRACTEN = "kept_signalen.contracten"
_GEMEENTEN = "kept_signalen.gemeenten"
_ALLES = "kept_signalen.alles"
_BEKEND = "kept_signalen.bekend"  # verwijzingen whose cases are among the inburgeraars already


class Stand(NamedTuple):
    """A case's signals summed up: what the overview sorts and filters on, and the line per kind it shows."""

    hoogste_ernst: int
    aantal: int
    codes: str  # sorted, space-separated, each code once
    samenvatting: str  # CaseCijfers.samenvatting, one "ernst<TAB>aantal<TAB>titel" line per kind of signal


def stand_van(signalen: Sequence[Any]) -> Stand:
    """The summary of a case's signals (`signalen_voor` keeps them most urgent first)."""
    return Stand(signalen[0].ernst if signalen else 0, len(signalen), " ".join(sorted({s.code for s in signalen})),
                 "\n".join(f"{int(e)}\t{n}\t{titel}" for e, titel, n in samenvatting_van(signalen)))


@dataclass(frozen=True)
class _Gemeentestaf:
    """Reads as gemeente staff of every gemeente, through portal.access (its branch for a principal whose
    gemeenten are given): as a klantregisseur, who sees health-related omstandigheden, or as a contractmanager."""

    rol: Rol
    id: None = None
    aanbieder_id: None = None
    is_api_client: bool = True

    @property
    def gemeente_ids(self) -> Any:
        return select(Gemeente.id)


_KLANTREGISSEUR = _Gemeentestaf(Rol.KLANTREGISSEUR)
_ANDERE_STAF = _Gemeentestaf(Rol.CONTRACTMANAGER)
_queries: dict[tuple[bool, date, bool], dict[str, Any]] = {}


def _caseload_queries(met_gezondheid: bool, today: date, een: bool = False) -> dict[str, Any]:
    """The caseload queries for the cases in `ids` (with `een`: the one case `id`), built once per variant and
    day. One case is what a write touches: an expanding IN list is rendered into the SQL at every execution."""
    key = (met_gezondheid, today, een)
    queries = _queries.get(key)
    if queries is None:  # returned from the local: another thread may clear the dict meanwhile
        if len(_queries) > 8:
            _queries.clear()
        filters = Filters(inburgeraar_id=bindparam("id")) if een else \
            Filters(inburgeraar_ids=bindparam("ids", expanding=True))
        queries = _queries[key] = caseload_queries(
            _KLANTREGISSEUR if met_gezondheid else _ANDERE_STAF, today, filters)
    return queries


def _geldig_tot(case_: Any, tabel: Any, today: date, stand: Stand) -> date:
    """The first day after `today` on which the date alone may give this case other signals."""
    if any(v.uren_aanwezig_4w or v.uren_geoorloofd_4w or v.uren_ongeoorloofd_4w for v in case_.verwijzingen):
        # Presence in the four-week window: tomorrow's window drops a day, so its figures may differ.
        return today + timedelta(days=1)
    for n in range(1, VOORUIT_DAGEN + 1):
        dag = today + timedelta(days=n)
        if stand_van(signalen_voor(case_, tabel, dag)) != stand:
            return dag
    return today + timedelta(days=VOORUIT_DAGEN + 1)


def bereken(
    session: Session, inburgeraar_ids: Iterable[int], today: date
) -> dict[tuple[int, bool], tuple[Stand, date]]:
    """(stand, geldig_tot) per (inburgeraar, met_gezondheid) for these cases, from their figures as of `today`."""
    tabel = load_drempels(session)
    ids = sorted(set(inburgeraar_ids))
    result: dict[tuple[int, bool], tuple[Stand, date]] = {}
    connection = session.connection()
    with gc_paused():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            cases = fold_cases(connection, _caseload_queries(True, today), {"ids": chunk})
            # Other staff see the same case without health-related omstandigheden: only that count differs (and
            # only for a case with omstandigheden at all).
            met_meldingen = [c.id for c in cases if c.omstandigheden_aantal]
            andere = {i: rest for i, *rest in connection.execute(
                _caseload_queries(False, today)["omstandigheden"], {"ids": met_meldingen}).all()} \
                if met_meldingen else {}
            for case_ in cases:
                _standen(case_, andere.get(case_.id), tabel, today, result)
    return result


def _standen(case_: CaseCijfers, andere: Sequence[Any] | None, tabel: DrempelTabel, today: date,
             result: dict[tuple[int, bool], tuple[Stand, date]]) -> None:
    """Put the case's (stand, geldig_tot) for the klantregisseur and for other staff in `result`: `case_` holds the
    klantregisseur's figures, `andere` other staff's omstandigheden (count, last reported, last date) or None."""
    stand = stand_van(signalen_voor(case_, tabel, today))
    result[(case_.id, True)] = found = (stand, _geldig_tot(case_, tabel, today, stand))
    eigen = (case_.omstandigheden_aantal, case_.omstandigheden_laatst_gemeld, case_.omstandigheden_laatste_datum)
    met_omstandigheden(case_, *(andere or (0, None, None)))
    if (case_.omstandigheden_aantal, case_.omstandigheden_laatst_gemeld, case_.omstandigheden_laatste_datum) != eigen:
        stand = stand_van(signalen_voor(case_, tabel, today))
        found = (stand, _geldig_tot(case_, tabel, today, stand))
    # Else other staff see the same figures (no health-related omstandigheden): the rules say the same.
    result[(case_.id, False)] = found


_een_queries: dict[date, tuple[Any, int]] = {}


def _een_query(today: date) -> tuple[Any, int]:
    """One statement for one case (`id`), what a write touches: its row of the caseload queries `bereken` reads
    (the klantregisseur's figures) joined with its counts, other staff's omstandigheden, one row per verwijzing with
    its presence, and its two kept rows (six statements and a seventh for the kept rows cost a grid save ~2 ms on
    SQLite, more on PostgreSQL). With the position of the first verwijzing column. Built once per day."""
    built = _een_queries.get(today)
    if built is None:  # returned from the local: another thread may clear the dict at the day's turn
        _een_queries.clear()
        queries, andere = _caseload_queries(True, today, een=True), _caseload_queries(False, today, een=True)
        cases = queries["cases"].order_by(None).subquery("c")
        per_case = [queries["examens"].subquery("e"), queries["omstandigheden"].subquery("o"),
                    andere["omstandigheden"].subquery("oa"), queries["afschaling"].subquery("a")]
        verwijzingen = queries["verwijzingen"].order_by(None).subquery("v")
        presentie = queries["presentie"].subquery("p")
        standen = [SignaalStand.__table__.alias(naam) for naam in ("s1", "s0")]
        kolommen = [*cases.c]
        for sub in per_case:
            kolommen += list(sub.c)[1:]
        eerste_verwijzing = len(kolommen) + 1  # after the verwijzingen query's inburgeraar_id
        kolommen += [*verwijzingen.c, *list(presentie.c)[1:]]
        for stand in standen:
            kolommen += [stand.c.hoogste_ernst, stand.c.aantal, stand.c.codes, stand.c.samenvatting,
                         stand.c.geldig_van, stand.c.geldig_tot]
        # Last: the thresholds' stamp, so that this process's copy of them needs no statement (drempels_met_stempel).
        query = select(*kolommen, drempel_stempel()).select_from(cases)
        for sub in per_case:
            query = query.outerjoin(sub, sub.c[0] == cases.c.id)
        query = query.outerjoin(verwijzingen, verwijzingen.c.inburgeraar_id == cases.c.id) \
            .outerjoin(presentie, presentie.c[0] == verwijzingen.c.v_id)
        for stand, met in zip(standen, (True, False), strict=True):
            query = query.outerjoin(stand, and_(stand.c.inburgeraar_id == cases.c.id,
                                                stand.c.met_gezondheid.is_(met)))
        # A case's verwijzingen as caseload_queries orders them.
        query = query.order_by(verwijzingen.c.v_beoogde_start, verwijzingen.c.v_id)
        built = _een_queries[today] = (query, eerste_verwijzing)
    return built


def _opslaan_een(session: Session, inburgeraar_id: int, today: date) -> None:
    """`opslaan` for one case: its figures and its kept rows in one statement (a grid save)."""
    query, n = _een_query(today)
    connection = session.connection()
    ix = {"v_id": n}
    berekend: dict[tuple[int, bool], tuple[Stand, date]] = {}
    bestaand: dict[tuple[int, bool], tuple[Stand, date | None]] = {}
    rows = connection.execute(query, {"id": inburgeraar_id}).all()
    if not rows:  # the case is gone: so are its signals
        connection.execute(delete(SignaalStand).where(SignaalStand.inburgeraar_id == inburgeraar_id))
        return
    first = rows[0]
    tabel = drempels_met_stempel(session, first[-1])
    case_ = case_cijfers(first)
    examens, meldingen, andere, afschaling = first[n - 12:n - 9], first[n - 9:n - 6], first[n - 6:n - 3], \
        first[n - 3:n - 1]
    for counts, fold in ((examens, met_examens), (meldingen, met_omstandigheden), (afschaling, met_afschaling)):
        if counts[0] is not None:  # the case has such rows
            fold(case_, *counts)
    case_.verwijzingen = [verwijzing_cijfers(m, ix) for m in rows if m[n] is not None]
    _standen(case_, andere if andere[0] is not None else None, tabel, today, berekend)
    for met, start in ((True, len(first) - 13), (False, len(first) - 7)):  # the two kept rows, then the stamp
        hoogste, aantal, codes, samenvatting, van, tot = first[start:start + 6]
        if hoogste is not None and as_date(van) <= today:  # type: ignore[operator]
            bestaand[(inburgeraar_id, met)] = (Stand(hoogste, aantal, codes, samenvatting), as_date(tot))
    _schrijf(connection, [inburgeraar_id], berekend, bestaand, today)


def opslaan(session: Session, inburgeraar_ids: Iterable[int], today: date | None = None) -> None:
    """Work out these cases' signals again and store them, in the caller's transaction (rows that stay the same
    are left alone: most writes change no signal)."""
    today = today or clock.today()
    ids = sorted(set(inburgeraar_ids))
    if not ids:
        return
    _vergrendel(session, ids)
    if len(ids) == 1:
        _opslaan_een(session, ids[0], today)
        return
    berekend = bereken(session, ids, today)
    # Core statements on the connection: the ORM's bulk paths cost more than the statements (each grid save).
    connection, tabel = session.connection(), SignaalStand.__table__
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        bestaand = {(i, bool(met)): (Stand(e, n, c, z), as_date(tot)) for i, met, e, n, c, z, van, tot in
                    connection.execute(select(
                        tabel.c.inburgeraar_id, tabel.c.met_gezondheid, tabel.c.hoogste_ernst, tabel.c.aantal,
                        tabel.c.codes, tabel.c.samenvatting, tabel.c.geldig_van, tabel.c.geldig_tot,
                    ).where(tabel.c.inburgeraar_id.in_(chunk))) if as_date(van) <= today}  # type: ignore[operator]
        _schrijf(connection, chunk, berekend, bestaand, today)


def _schrijf(connection: Any, ids: Sequence[int], berekend: dict[tuple[int, bool], tuple[Stand, date]],
             bestaand: dict[tuple[int, bool], Any], today: date) -> None:
    """Store the worked-out rows of these cases whose kept rows (`bestaand`: those from today or before) differ."""
    anders = [i for i in ids if any(bestaand.get((i, met)) != berekend.get((i, met)) for met in (True, False))]
    if not anders:
        return
    tabel = SignaalStand.__table__
    connection.execute(tabel.delete().where(tabel.c.inburgeraar_id.in_(anders)))
    rows = [
        {"inburgeraar_id": i, "met_gezondheid": met, "hoogste_ernst": stand.hoogste_ernst, "aantal": stand.aantal,
         "codes": stand.codes, "samenvatting": stand.samenvatting, "geldig_van": today, "geldig_tot": tot}
        for i in anders for met in (True, False) if (found := berekend.get((i, met))) is not None
        for stand, tot in (found,)
    ]
    if rows:
        connection.execute(tabel.insert(), rows)


def verlopen_bijwerken(session: Session, today: date | None = None) -> int:
    """Store again every case whose kept signals are no longer valid today, and those without any (flushes)."""
    today = today or clock.today()
    verlopen = select(SignaalStand.inburgeraar_id).where(
        or_(SignaalStand.geldig_tot <= today, SignaalStand.geldig_van > today))
    zonder = select(Inburgeraar.id).where(~Inburgeraar.id.in_(select(SignaalStand.inburgeraar_id)))
    ids = set(session.scalars(verlopen)) | set(session.scalars(zonder))
    opslaan(session, ids, today)
    return len(ids)


def alles_opslaan(session: Session, today: date | None = None) -> int:
    """Work out and store every case's signals (seed-demo, `totalen-controleren --herstellen`)."""
    ids = list(session.scalars(select(Inburgeraar.id)))
    _vergrendel(session, ids)  # before the DELETE, as `opslaan` would take them: writers wait, no deadlock
    session.execute(delete(SignaalStand))
    opslaan(session, ids, today)
    _vergeet_wachtend(session)  # every case is stored: nothing this transaction touched is left to do
    return len(ids)


# --- checking -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verschil:
    """One kept row that differs from a recomputation."""

    inburgeraar_id: int
    met_gezondheid: bool
    bewaard: Stand | None
    herberekend: Stand | None

    def __str__(self) -> str:
        wie = "klantregisseur" if self.met_gezondheid else "overige gemeentemedewerkers"
        return (f"signalen van inburgeraar {self.inburgeraar_id} ({wie}): bewaard {_tekst(self.bewaard)}, "
                f"herberekend {_tekst(self.herberekend)}")


def _tekst(stand: Stand | None) -> str:
    if stand is None:
        return "geen"
    return f"{stand.aantal} signaal/signalen, ernst {stand.hoogste_ernst}, codes [{stand.codes}]"


def _geldig(van: Any, tot: Any, today: date) -> bool:
    return as_date(van) <= today < as_date(tot)  # type: ignore[operator]


def differences(session: Session, today: date | None = None) -> tuple[list[Verschil], int]:
    """Every kept row valid today that differs from a recomputation; and how many are missing or no longer valid
    (not a difference: the overview works those cases out itself until the refresh stores them)."""
    today = today or clock.today()
    bijwerken(session)
    session.flush()
    rows = {(i, bool(met)): (Stand(e, n, c, z), van, tot) for i, met, e, n, c, z, van, tot in session.execute(select(
        SignaalStand.inburgeraar_id, SignaalStand.met_gezondheid, SignaalStand.hoogste_ernst, SignaalStand.aantal,
        SignaalStand.codes, SignaalStand.samenvatting, SignaalStand.geldig_van, SignaalStand.geldig_tot))}
    herberekend = {key: stand for key, (stand, _tot) in
                   bereken(session, session.scalars(select(Inburgeraar.id)), today).items()}
    result, verlopen = [], 0
    for key in sorted(rows.keys() | herberekend.keys()):
        row = rows.get(key)
        if row is None or not _geldig(row[1], row[2], today):
            verlopen += 1
        elif row[0] != herberekend.get(key):
            result.append(Verschil(key[0], key[1], row[0], herberekend.get(key)))
    return result, verlopen


# --- the doors: what a transaction touched ------------------------------------------------------------------

def presentie_gewijzigd(session: Session, verwijzing_ids: Iterable[int]) -> None:
    """Presentie of these verwijzingen changed in this transaction (portal.services.kept_totals calls it)."""
    session.info.setdefault(_VERWIJZINGEN, set()).update(verwijzing_ids)


def presentie_van(session: Session, verwijzing_ids: Iterable[int], inburgeraar_ids: Iterable[int]) -> None:
    """Presentie of these verwijzingen of these inburgeraars changes in this transaction (portal.services.presentie
    knows whose they are): their cases are touched without looking the verwijzingen up."""
    info = session.info
    info.setdefault(_INBURGERAARS, set()).update(inburgeraar_ids)
    info.setdefault(_BEKEND, set()).update(verwijzing_ids)


# Tables the signals read, by how a row names its case.
_MET_INBURGERAAR = (Pip, PipIntrekking, Verwijzing, Examenresultaat, OmstandighedenMelding, Afschalingsverzoek,
                    RouteResultaat)
_MET_VERWIJZING = (TrajectStart, Presentie)


@event.listens_for(Session, "after_flush")
def _verzamel(session: Session, _context: Any) -> None:
    """Collect the cases whose signals this flush may have changed (new, changed and deleted rows)."""
    info = session.info
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Inburgeraar):
            info.setdefault(_INBURGERAARS, set()).add(obj.id)
        elif isinstance(obj, _MET_INBURGERAAR):
            info.setdefault(_INBURGERAARS, set()).update(_waarden(obj, "inburgeraar_id"))
        elif isinstance(obj, _MET_VERWIJZING):
            info.setdefault(_VERWIJZINGEN, set()).update(_waarden(obj, "verwijzing_id"))
        elif isinstance(obj, ContractSignaalDrempels):
            info.setdefault(_CONTRACTEN, set()).update(_waarden(obj, "contract_id"))
        elif isinstance(obj, SignaalDrempels):
            history = inspect(obj).attrs.gemeente_id.history
            gemeenten = {*history.added, *history.unchanged, *history.deleted, obj.gemeente_id}
            if None in gemeenten:  # the installation default: every gemeente without a row of its own
                info[_ALLES] = True
            else:
                info.setdefault(_GEMEENTEN, set()).update(gemeenten)
        elif isinstance(obj, Gemeente) and obj in session.dirty and \
                inspect(obj).attrs.zroute_taal_norm_gezinsmigrant.history.has_changes():
            info.setdefault(_GEMEENTEN, set()).add(obj.id)


def _waarden(obj: Any, attr: str) -> set[int]:
    """The value of a foreign key now and, when it changed, before (both cases changed)."""
    history = inspect(obj).attrs[attr].history
    found = {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}
    value = getattr(obj, attr, None)
    if value is not None:
        found.add(value)
    return found


def bijwerken(session: Session, today: date | None = None) -> None:
    """Store the signals of every case this transaction touched (runs before each commit)."""
    info = session.info
    while any(info.get(k) for k in (_INBURGERAARS, _VERWIJZINGEN, _CONTRACTEN, _GEMEENTEN, _ALLES)):
        ids = info.pop(_INBURGERAARS, set())
        verwijzingen = info.pop(_VERWIJZINGEN, set())
        contracten = info.pop(_CONTRACTEN, set())
        gemeenten = info.pop(_GEMEENTEN, set())
        verwijzingen -= info.pop(_BEKEND, set())
        if info.pop(_ALLES, False):
            ids |= set(session.scalars(select(Inburgeraar.id)))
        # The verwijzingen a write just loaded name their inburgeraar without a query (a presentie delete: one).
        for v_id in list(verwijzingen):
            geladen = session.identity_map.get(identity_key(Verwijzing, v_id))
            if geladen is not None and "inburgeraar_id" in geladen.__dict__:
                ids.add(geladen.inburgeraar_id)
                verwijzingen.discard(v_id)
        for one_of in _one_of(session, Verwijzing.id, verwijzingen):
            ids |= set(session.scalars(select(Verwijzing.inburgeraar_id).where(one_of)))
        if contracten:
            ids |= set(session.scalars(select(Verwijzing.inburgeraar_id).where(
                Verwijzing.contract_id.in_(sorted(contracten)))))
        if gemeenten:
            ids |= set(session.scalars(select(Inburgeraar.id).where(Inburgeraar.gemeente_id.in_(sorted(gemeenten)))))
        if len(ids) > GROTE_BATCH:
            # A bulk write (a 10,000-item API call touches ~2,000 cases) only drops their rows: the overview works
            # those cases out itself until the hourly refresh stores them, and the write stays as fast as it was.
            _vergeten(session, ids)
        else:
            opslaan(session, ids, today)
    info.pop(_BEKEND, None)  # only ever with the inburgeraars that name them: never for a later transaction


def _vergeten(session: Session, inburgeraar_ids: Iterable[int]) -> None:
    ids = set(inburgeraar_ids)
    _vergrendel(session, ids)
    for one_of in _one_of(session, SignaalStand.inburgeraar_id, ids):
        session.execute(delete(SignaalStand).where(one_of))


def _vergrendel(session: Session, inburgeraar_ids: Iterable[int]) -> None:
    """PostgreSQL: lock these cases until the transaction ends, before their signals are read, stored or dropped,
    so transactions that touch one case store its signals one after the other.

    Under READ COMMITTED a second writer would otherwise work out the case before the first commits: its DELETE
    skips the first one's new row and its INSERT collides with it (the save fails with 409), or it finds nothing
    to change and the kept row misses its write; the hourly refresh could likewise store signals older than a
    write that dropped them meanwhile. Waiting for the lock, it reads the first one's committed facts. The lock is
    the inburgeraar row's FOR NO KEY UPDATE, taken in id order: any number of cases (advisory locks fill the
    shared lock table: a 10,000-item API call drops ~2,000 cases), and inserts of rows that reference the
    inburgeraar (FOR KEY SHARE) do not wait for it. SQLite lets one writer at a time in already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = set(inburgeraar_ids)
    if len(ids) == 1:  # a grid save: the statement built once, a plain parameter, on the connection
        session.connection().execute(_VERGRENDEL_EEN, {"id": min(ids)})
        return
    for condition in _one_of(session, Inburgeraar.id, ids):
        session.execute(select(Inburgeraar.id).where(condition).order_by(Inburgeraar.id)
                        .with_for_update(key_share=True))


_VERGRENDEL_EEN = select(Inburgeraar.id).where(Inburgeraar.id == bindparam("id")).with_for_update(key_share=True)


def _one_of(session: Session, column: Any, ids: set[int]) -> list[Any]:
    """Conditions that together say `column` is one of these ids, one statement each.

    PostgreSQL: one, the ids as one int[] parameter; a 10,000-item API call touches 2,000 cases, and IN
    lists of 500 expanded binds cost SQLAlchemy and psycopg ~50 ms per call. Elsewhere: IN lists of _CHUNK."""
    if not ids:
        return []
    ordered = sorted(ids)
    if session.get_bind().dialect.name == "postgresql":
        # `IN (SELECT unnest(:ids))`, a hashed semi-join: `= ANY(:ids)` searches the whole array for every row once
        # PostgreSQL plans the prepared statement generically (~50 ms per call from the sixth call on).
        return [column.in_(select(func.unnest(bindparam("ids", ordered, type_=ARRAY(Integer)))))]
    return [column.in_(ordered[start:start + _CHUNK]) for start in range(0, len(ordered), _CHUNK)]


@event.listens_for(Session, "before_commit")
def _voor_commit(session: Session) -> None:
    bijwerken(session)


@event.listens_for(Session, "after_rollback")
def _vergeet_wachtend(session: Session) -> None:
    """Forget what this transaction touched (rolled back: it is not there any more)."""
    for key in (_INBURGERAARS, _VERWIJZINGEN, _CONTRACTEN, _GEMEENTEN, _ALLES, _BEKEND):
        session.info.pop(key, None)
