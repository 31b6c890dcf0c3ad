"""The columns of each upload kind: Dutch headers, the synonyms people use, hints and dropdown values; and how an
undivided absence column from another system's export maps onto the presentie fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
from portal.services.validation import FieldError, parse_hours
from portal.spreadsheets.read import Column, SheetLayout, normalise_header
from portal.spreadsheets.write import Choices

BSN = Column(
    "bsn", "BSN",
    ("burgerservicenummer", "burger service nummer", "bsn nummer", "bsn-nummer", "bsnnummer", "sofinummer",
     "sofi nummer", "bsn deelnemer", "bsn cursist", "bsn inburgeraar", "bsn klant"),
    hint="Burgerservicenummer van negen cijfers. Staat al ingevuld voor uw deelnemers.", width=12,
)
NAAM = Column(
    "naam", "Naam",
    ("naam deelnemer", "deelnemer", "naam inburgeraar", "inburgeraar", "cursist", "naam cursist", "cursistnaam",
     "volledige naam", "naam klant", "klantnaam"),
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
        _dates("datum", "Datum", ("lesdatum", "datum les", "les datum", "lesdag", "datum lesdag", "dag",
                                  "datum bijeenkomst", "sessiedatum", "datum sessie", "datum activiteit",
                                  "datum presentie", "presentiedatum")),
        Column(
            "activiteit", "Activiteit",
            ("soort activiteit", "type activiteit", "activiteitsoort", "activiteitstype", "soort les", "type les",
             "lessoort", "soort bijeenkomst"),
            hint="Kies uit de lijst: " + ", ".join(a.label for a in Activiteit) + ".", width=30,
        ),
        Column(
            "uren_aanwezig", "Uren aanwezig",
            ("aanwezig", "uren", "aantal uren", "aanwezige uren", "aanwezig uren", "aantal uren aanwezig",
             "uren aanwezigheid", "gevolgde uren", "uren gevolgd", "aanwezigheid", "lesuren", "gevolgde lesuren",
             "aantal lesuren", "uren presentie", "presentie uren"),
            hint="Aantal uur aanwezig in kwartieren, bijvoorbeeld 2,5. Vul 0 in als de deelnemer er niet was.",
        ),
        Column(
            "uren_afwezig_geoorloofd", "Uren afwezig geoorloofd",
            ("geoorloofd afwezig", "afwezig geoorloofd", "uren geoorloofd afwezig", "uren afwezig geoorloofd",
             "geoorloofd", "geoorloofd verzuim", "verzuim geoorloofd", "uren geoorloofd verzuim",
             "geoorloofde afwezigheid", "afwezig met reden", "uren afwezig met reden"),
            required=False, hint="Uren afwezig met geldige reden (ziek, afspraak), in kwartieren.",
        ),
        Column(
            "uren_afwezig_ongeoorloofd", "Uren afwezig ongeoorloofd",
            ("ongeoorloofd afwezig", "afwezig ongeoorloofd", "uren ongeoorloofd afwezig", "uren afwezig ongeoorloofd",
             "ongeoorloofd", "ongeoorloofd verzuim", "verzuim ongeoorloofd", "uren ongeoorloofd verzuim",
             "ongeoorloofde afwezigheid", "afwezig zonder reden", "uren afwezig zonder reden"),
            required=False, hint="Uren afwezig zonder geldige reden, in kwartieren.",
        ),
        Column(
            "reden_afwezig", "Reden afwezigheid",
            ("reden", "reden afwezig", "toelichting afwezigheid", "reden van afwezigheid", "afwezigheidsreden",
             "reden verzuim", "reden van verzuim", "verzuimreden", "reden afmelding", "afmeldreden"),
            required=False, hint="Verplicht als er uren afwezig zijn.", width=30,
        ),
    ),
    extra_columns=(
        # Student administrations often export absence undivided, with or without its kind (see split_absence).
        Column(
            "uren_afwezig", "Uren afwezig",
            ("afwezig", "afwezige uren", "aantal uren afwezig", "afwezigheid", "uren afwezigheid", "verzuim",
             "uren verzuim", "verzuimuren", "aantal uren verzuim"),
            required=False,
        ),
        Column(
            "soort_afwezigheid", "Soort afwezigheid",
            ("soort verzuim", "type afwezigheid", "type verzuim", "afwezigheid soort", "verzuimsoort",
             "soort afwezig", "aard afwezigheid", "aard verzuim", "geoorloofd ongeoorloofd",
             "geoorloofd of ongeoorloofd"),
            required=False,
        ),
    ),
)

EXAMENRESULTATEN = SheetLayout(
    "Examenresultaten",
    (
        BSN, NAAM, TRAJECT,
        Column("onderdeel_examen", "Examenonderdeel",
               ("examen onderdeel", "examen", "onderdeel examen", "examendeel", "vaardigheid", "examenvaardigheid",
                "examen vaardigheid"),
               hint="KNM, LE, LU, SC of SP."),
        Column("niveau", "Niveau", ("examenniveau", "examen niveau", "niveau examen", "taalniveau"),
               hint="A2, B1 of B2.", width=10),
        Column("resultaat", "Resultaat",
               ("uitslag", "examenresultaat", "examenuitslag", "uitslag examen", "resultaat examen"),
               hint="Geslaagd, Gezakt of Geen."),
        Column("reden_geen_resultaat", "Reden geen resultaat", ("reden", "reden geen uitslag"), required=False,
               hint="Alleen bij resultaat Geen: Verwijtbaar, Nietverwijtbaar, Afgemeld of Absent.", width=22),
        _dates("examendatum", "Examendatum",
               ("datum examen", "examen datum", "datum", "afnamedatum", "datum afname", "toetsdatum")),
    ),
)

STARTDATUMS = SheetLayout(
    "Startdatums",
    (
        BSN, NAAM, ONDERDEEL, TRAJECT,
        _dates("gerealiseerde_startdatum", "Gerealiseerde startdatum",
               ("startdatum", "start", "datum start", "werkelijke startdatum", "daadwerkelijke startdatum",
                "gestart op", "begindatum", "startdatum traject"), required=False),
        _dates("bijgestelde_einddatum", "Bijgestelde einddatum",
               ("einddatum", "beoogde einddatum", "verwachte einddatum", "geplande einddatum", "nieuwe einddatum"),
               required=False),
        Column("reden_latere_start", "Reden latere start",
               ("reden later", "reden", "reden late start", "reden uitgestelde start", "reden vertraging"),
               required=False, width=30),
        Column("niet_gestart", "Niet gestart", ("niet gestart ja nee", "traject niet gestart"), required=False,
               hint="Ja of Nee.", width=12),
        Column("reden_niet_gestart", "Reden niet gestart", ("reden geen start", "reden niet starten"),
               required=False, width=30),
    ),
)

ROUTE_RESULTATEN = SheetLayout(
    "Routeresultaten",
    (
        BSN, NAAM, ONDERDEEL, TRAJECT,
        _dates("datum_eindgesprek_map", "Datum eindgesprek MAP",
               ("eindgesprek map", "map eindgesprek", "datum map eindgesprek"), required=False,
               hint="Alleen bij MAP. Datum als dd-mm-jjjj."),
        _dates("datum_ondertekening_pvt", "Datum ondertekening PVT",
               ("ondertekening pvt", "pvt ondertekend", "datum pvt", "datum participatieverklaring",
                "participatieverklaring ondertekend"), required=False,
               hint="Alleen bij PVT. Datum als dd-mm-jjjj."),
        Column("verwijtbaar", "Verwijtbaar", ("verwijtbaar overschreden", "termijn verwijtbaar overschreden"),
               required=False,
               hint="Ja of Nee; alleen bij MAP of PVT als de inburgeringstermijn is verstreken.", width=12),
        _dates("datum_afronding_z_route", "Datum afronding Z-route",
               ("datum afronding", "afronding z route", "z route afgerond"),
               required=False, hint="Alleen bij de Z-route. Datum als dd-mm-jjjj."),
        Column("bereikt_niveau", "Bereikt niveau", ("niveau", "behaald niveau", "eindniveau"), required=False,
               width=14,
               hint="Alleen bij de Z-route: " + ", ".join(n.label for n in BereiktNiveau) + "."),
        Column("taalschakel_resultaat", "Resultaat taalschakeltraject",
               ("taalschakelresultaat", "resultaat onderwijsroute"), required=False,
               hint="Alleen bij de onderwijsroute: Behaald of Niet behaald."),
        _dates("datum_taalschakel_resultaat", "Datum resultaat taalschakeltraject",
               ("datum taalschakelresultaat", "datum resultaat onderwijsroute"), required=False,
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


# --- undivided absence ----------------------------------------------------------------------------------------

GEOORLOOFD = "geoorloofd"
ONGEOORLOOFD = "ongeoorloofd"
_KINDS = {
    "geoorloofd": GEOORLOOFD, "g": GEOORLOOFD, "geoorloofd verzuim": GEOORLOOFD, "geoorloofd afwezig": GEOORLOOFD,
    "ongeoorloofd": ONGEOORLOOFD, "o": ONGEOORLOOFD, "ongeoorloofd verzuim": ONGEOORLOOFD,
    "ongeoorloofd afwezig": ONGEOORLOOFD,
}
_UNDIVIDED = "uren_afwezig"  # the column an error is reported in


class AbsenceError(ValueError):
    """A row's undivided absence cannot be placed; says which column (key), which value and what to fix."""

    def __init__(self, kolom: str, waarde: Any, melding: str) -> None:
        super().__init__(melding)
        self.kolom, self.waarde, self.melding = kolom, waarde, melding


def split_absence(geoorloofd: Any, ongeoorloofd: Any, uren_afwezig: Any, soort: Any) -> tuple[Any, Any]:
    """The (geoorloofd, ongeoorloofd) raw values of a presence row, with an undivided "Uren afwezig" put in the
    column its "Soort afwezigheid" names.

    Whether absence was geoorloofd decides about warnings and fines under the inspanningsverplichting, so the
    portal never guesses it: undivided hours without a kind are an error on that row (shown in the preview, the
    row is not saved) that says how to fix the file, never silently dropped and never silently ongeoorloofd.
    Hours of 0 or an empty cell mean no absence. Values stay raw: the presentie service parses them.
    """
    if _is_no_hours(uren_afwezig):
        return geoorloofd, ongeoorloofd
    if not (_is_no_hours(geoorloofd) and _is_no_hours(ongeoorloofd)):
        raise AbsenceError(_UNDIVIDED, uren_afwezig, (
            "Vul de uren afwezig één keer in: in 'Uren afwezig' met 'Soort afwezigheid', of verdeeld over "
            "'Uren afwezig geoorloofd' en 'Uren afwezig ongeoorloofd', niet allebei."))
    kind = _KINDS.get(normalise_header(soort)) if soort is not None else None
    if kind is None:
        shown = "" if soort is None else f" ('{soort}' is geen soort)"
        raise AbsenceError(_UNDIVIDED, uren_afwezig, (
            f"Geef aan of deze afwezigheid geoorloofd of ongeoorloofd is{shown}: vul in de kolom "
            "'Soort afwezigheid' geoorloofd of ongeoorloofd in (voeg die kolom toe als hij ontbreekt), of verdeel "
            "de uren over de kolommen 'Uren afwezig geoorloofd' en 'Uren afwezig ongeoorloofd'."))
    return (uren_afwezig, None) if kind == GEOORLOOFD else (None, uren_afwezig)


def _is_no_hours(raw: Any) -> bool:
    """Empty, or a number that is zero ("0", "0,0", 0.0); anything else is left to the service to judge."""
    if raw is None or isinstance(raw, bool):
        return raw is None
    if isinstance(raw, int | float | Decimal):
        return raw == 0
    text = str(raw).strip()
    if not text:
        return True
    try:
        return parse_hours(text) == 0
    except FieldError:
        return False
