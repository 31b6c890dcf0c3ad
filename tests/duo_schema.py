"""Every DUO bericht the test suite produces is validated against DUO's OpenAPI files and DOMAIN.md's rules.

Plugin (see conftest's pytest_plugins): a listener checks each DuoBericht before it is inserted, so a test that
makes an invalid bericht fails, whatever it was testing. The schemas are read from ../shared/reference/duo-m2m/
(never copied into the product) and checked with openapi-schema-validator (OpenAPI 3.0 dialect, ECMA regexes).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from sqlalchemy import event, func, select

from portal.domain import termijnen
from portal.models import Inburgeraar, Pip
from portal.models.duo import DuoBericht

SPEC_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "duo-m2m"
SPEC_FILES = ("PIP", "Inburgeringsaanbod", "GevolgdeUren", "MAP-PVT-Zroute", "Contactpersoon")
# DOMAIN.md: dates of things that happened are never in the future.
PAST_DATES = ("dagtekeningPip", "datumInburgeringsaanbod", "datumEindgesprekMap", "datumOndertekeningPvt",
              "datumAfrondingZroute")


@dataclass(frozen=True)
class Operation:
    spec: dict[str, Any]
    pattern: re.Pattern[str]
    method: str
    operation: dict[str, Any]
    name: str


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the DUO files the portal sends to, with a regex for its path."""
    found = []
    for name in SPEC_FILES:
        spec = yaml.safe_load((SPEC_DIR / f"{name}.openapi.yml").read_text(encoding="utf-8"))
        for template, item in spec["paths"].items():
            regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            for method, operation in item.items():
                if method in ("get", "post", "put", "delete"):
                    found.append(Operation(spec, re.compile(regex), method.upper(), operation, name))
    return tuple(found)


def node_root(spec: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    node: Any = spec
    for part in parts:
        node = node[part]
    return node


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> OAS30Validator:
    return OAS30Validator({**schema, "components": spec["components"]}, format_checker=oas30_format_checker)


def problems(bericht: DuoBericht | dict[str, Any], today: date | None = None) -> list[str]:
    """What is wrong with a bericht by DUO's schemas and DOMAIN.md's rules (empty: valid)."""
    b = bericht if isinstance(bericht, dict) else {
        "berichtId": bericht.bericht_id, "bron": bericht.bron_oin, "doel": bericht.doel_oin,
        "methode": bericht.methode, "pad": bericht.pad, "body": bericht.body}
    today = today or date.today()
    found: list[str] = []
    matches = [(op, m) for op in operations() if op.method == b["methode"] and (m := op.pattern.match(b["pad"]))]
    if len(matches) != 1:
        return [f"geen (eenduidige) DUO-operatie voor {b['methode']} {b['pad']}"]
    op, match = matches[0]
    values = {"berichtId": b["berichtId"], "bron": b["bron"], "doel": b["doel"], **match.groupdict()}
    for param in op.operation.get("parameters", []):
        param = node_root(op.spec, param["$ref"].removeprefix("#/").split("/")) if "$ref" in param else param
        name = param["name"]
        if name not in values:
            if param.get("required"):
                found.append(f"parameter {name} ontbreekt")
            continue
        value: Any = values[name]
        if param["schema"].get("type") == "integer":
            value = int(value) if str(value).isdigit() else value
        found += [f"{name}: {e.message}" for e in _validator(op.spec, param["schema"]).iter_errors(value)]
    try:
        uuid.UUID(b["berichtId"], version=4)
    except ValueError:
        found.append("berichtId is geen uuid")
    body_spec = op.operation.get("requestBody")
    body = b["body"]
    if body_spec is None:
        if body is not None:
            found.append(f"{op.name} {b['methode']} heeft geen body")
        return found
    if body is None:
        return [*found, "body ontbreekt"]
    schema = body_spec["content"]["application/json"]["schema"]
    found += [f"body: {e.message}" for e in _validator(op.spec, schema).iter_errors(body)]
    resolved = node_root(op.spec, schema["$ref"].removeprefix("#/").split("/")) if "$ref" in schema else schema
    extra = set(body) - set(resolved.get("properties", {}))
    if extra:
        found.append(f"velden die DUO niet kent: {sorted(extra)}")
    found += _domain_rules(body, today)
    return found


def _domain_rules(body: dict[str, Any], today: date) -> list[str]:
    found = []
    if "uren" in body and not (isinstance(body["uren"], int) and 0 <= body["uren"] <= 9999):
        found.append("uren is geen heel getal van 0 tot en met 9999")
    for name in PAST_DATES:
        if name in body and date.fromisoformat(body[name]) > today:
            found.append(f"{name} ligt in de toekomst")
    route, niveau = body.get("leerroute"), body.get("niveau")
    if (route, niveau) in (("O", "A2"), ("Z", "B1")) or (route == "B" and niveau is None):
        found.append(f"leerroute {route} met niveau {niveau} kan niet")
    start, einde = body.get("verwachteStartdatumOpleiding"), body.get("verwachteEinddatumOpleiding")
    if start and einde and date.fromisoformat(einde) <= date.fromisoformat(start):
        found.append("de (exclusieve) einddatum ligt niet na de startdatum")
    return found


VALIDATED: list[str] = []  # berichtIds checked in this run (a sanity test reads it)


def _verwijtbaar_na_termijn(connection: Any, bericht: DuoBericht) -> list[str]:
    """DOMAIN.md: 'verwijtbaar' only when the MAP/PVT was finished after the inburgeringstermijn ended."""
    body = bericht.body or {}
    if "verwijtbaar" not in body or bericht.inburgeraar_id is None:
        return []
    eerste = connection.execute(select(func.min(Pip.dagtekening)).where(
        Pip.inburgeraar_id == bericht.inburgeraar_id)).scalar()
    verlengd = connection.execute(select(Inburgeraar.termijn_verlengd_tot).where(
        Inburgeraar.id == bericht.inburgeraar_id)).scalar()
    einde = termijnen.inburgeringstermijn_einde(eerste, verlengd)
    datum = date.fromisoformat(body.get("datumEindgesprekMap") or body["datumOndertekeningPvt"])
    return [] if einde is not None and datum > einde else ["verwijtbaar voordat de termijn voorbij is"]


@event.listens_for(DuoBericht, "before_insert")
def _check_before_insert(_mapper: Any, connection: Any, bericht: DuoBericht) -> None:
    found = problems(bericht) + _verwijtbaar_na_termijn(connection, bericht)
    assert not found, f"ongeldig DUO-bericht {bericht.methode} {bericht.pad} {bericht.body}: {found}"
    VALIDATED.append(bericht.bericht_id)
