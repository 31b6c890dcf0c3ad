"""Loading the KPI records: a handful of set-based queries, each scoped through portal.access.

Presence is aggregated in the database per verwijzing and quarter (one pass over the presentie rows), never
row by row in Python; the rules in portal.domain.kpi then fold the records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from portal import access
from portal.domain import examens, termijnen
from portal.domain import pip as pip_regels
from portal.domain.kpi import (
    AANLEVER_DAGEN,
    KpiAfschaling,
    KpiExamen,
    KpiGegevens,
    KpiInburgeraar,
    KpiPip,
    KpiVerwijzing,
    Latentie,
    Uren,
)
from portal.domain.perioden import Kwartaal
from portal.models import (
    Afschalingsverzoek,
    AfschalingsverzoekOnderdeel,
    Examenresultaat,
    Gemeente,
    Inburgeraar,
    Pip,
    PipIntrekking,
    Presentie,
    PresentieWeek,
    RouteResultaat,
    TrajectStart,
    User,
    Verwijzing,
)
from portal.models.enums import AANBIEDER_ROLLEN, Leerroute, NiveauPip
from portal.models.resultaat import AfschalingStatus, JaNee, TaalschakelResultaat
from portal.services import kept_totals
from portal.services.chain import woonplaats
from portal.services.signalen import load_drempels
from portal.services.validation import as_date, as_datetime, as_decimal

EERDER = "eerder"


@dataclass(frozen=True)
class KpiFilters:
    """What the dashboard narrows to; all optional, always within the user's scope."""

    gemeente_id: int | None = None
    aanbieder_id: int | None = None
    contract_id: int | None = None


def _woont_in(gemeente_id: int, op: date) -> Select[tuple[int]]:
    """Ids of the inburgeraars who lived in the gemeente on the day (portal.services.chain.woonplaats, the one
    rule). An alias, so the rule's subqueries correlate to this row and not to their own Inburgeraar."""
    persoon = aliased(Inburgeraar)
    return select(persoon.id).where(woonplaats.gemeente_op_expr(persoon.id, op) == gemeente_id)


def verwijzing_ids(user: User, filters: KpiFilters, op: date) -> Select[tuple[int]]:
    """Ids of the verwijzingen in the user's scope that match the filters; the gemeente is the one the
    inburgeraar lived in on `op` (the period's peildatum)."""
    query = access.verwijzingen(user).with_only_columns(Verwijzing.id).order_by(None)
    if filters.aanbieder_id is not None:
        query = query.where(Verwijzing.aanbieder_id == filters.aanbieder_id)
    if filters.contract_id is not None:
        query = query.where(Verwijzing.contract_id == filters.contract_id)
    if filters.gemeente_id is not None:
        query = query.where(Verwijzing.inburgeraar_id.in_(_woont_in(filters.gemeente_id, op)))
    return query


def inburgeraar_ids(user: User, filters: KpiFilters, op: date) -> Select[tuple[int]]:
    """Ids of the inburgeraars in scope that match the filters (with an aanbieder or contract filter: those
    referred to it)."""
    query = access.inburgeraars(user).with_only_columns(Inburgeraar.id).order_by(None)
    if filters.gemeente_id is not None:
        query = query.where(Inburgeraar.id.in_(_woont_in(filters.gemeente_id, op)))
    if filters.aanbieder_id is not None or filters.contract_id is not None:
        query = query.where(Inburgeraar.id.in_(
            select(Verwijzing.inburgeraar_id).where(Verwijzing.id.in_(verwijzing_ids(user, filters, op)))))
    return query


def _pip_stand(ids: Select[Any]) -> Any:
    """The first PIP's dagtekening per inburgeraar: the term counts from it (later versions never move it)."""
    return (
        select(
            Pip.inburgeraar_id.label("inburgeraar_id"),
            func.min(case((Pip.versie == 1, Pip.dagtekening))).label("eerste_dagtekening"),
        )
        .where(Pip.inburgeraar_id.in_(ids))
        .group_by(Pip.inburgeraar_id)
        .cte("kpi_pip_stand")
    )


def _kwartaal_bucket(column: Any, kwartalen: Sequence[Kwartaal]) -> Any:
    whens = [(column < kwartalen[0].van, EERDER)]
    whens += [(and_(column >= k.van, column <= k.tot), k.code) for k in kwartalen]
    return case(*whens, else_="later")


def gesplitste_weken(kwartalen: Sequence[Kwartaal]) -> list[date]:
    """The Mondays of the ISO weeks that straddle a quarter boundary: their days are summed from the presentie
    rows, every other week from the kept weekly totals (portal.services.kept_totals)."""
    grenzen = [k.van for k in kwartalen] + [kwartalen[-1].tot + timedelta(days=1)]
    return sorted({kept_totals.maandag(g) for g in grenzen if g.weekday() != 0})


def peildata(kwartalen: Sequence[Kwartaal], vandaag: date) -> dict[Kwartaal, date]:
    """Each quarter's peildatum: its last day, or today for the running quarter (quarters after today: none)."""
    return {k: min(k.tot, vandaag) for k in kwartalen if k.van <= vandaag}


def queries(user: User, filters: KpiFilters, kwartalen: Sequence[Kwartaal], vandaag: date) -> dict[str, Select[Any]]:
    """Every query the dashboard runs (the benchmark executes the same ones on the raw driver)."""
    op = min(kwartalen[-1].tot, vandaag)
    v_ids = verwijzing_ids(user, filters, op)
    i_ids = inburgeraar_ids(user, filters, op)
    pip_stand = _pip_stand(access.inburgeraars(user).with_only_columns(Inburgeraar.id).order_by(None))
    # The PIP in force (leerroute, niveau, intensiteit) is picked in `load` from the "pips" rows by the one rule.
    verwijzingen = (
        select(
            Verwijzing.id, Verwijzing.inburgeraar_id, Inburgeraar.gemeente_id, Verwijzing.aanbieder_id,
            Verwijzing.contract_id, Verwijzing.onderdeel, Verwijzing.status, Inburgeraar.doelgroep,
            Verwijzing.beoogde_startdatum, Verwijzing.uiterste_einddatum, Verwijzing.gecontracteerde_uren,
            TrajectStart.gerealiseerde_startdatum,
            # The provider's reasons as the user may see them (access.reden_kolom): the KPI readers count them.
            TrajectStart.bijgestelde_einddatum,
            access.reden_kolom(user, TrajectStart.reden_latere_start).label("reden_latere_start"),
            TrajectStart.niet_gestart,
            access.reden_kolom(user, TrajectStart.reden_niet_gestart).label("reden_niet_gestart"),
            pip_stand.c.eerste_dagtekening, Inburgeraar.termijn_verlengd_tot,
            RouteResultaat.datum_eindgesprek_map, RouteResultaat.datum_ondertekening_pvt,
            RouteResultaat.datum_afronding_z_route, RouteResultaat.datum_taalschakel_resultaat,
            RouteResultaat.taalschakel_resultaat, RouteResultaat.verwijtbaar,
            Gemeente.zroute_taal_norm_gezinsmigrant.label("zroute_norm"),
        )
        .select_from(Verwijzing)
        .join(Inburgeraar, Inburgeraar.id == Verwijzing.inburgeraar_id)
        .join(Gemeente, Gemeente.id == Inburgeraar.gemeente_id)
        .outerjoin(pip_stand, pip_stand.c.inburgeraar_id == Inburgeraar.id)
        .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .outerjoin(RouteResultaat, RouteResultaat.verwijzing_id == Verwijzing.id)
        .where(Verwijzing.id.in_(v_ids))
    )
    # Hours per quarter: whole weeks from the kept weekly totals, the few weeks across a quarter boundary
    # day by day; no page sums every presentie row of the history.
    gesplitst = gesplitste_weken(kwartalen)
    week_bucket = _kwartaal_bucket(PresentieWeek.week, kwartalen)
    weken = access.presentie_weken(user).where(
        PresentieWeek.verwijzing_id.in_(v_ids), PresentieWeek.week <= kwartalen[-1].tot - timedelta(days=6),
        PresentieWeek.week.not_in(gesplitst),
    ).with_only_columns(
        PresentieWeek.verwijzing_id, week_bucket.label("bucket"), func.sum(PresentieWeek.uren_aanwezig),
        func.sum(PresentieWeek.uren_afwezig_geoorloofd), func.sum(PresentieWeek.uren_afwezig_ongeoorloofd),
    ).group_by(PresentieWeek.verwijzing_id, week_bucket)
    dag_bucket = _kwartaal_bucket(Presentie.datum, kwartalen)
    randen = or_(*[and_(Presentie.datum >= w, Presentie.datum <= min(w + timedelta(days=6), kwartalen[-1].tot))
                   for w in gesplitst]) if gesplitst else false()
    randdagen = access.presentie(user).where(Presentie.verwijzing_id.in_(v_ids), randen).with_only_columns(
        Presentie.verwijzing_id, dag_bucket.label("bucket"), func.sum(Presentie.uren_aanwezig),
        func.sum(Presentie.uren_afwezig_geoorloofd), func.sum(Presentie.uren_afwezig_ongeoorloofd),
    ).group_by(Presentie.verwijzing_id, dag_bucket)
    # The last session in the AANLEVER_DAGEN days up to each quarter's peildatum (aanleverdiscipline).
    vensters = {k: (p - timedelta(days=AANLEVER_DAGEN - 1), p) for k, p in peildata(kwartalen, vandaag).items()}
    venster_bucket = case(*[(and_(Presentie.datum >= a, Presentie.datum <= b), k.code)
                            for k, (a, b) in vensters.items()], else_="later")
    recent = access.presentie(user).where(
        Presentie.verwijzing_id.in_(v_ids),
        or_(*[and_(Presentie.datum >= a, Presentie.datum <= b) for a, b in vensters.values()]) if vensters
        else false(),
    ).with_only_columns(
        Presentie.verwijzing_id, venster_bucket.label("bucket"), func.max(Presentie.datum),
    ).group_by(Presentie.verwijzing_id, venster_bucket)
    in_kwartalen = access.presentie(user).where(
        Presentie.verwijzing_id.in_(v_ids), Presentie.datum >= kwartalen[0].van, Presentie.datum <= kwartalen[-1].tot)
    geregistreerd = func.date(Presentie.created_at)
    latenties = (
        in_kwartalen.join(Verwijzing, Verwijzing.id == Presentie.verwijzing_id)
        .with_only_columns(Verwijzing.aanbieder_id, Presentie.datum, geregistreerd, func.count())
        .group_by(Verwijzing.aanbieder_id, Presentie.datum, geregistreerd)
    )
    inburgeraars = (
        select(Inburgeraar.id, Inburgeraar.gemeente_id, Inburgeraar.doelgroep, Inburgeraar.datum_brp_inschrijving)
        .where(Inburgeraar.id.in_(i_ids))
    )
    # Every version with its withdrawal; the verwijzingen's inburgeraars are among i_ids (same scope and filters).
    pips = (
        select(Pip.inburgeraar_id, Pip.versie, Pip.dagtekening, Pip.leerroute, Pip.niveau, Pip.geschatte_intensiteit,
               PipIntrekking.datum)
        .outerjoin(PipIntrekking, PipIntrekking.pip_id == Pip.id)
        .where(Pip.inburgeraar_id.in_(i_ids))
    )
    examen_rows = (
        access.examenresultaten(user)
        .outerjoin(Verwijzing, Verwijzing.id == Examenresultaat.verwijzing_id)
        .with_only_columns(
            Examenresultaat.inburgeraar_id, Verwijzing.aanbieder_id, Examenresultaat.onderdeel,
            Examenresultaat.niveau, Examenresultaat.resultaat, Examenresultaat.examendatum, Examenresultaat.bron,
        )
        .where(Examenresultaat.inburgeraar_id.in_(i_ids))
    )
    afschaling_rows = (
        access.afschalingsverzoeken(user)
        .join(Verwijzing, Verwijzing.id == Afschalingsverzoek.verwijzing_id)
        .with_only_columns(
            Afschalingsverzoek.id, Afschalingsverzoek.inburgeraar_id, Verwijzing.aanbieder_id,
            Afschalingsverzoek.status, Afschalingsverzoek.uren_op_moment, Afschalingsverzoek.ingediend_op,
            Afschalingsverzoek.besloten_op,
        )
        .where(Afschalingsverzoek.verwijzing_id.in_(v_ids))
    )
    verlaagd = (
        access.afschalingsverzoeken(user)
        .join(AfschalingsverzoekOnderdeel, AfschalingsverzoekOnderdeel.afschalingsverzoek_id == Afschalingsverzoek.id)
        .with_only_columns(Afschalingsverzoek.inburgeraar_id, AfschalingsverzoekOnderdeel.onderdeel)
        .where(Afschalingsverzoek.status == AfschalingStatus.GOEDGEKEURD, Afschalingsverzoek.inburgeraar_id.in_(i_ids))
    )
    return {
        "verwijzingen": verwijzingen, "weken": weken, "randdagen": randdagen, "recent": recent,
        "latenties": latenties, "inburgeraars": inburgeraars,
        "pips": pips, "examens": examen_rows, "afschalingen": afschaling_rows, "verlaagd": verlaagd,
    }


def load(
    session: Session, user: User, filters: KpiFilters, kwartalen: Sequence[Kwartaal], vandaag: date
) -> KpiGegevens:
    """The KPI records for the quarters given (consecutive, oldest first), within the user's scope."""
    q = queries(user, filters, kwartalen, vandaag)
    conn = session.connection()
    drempels = load_drempels(session)
    per_code = {k.code: k for k in kwartalen}
    pips = [KpiPip(r[0], r[1], as_date(r[2]), Leerroute(r[3]), NiveauPip(r[4]) if r[4] else None, r[5],
                   as_date(r[6])) for r in conn.execute(q["pips"])]
    per_persoon: dict[int, list[KpiPip]] = {}
    for p in pips:
        per_persoon.setdefault(p.inburgeraar_id, []).append(p)
    # The PIP in force on the peildatum of the period (its last quarter): a withdrawn version is none.
    op = min(kwartalen[-1].tot, vandaag)
    van_kracht = {i: pip_regels.van_kracht(versies, op) for i, versies in per_persoon.items()}

    verwijzingen: dict[int, KpiVerwijzing] = {}
    for r in conn.execute(q["verwijzingen"]):
        eerste = as_date(r.eerste_dagtekening)
        resultaat = as_date(r.datum_eindgesprek_map or r.datum_ondertekening_pvt or r.datum_afronding_z_route
                            or r.datum_taalschakel_resultaat)
        verwijzingen[r.id] = KpiVerwijzing(
            id=r.id, inburgeraar_id=r.inburgeraar_id, gemeente_id=r.gemeente_id, aanbieder_id=r.aanbieder_id,
            contract_id=r.contract_id, onderdeel=r.onderdeel, status=r.status, doelgroep=r.doelgroep,
            beoogde_startdatum=r.beoogde_startdatum, uiterste_einddatum=r.uiterste_einddatum,
            gecontracteerde_uren=r.gecontracteerde_uren,
            geschatte_intensiteit=pip.geschatte_intensiteit if (pip := van_kracht.get(r.inburgeraar_id)) else None,
            gerealiseerde_startdatum=r.gerealiseerde_startdatum, bijgestelde_einddatum=r.bijgestelde_einddatum,
            reden_latere_start=r.reden_latere_start, niet_gestart=bool(r.niet_gestart),
            reden_niet_gestart=r.reden_niet_gestart, zroute_norm_gezinsmigrant=r.zroute_norm,
            marge_dagen=drempels.voor(r.gemeente_id, r.contract_id).dagen_late_start,
            termijn_einde=termijnen.inburgeringstermijn_einde(eerste, r.termijn_verlengd_tot),
            resultaat_datum=resultaat,
            taalschakel_behaald=None if r.taalschakel_resultaat is None
            else r.taalschakel_resultaat == TaalschakelResultaat.BEHAALD,
            verwijtbaar=None if r.verwijtbaar is None else r.verwijtbaar == JaNee.JA,
        )
    for rows in (conn.execute(q["weken"]), conn.execute(q["randdagen"])):
        for verwijzing_id, bucket, aanwezig, geoorloofd, ongeoorloofd in rows:
            v = verwijzingen.get(verwijzing_id)
            if v is None:
                continue
            uren = Uren(as_decimal(aanwezig), as_decimal(geoorloofd), as_decimal(ongeoorloofd))
            if bucket == EERDER:
                v.uren_eerder += uren
            elif bucket in per_code:
                k = per_code[bucket]
                v.uren[k] = v.uren[k] + uren if k in v.uren else uren
    for verwijzing_id, bucket, laatste in conn.execute(q["recent"]):
        v = verwijzingen.get(verwijzing_id)
        if v is not None and bucket in per_code:
            k = per_code[bucket]
            v.uren[k] = (v.uren.get(k) or Uren()) + Uren(laatste=as_date(laatste))

    latenties: dict[tuple[int, Kwartaal, int], int] = {}
    for aanbieder_id, datum, geregistreerd, aantal in conn.execute(q["latenties"]):
        sessie, op = as_date(datum), as_date(geregistreerd)
        if sessie is None or op is None:
            continue
        key = (aanbieder_id, Kwartaal.van_datum(sessie), (op - sessie).days)
        latenties[key] = latenties.get(key, 0) + aantal

    inburgeraars = [
        KpiInburgeraar(r.id, r.gemeente_id, r.doelgroep, as_date(r.datum_brp_inschrijving),
                       pip.leerroute if (pip := van_kracht.get(r.id)) else None, pip.niveau if pip else None)
        for r in conn.execute(q["inburgeraars"])
    ]
    verlaagd: dict[int, set[Any]] = {}
    for inburgeraar_id, onderdeel in conn.execute(q["verlaagd"]):
        verlaagd.setdefault(inburgeraar_id, set()).add(onderdeel)
    vereist = {i.id: examens.vereist_niveau(i.leerroute, i.niveau, verlaagd.get(i.id, ())) for i in inburgeraars}
    return KpiGegevens(
        verwijzingen=list(verwijzingen.values()),
        inburgeraars=inburgeraars,
        pips=pips,
        examens=[
            KpiExamen(r[0], r[1], r[2], r[3], r[4], as_date(r[5]), r[6], vereist.get(r[0], {}).get(r[2]))
            for r in conn.execute(q["examens"])
        ],
        afschalingen=[
            KpiAfschaling(r[0], r[1], r[2], r[3], as_decimal(r[4]), _dag(r[5]), _dag(r[6]))
            for r in conn.execute(q["afschalingen"])
        ],
        latenties=[Latentie(a, k, d, n) for (a, k, d), n in latenties.items()],
        # A contract is one aanbieder's, and an aanbieder sees only its own verwijzingen.
        per_aanbieder=(filters.aanbieder_id is not None or filters.contract_id is not None
                       or user.rol in AANBIEDER_ROLLEN),
    )


def _dag(value: Any) -> Any:
    moment = as_datetime(value)
    return moment.date() if moment is not None else None
