"""The layout of the CBS Statistiek Wet inburgering file: every column, its meaning and its coding, in one place.

CBS's leverings- en gegevensprotocol is not public (003 §3.2.7), so this layout is the portal's own design; when
CBS publishes it, only this module changes. The CBS page shows KOLOMMEN itself; the README copies it.
Never health data: the intake's gezondheid and bijzonderheden are not read for this file at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

LAYOUT_VERSIE = "portal-2026.12b"  # b: datum_pip_ingetrokken
SCHEIDINGSTEKEN = ";"


@dataclass
class Cursus:
    """One course (verwijzing for a leerroute onderdeel) with its aanbieder and dates."""

    onderdeel: str
    aanbieder: str
    start: date | None
    einde: date | None


@dataclass
class CbsRij:
    """What the portal holds about one inburgeraar for one gemeente and period (no names, no health data)."""

    bsn: str
    gemeentecode: str
    doelgroep: str
    brede_intake: date | None = None
    pip_vastgesteld: date | None = None
    pip_wijzigingen: int = 0
    pip_laatste_wijziging: date | None = None
    pip_ingetrokken: date | None = None
    leerroute: str = ""
    leerroute_wisselingen: int = 0
    afschaling_a2: date | None = None
    mb_start: date | None = None
    mb_einde: date | None = None
    map_start: date | None = None
    map_eindgesprek: date | None = None
    pvt_start: date | None = None
    pvt_ondertekening: date | None = None
    zroute_afronding: date | None = None
    cursussen: list[Cursus] = field(default_factory=list)
    waarschuwingen: int = 0
    boetes: int = 0
    boete_gronden: list[str] = field(default_factory=list)
    boete_bedrag_cent: int = 0
    opleidingsniveau: str = ""
    analfabetisme: str = ""


def _datum(value: date | None) -> str:
    return value.isoformat() if value else ""


def _cursussen(rij: CbsRij) -> str:
    return " | ".join(f"{c.onderdeel}/{c.aanbieder}/{_datum(c.start)}/{_datum(c.einde)}" for c in rij.cursussen)


@dataclass(frozen=True)
class Kolom:
    """One column: its name in the header, its meaning for the dictionary, and how a row fills it."""

    naam: str
    omschrijving: str
    waarde: Callable[[CbsRij], str]


KOLOMMEN: tuple[Kolom, ...] = (
    Kolom("bsn", "Burgerservicenummer, 9 cijfers met voorloopnullen", lambda r: r.bsn),
    Kolom("gemeentecode", "CBS-code van de leverende gemeente, 4 cijfers", lambda r: r.gemeentecode),
    Kolom("doelgroep", "DUO-doelgroep: Asielstatushouder of Gezinsmigrant en overige migrant", lambda r: r.doelgroep),
    Kolom("datum_brede_intake", "Datum van de brede intake (JJJJ-MM-DD)", lambda r: _datum(r.brede_intake)),
    Kolom("datum_pip_vastgesteld", "Dagtekening van het eerste PIP", lambda r: _datum(r.pip_vastgesteld)),
    Kolom("aantal_pip_wijzigingen", "Aantal latere PIP-versies tot het einde van de periode",
          lambda r: str(r.pip_wijzigingen)),
    Kolom("datum_laatste_pip_wijziging", "Dagtekening van de laatste PIP-wijziging",
          lambda r: _datum(r.pip_laatste_wijziging)),
    Kolom("datum_pip_ingetrokken", "Ingangsdatum van de intrekking als er aan het einde van de periode geen PIP van "
          "kracht is omdat het is ingetrokken", lambda r: _datum(r.pip_ingetrokken)),
    Kolom("leerroute", "Leerroute van het PIP dat aan het einde van de periode van kracht is: B, O of Z "
          "(DUO-codes); leeg als er geen PIP van kracht is", lambda r: r.leerroute),
    Kolom("aantal_leerroutewisselingen", "Aantal keren dat de leerroute in het PIP wisselde",
          lambda r: str(r.leerroute_wisselingen)),
    Kolom("datum_afschaling_a2", "Dagtekening van het PIP dat de B1-route naar A2 afschaalde",
          lambda r: _datum(r.afschaling_a2)),
    Kolom("datum_start_mb", "Start maatschappelijke begeleiding (gerealiseerd)", lambda r: _datum(r.mb_start)),
    Kolom("datum_einde_mb", "Einde maatschappelijke begeleiding (afgerond of uiterste einddatum)",
          lambda r: _datum(r.mb_einde)),
    Kolom("datum_start_map", "Start MAP (gerealiseerd)", lambda r: _datum(r.map_start)),
    Kolom("datum_eindgesprek_map", "Datum eindgesprek MAP", lambda r: _datum(r.map_eindgesprek)),
    Kolom("datum_start_pvt", "Start PVT (gerealiseerd)", lambda r: _datum(r.pvt_start)),
    Kolom("datum_ondertekening_pvt", "Datum ondertekening participatieverklaring",
          lambda r: _datum(r.pvt_ondertekening)),
    Kolom("datum_afronding_zroute", "Datum afronding Z-route", lambda r: _datum(r.zroute_afronding)),
    Kolom("cursussen", "Cursussen: onderdeel/aanbieder/start/einde, gescheiden door ' | '", _cursussen),
    Kolom("aantal_waarschuwingen", "Waarschuwingen van de gemeente in de periode", lambda r: str(r.waarschuwingen)),
    Kolom("aantal_boetes", "Boetes van de gemeente in de periode", lambda r: str(r.boetes)),
    Kolom("redenen_boetes", "Gronden van de boetes: brede_intake, pip_verplichting (gescheiden door ' | ')",
          lambda r: " | ".join(r.boete_gronden)),
    Kolom("bedrag_boetes_cent", "Totaal van de boetes in de periode, in eurocent", lambda r: str(r.boete_bedrag_cent)),
    Kolom("opleidingsniveau", "Opleidingsniveau volgens de brede intake (vrije tekst; CBS-codering volgt)",
          lambda r: r.opleidingsniveau),
    Kolom("analfabetisme", "A (analfabeet), AA (anders gealfabetiseerd), NVT, of leeg als onbekend",
          lambda r: r.analfabetisme),
)


def regel(rij: CbsRij) -> list[str]:
    """One CSV row in the order of KOLOMMEN."""
    return [k.waarde(rij) for k in KOLOMMEN]


def kop() -> list[str]:
    return [k.naam for k in KOLOMMEN]
