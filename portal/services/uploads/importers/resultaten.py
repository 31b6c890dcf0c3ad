"""The shared way results reach their services from a spreadsheet (exam results, MAP/PVT/Z-route results).

Every row is handed to the result service the forms use, each in its own SAVEPOINT: a row the service refuses
leaves nothing behind, and later rows see what earlier rows did, exactly as at the confirmation. The preview
runs the whole file inside one more SAVEPOINT that is rolled back, so its counts (nieuw / gewijzigd /
ongewijzigd / fout) come from the very rules that will apply, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from portal.models import Verwijzing
from portal.models.enums import Onderdeel
from portal.models.upload import UploadSoort
from portal.services import NotAllowed, ValidationError, from_mapping
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

_NIET_VERGELEKEN = ("created_at", "updated_at")  # bookkeeping, not what the user registered


class _Dubbel(Exception):
    def __init__(self, regel: int) -> None:
        super().__init__(regel)
        self.regel = regel


@dataclass(frozen=True)
class ResultaatImporter:
    """Results of one kind: which service and input they go through, and which sheet columns feed which fields."""

    soort: UploadSoort
    service: Callable[..., Any]
    input_cls: type
    velden: Mapping[str, str]  # input field of the service → column key of the sheet
    onderdelen: tuple[Onderdeel, ...]  # the trajecten this kind is about (to pick one of a deelnemer's trajecten)
    bestaand: Callable[[Session, Verwijzing], Iterable[Any]]  # stored records a row may correct
    dubbel_kolom: str
    dubbel_melding: str
    instructies: tuple[str, ...]
    # Results are checked by storing them row by row through their service (a few ms a row): large files go
    # to the worker sooner.
    checks_by_storing: bool = True

    @property
    def layout(self) -> Any:
        return LAYOUTS[self.soort]

    @property
    def keuzes(self) -> Any:
        return CHOICES[self.soort]

    @property
    def sjabloon_onderdelen(self) -> tuple[Onderdeel, ...]:
        return self.onderdelen

    def prepare(self, ctx: ImportContext) -> Prepared:
        """Run every row through its result service; at the preview (`ctx.save` False) roll everything back.

        Rows with nothing filled in besides who it is about (prefilled template rows) are skipped and counted.
        """
        result = ctx.read(self.layout)
        ctx.progress(10, "Bestand geopend")
        deelnemers = Deelnemers(ctx.session, ctx.actor)
        done = Prepared([], [], 0, 0, 0, 0, unread_columns=result.ignored_headers)
        leeg = 0
        preview = None if ctx.save else ctx.session.begin_nested()
        try:
            seen: dict[int, int] = {}
            for raw in result.rows:
                values = raw.values
                if untouched(values, self.velden.values()):
                    leeg += 1
                    continue
                done.rows += 1
                if done.rows % 200 == 0:
                    pct = 10 + 80 * done.rows // max(ctx.upload.aantal_rijen, done.rows + 1)
                    ctx.progress(pct, f"{done.rows:,} regels gecontroleerd".replace(",", "."))
                verwijzing_id, error = self._verwijzing(deelnemers, values)
                if error is not None:
                    done.errors.append(row_error(raw.regel, *error))
                    continue
                verwijzing = ctx.session.get(Verwijzing, verwijzing_id)
                assert verwijzing is not None
                self._row(ctx, raw.regel, values, verwijzing, seen, done)
        finally:
            if preview is not None:
                preview.rollback()
        done.errors.sort(key=lambda e: e.row or 0)
        done.notes = untouched_note(leeg)
        ctx.progress(90, "Controle klaar")
        return done

    def save(self, ctx: ImportContext, prepared: Prepared) -> Saved:
        """Results are stored while they are checked (`ctx.save`): nothing is left to do but report."""
        return Saved(prepared.nieuw, prepared.gewijzigd, prepared.ongewijzigd, prepared.inburgeraar_ids)

    def _verwijzing(self, deelnemers: Deelnemers, values: Mapping[str, Any]) -> tuple[int | None, Any]:
        found = deelnemers.lookup(values.get("bsn"), values.get("traject"))
        if not isinstance(found, list):
            return found
        return deelnemers.pick_onderdeel(found, self.onderdelen)

    def _row(
        self, ctx: ImportContext, regel: int, values: Mapping[str, Any], verwijzing: Verwijzing,
        seen: dict[int, int], done: Prepared,
    ) -> None:
        data = from_mapping(self.input_cls, {veld: values.get(kolom) for veld, kolom in self.velden.items()})
        try:
            with ctx.session.begin_nested():  # a refused row leaves nothing behind, whatever the service did
                before = {r.id: _stand(r) for r in self.bestaand(ctx.session, verwijzing)}
                record = self.service(ctx.session, ctx.actor, verwijzing, data, today=ctx.today)
                if record.id in seen:
                    raise _Dubbel(seen[record.id])
        except ValidationError as exc:
            kolommen: dict[str, str] = {}
            for veld, melding in exc.errors.items():
                kolom = self.velden.get(veld, veld)
                kolommen.setdefault(kolom if kolom in _kolommen(self.layout) else "traject", melding)
            done.errors.append(ValidationError(kolommen, row=regel, values={k: values.get(k) for k in kolommen}))
            return
        except NotAllowed as exc:
            done.errors.append(row_error(regel, "bsn", values.get("bsn"), str(exc)))
            return
        except _Dubbel as exc:
            done.errors.append(row_error(regel, self.dubbel_kolom, values.get(self.dubbel_kolom),
                                         self.dubbel_melding.format(regel=exc.regel)))
            return
        seen[record.id] = regel
        if record.id not in before:
            done.nieuw += 1
        elif (after := _stand(record)) != before[record.id]:
            done.gewijzigd += 1
            kolommen = headers(self.layout)
            wat = f"Traject {verwijzing.kenmerk}"
            done.corrections += [
                correction(regel, wat, kolommen[kolom], before[record.id].get(veld), after.get(veld))
                for veld, kolom in self.velden.items()
                if kolom in kolommen and before[record.id].get(veld) != after.get(veld)
            ][: max(MAX_CORRECTIONS - len(done.corrections), 0)]
        else:
            done.ongewijzigd += 1
            return
        done.inburgeraar_ids.add(verwijzing.inburgeraar_id)


def _kolommen(layout: Any) -> set[str]:
    return {c.key for c in layout.columns}


def _stand(obj: Any) -> dict[str, Any]:
    """The registered values of a record, to tell a correction from the same data again."""
    return {a.key: getattr(obj, a.key) for a in inspect(obj).mapper.column_attrs if a.key not in _NIET_VERGELEKEN}
