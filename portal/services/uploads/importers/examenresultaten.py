"""Exam results from a spreadsheet, through resultaten.register_examenresultaat (bron aanbieder)."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import Examenresultaat
from portal.models.enums import Onderdeel
from portal.models.upload import UploadSoort
from portal.services import resultaten
from portal.services.uploads.importers.resultaten import ResultaatImporter

IMPORTER = ResultaatImporter(
    soort=UploadSoort.EXAMENRESULTATEN,
    service=resultaten.register_examenresultaat,
    input_cls=resultaten.ExamenresultaatInput,
    velden={"onderdeel": "onderdeel_examen", "niveau": "niveau", "resultaat": "resultaat",
            "reden_geen_resultaat": "reden_geen_resultaat", "examendatum": "examendatum"},
    onderdelen=(Onderdeel.B1_ROUTE,),
    bestaand=lambda session, verwijzing: session.scalars(
        select(Examenresultaat).where(Examenresultaat.inburgeraar_id == verwijzing.inburgeraar_id)),
    dubbel_kolom="onderdeel_examen",
    dubbel_melding="Dit examenresultaat staat al op regel {regel}. Houd één regel per examenonderdeel, "
                   "niveau en examendatum.",
    instructies=(
        "Eén regel per examenonderdeel per examendatum. Kopieer een regel voor meer examens van een deelnemer.",
        "BSN, naam en traject staan al ingevuld voor uw deelnemers in de B1-route.",
        "Reden geen resultaat alleen invullen bij resultaat 'Geen'.",
        "Datums als dd-mm-jjjj, niet in de toekomst en binnen het traject. Gebruik geen formules.",
        "Een regel zonder examengegevens (nog geen resultaat) wordt overgeslagen.",
        "U ziet na het uploaden eerst een controle; er wordt pas iets opgeslagen als u bevestigt.",
        "Dezelfde gegevens opnieuw uploaden verandert niets; een ander resultaat wordt als correctie opgeslagen.",
    ),
)
