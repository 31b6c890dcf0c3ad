"""The case page of one inburgeraar, built once: signals, verwijzingen with their figures, hours against the norms,
weekly attendance, registrations, the timeline and what the user may decide; reading it is one audit event."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from markupsafe import Markup
from sqlalchemy import bindparam, exists
from sqlalchemy.orm import Session

from portal import access, audit, clock
from portal.charts import aanwezigheid_svg, beschrijving
from portal.domain import normen
from portal.models import Inburgeraar, IntakeGegevens, User, Verwijzing
from portal.models.pip_intrekking import PipIntrekking  # noqa: F401 - declares Pip.intrekking
from portal.models.resultaat import (
    AfschalingStatus,
    Afschalingsverzoek,
    Examenresultaat,
    Examenuitslag,
    OmstandighedenMelding,
    RouteResultaat,
)
from portal.services import dossier_rijen, resultaten, signalen, statements, tijdlijn, totals

GRAFIEK_WEKEN = 12
# The page's inburgeraar and intake: open_case's rows, or the models (the case page's services read both alike).
Persoon = Inburgeraar | dossier_rijen.InburgeraarRij
Intake = IntakeGegevens | dossier_rijen.IntakeRij
MAX_TIJDLIJN_PAGINA = 400  # 4,800 weeks back: further than any case reaches, and dates stay valid


@dataclass(frozen=True)
class Voortgang:
    """Hours present on one verwijzing against the number of hours it should reach, and where that comes from."""

    verwijzing_id: int
    label: str
    uren: Decimal
    norm: Decimal
    bron: str

    @property
    def percentage(self) -> Decimal:
        """Share of the norm reached (one decimal; past 100 beyond the norm)."""
        return normen.aandeel(self.uren, self.norm)

    @property
    def waarde(self) -> Decimal:
        """The bar's value: a <progress> cannot go past its maximum."""
        return min(self.uren, self.norm)


@dataclass
class Dossier:
    """Everything the case page shows, within what the user may see."""

    inburgeraar: Persoon
    case: signalen.CaseCijfers
    verwijzingen: list[dossier_rijen.VerwijzingRij]
    cijfers: dict[int, signalen.VerwijzingCijfers]
    voortgang: list[Voortgang]
    totalen: totals.Totalen
    registraties: resultaten.Registraties
    weken: list[tijdlijn.WeekPresentie]
    grafiek: Markup
    grafiek_beschrijving: str
    gebeurtenissen: list[tijdlijn.Gebeurtenis]
    tijdlijn_pagina: int
    tijdlijn_weken: tuple[date, date]  # first Monday and last Sunday of the presence weeks on this timeline page
    tijdlijn_ouder: bool  # presence before this page: a link to the next page
    intake: Intake | None
    te_besluiten: Afschalingsverzoek | None


def _voortgang(case_: signalen.CaseCijfers) -> list[Voortgang]:
    """Hours per verwijzing against its own target (B1 intensiteit, contracted hours).

    Legal norms (MAP 40, PVT 12, Z-route 800/800) count per inburgeraar across verwijzingen and are shown once
    by the totals section, so they are left out here instead of being shown twice.
    """
    result = []
    for v in case_.verwijzingen:
        norm = signalen.uren_norm(case_, v)
        wettelijk = normen.wettelijke_norm(v.onderdeel, case_.doelgroep, case_.zroute_norm_gezinsmigrant)
        if norm is not None and wettelijk is None:
            result.append(Voortgang(v.id, f"{v.onderdeel.label} bij {v.aanbieder_naam}", v.uren_aanwezig_totaal,
                                    norm[0], norm[1]))
    return result


def _te_besluiten(user: User, registraties: resultaten.Registraties) -> Afschalingsverzoek | None:
    """The oldest waiting afschalingsverzoek this user decides on, for the form on the case page."""
    wachtend = [v for v in registraties.afschalingsverzoeken
                if v.status is AfschalingStatus.INGEDIEND and access.may_decide(user, v)]
    return min(wachtend, key=lambda v: (v.ingediend_op, v.id), default=None)


def _verwijzingen_statement(user: User, today: date) -> object:
    """The caseload's verwijzingen query for one case with its presence joined (signalen.met_presentie_erbij), and
    at the end of each row the verwijzing's created_at (the timeline dates the referral by it) and its route
    result's columns (dossier_rijen.ROUTE, all NULL without one or when the user may not see it): the same scope
    (portal.access.verwijzingen, of an inburgeraar open_case found in the user's scope) and order. Columns only:
    the page reads these rows, it changes none of them (dossier_rijen.VerwijzingRij, RouteResultaatRij).

    The route results are portal.access.route_resultaten's, narrowed to this case, joined by verwijzing (one result
    per verwijzing at most, so no row more): a statement fewer than reading them apart (resultaten.registraties_van),
    and a result whose verwijzing is not in this statement could not be shown with it anyway."""
    samen = signalen.met_presentie_erbij(signalen.caseload_queries(
        user, today, signalen.Filters(inburgeraar_id=bindparam("dossier_inburgeraar_id"))))
    route = access.route_resultaten(user, inburgeraar_id=bindparam("dossier_inburgeraar_id")).subquery(
        "route_in_scope")
    # Labelled: fold_met_presentie finds the signals' columns by name (the route's verwijzing_id is not theirs).
    return (samen.add_columns(Verwijzing.created_at.label("dossier_v_created_at"),
                              *(route.c[name].label(f"dossier_route_{name}") for name in dossier_rijen.ROUTE))
            .outerjoin(route, route.c.verwijzing_id == Verwijzing.id))


def _case(
    session: Session, user: User, inburgeraar: Persoon, today: date, registraties: resultaten.Registraties,
    drempels: signalen.DrempelTabel,
) -> tuple[signalen.CaseCijfers, list[dossier_rijen.VerwijzingRij]]:
    """The case's figures and signals: the regie's own queries and rules (signalen), for this inburgeraar only,
    with the statements built once per user and day (portal.services.statements); and its verwijzingen.

    The case's own columns come from the loaded inburgeraar (_case_cijfers) and the caseload's three counts (exams,
    omstandigheden, waiting afschalingsverzoeken) from `registraties`, which the page loads anyway through the same
    portal.access scopes, instead of four more statements; verwijzingen and presence are the caseload's queries,
    in one statement that loads the verwijzingen too (_verwijzingen_statement)."""
    statement = statements.per_user("dossier.case", user, lambda: _verwijzingen_statement(user, today), today)
    case_ = _case_cijfers(inburgeraar)
    # Columns only: on the session's connection, past the ORM's execution and result layers (as
    # statements.lees_rijen, after the same autoflush), so fold_met_presentie still reads the columns' names.
    session.flush()
    rows = signalen.fold_met_presentie(
        session.connection().execute(statement, {"dossier_inburgeraar_id": inburgeraar.id}), {case_.id: case_})
    _tel_registraties(case_, registraties)
    case_.signalen = signalen.signalen_voor(case_, drempels, today)
    verwijzingen = []
    route_resultaten = []
    n_route = len(dossier_rijen.ROUTE)
    for row, cijfers in zip(rows, case_.verwijzingen, strict=True):
        verwijzing = dossier_rijen.VerwijzingRij(
            cijfers.id, cijfers.kenmerk, cijfers.onderdeel, cijfers.status, cijfers.beoogde_startdatum,
            cijfers.uiterste_einddatum, cijfers.gecontracteerde_uren, row[-n_route - 1],
            dossier_rijen.AanbiederRij(cijfers.aanbieder_id, cijfers.aanbieder_naam))
        verwijzingen.append(verwijzing)
        if row[-n_route] is not None:
            route_resultaten.append(dossier_rijen.RouteResultaatRij(*row[-n_route:], verwijzing=verwijzing))
    # Newest first, as registraties_van orders them.
    registraties.routeresultaten = sorted(route_resultaten, key=lambda r: -r.id)  # type: ignore[assignment]
    return case_, verwijzingen


def _case_cijfers(inburgeraar: Persoon) -> signalen.CaseCijfers:
    """The case's own figures, as the caseload's `cases` query reads them, from the inburgeraar open_case loaded
    with its gemeente, klantregisseur and PIP versions (a statement less): the PIP in force is the latest version
    unless it was withdrawn (Inburgeraar.pip_van_kracht), the term counts from version 1's dagtekening."""
    pips = inburgeraar.pips
    van_kracht = inburgeraar.pip_van_kracht
    gemeente = inburgeraar.gemeente
    return signalen.CaseCijfers(
        id=inburgeraar.id, voornamen=inburgeraar.voornamen, achternaam=inburgeraar.achternaam, bsn=inburgeraar.bsn,
        geboortedatum=inburgeraar.geboortedatum, gemeente_id=inburgeraar.gemeente_id, gemeente_naam=gemeente.naam,
        klantregisseur_id=inburgeraar.klantregisseur_id,
        klantregisseur_naam=inburgeraar.klantregisseur.naam if inburgeraar.klantregisseur is not None else None,
        doelgroep=inburgeraar.doelgroep, datum_kennisgeving=inburgeraar.datum_kennisgeving,
        datum_brp_inschrijving=inburgeraar.datum_brp_inschrijving,
        termijn_verlengd_tot=inburgeraar.termijn_verlengd_tot,
        pip_versies=max((p.versie for p in pips), default=0),
        eerste_dagtekening=next((p.dagtekening for p in pips if p.versie == 1), None),
        leerroute=van_kracht.leerroute if van_kracht is not None else None,
        niveau=van_kracht.niveau if van_kracht is not None else None,
        geschatte_intensiteit=van_kracht.geschatte_intensiteit if van_kracht is not None else None,
        zroute_norm_gezinsmigrant=gemeente.zroute_taal_norm_gezinsmigrant,
    )


def _tel_registraties(case_: signalen.CaseCijfers, registraties: resultaten.Registraties) -> None:
    """The counts signalen.fold_cases reads with its `examens`, `omstandigheden` and `afschaling` queries, from the
    rows of the same scopes: the same values (the latest or oldest moment as the database gave it)."""
    if examens := registraties.examenresultaten:
        case_.examens_aantal = len(examens)
        case_.examens_geslaagd = sum(e.resultaat is Examenuitslag.GESLAAGD for e in examens)
        case_.examen_laatst_geregistreerd = _uiterste(max, (e.created_at for e in examens))
    if meldingen := registraties.omstandigheden:
        case_.omstandigheden_aantal = len(meldingen)
        case_.omstandigheden_laatst_gemeld = _uiterste(max, (m.created_at for m in meldingen))
        case_.omstandigheden_laatste_datum = max(m.datum for m in meldingen)
    if wachtend := [v for v in registraties.afschalingsverzoeken if v.status is AfschalingStatus.INGEDIEND]:
        case_.afschaling_open = len(wachtend)
        case_.afschaling_oudste = _uiterste(min, (v.ingediend_op for v in wachtend))


def _uiterste(kies: Callable[..., datetime], momenten: Iterable[datetime]) -> datetime:
    """The latest or earliest moment, compared in UTC (SQLite hands back naive UTC, new objects are aware)."""
    return kies(momenten, key=lambda m: m if m.tzinfo else m.replace(tzinfo=UTC))


@dataclass(frozen=True)
class Geopend:
    """The inburgeraar of a case page, loaded through the user's scope with what the page shows of it."""

    inburgeraar: dossier_rijen.InburgeraarRij
    intake: dossier_rijen.IntakeRij | None  # only for who may see it (portal.access.may_see_intake), else never read
    # The kinds of registration the inburgeraar has no row of at all (whoever registered them): the page reads
    # nothing of those (resultaten.registraties_van's `zonder`).
    zonder: frozenset[type] = frozenset()
    # The signals' thresholds: this process's copy while the stamp read with the inburgeraar says it is current.
    drempels: signalen.DrempelTabel | None = None


# The registrations the case page reads with resultaten.registraties_van, each only when the inburgeraar has any
# (its route results come with its verwijzingen: _verwijzingen_statement).
REGISTRATIES = (Examenresultaat, Afschalingsverzoek, OmstandighedenMelding)


def open_case(session: Session, user: User, inburgeraar_id: int) -> Geopend | None:
    """The inburgeraar in the user's scope (portal.access.inburgeraars), or None; in one statement with its
    gemeente, klantregisseur, intake (when the user may see it) and PIP versions with their withdrawals, so
    neither the page nor the timeline loads them one by one, and with whether it has any row of each kind of
    registration (REGISTRATIES; most cases have no exam results, afschalingsverzoeken or omstandigheden yet): an
    index lookup each, instead of a scoped statement each that finds nothing. Which rows of those the user may see
    is still up to their own scoped statements (portal.access). And with the signals' thresholds' stamp, so that
    the page reads them only when they changed (signalen.drempels_met_stempel). As plain rows, not entities
    (portal.services.dossier_rijen)."""

    def build() -> object:
        query = dossier_rijen.met_gegevens(
            access.inburgeraars(user).where(Inburgeraar.id == bindparam("inburgeraar_id"))
        ).add_columns(*(exists().where(model.inburgeraar_id == Inburgeraar.id).label(f"heeft_{model.__name__}")
                        for model in REGISTRATIES), signalen.drempel_stempel().label("drempel_stempel"))
        if access.may_see_intake(user):
            query = dossier_rijen.met_intake(query)
        return query

    # One row per PIP version (one without a version when it has none). Columns only: run on the session's
    # connection, past the ORM's execution and result layers (statements.lees_rijen).
    rows = statements.lees_rijen(session, statements.per_user("dossier.inburgeraar", user, build),
                                 {"inburgeraar_id": inburgeraar_id})
    if not rows:
        return None
    row = rows[0]
    extra = len(dossier_rijen.KOLOMMEN)
    heeft = row[extra:extra + len(REGISTRATIES)]
    zonder = frozenset(model for model, any_row in zip(REGISTRATIES, heeft, strict=True) if not any_row)
    intake = dossier_rijen.intake(row, extra + len(REGISTRATIES) + 1)
    return Geopend(dossier_rijen.inburgeraar(rows), intake, zonder,
                   signalen.drempels_met_stempel(session, row[extra + len(REGISTRATIES)]))


def read(
    session: Session, user: User, inburgeraar: Persoon, *, today: date | None = None, tijdlijn_pagina: int = 1,
    intake: Intake | None = None, zonder: frozenset[type] = frozenset(),
    drempels: signalen.DrempelTabel | None = None,
) -> Dossier:
    """The case page's content for an inburgeraar already checked through portal.access; records one 'bekeken'.

    Page 1 of the timeline holds every event and the presence of the last weeks (the chart's weeks, one query);
    further pages hold older presence weeks only. `intake`, `zonder` and `drempels` are what open_case loaded (the
    intake only for who may see it; the kinds of registration the inburgeraar has none of; the signals' thresholds,
    else read here).
    """
    today = today or clock.today()
    tijdlijn_pagina = min(max(tijdlijn_pagina, 1), MAX_TIJDLIJN_PAGINA)
    # Its route results come with the verwijzingen (_case).
    registraties = resultaten.registraties_van(session, user, inburgeraar, zonder=zonder | {RouteResultaat})
    case_, verwijzingen = _case(session, user, inburgeraar, today, registraties,
                                drempels or signalen.load_drempels(session))
    ids = [v.id for v in verwijzingen]
    grafiek_vanaf = tijdlijn.maandag(today) - timedelta(weeks=GRAFIEK_WEKEN - 1)
    vanaf, tot = tijdlijn.pagina_weken(today, tijdlijn_pagina)
    if tijdlijn_pagina == 1:
        # Every event, the chart's weeks and whether there is older presence (a link to page 2), in one statement.
        # And the kept totals for the hours section.
        gebeurtenissen, recent, ouder, kept = tijdlijn.eerste_pagina(session, user, inburgeraar, verwijzingen,
                                                                     registraties, today, min(grafiek_vanaf, vanaf))
    else:
        kept = None
        recent = tijdlijn.presentie_per_week(session, user, ids, vanaf=grafiek_vanaf)
        kenmerken = {v.id: (v.kenmerk, v.aanbieder.naam) for v in verwijzingen}
        per_week, ouder = tijdlijn.presentie_en_ouder(session, user, ids, vanaf=vanaf, tot=tot, voor=vanaf)
        gebeurtenissen = sorted([*tijdlijn.presentie_gebeurtenissen(per_week, kenmerken, today),
                                 *tijdlijn.presentie_correcties(session, inburgeraar, vanaf, tot, today)],
                                key=lambda e: e.moment, reverse=True)
    weken = tijdlijn.weken(recent, tot=today, aantal=GRAFIEK_WEKEN)
    samenvatting = beschrijving(weken)
    if not access.may_see_intake(user):
        intake = None
    # The attendance window's hours are the signals' per verwijzing (same window, same scope): not summed again.
    venster = (sum((v.uren_aanwezig_4w for v in case_.verwijzingen), Decimal(0)),
               sum((v.uren_geoorloofd_4w + v.uren_ongeoorloofd_4w for v in case_.verwijzingen), Decimal(0)))
    totalen = totals.for_inburgeraar(session, user, inburgeraar, today, verwijzingen=verwijzingen, recent=venster,
                                     kept=kept)
    dossier = Dossier(
        inburgeraar=inburgeraar,
        case=case_,
        verwijzingen=verwijzingen,
        cijfers={v.id: v for v in case_.verwijzingen},
        voortgang=_voortgang(case_),
        totalen=totalen,
        registraties=registraties,
        weken=weken,
        grafiek=aanwezigheid_svg(weken),
        grafiek_beschrijving=samenvatting,
        gebeurtenissen=gebeurtenissen,
        tijdlijn_pagina=tijdlijn_pagina,
        tijdlijn_weken=(vanaf, tot + timedelta(days=6)),
        tijdlijn_ouder=ouder,
        intake=intake,
        te_besluiten=_te_besluiten(user, registraties),
    )
    # The page as a whole is one read, recorded after its reads: on SQLite the audit event's write takes the write
    # lock, held until the view commits, so no page query runs while other requests wait for it.
    audit.record_read_now(session, user, inburgeraar.id)
    return dossier
