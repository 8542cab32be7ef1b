"""The API's resources as JSON Schema (2020-12, the dialect of OpenAPI 3.1), and the OpenAPI document.

One dict per resource, used three ways: the OpenAPI document at /api/v1/openapi.json is built from
them, request bodies are validated against them (jsonschema), and the tests validate every response
against them. Plain dicts rather than apispec: apispec earns its keep by turning marshmallow schemas
into OpenAPI, and this API has no marshmallow schemas; a dict is the schema itself, with nothing
between the document and what is checked.
"""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from peerreview.i18n import TRANSLATION_LOCALES

API_PREFIX = "/api/v1"
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _nullable(kind: str, **more) -> dict:
    return {"type": [kind, "null"], **more}


DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
           "description": "A decimal number as text (point, no grouping), so that no digit is lost to floats."}
DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}  # the ids the databases hold


def _object(properties: dict, required: list[str] | None = None, **more) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, "additionalProperties": False, **more}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, dict] = {
    "Problem": _object({
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Field or cell -> what is wrong with it (422)."},
        "cells": {"type": "array", "items": _ref("CellConflict"), "description": "The cells that changed (409)."},
    }, required=["type", "title", "status"],
        description="RFC 9457 problem details (application/problem+json)."),
    "CellConflict": _object({
        "indicator": {"type": "string"}, "breakdown": {"type": "string"}, "year": {"type": "integer"},
        "sent_version": {"type": "integer"}, "version": {"type": "integer"}, "value": _nullable("string"),
        "flag": {"type": "string"}, "updated_at": _nullable("string", format="date-time"),
    }, description="A cell someone else changed after the version the client sent: its current state."),
    "Links": _object({"self": {"type": "string"}, "next": _nullable("string")}),
    "NetworkRef": _object({"id": ID, "name": {"type": "string"}, "short_name": {"type": "string"}}),
    "OrganisationRef": _object({"id": ID, "name": {"type": "string"}, "short_name": {"type": "string"},
                                "country": {"type": "string"}}),
    "Translations": {
        "type": "object", "propertyNames": {"enum": list(TRANSLATION_LOCALES)},
        "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
        "description": "Texts the secretariat entered per language ({locale: {field: text}}); a language "
                       "or field missing here reads the original (name, definition, description)."},
    "Area": _object({"code": {"type": "string"}, "name": {"type": "string"}, "translations": _ref("Translations")}),
    "Framework": _object({"id": ID, "name": {"type": "string"}, "description": {"type": "string"},
                          "translations": _ref("Translations"),
                          "network": _ref("NetworkRef"), "areas": {"type": "array", "items": _ref("Area")}}),
    "Breakdown": _object({"code": {"type": "string"}, "dimension": {"type": "string"}, "label": {"type": "string"}}),
    "Indicator": _object({
        "id": ID, "code": {"type": "string"}, "name": {"type": "string"}, "definition": {"type": "string"},
        "translations": _ref("Translations"),
        "unit": {"type": "string"}, "direction": {"enum": ["higher", "lower", "neutral"]},
        "decimals": {"type": "integer"}, "min_value": _nullable("string"), "max_value": _nullable("string"),
        "area": _nullable("string"), "breakdowns": {"type": "array", "items": _ref("Breakdown")}}),
    "Cycle": _object({
        "id": ID, "title": {"type": "string"}, "theme": {"type": "string"}, "network": _ref("NetworkRef"),
        "framework_id": ID, "status": {"enum": ["draft", "open", "in_review", "reporting", "closed"]},
        "first_year": {"type": "integer"}, "last_year": {"type": "integer"},
        "submission_deadline": _nullable("string", format="date"),
        "review_deadline": _nullable("string", format="date"),
        "reporting_deadline": _nullable("string", format="date"),
        "illustrative_data": {"type": "boolean"}}),
    "Participant": _object({
        "organisation": _ref("OrganisationRef"), "status": {"enum": ["draft", "submitted"]},
        "submitted_at": _nullable("string", format="date-time"),
        "submission_id": {"type": ["integer", "null"],
                          "description": "Set when the token's owner may open the submission."}}),
    "Submission": _object({
        "id": ID, "cycle_id": ID, "organisation": _ref("OrganisationRef"), "status": {"enum": ["draft", "submitted"]},
        "submitted_at": _nullable("string", format="date-time"), "editable": {"type": "boolean"},
        "edit_problem": _nullable("string")}),
    "Value": _object({
        "indicator": {"type": "string"}, "indicator_id": ID, "breakdown": {"type": "string"},
        "year": {"type": "integer"}, "value": _nullable("string"), "flag": {"type": "string"},
        "note": {"type": "string"},
        "version": {"type": "integer", "minimum": 0,
                    "description": "0 for an empty cell; send it back with a write (no lost update)."},
        "updated_at": _nullable("string", format="date-time")}),
    "Values": _object({"submission_id": ID, "values": {"type": "array", "items": _ref("Value")}}),
    "ValueWrite": _object({
        "indicator": {"type": "string", "minLength": 1, "maxLength": 20},
        "breakdown": {"type": "string", "minLength": 1, "maxLength": 16},
        "year": {"type": "integer", "minimum": 1900, "maximum": 2200},
        "value": {"type": ["string", "number", "null"],
                  "description": "The new value (text is read as on the pages: docs/numbers.md); null empties it."},
        "version": {"type": "integer", "minimum": 0, "description": "The version the client read (0: empty)."},
        "flag": {"type": "string", "maxLength": 40,
                 "description": "A flag code (not_available, not_applicable, confidential, estimated, provisional, "
                                "break_in_series) or \"\" for none; left out: the stored flag stays."},
        "note": {"type": "string", "maxLength": 2000, "description": "The source note; left out: it stays."}},
        required=["indicator", "breakdown", "year", "value", "version"]),
    "ValuesPatch": _object({"values": {"type": "array", "items": _ref("ValueWrite"), "minItems": 1,
                                       "maxItems": 5000}}),
    "ValuesSaved": _object({"saved": {"type": "integer"}, "cleared": {"type": "integer"},
                            "values": {"type": "array", "items": _ref("Value")}}),
    "Statistic": _object({
        "breakdown": {"type": "string"}, "year": {"type": "integer"}, "n": {"type": "integer", "minimum": 1},
        "median": DECIMAL, "q1": DECIMAL, "q3": DECIMAL, "min": DECIMAL, "max": DECIMAL}),
    "IndicatorStatistics": _object({"indicator": {"type": "string"}, "indicator_id": ID,
                                    "statistics": {"type": "array", "items": _ref("Statistic")}}),
    "Report": _object({
        "id": {**ID, "description": "The id of this published version."}, "report_id": ID, "cycle_id": ID,
        "kind": {"enum": ["feedback", "synthesis"]}, "title": {"type": "string"},
        "organisation": {"oneOf": [_ref("OrganisationRef"), {"type": "null"}]},
        "tier": {"enum": ["network", "public", "draft", "factual_check"]}, "number": {"type": "integer"},
        "state": {"enum": ["current", "corrected", "withdrawn"]}, "state_reason": {"type": "string"},
        "correction_reason": {"type": "string"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "size": {"type": "integer"}, "published_at": DATE_TIME,
        "pdf": _nullable("string", description="Where the PDF is (null once withdrawn).")},
        description="One published version of a report: immutable bytes and their SHA-256."),
}


def page_of(item: str) -> dict:
    return _object({"items": {"type": "array", "items": _ref(item)}, "links": _ref("Links")})


for _name in ("Framework", "Indicator", "Cycle", "Participant", "Report", "IndicatorStatistics"):
    SCHEMAS[f"{_name}Page"] = page_of(_name)


def validator(name: str) -> Draft202012Validator:
    """A validator of one resource, with every other resource reachable through $ref."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": {"schemas": SCHEMAS}})


# --- the document -----------------------------------------------------------------------

_PROBLEM = {"application/problem+json": {"schema": _ref("Problem")}}
_DESCRIPTIONS = {
    400: "The request is malformed.", 401: "No token, or a token that is unknown, expired or revoked.",
    403: "The token's scopes or its owner's roles do not allow this.",
    404: "No such object, or one of another network.", 405: "Method not allowed.",
    409: "Not possible now, or cells changed since the versions sent (see cells).",
    413: "The request is too large.",
    422: "The input broke a rule (see errors).", 429: "Too many requests with this token; wait a minute."}


def _problems(*statuses: int) -> dict:
    return {str(s): {"description": _DESCRIPTIONS[s], "content": _PROBLEM} for s in statuses}


def _json(schema: str, description: str = "OK") -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}}


def _param(name: str, where: str = "path", schema: dict | None = None, description: str = "") -> dict:
    return {"name": name, "in": where, "required": where == "path", "schema": schema or ID,
            "description": description}


PAGINATION = [
    _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
           "How many items a page holds."),
    _param("cursor", "query", {"type": "string", "pattern": "^[0-9]{1,10}$"},
           "Where the page starts: take it from links.next, never build it."),
]
TOKEN_ERRORS = (401, 429)


def _get(summary: str, response: dict, *, params: list | None = None, errors=(404,), public: bool = False) -> dict:
    operation = {"summary": summary, "parameters": params or [],
                 "responses": {**response, **_problems(*((429,) if public else TOKEN_ERRORS), *errors)}}
    if public:
        operation["security"] = []
    return {"get": operation}


def _list(summary: str, item: str, *, params: list | None = None, errors=(404,)) -> dict:
    return _get(summary, _json(f"{item}Page"), params=(params or []) + PAGINATION, errors=(*errors, 422))


CYCLE = _param("cycle_id")
PATHS: dict[str, dict] = {
    "/frameworks": _list("Indicator frameworks you may see", "Framework", errors=()),
    "/frameworks/{framework_id}": _get("One framework with its excellence areas", _json("Framework"),
                                       params=[_param("framework_id")]),
    "/frameworks/{framework_id}/indicators": _list("Its indicators, with breakdowns", "Indicator",
                                                   params=[_param("framework_id")]),
    "/cycles": _list("Cycles you take part in", "Cycle", errors=()),
    "/cycles/{cycle_id}": _get("One cycle", _json("Cycle"), params=[CYCLE]),
    "/cycles/{cycle_id}/participants": _list("The organisations taking part", "Participant", params=[CYCLE]),
    "/cycles/{cycle_id}/comparisons": _list(
        "Network statistics per indicator, breakdown and year (submitted values; never confidential ones)",
        "IndicatorStatistics", params=[CYCLE]),
    "/submissions/{submission_id}": _get("One submission", _json("Submission"), params=[_param("submission_id")]),
    "/submissions/{submission_id}/values": {
        **_get("Every value of the submission, each with its version", _json("Values"),
               params=[_param("submission_id")]),
        "patch": {
            "summary": "Change values (scope submit); each cell sends the version it was read at",
            "description": "All or nothing: if any cell changed since its version (409, the cells listed) or "
                           "any value breaks a rule (422, the cells listed), nothing is saved.",
            "parameters": [_param("submission_id")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ValuesPatch")}}},
            "responses": {**_json("ValuesSaved"), **_problems(*TOKEN_ERRORS, 400, 403, 404, 409, 413, 422)},
        },
    },
    "/reports": _list("Published report versions you may read (public ones, and those published to the "
                      "networks you take part in)", "Report", errors=()),
    "/reports/{version_id}": _get("One version's metadata and SHA-256", _json("Report"),
                                  params=[_param("version_id")]),
    "/reports/{version_id}/pdf": _get("The PDF", {"200": {
        "description": "The PDF; its SHA-256 is in the X-Content-SHA256 header.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}},
        params=[_param("version_id")]),
    "/cycles/{cycle_id}/sdmx/data.csv": _get(
        "The cycle's published values as SDMX-CSV 2.0 (public once its synthesis report is published)",
        {"200": {"description": "One observation a row.",
                 "content": {"application/vnd.sdmx.data+csv; version=2.0.0": {"schema": {"type": "string"}}}}},
        params=[CYCLE], public=True),
    "/cycles/{cycle_id}/sdmx/structure.xml": _get(
        "The data structure definition and code lists (SDMX-ML 2.1 structure message)",
        {"200": {"description": "The structure message.",
                 "content": {"application/vnd.sdmx.structure+xml; version=2.1": {"schema": {"type": "string"}}}}},
        params=[CYCLE], public=True),
    "/openapi.json": _get("This document", {"200": {"description": "OpenAPI 3.1",
                                                    "content": {"application/json": {"schema": {"type": "object"}}}}},
                          errors=(), public=True),
}


def openapi_document(server_url: str = API_PREFIX) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "peerreview API", "version": "1.0.0",
                 "description": "Frameworks, cycles, submissions' values, network comparisons and published "
                                "reports, with personal access tokens (docs/api.md). Errors are RFC 9457 "
                                "problem details."},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal access token (account page, API tokens)."}},
            "schemas": SCHEMAS,
        },
        "paths": PATHS,
    }
