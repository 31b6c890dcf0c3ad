"""MAP, PVT, Z-route and onderwijsroute results from a spreadsheet, through resultaten.register_routeresultaat."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import RouteResultaat
from portal.models.upload import UploadSoort
from portal.services import resultaten
from portal.services.uploads.importers.resultaten import ResultaatImporter

IMPORTER = ResultaatImporter(
    soort=UploadSoort.ROUTE_RESULTATEN,
    service=resultaten.register_routeresultaat,
    input_cls=resultaten.RouteResultaatInput,
    velden={k: k for k in ("datum_eindgesprek_map", "datum_ondertekening_pvt", "verwijtbaar",
                           "datum_afronding_z_route", "bereikt_niveau", "taalschakel_resultaat",
                           "datum_taalschakel_resultaat")},
    onderdelen=resultaten.ROUTE_ONDERDELEN,
    bestaand=lambda session, verwijzing: session.scalars(
        select(RouteResultaat).where(RouteResultaat.verwijzing_id == verwijzing.id)),
    dubbel_kolom="traject",
    dubbel_melding="Dit traject staat al op regel {regel}. Houd één regel per traject.",
    instructies=(
        "Eén regel per traject. Vul alleen de kolommen in die bij het onderdeel van het traject horen:",
        "MAP: datum eindgesprek MAP (en verwijtbaar). PVT: datum ondertekening PVT (en verwijtbaar).",
        "Z-route: datum afronding Z-route en bereikt niveau. Onderwijsroute: resultaat en datum taalschakeltraject.",
        "Verwijtbaar alleen invullen als de inburgeringstermijn is verstreken.",
        "Datums als dd-mm-jjjj, niet in de toekomst. Gebruik geen formules.",
        "Een regel zonder resultaat wordt overgeslagen.",
        "U ziet na het uploaden eerst een controle; er wordt pas iets opgeslagen als u bevestigt.",
        "Dezelfde gegevens opnieuw uploaden verandert niets; gewijzigde waarden worden als correctie opgeslagen.",
    ),
)
