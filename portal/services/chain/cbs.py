"""The CBS Statistiek Wet inburgering file per gemeente per period, and its delivery log.

One row per inburgeraar who lived in the gemeente on at least one day of the period (residence history), with
what the portal holds up to the end of the period. The columns are in cbs_layout. Never health data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal import audit, clock
from portal.audit import AuditActie
from portal.domain import pip as pip_regels
from portal.models import Gemeente, Inburgeraar, IntakeGegevens, TrajectStart, User, Verhuizing, Verwijzing
from portal.models.cbs import CbsLevering
from portal.models.enums import Leerroute, NiveauPip, Onderdeel, VerwijzingStatus
from portal.models.handhaving import Handhaving, HandhavingSoort
from portal.models.resultaat import RouteResultaat
from portal.services import Errors, Raw, ValidationError
from portal.services.chain import cbs_layout, woonplaats
from portal.services.chain.cbs_layout import CbsRij, Cursus
from portal.services.validation import parse_date

CURSUS_ONDERDELEN = (Onderdeel.B1_ROUTE, Onderdeel.ONDERWIJSROUTE, Onderdeel.Z_ROUTE_TAAL,
                     Onderdeel.Z_ROUTE_PARTICIPATIE)
Z_ROUTE_ONDERDELEN = (Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE)


def kwartaal(peildatum: date) -> tuple[date, date]:
    """The last complete quarter before the peildatum (CBS's default period; the frequency is configurable)."""
    start_dit = date(peildatum.year, 3 * ((peildatum.month - 1) // 3) + 1, 1)
    einde = start_dit - timedelta(days=1)
    return date(einde.year, 3 * ((einde.month - 1) // 3) + 1, 1), einde


@dataclass
class PeriodeInput:
    """The period of a delivery as entered (dates as text); empty means the last complete quarter."""

    gemeente_id: Raw = None
    van: Raw = None
    tot: Raw = None


def _inwoners(session: Session, gemeente_id: int, van: date, tot: date) -> list[Inburgeraar]:
    """Everyone who lived in the gemeente on at least one day from `van` to `tot`."""
    moved = select(Verhuizing.inburgeraar_id).where(
        or_(Verhuizing.van_gemeente_id == gemeente_id, Verhuizing.naar_gemeente_id == gemeente_id))
    candidates = session.scalars(select(Inburgeraar).where(
        or_(Inburgeraar.gemeente_id == gemeente_id, Inburgeraar.id.in_(moved))).order_by(Inburgeraar.bsn))
    found = []
    for person in candidates:
        for p in woonplaats.historie(session, person):
            if p.gemeente.id == gemeente_id and (p.van is None or p.van <= tot) and (p.tot is None or p.tot >= van):
                found.append(person)
                break
    return found


def rij(session: Session, gemeente: Gemeente, person: Inburgeraar, van: date, tot: date) -> CbsRij:
    """What the portal holds about one person up to the end of the period; handhaving within the period."""
    r = CbsRij(bsn=person.bsn, gemeentecode=gemeente.cbs_code, doelgroep=person.doelgroep.value)
    # Only these intake columns are read: never gezondheid or bijzonderheden.
    intake = session.execute(select(IntakeGegevens.datum_brede_intake, IntakeGegevens.opleidingsniveau,
                                    IntakeGegevens.analfabeet).where(IntakeGegevens.inburgeraar_id == person.id)
                             ).first()
    if intake is not None:
        r.brede_intake = intake.datum_brede_intake if intake.datum_brede_intake and \
            intake.datum_brede_intake <= tot else None
        r.opleidingsniveau = intake.opleidingsniveau or ""
    pips = [p for p in person.pips if p.dagtekening <= tot]
    if pips:
        # The history counts every version set by the end of the period, withdrawn or not ("PIP: vaststelling en
        # wijzigingen", spec chain-duo-cbs C); the leerroute is that of the PIP in force on the last day
        # (portal.domain.pip.van_kracht, as the KPIs read it): none after a withdrawal, which has its own column.
        van_kracht = pip_regels.van_kracht(pips, tot)
        r.pip_vastgesteld = pips[0].dagtekening
        r.pip_wijzigingen = len(pips) - 1
        r.pip_laatste_wijziging = pips[-1].dagtekening if len(pips) > 1 else None
        r.pip_ingetrokken = pip_regels.ingetrokken_per(pips, tot)
        r.leerroute = van_kracht.leerroute.value if van_kracht else ""
        r.leerroute_wisselingen = sum(1 for a, b in itertools.pairwise(pips) if a.leerroute != b.leerroute)
        r.afschaling_a2 = next((b.dagtekening for a, b in itertools.pairwise(pips)
                                if b.leerroute is Leerroute.B and b.niveau is NiveauPip.A2
                                and a.niveau is NiveauPip.B1), None)
        if van_kracht is not None and van_kracht.indicator_alfabetisering is not None:
            r.analfabetisme = van_kracht.indicator_alfabetisering.value
    if not r.analfabetisme and intake is not None and intake.analfabeet is not None:
        r.analfabetisme = "A" if intake.analfabeet else "NVT"
    rows = session.execute(
        select(Verwijzing, TrajectStart, RouteResultaat)
        .outerjoin(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .outerjoin(RouteResultaat, RouteResultaat.verwijzing_id == Verwijzing.id)
        .where(Verwijzing.inburgeraar_id == person.id).order_by(Verwijzing.beoogde_startdatum, Verwijzing.id)
    ).all()
    for verwijzing, start, resultaat in rows:
        gestart = start.gerealiseerde_startdatum if start and start.gerealiseerde_startdatum and \
            start.gerealiseerde_startdatum <= tot else None

        def upto(d: date | None) -> date | None:
            return d if d is not None and d <= tot else None

        if verwijzing.onderdeel is Onderdeel.MAATSCHAPPELIJKE_BEGELEIDING and gestart:
            r.mb_start = r.mb_start or gestart
            if verwijzing.status is VerwijzingStatus.AFGEROND:
                r.mb_einde = upto(verwijzing.uiterste_einddatum)
        elif verwijzing.onderdeel is Onderdeel.MAP:
            r.map_start = r.map_start or gestart
            r.map_eindgesprek = upto(resultaat.datum_eindgesprek_map) if resultaat else r.map_eindgesprek
        elif verwijzing.onderdeel is Onderdeel.PVT:
            r.pvt_start = r.pvt_start or gestart
            r.pvt_ondertekening = upto(resultaat.datum_ondertekening_pvt) if resultaat else r.pvt_ondertekening
        # The aanbieder registers the afronding on either Z-route verwijzing (resultaten.ROUTE_ONDERDELEN), as DUO
        # and the billing read it; the latest one up to the end of the period counts.
        if verwijzing.onderdeel in Z_ROUTE_ONDERDELEN and resultaat is not None:
            afronding = upto(resultaat.datum_afronding_z_route)
            if afronding is not None and (r.zroute_afronding is None or afronding > r.zroute_afronding):
                r.zroute_afronding = afronding
        if verwijzing.onderdeel in CURSUS_ONDERDELEN and verwijzing.beoogde_startdatum <= tot:
            einde = (start.bijgestelde_einddatum if start and start.bijgestelde_einddatum
                     else verwijzing.uiterste_einddatum)
            r.cursussen.append(Cursus(verwijzing.onderdeel.value, verwijzing.aanbieder.naam, gestart, einde))
    for h in session.scalars(select(Handhaving).where(
            Handhaving.inburgeraar_id == person.id, Handhaving.gemeente_id == gemeente.id,
            Handhaving.datum >= van, Handhaving.datum <= tot).order_by(Handhaving.datum)):
        if h.soort is HandhavingSoort.WAARSCHUWING:
            r.waarschuwingen += 1
        else:
            r.boetes += 1
            r.boete_gronden.append(h.grond.value)
            r.boete_bedrag_cent += h.bedrag_cent or 0
    return r


def bestand(session: Session, gemeente: Gemeente, van: date, tot: date,
            inwoners: list[Inburgeraar] | None = None) -> tuple[bytes, int]:
    """The CSV (UTF-8, ';', one header row) and its number of data rows; `inwoners`: the people in it, if the
    caller already read them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=cbs_layout.SCHEIDINGSTEKEN, lineterminator="\r\n")
    writer.writerow(cbs_layout.kop())
    if inwoners is None:
        inwoners = _inwoners(session, gemeente.id, van, tot)
    rows = [rij(session, gemeente, p, van, tot) for p in inwoners]
    for r in rows:
        writer.writerow(cbs_layout.regel(r))
    return buffer.getvalue().encode("utf-8"), len(rows)


def lever(session: Session, actor: User, gemeente: Gemeente, data: PeriodeInput,
          today: date | None = None) -> tuple[CbsLevering, bytes]:
    """Make the file for a gemeente and period and log the delivery (who, when, period, rows, SHA-256)."""
    today = today or clock.today()
    errors = Errors()
    van = errors.run("van", lambda: parse_date(data.van, required=False, label="de eerste dag van de periode"))
    tot = errors.run("tot", lambda: parse_date(data.tot, required=False, label="de laatste dag van de periode"))
    errors.raise_if_any()
    if van is None and tot is None:
        van, tot = kwartaal(today)
    if van is None or tot is None:
        raise ValidationError({"van": "Vul beide datums van de periode in, of laat beide leeg voor het vorige "
                                      "kwartaal."})
    if tot < van:
        raise ValidationError({"tot": "De laatste dag ligt vóór de eerste dag. Draai de datums om."})
    if tot >= today:
        raise ValidationError({"tot": "De periode moet voorbij zijn: kies een laatste dag vóór vandaag."})
    inwoners = _inwoners(session, gemeente.id, van, tot)
    inhoud, aantal = bestand(session, gemeente, van, tot, inwoners)
    levering = CbsLevering(gemeente_id=gemeente.id, periode_van=van, periode_tot=tot, aantal_rijen=aantal,
                           sha256=hashlib.sha256(inhoud).hexdigest(), layout_versie=cbs_layout.LAYOUT_VERSIE,
                           gemaakt_door_id=actor.id)
    session.add(levering)
    session.flush()
    details = {"gemeente": gemeente.cbs_code, "van": van.isoformat(), "tot": tot.isoformat(), "rijen": aantal}
    if inwoners:  # the file names them by BSN: findable per inburgeraar in the trail (audit_gezien)
        audit.record_shown(session, actor, [p.id for p in inwoners], action=AuditActie.CBS_BESTAND_GEMAAKT,
                           object_type="cbs_levering", object_id=levering.id, details=details)
    else:
        audit.record(session, actor, AuditActie.CBS_BESTAND_GEMAAKT, object_type="cbs_levering",
                     object_id=levering.id, details=details)
    return levering, inhoud
