"""Start dates from a spreadsheet, one row per traject, through traject.validate_start / register_start."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.models import Verwijzing
from portal.models.upload import UploadSoort
from portal.services import ValidationError, from_mapping
from portal.services import traject as traject_service
from portal.services.uploads.importers.base import (
    MAX_CORRECTIONS,
    Deelnemers,
    ImportContext,
    Prepared,
    Saved,
    correction,
    headers,
    row_error,
    untouched,
    untouched_note,
)
from portal.spreadsheets.layouts import CHOICES, LAYOUTS

_VELDEN = ("gerealiseerde_startdatum", "bijgestelde_einddatum", "reden_latere_start", "niet_gestart",
           "reden_niet_gestart")


class StartsImporter:
    """The gerealiseerde startdatum of each traject, or 'niet gestart' with a reason."""

    soort = UploadSoort.STARTDATUMS
    layout = LAYOUTS[UploadSoort.STARTDATUMS]
    keuzes = CHOICES[UploadSoort.STARTDATUMS]
    sjabloon_onderdelen = None
    checks_by_storing = False
    instructies = (
        "Vul per traject de gerealiseerde startdatum in, of zet 'Niet gestart' op Ja met een reden.",
        "Start het traject later dan beoogd? Vul dan de reden latere start in.",
        "Datums als dd-mm-jjjj. Gebruik geen formules.",
    )

    def prepare(self, ctx: ImportContext) -> Prepared:
        """Every row through the start form's rules; one row per traject. Prefilled template rows left empty are
        skipped and counted (a docent fills in the trajecten that started, not every row of the template)."""
        result = ctx.read(self.layout)
        rows = result.rows
        ctx.progress(10, "Bestand geopend")
        deelnemers = Deelnemers(ctx.session, ctx.actor)
        errors: list[ValidationError] = []
        pending: list[tuple[int, dict[str, Any], int]] = []
        count = leeg = 0
        for raw in rows:
            if untouched(raw.values, _VELDEN):
                leeg += 1
                continue
            count += 1
            verwijzing_id, error = deelnemers.resolve(raw.regel, raw.values)
            if error is not None:
                errors.append(error)
            elif verwijzing_id is not None:
                pending.append((raw.regel, raw.values, verwijzing_id))
        verwijzingen = {v.id: v for v in ctx.session.scalars(select(Verwijzing).where(
            Verwijzing.id.in_({vid for _r, _v, vid in pending})))} if pending else {}
        clean: list[Any] = []
        seen: dict[int, int] = {}
        nieuw = gewijzigd = ongewijzigd = 0
        corrections: list[dict[str, str | int]] = []
        kolommen = headers(self.layout)
        for regel, values, vid in pending:
            if vid in seen:
                errors.append(row_error(regel, "traject", values.get("traject"),
                                        f"Dit traject staat al op regel {seen[vid]}. Houd één regel per traject."))
                continue
            seen[vid] = regel
            data = from_mapping(traject_service.StartInput, {v: values.get(v) for v in _VELDEN})
            verwijzing = verwijzingen[vid]
            try:
                clean_values = traject_service.validate_start(ctx.session, verwijzing, data, ctx.today)
            except ValidationError as exc:
                kolommen = {veld if veld in _VELDEN else "traject": melding for veld, melding in exc.errors.items()}
                errors.append(ValidationError(kolommen, row=regel, values={k: values.get(k) for k in kolommen}))
                continue
            existing = traject_service.start_of(ctx.session, verwijzing)
            if existing is None:
                nieuw += 1
            elif all(getattr(existing, k) == v for k, v in clean_values.items()):
                ongewijzigd += 1
            else:
                gewijzigd += 1
                wat = f"Traject {verwijzing.kenmerk}"
                corrections += [correction(regel, wat, kolommen[k], getattr(existing, k), v)
                                for k, v in clean_values.items() if k in kolommen and getattr(existing, k) != v]
            clean.append((verwijzing, data))
        errors.sort(key=lambda e: e.row or 0)
        corrections.sort(key=lambda c: c["regel"])
        return Prepared(clean, errors, count, nieuw, gewijzigd, ongewijzigd, unread_columns=result.ignored_headers,
                        notes=untouched_note(leeg), corrections=corrections[:MAX_CORRECTIONS])

    def save(self, ctx: ImportContext, prepared: Prepared) -> Saved:
        """register_start per traject; counts what actually changed."""
        result = Saved()
        for verwijzing, data in prepared.clean:
            existing = traject_service.start_of(ctx.session, verwijzing)
            before = None if existing is None else {k: getattr(existing, k) for k in _VELDEN}
            saved = traject_service.register_start(ctx.session, ctx.actor, verwijzing, data, ctx.today)
            after = {k: getattr(saved, k) for k in _VELDEN}
            if before is None:
                result.nieuw += 1
            elif before == after:
                result.ongewijzigd += 1
                continue
            else:
                result.gewijzigd += 1
            result.inburgeraar_ids.add(verwijzing.inburgeraar_id)
        return result
