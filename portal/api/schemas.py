"""Request and response models of the API (pydantic v2).

Requests are strict about shape and type (no coercion from strings, no unknown fields); the domain rules
(dates within the traject, quarter hours, 24 hours a day, reasons for absence, ...) are checked by the same
service functions as forms and uploads, so the API gives the same Dutch messages. Property names are
lowerCamelCase.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from typing_extensions import TypedDict

from portal.models.enums import Onderdeel, VerwijzingStatus
from portal.models.resultaat import (
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    OmstandighedenSoort,
    RedenGeenResultaat,
)
from portal.models.traject import Activiteit

MAX_BULK = 10_000
DATUM = r"^\d{4}-\d{2}-\d{2}$"


def _enum(cls: Any) -> dict[str, Any]:
    return {"enum": [m.value for m in cls]}


class Request(BaseModel):
    """Strict input: exact JSON types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid", alias_generator=to_camel, populate_by_name=False,
                              allow_inf_nan=True)


class Response(BaseModel):
    """Output, serialised with camelCase names."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back timestamps without a zone; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Tijdstip = Annotated[datetime, AfterValidator(_utc)]
Datum = Annotated[str, Field(pattern=DATUM, max_length=10, json_schema_extra={"format": "date",
                                                                                "example": "2026-11-30"})]
Tekst = Annotated[str, Field(max_length=4000)]
# Hours as JSON numbers; NaN, infinities and huge values are refused by the service with its own message.
Uren = Annotated[float, Field(json_schema_extra={"example": 2.5})]


# --- queries ---------------------------------------------------------------------------------------

class ListQuery(BaseModel):
    """Paging and 'changed since' of every list."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False)

    gewijzigd_sinds: AwareDatetime | None = Field(
        None, description="Alleen wat op of na dit tijdstip is gewijzigd (ISO 8601 met tijdzone).")
    cursor: str | None = Field(None, max_length=200, description="De cursor uit de Link-header van de vorige pagina.")
    limit: int = Field(100, ge=1, le=500, description="Hoogstens zoveel items per pagina.")


# --- provider: verwijzingen ------------------------------------------------------------------------

class DeelnemerOut(Response):
    bsn: str
    voornamen: str
    achternaam: str
    geboortedatum: date


class StartOut(Response):
    gerealiseerde_startdatum: date | None
    bijgestelde_einddatum: date | None
    niet_gestart: bool
    reden_niet_gestart: str | None


class VerwijzingOut(Response):
    id: int
    kenmerk: str
    onderdeel: Annotated[str, Field(json_schema_extra=_enum(Onderdeel))]
    status: Annotated[str, Field(json_schema_extra=_enum(VerwijzingStatus))]
    gemeente_cbs_code: str
    beoogde_startdatum: date
    uiterste_einddatum: date
    gecontracteerde_uren: float | None
    uren_per_week: float | None
    deelnemer: DeelnemerOut
    start: StartOut | None
    gewijzigd_op: Tijdstip


class VerwijzingenPage(Response):
    items: list[VerwijzingOut]


class StartIn(Request):
    """A start (gerealiseerde startdatum) or 'niet gestart' with its reason; again means a correction."""

    gerealiseerde_startdatum: Datum | None = None
    bijgestelde_einddatum: Datum | None = None
    reden_latere_start: Tekst | None = None
    niet_gestart: bool = False
    reden_niet_gestart: Tekst | None = None


# --- provider: presentie ---------------------------------------------------------------------------

class PresentieItem(TypedDict):
    """One session: the verwijzing (by verwijzingId or kenmerk), day, activity and hours.

    A TypedDict rather than a model: validated by the same strict rules, but 10,000 plain dicts come out of
    pydantic's core much faster than 10,000 model objects (python -m bench api)."""

    __pydantic_config__ = ConfigDict(strict=True, extra="forbid", allow_inf_nan=True)  # type: ignore[misc]

    verwijzingId: NotRequired[Annotated[int, Field(ge=1, le=2_147_483_647)] | None]
    kenmerk: NotRequired[Annotated[str, Field(max_length=20)] | None]
    datum: Datum
    activiteit: Annotated[str, Field(max_length=60, json_schema_extra=_enum(Activiteit))]
    urenAanwezig: NotRequired[Uren | None]
    urenAfwezigGeoorloofd: NotRequired[Uren | None]
    urenAfwezigOngeoorloofd: NotRequired[Uren | None]
    redenAfwezig: NotRequired[Annotated[str, Field(max_length=1000)] | None]


class PresentieBulkIn(Request):
    """Up to 10,000 sessions, saved all together or not at all."""

    items: list[PresentieItem] = Field(min_length=1, max_length=MAX_BULK)


class SaveResultOut(Response):
    nieuw: int
    gewijzigd: int
    ongewijzigd: int


# --- provider: other registrations ----------------------------------------------------------------

class VoortgangIn(Request):
    peildatum: Datum
    motivatie: Tekst
    voortgang: Tekst
    belemmeringen: Tekst | None = None


class OmstandighedenIn(Request):
    soort: Annotated[str, Field(max_length=40, json_schema_extra=_enum(OmstandighedenSoort))]
    datum: Datum
    toelichting: Tekst


class AfschalingsverzoekIn(Request):
    onderdelen: list[Annotated[str, Field(max_length=10, json_schema_extra=_enum(Examenonderdeel))]] = Field(
        max_length=10)
    observaties_aanbieder: Tekst
    ervaring_inburgeraar: Tekst


class ExamenresultaatIn(Request):
    onderdeel: Annotated[str, Field(max_length=10, json_schema_extra=_enum(Examenonderdeel))]
    niveau: Annotated[str, Field(max_length=10, json_schema_extra=_enum(Examenniveau))]
    resultaat: Annotated[str, Field(max_length=40, json_schema_extra=_enum(Examenuitslag))]
    examendatum: Datum
    reden_geen_resultaat: Annotated[str, Field(max_length=60, json_schema_extra=_enum(RedenGeenResultaat))] | None = \
        None


class RouteResultaatIn(Request):
    taalschakel_resultaat: Annotated[str, Field(max_length=60)] | None = None
    datum_taalschakel_resultaat: Datum | None = None
    datum_eindgesprek_map: Datum | None = None
    datum_ondertekening_pvt: Datum | None = None
    verwijtbaar: Annotated[str, Field(max_length=10)] | None = None
    datum_afronding_z_route: Datum | None = None
    bereikt_niveau: Annotated[str, Field(max_length=60)] | None = None


class RegistratieOut(Response):
    """What was stored (or corrected): its kind and id."""

    soort: str
    id: int
    verwijzing_id: int


# --- feeds -----------------------------------------------------------------------------------------

class BesluitOut(Response):
    """A decision for the aanbieder: on an afschalingsverzoek, or on one regel of a declaratie."""

    soort: Literal["afschalingsverzoek", "declaratieregel"]
    id: int
    verwijzing_id: int
    besluit: str
    reden: str | None
    besloten_op: Tijdstip
    declaratie_nummer: str | None = None
    bedrag_cent: int | None = None


class BesluitenPage(Response):
    items: list[BesluitOut]


class RegistratieItemOut(Response):
    soort: str
    id: int
    verwijzing_id: int | None
    inburgeraar_id: int
    bsn: str
    aanbieder_kvk: str | None
    gewijzigd_op: Tijdstip
    gegevens: dict[str, Any]


class RegistratiesPage(Response):
    items: list[RegistratieItemOut]


class SignaalOut(Response):
    code: str
    titel: str
    ernst: str
    uitleg: str
    verwijzing_id: int | None


class CaseSignalenOut(Response):
    inburgeraar_id: int
    bsn: str
    signalen: list[SignaalOut]


class SignalenPage(Response):
    items: list[CaseSignalenOut]


# --- token ------------------------------------------------------------------------------------------

class TokenIn(BaseModel):
    """The client credentials grant (RFC 6749 §4.4); client_id and client_secret here or via HTTP Basic."""

    model_config = ConfigDict(extra="forbid")

    grant_type: Literal["client_credentials"]
    scope: str | None = Field(None, max_length=500)
    client_id: str | None = Field(None, max_length=64)
    client_secret: str | None = Field(None, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
