"""Downloadable templates of each upload kind, prefilled with the actor's own active deelnemers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal import access, audit
from portal.audit import AuditActie
from portal.models import Inburgeraar, UploadSoort, User, Verwijzing
from portal.models.enums import OPEN_STATUSSEN
from portal.services.uploads.importers import importer_for
from portal.spreadsheets.write import template_csv, template_xlsx


@dataclass(frozen=True)
class Template:
    """A downloadable file: its name, media type and bytes."""

    filename: str
    mimetype: str
    content: bytes


def template(session: Session, actor: User, soort: UploadSoort, fmt: str) -> Template:
    """The template of one kind as xlsx or csv, prefilled with the actor's open verwijzingen (audited)."""
    importer = importer_for(soort)
    query = (
        access.verwijzingen_for_registration(actor)
        .join(Verwijzing.inburgeraar)
        .where(Verwijzing.status.in_(OPEN_STATUSSEN))
        .with_only_columns(
            Inburgeraar.bsn, Inburgeraar.voornamen, Inburgeraar.achternaam, Verwijzing.onderdeel, Verwijzing.kenmerk
        )
        .order_by(Inburgeraar.achternaam, Inburgeraar.voornamen, Verwijzing.kenmerk)
    )
    if importer.sjabloon_onderdelen is not None:
        query = query.where(Verwijzing.onderdeel.in_(importer.sjabloon_onderdelen))
    rows = [
        {"bsn": bsn, "naam": f"{voornamen} {achternaam}", "onderdeel": onderdeel.label, "traject": kenmerk}
        for bsn, voornamen, achternaam, onderdeel, kenmerk in session.execute(query)
    ]
    audit.record(
        session, actor, AuditActie.SJABLOON_GEDOWNLOAD, object_type="upload_sjabloon", object_id=soort.value,
        details={"formaat": fmt, "deelnemers": len(rows)},
    )
    stem = f"sjabloon-{soort.value.replace('_', '-')}"
    if fmt == "csv":
        return Template(f"{stem}.csv", "text/csv; charset=utf-8", template_csv(importer.layout, rows))
    content = template_xlsx(importer.layout, rows, importer.keuzes, importer.instructies, f"Sjabloon {soort.label}")
    return Template(f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", content)
