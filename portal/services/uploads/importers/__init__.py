"""The importer of each kind of upload, in one registry.

Adding a kind: a module with an object that follows `base.Importer` (its layout, template instructions,
`prepare` and `save`) and one line below. The kind itself is a value of `UploadSoort` (with its migration,
since the column has a CHECK constraint) and its columns a layout in portal/spreadsheets/layouts.py.
"""

from __future__ import annotations

from portal.models.upload import UploadSoort
from portal.services.uploads.importers import examenresultaten, routeresultaten
from portal.services.uploads.importers.base import Importer
from portal.services.uploads.importers.presentie import PresentieImporter
from portal.services.uploads.importers.starts import StartsImporter

REGISTRY: dict[UploadSoort, Importer] = {
    UploadSoort.PRESENTIE: PresentieImporter(),
    UploadSoort.STARTDATUMS: StartsImporter(),
    UploadSoort.EXAMENRESULTATEN: examenresultaten.IMPORTER,
    UploadSoort.ROUTE_RESULTATEN: routeresultaten.IMPORTER,
}


def importer_for(soort: UploadSoort) -> Importer:
    """The importer of one kind of upload."""
    return REGISTRY[soort]
