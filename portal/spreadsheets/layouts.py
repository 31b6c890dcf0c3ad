"""The columns of each upload kind: Dutch headers, the synonyms people use, hints and dropdown values."""

from __future__ import annotations

from portal.models.enums import LabelledEnum
from portal.models.resultaat import (
    BereiktNiveau,
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    JaNee,
    RedenGeenResultaat,
    TaalschakelResultaat,
)
from portal.models.traject import Activiteit
from portal.models.upload import UploadSoort
from portal.spreadsheets.read import Column, SheetLayout
from portal.spreadsheets.write import Choices

BSN = Column(
    "bsn", "BSN", ("burgerservicenummer", "bsn nummer", "bsn-nummer", "sofinummer", "sofi nummer"),
    hint="Burgerservicenummer van negen cijfers. Staat al ingevuld voor uw deelnemers.", width=12,
)
NAAM = Column(
    "naam", "Naam", ("naam deelnemer", "deelnemer", "naam inburgeraar", "inburgeraar", "cursist", "volledige naam"),
    required=False, hint="Alleen ter controle; wordt niet ingelezen.", width=28, read=False,
)
ONDERDEEL = Column(
    "onderdeel", "Onderdeel", ("traject onderdeel", "verwijzing onderdeel"),
    required=False, hint="Alleen ter controle; wordt niet ingelezen.", width=26, read=False,
)
TRAJECT = Column(
    "traject", "Traject",
    ("trajectnummer", "traject kenmerk", "trajectkenmerk", "verwijzing", "kenmerk", "verwijzingskenmerk",
     "kenmerk verwijzing", "referentie", "traject referentie"),
    required=False,
    hint="Kenmerk van de verwijzing (bijvoorbeeld V-000123). Nodig als een deelnemer meer trajecten bij u volgt.",
    width=14,
)


def _dates(key: str, header: str, synonyms: tuple[str, ...], required: bool = True, hint: str = "") -> Column:
    hint = hint or "Datum als dd-mm-jjjj, bijvoorbeeld 05-03-2026."
    return Column(key, header, synonyms, required=required, hint=hint)


PRESENTIE = SheetLayout(
    "Presentie",
    (
        BSN, NAAM, ONDERDEEL, TRAJECT,
        _dates("datum", "Datum", ("lesdatum", "datum les", "dag", "datum bijeenkomst", "sessiedatum")),
        Column(
            "activiteit", "Activiteit", ("soort activiteit", "type activiteit", "activiteitsoort", "soort les"),
            hint="Kies uit de lijst: " + ", ".join(a.label for a in Activiteit) + ".", width=30,
        ),
        Column(
            "uren_aanwezig", "Uren aanwezig",
            ("aanwezig", "uren", "aantal uren", "aanwezige uren", "gevolgde uren", "uren gevolgd", "aanwezigheid"),
            hint="Aantal uur aanwezig in kwartieren, bijvoorbeeld 2,5. Vul 0 in als de deelnemer er niet was.",
        ),
        Column(
            "uren_afwezig_geoorloofd", "Uren afwezig geoorloofd",
            ("geoorloofd afwezig", "afwezig geoorloofd", "uren geoorloofd afwezig", "geoorloofd"),
            required=False, hint="Uren afwezig met geldige reden (ziek, afspraak), in kwartieren.",
        ),
        Column(
            "uren_afwezig_ongeoorloofd", "Uren afwezig ongeoorloofd",
            ("ongeoorloofd afwezig", "afwezig ongeoorloofd", "uren ongeoorloofd afwezig", "ongeoorloofd"),
            required=False, hint="Uren afwezig zonder geldige reden, in kwartieren.",
        ),
        Column(
            "reden_afwezig", "Reden afwezigheid",
            ("reden", "reden afwezig", "toelichting afwezigheid", "reden van afwezigheid"),
            required=False, hint="Verplicht als er uren afwezig zijn.", width=30,
        ),
    ),
)

EXAMENRESULTATEN = SheetLayout(
    "Examenresultaten",
    (
        BSN, NAAM, TRAJECT,
        Column("onderdeel_examen", "Examenonderdeel", ("examen onderdeel", "examen", "onderdeel examen"),
               hint="KNM, LE, LU, SC of SP."),
        Column("niveau", "Niveau", ("examenniveau", "taalniveau"), hint="A2, B1 of B2.", width=10),
        Column("resultaat", "Resultaat", ("uitslag", "examenresultaat"), hint="Geslaagd, Gezakt of Geen."),
        Column("reden_geen_resultaat", "Reden geen resultaat", ("reden",), required=False,
               hint="Alleen bij resultaat Geen: Verwijtbaar, Nietverwijtbaar, Afgemeld of Absent.", width=22),
        _dates("examendatum", "Examendatum", ("datum examen", "datum")),
    ),
)

STARTDATUMS = SheetLayout(
    "Startdatums",
    (
        BSN, NAAM, ONDERDEEL, TRAJECT,
        _dates("gerealiseerde_startdatum", "Gerealiseerde startdatum", ("startdatum", "start", "datum start"),
               required=False),
        _dates("bijgestelde_einddatum", "Bijgestelde einddatum", ("einddatum", "beoogde einddatum"), required=False),
        Column("reden_latere_start", "Reden latere start", ("reden later", "reden"), required=False, width=30),
        Column("niet_gestart", "Niet gestart", ("niet gestart ja nee",), required=False, hint="Ja of Nee.", width=12),
        Column("reden_niet_gestart", "Reden niet gestart", (), required=False, width=30),
    ),
)

ROUTE_RESULTATEN = SheetLayout(
    "Routeresultaten",
    (
        BSN, NAAM, ONDERDEEL, TRAJECT,
        _dates("datum_eindgesprek_map", "Datum eindgesprek MAP", ("eindgesprek map",), required=False,
               hint="Alleen bij MAP. Datum als dd-mm-jjjj."),
        _dates("datum_ondertekening_pvt", "Datum ondertekening PVT", ("ondertekening pvt",), required=False,
               hint="Alleen bij PVT. Datum als dd-mm-jjjj."),
        Column("verwijtbaar", "Verwijtbaar", (), required=False,
               hint="Ja of Nee; alleen bij MAP of PVT als de inburgeringstermijn is verstreken.", width=12),
        _dates("datum_afronding_z_route", "Datum afronding Z-route", ("datum afronding",),
               required=False, hint="Alleen bij de Z-route. Datum als dd-mm-jjjj."),
        Column("bereikt_niveau", "Bereikt niveau", ("niveau",), required=False, width=14,
               hint="Alleen bij de Z-route: " + ", ".join(n.label for n in BereiktNiveau) + "."),
        Column("taalschakel_resultaat", "Resultaat taalschakeltraject", ("taalschakelresultaat",), required=False,
               hint="Alleen bij de onderwijsroute: Behaald of Niet behaald."),
        _dates("datum_taalschakel_resultaat", "Datum resultaat taalschakeltraject", (), required=False,
               hint="Alleen bij de onderwijsroute. Datum als dd-mm-jjjj."),
    ),
)

LAYOUTS: dict[UploadSoort, SheetLayout] = {
    UploadSoort.PRESENTIE: PRESENTIE,
    UploadSoort.EXAMENRESULTATEN: EXAMENRESULTATEN,
    UploadSoort.STARTDATUMS: STARTDATUMS,
    UploadSoort.ROUTE_RESULTATEN: ROUTE_RESULTATEN,
}


def _labels(enum_cls: type[LabelledEnum]) -> tuple[str, ...]:
    return tuple(m.label for m in enum_cls)


def _values(enum_cls: type[LabelledEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum_cls)


JA_NEE = ("Ja", "Nee")

CHOICES: dict[UploadSoort, tuple[Choices, ...]] = {
    UploadSoort.PRESENTIE: (Choices("activiteit", _labels(Activiteit)),),
    UploadSoort.EXAMENRESULTATEN: (
        Choices("onderdeel_examen", _values(Examenonderdeel)),
        Choices("niveau", _values(Examenniveau)),
        Choices("resultaat", _values(Examenuitslag)),
        Choices("reden_geen_resultaat", _values(RedenGeenResultaat)),
    ),
    UploadSoort.STARTDATUMS: (Choices("niet_gestart", JA_NEE),),
    UploadSoort.ROUTE_RESULTATEN: (
        Choices("verwijtbaar", _values(JaNee)),
        Choices("bereikt_niveau", _labels(BereiktNiveau)),
        Choices("taalschakel_resultaat", _labels(TaalschakelResultaat)),
    ),
}
