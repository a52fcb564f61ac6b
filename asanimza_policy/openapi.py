"""The OpenAPI 3.1 description of the HTTP API.

The decision's schema is the file ``schema/decision.schema.json`` (the same
file the tests check ``Decision.to_dict()`` against), embedded as a component;
the context's schema depends on the policy and is served by
``/v1/policies/{id}/context.schema.json``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from .resources import schema_file


def decision_schema() -> dict[str, Any]:
    path = schema_file("decision.schema.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {400: "Not JSON, or JSON with duplicate keys.", 404: "Unknown policy or version, or none in effect "
             "on the date; `field` says which.", 413: "The body is larger than the server accepts.",
             422: "A value the policy cannot accept; `field` names it.", 500: "The policy file is broken.",
             503: "Graphviz's dot program is missing on the server."}
    ref = {"$ref": "#/components/schemas/Error"}
    return {str(s): _json(ref, words[s]) for s in statuses}


def _param(name: str, where: str, description: str, required: bool = False, fmt: str | None = None) -> dict:
    schema: dict[str, Any] = {"type": "string"}
    if fmt:
        schema["format"] = fmt
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


POLICY_ID = _param("id", "path", "The policy's id.", required=True)
VERSION = _param("version", "query", "A version (default: the one in effect on as_of).")
AS_OF = _param("as_of", "query", "YYYY-MM-DD (default: today in the policy's time zone).", fmt="date")
CONTEXT = _param("context", "query", "The context as URL-encoded JSON (default: empty).")


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    from . import __version__

    ref = {"$ref": "#/components/schemas/Decision"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "asanimza-policy", "version": __version__,
                 "description": "Public-service procedures as versioned decision graphs: what a person must do, "
                                "with dates, documents, the source's sentences and the assumptions."},
        "paths": {
            "/v1/policies": {"get": {
                "summary": "The policies, their versions and the one in effect today",
                "responses": {"200": _json({"type": "array", "items": {"$ref": "#/components/schemas/PolicySummary"}},
                                           "One entry per policy.")}}},
            "/v1/policies/{id}": {"get": {
                "summary": "One version: its inputs with types, choices and questions; documents; actions",
                "parameters": [POLICY_ID, VERSION, AS_OF],
                "responses": {"200": _json({"type": "object"}, "The version described."), **_errors(404, 422)}}},
            "/v1/policies/{id}/context.schema.json": {"get": {
                "summary": "The JSON Schema of the context the version accepts",
                "parameters": [POLICY_ID, VERSION, AS_OF],
                "responses": {"200": _json({"type": "object"}, "A JSON Schema (2020-12)."), **_errors(404, 422)}}},
            "/v1/policies/{id}/evaluate": {"post": {
                "summary": "The decision for one context",
                "parameters": [POLICY_ID],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/EvaluateRequest"}}}},
                "responses": {
                    "200": {**_json(ref, "The decision: exactly Decision.to_dict()."),
                            "headers": {"ETag": {"description": "The version's content hash, then a hash of the "
                                                 "context and date", "schema": {"type": "string"}}}},
                    **_errors(400, 404, 413, 422, 500)}}},
            "/v1/policies/{id}/diagram.svg": {"get": {
                "summary": "The flowchart, with the context's walked path highlighted",
                "parameters": [POLICY_ID, CONTEXT, AS_OF, VERSION],
                "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {}}},
                              **_errors(400, 404, 422, 503)}}},
            "/v1/policies/{id}/plan.ics": {"get": {
                "summary": "The decision's dated steps as an iCalendar file",
                "parameters": [POLICY_ID, CONTEXT, AS_OF, VERSION],
                "responses": {"200": {"description": "iCalendar", "content": {"text/calendar": {}}},
                              **_errors(400, 404, 422)}}},
            "/openapi.json": {"get": {"summary": "This description",
                                      "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")}}},
            "/": {"get": {"summary": "The assistant page",
                          "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
        },
        "components": {"schemas": {
            "Decision": decision_schema(),
            "EvaluateRequest": {
                "type": "object", "additionalProperties": False,
                "properties": {
                    "context": {"type": ["object", "null"],
                                "description": "Field -> value; see context.schema.json for the policy."},
                    "as_of": {"type": ["string", "null"], "format": "date"},
                    "version": {"type": ["string", "null"]}}},
            "PolicySummary": {
                "type": "object", "required": ["id", "versions", "in_effect"],
                "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                               "versions": {"type": "array", "items": {"type": "string"}},
                               "in_effect": {"type": ["string", "null"]},
                               "history": {"type": "array", "items": {"type": "object"}}}},
            "Error": {
                "type": "object", "required": ["error", "field", "message"],
                "properties": {"error": {"type": "string"}, "field": {"type": ["string", "null"]},
                               "message": {"type": "string"}}},
        }},
    }
