"""GET /api/v1/openapi.json: the machine-readable description of the kiosk API (used by the fuzz tests)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from shared.sync.protocol import MAX_BATCH_RECORDS, PROTOCOL_VERSION

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem_responses(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "problem details (RFC 9457)",
                     "content": {"application/problem+json": {"schema": _PROBLEM}}} for c in codes}


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document of the kiosk API."""
    record = {"type": "object", "description": "record envelope, see docs/sync-protocol.md",
              "properties": {"record_id": {"type": "string", "format": "uuid"},
                             "revision": {"type": "integer", "minimum": 1},
                             "kind": {"type": "string", "enum": ["instrument_response", "enrolment",
                                                                 "adverse_event"]},
                             "data": {"type": "object"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "trialpro kiosk API", "version": f"{PROTOCOL_VERSION}.0.0",
                 "description": "Device enrolment and record sync. Every error is problem details (RFC 9457)."},
        "paths": {
            "/healthz": {"get": {"summary": "Health", "responses": {"200": {"description": "ok"}}}},
            "/api/v1/devices/enrol": {"post": {
                "summary": "Exchange a one-time enrolment code for a device credential",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code", "label"],
                    "properties": {"code": {"type": "string"}, "label": {"type": "string"}}}}}},
                "responses": {"201": {"description": "device credential (shown once)"},
                              **_problem_responses(400, 403, 413, 415)}}},
            "/api/v1/sync": {"post": {
                "summary": "Send a batch of records; receive per-record results and downstream data",
                "security": [{"device": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["protocol_version", "study_version", "records"],
                    "properties": {
                        "protocol_version": {"type": "integer", "enum": [PROTOCOL_VERSION]},
                        "study_version": {"type": "string"},
                        "corrections_cursor": {"type": "integer", "minimum": 0},
                        "records": {"type": "array", "maxItems": MAX_BATCH_RECORDS, "items": {
                            "type": "object", "required": ["record", "content_hash"],
                            "properties": {"record": record, "content_hash": {"type": "string"}}}}}}}}},
                "responses": {"200": {"description": "per-record results and downstream data"},
                              **_problem_responses(400, 401, 403, 409, 413, 415)}}},
        },
        "components": {
            "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                                    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                                   "status": {"type": "integer"}, "detail": {"type": "string"},
                                                   "code": {"type": "string"}}}},
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(document())
