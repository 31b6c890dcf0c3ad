"""DUO berichten: what the portal holds, in DUO's payloads, in an outbox per gemeente.

The outbox is state-based: `bijwerken` computes, per inburgeraar and sending gemeente, the value DUO should
hold for each slot (the current PIP, the Inburgeringsaanbod per instelling, the three GevolgdeUren counters over
that gemeente's period, the confirmed MAP/PVT/Z-route dates, the contactpersoon) and adds a bericht only when
it differs from the last bericht made for that slot. Running it twice adds nothing; a correction adds one.
A pending bericht that a newer value overtakes is marked 'vervangen', so DUO only ever gets the latest.

DUO's rules beyond the schemas (DOMAIN.md): whole hours 0–9999, DUO's exclusive end date = the portal's inclusive
date + 1 day, verwijtbaar only once the term is exceeded (enforced when the result is registered), no future dates.
The transport over Diginetwerk is outside the portal: a batch is exported as JSON lines.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal import audit, clock
from portal.audit import AuditActie
from portal.domain import duo_uren
from portal.domain import pip as pip_regels
from portal.domain.duo_uren import DuoUrenSoort
from portal.models import Gemeente, Inburgeraar, TrajectStart, User, Verhuizing, Verwijzing
from portal.models.base import utcnow
from portal.models.duo import BerichtSoort, BerichtStatus, DuoBericht, DuoContactpersoon
from portal.models.enums import Doelgroep, Onderdeel, Rol, VerwijzingStatus
from portal.models.resultaat import RouteResultaat
from portal.models.traject import Activiteit
from portal.services import Errors, Raw, ValidationError
from portal.services.chain import uren
from portal.services.validation import parse_text, parse_whole_number

# DUO's own OIN (the `doel` header). Set PORTAL_DUO_OIN to the number DUO gives in its aansluitdocumentatie.
DUO_OIN = os.environ.get("PORTAL_DUO_OIN", "00000001003214345000")
# Onderdelen DUO takes an Inburgeringsaanbod for: the course of the leerroute (Inburgeringsaanbod.openapi.yml).
AANBOD_ONDERDELEN = (Onderdeel.B1_ROUTE, Onderdeel.ONDERWIJSROUTE, Onderdeel.Z_ROUTE_TAAL)


@dataclass(frozen=True)
class Gewenst:
    """The value DUO should hold for one slot."""

    soort: BerichtSoort
    sleutel: str
    methode: str
    pad: str
    body: dict[str, Any] | None
    inburgeraar_id: int | None


@dataclass
class Bijgewerkt:
    """What one refresh did: new berichten, and what could not be made yet (with what to fix)."""

    nieuw: list[DuoBericht] = field(default_factory=list)
    onvolledig: list[str] = field(default_factory=list)


def einddatum_exclusief(inclusief: date) -> date:
    """DUO's end dates are exclusive: the portal's last day (inclusive) + 1 day."""
    return inclusief + timedelta(days=1)


# --- the values DUO should hold ------------------------------------------------------------------

def pip_body(inburgeraar: Inburgeraar) -> dict[str, Any] | None:
    """DUO's PIP from the version in force (DUO keeps only the current PIP; versions stay in the portal); none
    after a withdrawal (portal.domain.pip.van_kracht), when DUO gets a DELETE instead."""
    pip = inburgeraar.pip_van_kracht
    if pip is None:
        return None
    body: dict[str, Any] = {"dagtekeningPip": pip.dagtekening.isoformat(), "leerroute": pip.leerroute.value}
    if pip.niveau is not None:
        body["niveau"] = pip.niveau.value
    if pip.geschatte_intensiteit is not None:
        body["geschatteIntensiteitB1Route"] = pip.geschatte_intensiteit
    if pip.indicator_mag_opleiding_afmaken is not None:
        body["indicatorMagOpleidingAfmaken"] = pip.indicator_mag_opleiding_afmaken
    if pip.indicator_alfabetisering is not None:
        body["indicatorAlfabetiseringsonderwijs"] = pip.indicator_alfabetisering.value
    return body


def _aanbod(session: Session, inburgeraar: Inburgeraar, result: Bijgewerkt) -> list[Gewenst]:
    """One Inburgeringsaanbod per instelling: the latest started course verwijzing there; DELETE once it ended
    without being completed (withdrawn, e.g. at a verhuizing)."""
    if inburgeraar.doelgroep is not Doelgroep.ASIELSTATUSHOUDER:
        return []
    rows = session.execute(
        select(Verwijzing, TrajectStart)
        .join(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .where(Verwijzing.inburgeraar_id == inburgeraar.id, Verwijzing.onderdeel.in_(AANBOD_ONDERDELEN),
               TrajectStart.gerealiseerde_startdatum.is_not(None))
        .order_by(TrajectStart.gerealiseerde_startdatum, Verwijzing.id)
    ).all()
    latest: dict[str, tuple[Verwijzing, TrajectStart]] = {}
    for verwijzing, start in rows:
        nummer = verwijzing.aanbieder.instellingsnummer
        if nummer is None:
            result.onvolledig.append(f"{verwijzing.aanbieder.naam} heeft geen DUO-instellingsnummer: het "
                                     f"inburgeringsaanbod van verwijzing {verwijzing.kenmerk} wacht daarop.")
            continue
        latest[nummer] = (verwijzing, start)
    pip = inburgeraar.pip_van_kracht  # the indicator of a withdrawn PIP is not DUO's any more (it got a DELETE)
    ingetrokken = pip_regels.ingetrokken_per(inburgeraar.pips)
    found = []
    for nummer, (verwijzing, start) in latest.items():
        pad = f"/personen/{inburgeraar.bsn}/Inburgeringsaanbod/{nummer}"
        sleutel = f"aanbod:{inburgeraar.id}:{nummer}"
        if verwijzing.status is VerwijzingStatus.INGETROKKEN:
            found.append(Gewenst(BerichtSoort.INBURGERINGSAANBOD, sleutel, "DELETE", pad, None, inburgeraar.id))
            continue
        if ingetrokken is not None:
            result.onvolledig.append(f"Het PIP van {inburgeraar.naam} is ingetrokken per {ingetrokken:%d-%m-%Y}: "
                                     f"het inburgeringsaanbod van verwijzing {verwijzing.kenmerk} wacht op een nieuw "
                                     "PIP.")
            continue
        if pip is None or pip.indicator_alfabetisering is None:
            result.onvolledig.append(f"Het PIP van {inburgeraar.naam} zegt niet of er alfabetiseringsonderwijs nodig "
                                     f"is (A, AA of NVT): het inburgeringsaanbod van verwijzing {verwijzing.kenmerk} "
                                     "wacht daarop.")
            continue
        einde = start.bijgestelde_einddatum or verwijzing.uiterste_einddatum
        body = {
            "datumInburgeringsaanbod": start.gerealiseerde_startdatum.isoformat(),
            "verwachteStartdatumOpleiding": verwijzing.beoogde_startdatum.isoformat(),
            "verwachteEinddatumOpleiding": einddatum_exclusief(einde).isoformat(),
            "indicatorAlfabetiseringsonderwijs": pip.indicator_alfabetisering.value,
        }
        found.append(Gewenst(BerichtSoort.INBURGERINGSAANBOD, sleutel, "POST", pad, body, inburgeraar.id))
    return found


def _uren(inburgeraar: Inburgeraar, per_activiteit: dict[Activiteit, Decimal]) -> list[Gewenst]:
    """The three running totals over this gemeente's period(s), in whole hours."""
    found = []
    for soort, waarde in duo_uren.tellers(per_activiteit).items():
        if not duo_uren.gemeld_aan_duo(soort, inburgeraar.doelgroep):
            continue
        found.append(Gewenst(
            BerichtSoort.GEVOLGDE_UREN, f"uren:{inburgeraar.id}:{soort.value}", "PUT",
            f"/personen/{inburgeraar.bsn}/uren/{soort.value}", {"uren": duo_uren.duo_waarde(waarde)},
            inburgeraar.id,
        ))
    return found


def _resultaten(session: Session, inburgeraar: Inburgeraar) -> list[Gewenst]:
    """MAP, PVT and Z-route dates the klantregisseur confirmed; the latest confirmed one per kind."""
    rows = session.scalars(
        select(RouteResultaat).where(RouteResultaat.inburgeraar_id == inburgeraar.id,
                                     RouteResultaat.duo_bevestigd_op.is_not(None))
        .order_by(RouteResultaat.duo_bevestigd_op, RouteResultaat.id)
    )
    latest: dict[str, Gewenst] = {}
    bsn = inburgeraar.bsn
    einde = inburgeraar.inburgeringstermijn_einde
    for r in rows:
        # DOMAIN.md: verwijtbaar only once the term is exceeded (the registration checks it; DUO must never get
        # it otherwise, also when the term was extended afterwards).
        datum = r.datum_eindgesprek_map or r.datum_ondertekening_pvt
        telt = r.verwijtbaar is not None and einde is not None and datum is not None and datum > einde
        verwijtbaar = {"verwijtbaar": r.verwijtbaar.value} if telt else {}
        if r.datum_eindgesprek_map is not None:
            latest["map"] = Gewenst(BerichtSoort.MAP, f"map:{inburgeraar.id}", "PUT", f"/personen/{bsn}/map",
                                    {"datumEindgesprekMap": r.datum_eindgesprek_map.isoformat(), **verwijtbaar},
                                    inburgeraar.id)
        if r.datum_ondertekening_pvt is not None:
            latest["pvt"] = Gewenst(BerichtSoort.PVT, f"pvt:{inburgeraar.id}", "PUT", f"/personen/{bsn}/pvt",
                                    {"datumOndertekeningPvt": r.datum_ondertekening_pvt.isoformat(), **verwijtbaar},
                                    inburgeraar.id)
        if r.datum_afronding_z_route is not None:
            latest["zroute"] = Gewenst(BerichtSoort.ZROUTE, f"zroute:{inburgeraar.id}", "PUT",
                                       f"/personen/{bsn}/zroute",
                                       {"datumAfrondingZroute": r.datum_afronding_z_route.isoformat()},
                                       inburgeraar.id)
    return list(latest.values())


def contactpersoon_body(user: User) -> dict[str, Any]:
    """DUO's Contactpersoongegevens of a klantregisseur."""
    return {"naam": user.naam[:100], "email": user.email, "telefoonnummer": user.telefoonnummer}


def _contactpersoon(session: Session, inburgeraar: Inburgeraar, gemeente_id: int,
                    result: Bijgewerkt) -> list[Gewenst]:
    """The klantregisseur as DUO's contactpersoon: registered once per gemeente (DUO answers an id), then linked
    to each of its inburgeraars."""
    user = inburgeraar.klantregisseur
    if user is None:
        return []
    if not user.telefoonnummer:
        result.onvolledig.append(f"Klantregisseur {user.naam} heeft geen telefoonnummer: DUO kent deze "
                                 "contactpersoon pas als dat is ingevuld.")
        return []
    known = session.scalar(select(DuoContactpersoon).where(
        DuoContactpersoon.user_id == user.id, DuoContactpersoon.gemeente_id == gemeente_id))
    if known is None:
        return [Gewenst(BerichtSoort.CONTACTPERSOON, f"contactpersoon:{user.id}", "POST", "/contactpersonen",
                        contactpersoon_body(user), None)]
    return [
        Gewenst(BerichtSoort.CONTACTPERSOON, f"contactpersoon:{user.id}", "PUT", f"/contactpersonen/{known.duo_id}",
                contactpersoon_body(user), None),
        Gewenst(BerichtSoort.CONTACTPERSOON, f"contactpersoon-persoon:{inburgeraar.id}", "POST",
                f"/contactpersonen/{known.duo_id}/personen/{inburgeraar.bsn}", None, inburgeraar.id),
    ]


def gewenst(session: Session, inburgeraar: Inburgeraar, gemeente_id: int, result: Bijgewerkt,
            per_activiteit: dict[Activiteit, Decimal] | None = None) -> list[Gewenst]:
    """Every value DUO should hold from this gemeente about this inburgeraar (hours: given, else computed)."""
    if per_activiteit is None:
        per_activiteit = uren.per_activiteit(session, inburgeraar.id, gemeente_id)
    found = _uren(inburgeraar, per_activiteit)
    if inburgeraar.gemeente_id != gemeente_id:
        return found  # a former gemeente still answers for its own hours, nothing else
    pip_pad = f"/personen/{inburgeraar.bsn}/PIP"
    if pip_regels.ingetrokken_per(inburgeraar.pips) is not None:  # no PIP in force: DUO removes the current PIP
        found.append(Gewenst(BerichtSoort.PIP, f"pip:{inburgeraar.id}", "DELETE", pip_pad, None, inburgeraar.id))
    elif (pip := pip_body(inburgeraar)) is not None:
        found.append(Gewenst(BerichtSoort.PIP, f"pip:{inburgeraar.id}", "POST", pip_pad, pip, inburgeraar.id))
    found += _aanbod(session, inburgeraar, result)
    found += _resultaten(session, inburgeraar)
    found += _contactpersoon(session, inburgeraar, gemeente_id, result)
    return found


# --- the outbox ------------------------------------------------------------------------------------

def laatste(session: Session, gemeente_id: int, sleutels: Iterable[str] | None = None) -> dict[str, DuoBericht]:
    """The last bericht per slot of the gemeente (overtaken ones left out): what a new value is compared to."""
    query = select(DuoBericht).where(DuoBericht.gemeente_id == gemeente_id,
                                     DuoBericht.status != BerichtStatus.VERVANGEN).order_by(DuoBericht.id)
    if sleutels is not None:
        query = query.where(DuoBericht.sleutel.in_(list(sleutels)))
    return {b.sleutel: b for b in session.scalars(query)}


def _same(bericht: DuoBericht, wens: Gewenst) -> bool:
    return (bericht.methode, bericht.pad, bericht.body) == (wens.methode, wens.pad, wens.body)


def enqueue(session: Session, gemeente: Gemeente, wensen: Iterable[Gewenst],
            vorige: dict[str, DuoBericht] | None = None) -> list[DuoBericht]:
    """Add a bericht for every value that differs from the last one made for its slot; flush.

    `vorige` (from `laatste`) saves a query per slot when a whole gemeente is refreshed; it is kept up to date.
    """
    assert gemeente.oin is not None
    wensen = list(wensen)
    if vorige is None:
        vorige = laatste(session, gemeente.id, [w.sleutel for w in wensen])
    made = []
    for wens in wensen:
        last = vorige.get(wens.sleutel)
        if last is not None and _same(last, wens):
            continue
        if last is None and wens.soort is BerichtSoort.GEVOLGDE_UREN and wens.body == {"uren": 0}:
            continue  # nothing followed and nothing sent: DUO already has no hours
        if wens.methode == "DELETE" and (last is None or not _ooit_verzonden(session, gemeente.id, wens.sleutel)):
            # DUO never got a value for this slot: nothing to remove; a pending one is simply not sent.
            if last is not None and last.status is BerichtStatus.KLAAR:
                last.status = BerichtStatus.VERVANGEN
                vorige.pop(wens.sleutel)
            continue
        if last is not None and last.status is BerichtStatus.KLAAR:
            last.status = BerichtStatus.VERVANGEN
        bericht = DuoBericht(
            bericht_id=str(uuid.uuid4()), gemeente_id=gemeente.id, inburgeraar_id=wens.inburgeraar_id,
            soort=wens.soort, sleutel=wens.sleutel, methode=wens.methode, pad=wens.pad, body=wens.body,
            bron_oin=gemeente.oin, doel_oin=DUO_OIN, status=BerichtStatus.KLAAR,
        )
        session.add(bericht)
        vorige[wens.sleutel] = bericht
        made.append(bericht)
    session.flush()
    return made


def _ooit_verzonden(session: Session, gemeente_id: int, sleutel: str) -> bool:
    """Whether any bericht of this slot left the portal (a pending one that was overtaken never did)."""
    return session.scalar(select(func.count()).where(
        DuoBericht.gemeente_id == gemeente_id, DuoBericht.sleutel == sleutel,
        DuoBericht.status.in_([BerichtStatus.VERZONDEN, BerichtStatus.GEACCEPTEERD, BerichtStatus.AFGEWEZEN]),
    )) > 0


def _betrokken(session: Session, gemeente_id: int) -> list[Inburgeraar]:
    """Residents of the gemeente today, and those who lived there before a verhuizing (their hours)."""
    moved = select(Verhuizing.inburgeraar_id).where(
        or_(Verhuizing.van_gemeente_id == gemeente_id, Verhuizing.naar_gemeente_id == gemeente_id))
    return list(session.scalars(
        select(Inburgeraar).where(or_(Inburgeraar.gemeente_id == gemeente_id, Inburgeraar.id.in_(moved)))
        .order_by(Inburgeraar.id)
    ))


def bijwerken(session: Session, gemeente: Gemeente, inburgeraars: Iterable[Inburgeraar] | None = None) -> Bijgewerkt:
    """Refresh the gemeente's outbox (for all its inburgeraars, or the given ones); flush, no commit."""
    # One refresh per gemeente at a time (the button and the periodic job): the second waits for the first's
    # berichten and compares with them, instead of adding the same bericht twice (PostgreSQL; SQLite has one
    # writer anyway).
    session.execute(select(Gemeente.id).where(Gemeente.id == gemeente.id).with_for_update())
    result = Bijgewerkt()
    if gemeente.oin is None:
        result.onvolledig.append(f"{gemeente.naam} heeft nog geen OIN: vul het in bij Organisaties. "
                                 "Zonder OIN kan het portaal geen berichten aan DUO maken.")
        return result
    people = list(inburgeraars) if inburgeraars is not None else _betrokken(session, gemeente.id)
    vorige = laatste(session, gemeente.id)
    hours = uren.per_inburgeraar(session, [p.id for p in people], gemeente.id)
    for inburgeraar in people:
        wensen = gewenst(session, inburgeraar, gemeente.id, result, hours[inburgeraar.id])
        result.nieuw += enqueue(session, gemeente, wensen, vorige)
    result.onvolledig = list(dict.fromkeys(result.onvolledig))
    return result


def bijwerken_alle(session: Session) -> int:
    """The periodic job: refresh the outbox of every gemeente with an OIN, committing per gemeente; returns how
    many berichten were added. The same comparison as the button, so a value is queued only once."""
    nieuw = 0
    ids = list(session.scalars(select(Gemeente.id).where(Gemeente.oin.is_not(None)).order_by(Gemeente.id)))
    for gemeente_id in ids:
        gemeente = session.get(Gemeente, gemeente_id)
        assert gemeente is not None
        result = bijwerken(session, gemeente)
        audit.record(session, None, AuditActie.DUO_BERICHTEN_BIJGEWERKT, object_type="gemeente",
                     object_id=gemeente.id, details={"nieuw": len(result.nieuw), "onvolledig": len(result.onvolledig),
                                                     "door": "periodieke taak"})
        session.commit()
        nieuw += len(result.nieuw)
    return nieuw


# --- the screen's actions ------------------------------------------------------------------------

def as_json(bericht: DuoBericht) -> dict[str, Any]:
    """One line of the export: headers, method, path and body, as the transport sends them."""
    return {
        "berichtId": bericht.bericht_id, "bron": bericht.bron_oin, "doel": bericht.doel_oin,
        "methode": bericht.methode, "pad": bericht.pad, "body": bericht.body,
    }


def exporteer(session: Session, actor: User, gemeente: Gemeente, berichten: list[DuoBericht]) -> str:
    """The pending berichten as JSON lines for the transport; they are recorded as 'verzonden' by the actor."""
    lines = []
    personen: set[int] = set()
    now = utcnow()
    for bericht in berichten:
        if bericht.status is not BerichtStatus.KLAAR or bericht.gemeente_id != gemeente.id:
            continue
        lines.append(json.dumps(as_json(bericht), ensure_ascii=False, separators=(",", ":")))
        bericht.status, bericht.verzonden_op, bericht.verzonden_door_id = BerichtStatus.VERZONDEN, now, actor.id
        if bericht.inburgeraar_id is not None:
            personen.add(bericht.inburgeraar_id)
    # The file carries their BSNs: whom it named is findable per inburgeraar (audit_gezien).
    if personen:
        audit.record_shown(session, actor, personen, action=AuditActie.DUO_BERICHTEN_GEEXPORTEERD,
                           object_type="gemeente", object_id=gemeente.id, details={"aantal": len(lines)})
    else:
        audit.record(session, actor, AuditActie.DUO_BERICHTEN_GEEXPORTEERD, object_type="gemeente",
                     object_id=gemeente.id, details={"aantal": len(lines)})
    session.flush()
    return "\n".join(lines) + ("\n" if lines else "")


@dataclass
class AntwoordInput:
    """DUO's answer to one bericht: the HTTP status, foutmeldingen (one per line) and a created id."""

    status: Raw = None
    foutmeldingen: Raw = None
    contactpersoon_id: Raw = None


# A bericht that was sent (or rejected, and DUO's answer is corrected) takes an answer; one accepted is done.
BEANTWOORDBAAR = (BerichtStatus.VERZONDEN, BerichtStatus.AFGEWEZEN)


def record_antwoord(session: Session, actor: User, bericht: DuoBericht, data: AntwoordInput) -> DuoBericht:
    """Record DUO's answer; 2xx accepts the bericht, anything else rejects it with DUO's foutmeldingen."""
    if bericht.status not in BEANTWOORDBAAR:
        raise ValidationError({"status": "Leg een antwoord vast voor een bericht dat verzonden is."})
    errors = Errors()
    status = errors.run("status", lambda: parse_whole_number(
        data.status, label="de HTTP-status van DUO", minimum=200, maximum=599))
    fouten_tekst = errors.run("foutmeldingen", lambda: parse_text(
        data.foutmeldingen, "de foutmeldingen", required=False, max_length=4000))
    fouten = [regel.strip()[:200] for regel in (fouten_tekst or "").splitlines() if regel.strip()]
    geaccepteerd = status is not None and 200 <= status < 300
    contact_id = None
    if geaccepteerd and bericht.soort is BerichtSoort.CONTACTPERSOON and bericht.methode == "POST" \
            and bericht.inburgeraar_id is None:
        contact_id = errors.run("contactpersoon_id", lambda: parse_whole_number(
            data.contactpersoon_id, label="het id dat DUO de contactpersoon gaf", minimum=1, maximum=99999))
    if status is not None and not geaccepteerd and not fouten:
        errors.add("foutmeldingen", "Neem de foutmeldingen van DUO over, één per regel.")
    errors.raise_if_any()
    bericht.antwoord_status = status
    bericht.antwoord = {"foutmeldingen": [{"fouttekst": f} for f in fouten]} if fouten else (
        {"id": contact_id} if contact_id else None)
    bericht.antwoord_op = utcnow()
    bericht.status = BerichtStatus.GEACCEPTEERD if geaccepteerd else BerichtStatus.AFGEWEZEN
    if contact_id is not None:
        user_id = int(bericht.sleutel.split(":")[1])
        session.add(DuoContactpersoon(user_id=user_id, gemeente_id=bericht.gemeente_id, duo_id=contact_id))
    session.flush()
    audit.record(session, actor, AuditActie.DUO_ANTWOORD_VASTGELEGD, object_type="duo_bericht",
                 object_id=bericht.id, inburgeraar=bericht.inburgeraar_id,
                 details={"status": status, "fouten": len(fouten)})
    return bericht


def opnieuw(session: Session, actor: User, bericht: DuoBericht) -> DuoBericht:
    """Put a rejected bericht back in the outbox under a new berichtId (after DUO's problem was solved)."""
    if bericht.status is not BerichtStatus.AFGEWEZEN:
        raise ValidationError({"status": "Alleen een afgewezen bericht kan opnieuw klaargezet worden."})
    kopie = DuoBericht(
        bericht_id=str(uuid.uuid4()), gemeente_id=bericht.gemeente_id, inburgeraar_id=bericht.inburgeraar_id,
        soort=bericht.soort, sleutel=bericht.sleutel, methode=bericht.methode, pad=bericht.pad, body=bericht.body,
        bron_oin=bericht.bron_oin, doel_oin=bericht.doel_oin, status=BerichtStatus.KLAAR,
    )
    session.add(kopie)
    session.flush()
    audit.record(session, actor, AuditActie.DUO_BERICHT_OPNIEUW, object_type="duo_bericht", object_id=kopie.id,
                 inburgeraar=bericht.inburgeraar_id, details={"vorig": bericht.id})
    return kopie


def counts(session: Session, gemeente_ids: Iterable[int]) -> dict[BerichtStatus, int]:
    """Berichten per status over the given gemeenten (for the screen's summary)."""
    rows = session.execute(select(DuoBericht.status, func.count()).where(
        DuoBericht.gemeente_id.in_(list(gemeente_ids))).group_by(DuoBericht.status))
    return {status: n for status, n in rows}


def klaar_per_gemeente(session: Session, gemeente_ids: Iterable[int]) -> dict[int, int]:
    """Berichten waiting to be exported, per gemeente."""
    rows = session.execute(select(DuoBericht.gemeente_id, func.count()).where(
        DuoBericht.gemeente_id.in_(list(gemeente_ids)), DuoBericht.status == BerichtStatus.KLAAR)
        .group_by(DuoBericht.gemeente_id))
    return {gemeente_id: n for gemeente_id, n in rows}


def bevestig_resultaat(session: Session, actor: User, resultaat: RouteResultaat,
                       today: date | None = None) -> RouteResultaat:
    """The klantregisseur confirms the eindgesprek/ondertekening/afronding date that goes to DUO."""
    today = today or clock.today()
    if actor.rol is not Rol.KLANTREGISSEUR and actor.rol is not Rol.FUNCTIONEEL_BEHEERDER:
        raise ValidationError({"resultaat": "Alleen de gemeente bevestigt resultaten voor DUO."})
    datums = [d for d in (resultaat.datum_eindgesprek_map, resultaat.datum_ondertekening_pvt,
                          resultaat.datum_afronding_z_route) if d is not None]
    if not datums:
        raise ValidationError({"resultaat": "Dit resultaat heeft geen datum die DUO kent."})
    if any(d > today for d in datums):
        raise ValidationError({"resultaat": "De datum ligt in de toekomst; DUO neemt alleen gebeurde zaken aan."})
    resultaat.duo_bevestigd_op = utcnow()
    resultaat.duo_bevestigd_door_id = actor.id
    session.flush()
    audit.record(session, actor, AuditActie.ROUTERESULTAAT_BEVESTIGD, object_type="routeresultaat",
                 object_id=resultaat.id, inburgeraar=resultaat.inburgeraar_id)
    return resultaat


def uren_soorten() -> list[DuoUrenSoort]:
    return list(DuoUrenSoort)
