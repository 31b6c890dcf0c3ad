"""Exam results and MAP/PVT/Z-route results from a spreadsheet, through the result services the forms use.

Every row is handed to `registreer_examenresultaat` or `registreer_routeresultaat`, each in its own SAVEPOINT:
a row the service refuses leaves nothing behind, and later rows see what earlier rows did, exactly as at the
confirmation. The preview runs the whole file inside one more SAVEPOINT that is rolled back, so its counts
(nieuw / gewijzigd / ongewijzigd / fout) come from the very rules that will apply, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from portal.models import Examenresultaat, RouteResultaat, User, Verwijzing
from portal.models.enums import LabelledEnum, Onderdeel
from portal.models.resultaat import (
    BereiktNiveau,
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    JaNee,
    RedenGeenResultaat,
    TaalschakelResultaat,
)
from portal.models.upload import UploadSoort
from portal.services import ValidationError
from portal.services import resultaten as resultaten_service
from portal.services.registraties import NotAllowed
from portal.spreadsheets.read import RawRow, normalise_header

Fout = dict[str, Any]
_NIET_VERGELEKEN = ("created_at", "updated_at")  # bookkeeping, not what the user registered


def fout(regel: int, kolom: str, waarde: Any, melding: str) -> Fout:
    """One error of an upload as shown in the preview and the errors download."""
    return {"regel": regel, "kolom": kolom, "waarde": "" if waarde is None else str(waarde)[:100], "melding": melding}


@dataclass(frozen=True)
class Soort:
    """How the rows of one result kind reach their service: which columns feed which data keys, and more."""

    service: Callable[..., Any]
    velden: Mapping[str, str]  # data key of the service → column key of the sheet
    keuzes: Mapping[str, type[LabelledEnum]]  # column key → the enumeration its text names
    onderdelen: tuple[Onderdeel, ...]  # the trajecten this kind is about (to pick one of a deelnemer's trajecten)
    bestaand: Callable[[Session, Verwijzing], Iterable[Any]]  # stored records a row may correct
    dubbel_kolom: str
    dubbel_melding: str


SOORTEN: dict[UploadSoort, Soort] = {
    UploadSoort.EXAMENRESULTATEN: Soort(
        service=resultaten_service.registreer_examenresultaat,
        velden={"onderdeel": "onderdeel_examen", "niveau": "niveau", "resultaat": "resultaat",
                "reden_geen_resultaat": "reden_geen_resultaat", "examendatum": "examendatum"},
        keuzes={"onderdeel_examen": Examenonderdeel, "niveau": Examenniveau, "resultaat": Examenuitslag,
                "reden_geen_resultaat": RedenGeenResultaat},
        onderdelen=(Onderdeel.B1_ROUTE,),
        bestaand=lambda session, verwijzing: session.scalars(
            select(Examenresultaat).where(Examenresultaat.inburgeraar_id == verwijzing.inburgeraar_id)),
        dubbel_kolom="onderdeel_examen",
        dubbel_melding="Dit examenresultaat staat al op regel {regel}. Houd één regel per examenonderdeel, "
                       "niveau en examendatum.",
    ),
    UploadSoort.ROUTE_RESULTATEN: Soort(
        service=resultaten_service.registreer_routeresultaat,
        velden={k: k for k in ("datum_eindgesprek_map", "datum_ondertekening_pvt", "verwijtbaar",
                               "datum_afronding_z_route", "bereikt_niveau", "taalschakel_resultaat",
                               "datum_taalschakel_resultaat")},
        keuzes={"verwijtbaar": JaNee, "bereikt_niveau": BereiktNiveau, "taalschakel_resultaat": TaalschakelResultaat},
        onderdelen=resultaten_service.ROUTE_ONDERDELEN,
        bestaand=lambda session, verwijzing: session.scalars(
            select(RouteResultaat).where(RouteResultaat.verwijzing_id == verwijzing.id)),
        dubbel_kolom="traject",
        dubbel_melding="Dit traject staat al op regel {regel}. Houd één regel per traject.",
    ),
}


@dataclass
class Verwerkt:
    """What the rows did (or would do): counts, errors per row and column, and the inburgeraars affected."""

    rows: int = 0
    nieuw: int = 0
    gewijzigd: int = 0
    ongewijzigd: int = 0
    errors: list[Fout] = field(default_factory=list)
    inburgeraar_ids: set[int] = field(default_factory=set)  # of rows that were new or changed


class _Dubbel(Exception):
    def __init__(self, regel: int) -> None:
        super().__init__(regel)
        self.regel = regel


def keuze_waarde(enum_cls: type[LabelledEnum], raw: Any) -> Any:
    """The enumeration value a cell names by its value or label in any case ('geslaagd', 'Lager dan A1');
    anything else is passed on unchanged, so the service explains what to choose."""
    if not isinstance(raw, str):
        return raw
    wanted = normalise_header(raw)
    for member in enum_cls:
        if wanted in (normalise_header(member.value), normalise_header(member.label)):
            return member.value
    return raw


def _stand(obj: Any) -> dict[str, Any]:
    """The registered values of a record, to tell a correction from the same data again."""
    return {a.key: getattr(obj, a.key) for a in inspect(obj).mapper.column_attrs if a.key not in _NIET_VERGELEKEN}


def verwerk(
    session: Session, actor: User, soort: UploadSoort, rows: Iterable[RawRow], deelnemers: Any,
    headers: Mapping[str, str], today: date, *, opslaan: bool, progress: Callable[[int, str], None] | None = None,
    expected_rows: int = 0,
) -> Verwerkt:
    """Run every row through its result service; with `opslaan` False (the preview) roll everything back.

    `deelnemers` resolves a BSN and traject to one of the actor's verwijzingen (uploads._Deelnemers).
    Rows with nothing filled in besides who it is about (prefilled template rows) are skipped.
    """
    spec = SOORTEN[soort]
    result = Verwerkt()
    preview = None if opslaan else session.begin_nested()
    try:
        seen: dict[int, int] = {}
        for raw in rows:
            values = raw.values
            if all(values.get(kolom) is None for kolom in spec.velden.values()):
                continue
            result.rows += 1
            if progress is not None and result.rows % 200 == 0:
                done = 10 + 80 * result.rows // max(expected_rows, result.rows + 1)
                progress(done, f"{result.rows:,} regels gecontroleerd".replace(",", "."))
            verwijzing_id, error = _verwijzing_van(spec, deelnemers, values)
            if error is not None:
                kolom, waarde, melding = error
                result.errors.append(fout(raw.regel, headers[kolom], waarde, melding))
                continue
            verwijzing = session.get(Verwijzing, verwijzing_id)
            assert verwijzing is not None
            _verwerk_rij(session, actor, spec, raw, verwijzing, headers, today, seen, result)
    finally:
        if preview is not None:
            preview.rollback()
    result.errors.sort(key=lambda e: e["regel"])
    return result


def _verwijzing_van(spec: Soort, deelnemers: Any, values: Mapping[str, Any]) -> tuple[int | None, Any]:
    found = deelnemers.lookup(values.get("bsn"), values.get("traject"))
    if not isinstance(found, list):
        return found
    fitting = [c for c in found if c[2] in spec.onderdelen]
    if len(fitting) == 1:
        return fitting[0][0], None
    if not fitting:
        return found[0][0], None  # the service says this traject is not for this kind of result
    return None, ("traject", None,
                  "Deze deelnemer volgt meer trajecten bij uw organisatie. Vul het traject in (kolom Traject).")


def _verwerk_rij(
    session: Session, actor: User, spec: Soort, raw: RawRow, verwijzing: Verwijzing, headers: Mapping[str, str],
    today: date, seen: dict[int, int], result: Verwerkt,
) -> None:
    values = raw.values
    data = {
        veld: keuze_waarde(spec.keuzes[kolom], values.get(kolom)) if kolom in spec.keuzes else values.get(kolom)
        for veld, kolom in spec.velden.items()
    }
    try:
        with session.begin_nested():  # a refused row leaves nothing behind, whatever the service did so far
            before = {r.id: _stand(r) for r in spec.bestaand(session, verwijzing)}
            record = spec.service(session, actor, verwijzing, data, today=today)
            if record.id in seen:
                raise _Dubbel(seen[record.id])
    except ValidationError as exc:
        for veld, melding in exc.errors.items():
            kolom = spec.velden.get(veld, veld)
            kolom = kolom if kolom in headers else "traject"
            result.errors.append(fout(raw.regel, headers[kolom], values.get(kolom), melding))
        return
    except NotAllowed as exc:
        result.errors.append(fout(raw.regel, headers["bsn"], values.get("bsn"), str(exc)))
        return
    except _Dubbel as exc:
        result.errors.append(fout(raw.regel, headers[spec.dubbel_kolom], values.get(spec.dubbel_kolom),
                                  spec.dubbel_melding.format(regel=exc.regel)))
        return
    seen[record.id] = raw.regel
    if record.id not in before:
        result.nieuw += 1
    elif _stand(record) != before[record.id]:
        result.gewijzigd += 1
    else:
        result.ongewijzigd += 1
        return
    result.inburgeraar_ids.add(verwijzing.inburgeraar_id)
