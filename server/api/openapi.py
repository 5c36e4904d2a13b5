"""GET /api/v1/openapi.json: the machine-readable description of the kiosk API and the participant app's API
(issue 24), used by the fuzz tests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from shared.errors import rejection_codes
from shared.records import ENVELOPE_FIELDS, KINDS, LANGUAGES
from shared.sync.protocol import (
    ALREADY_STORED,
    CONFLICT,
    MAX_ALLOCATION_BLOCKS,
    MAX_BATCH_RECORDS,
    MAX_REVISION,
    MAX_WHOLE_NUMBER,
    PROTOCOL_VERSION,
    REJECTED,
    STORED,
)

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem_responses(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "problem details (RFC 9457)",
                     "content": {"application/problem+json": {"schema": _PROBLEM}}} for c in codes}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _json_answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schemas() -> dict[str, Any]:
    record = {"type": "object", "description": "record envelope (shared/records.py), see docs/sync-protocol.md",
              "properties": {"record_id": {"type": "string", "format": "uuid"},
                             "revision": {"type": "integer", "minimum": 1, "maximum": MAX_REVISION},
                             "kind": {"type": "string", "enum": list(KINDS)},
                             "study_id": {"type": "string"}, "study_version": {"type": "string"},
                             "site_id": {"type": "string"}, "participant_id": {"type": "string"},
                             "visit_id": {"type": "string", "nullable": True},
                             "instrument_id": {"type": "string", "nullable": True},
                             "instrument_version": {"type": "string", "nullable": True},
                             "data": {"type": "object"}, "collected_at": {"type": "string"},
                             "collected_at_local": {"type": "string"}, "entered_by": {"type": "string"},
                             "device_id": {"type": "string"},
                             "correction_reason": {"type": "string", "nullable": True},
                             "language": {"type": "string", "nullable": True, "enum": list(LANGUAGES)}},
              "required": list(ENVELOPE_FIELDS)}
    codes = rejection_codes()
    result = {"type": "object", "required": ["record_id", "revision", "status"],
              "properties": {"record_id": {"type": "string", "nullable": True,
                                           "description": "as sent (null when it was not text)"},
                             "revision": {"type": "integer", "nullable": True,
                                          "description": "as sent (null when it was not a whole number)"},
                             "status": {"type": "string", "enum": [STORED, ALREADY_STORED, CONFLICT, REJECTED]},
                             "code": {"type": "string", "enum": list(codes),
                                      "description": "rejected: the rule broken; " + "; ".join(
                                          f"{c}: {rule}" for c, rule in codes.items())},
                             "rule": {"type": "string", "description": "rejected: the rule broken, in words"},
                             "reason": {"type": "string", "description": "why (conflict, rejected)"},
                             "existing_record_id": {"type": "string", "description": (
                                 "rejected record.already_submitted: the record that already holds this "
                                 "participant, visit and instrument (correct it instead)")},
                             "problems": {"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}}}}
    downstream = {"type": "object",
                  "required": ["study_version", "participants", "staff", "allocation", "corrections",
                               "corrections_cursor", "more_corrections"],
                  "properties": {
                      "study_version": {"type": "string"},
                      "participants": {"type": "array", "items": {"type": "object", "properties": {
                          "participant_id": {"type": "string"}, "arm": {"type": "string"},
                          "status": {"type": "string"}}}},
                      "staff": {"type": "array", "items": {"type": "object"}},
                      "allocation": {"type": "object", "properties": {
                          "lists": {"type": "array", "items": {"type": "object"},
                                    "description": "signed lists; empty when the kiosk holds every granted block"},
                          "blocks": {"type": "array", "items": {"type": "integer"}},
                          "used_numbers": {"type": "array", "items": {"type": "integer"}}}},
                      "corrections": {"type": "array", "items": {"type": "object", "properties": {
                          "record": {"$ref": "#/components/schemas/Record"},
                          "content_hash": {"type": "string"}}}},
                      "corrections_cursor": {"type": "integer", "minimum": 0},
                      "more_corrections": {"type": "boolean"},
                      "labs": {"type": "array", "description": "lab-result revisions of the site after labs_cursor",
                               "items": {"type": "object", "properties": {
                                   "result_id": {"type": "string"}, "revision": {"type": "integer"},
                                   "participant_id": {"type": "string"}, "visit_id": {"type": "string"},
                                   "test_code": {"type": "string"}, "sample_date": {"type": "string"},
                                   "value": {"type": "number"}, "unit": {"type": "string"},
                                   "reason": {"type": ["string", "null"]}, "sex": {"type": ["string", "null"]},
                                   "flag": {"type": ["string", "null"]}, "grade": {"type": ["integer", "null"]}}}},
                      "labs_cursor": {"type": "integer", "minimum": 0},
                      "more_labs": {"type": "boolean"},
                      "site_state": {"type": "array", "description": "summaries of the site's records changed after "
                                     "state_cursor (all of them when state_snapshot): visits done, AEs, scores",
                                     "items": {"type": "object", "properties": {
                                         "record_id": {"type": "string"}, "revision": {"type": "integer"},
                                         "kind": {"type": "string"}, "participant_id": {"type": "string"},
                                         "visit_id": {"type": ["string", "null"]},
                                         "instrument_id": {"type": ["string", "null"]},
                                         "collected_at": {"type": "string"},
                                         "summary": {"type": "object"}}}},
                      "state_cursor": {"type": "integer", "minimum": 0},
                      "state_snapshot": {"type": "boolean"}}}
    return {
        "Record": record,
        "SyncRequest": {"type": "object", "required": ["protocol_version", "study_version", "records"],
                        "properties": {
                            "protocol_version": {"type": "integer", "enum": [PROTOCOL_VERSION]},
                            "study_version": {"type": "string"},
                            "corrections_cursor": {"type": "integer", "minimum": 0, "maximum": MAX_WHOLE_NUMBER},
                            "labs_cursor": {"type": "integer", "minimum": 0, "maximum": MAX_WHOLE_NUMBER},
                            "state_cursor": {"type": "integer", "minimum": 0, "maximum": MAX_WHOLE_NUMBER},
                            "allocation_blocks": {"type": "array", "maxItems": MAX_ALLOCATION_BLOCKS,
                                                  "items": {"type": "integer", "minimum": 0}},
                            "records": {"type": "array", "maxItems": MAX_BATCH_RECORDS, "items": {
                                "type": "object", "required": ["record", "content_hash"],
                                "properties": {"record": {"$ref": "#/components/schemas/Record"},
                                               "content_hash": {"type": "string",
                                                                "pattern": "^sha256:[0-9a-f]{64}$"}}}}}},
        "SyncAnswer": {"type": "object", "required": ["protocol_version", "results", "downstream"],
                       "properties": {"protocol_version": {"type": "integer"},
                                      "results": {"type": "array", "items": result},
                                      "downstream": {"oneOf": [downstream,
                                                               {"$ref": "#/components/schemas/AppDownstream"}],
                                                     "description": "a kiosk's, or a participant app's (issue 24: "
                                                                    "no staff, blocks, queries or site state)"}}},
        **_app_schemas(),
        "EnrolRequest": {"type": "object", "required": ["code", "label"],
                         "properties": {"code": {"type": "string"}, "label": {"type": "string", "maxLength": 200}}},
        "EnrolAnswer": {"type": "object", "properties": {
            "device_id": {"type": "string"}, "site_id": {"type": "string"},
            "token": {"type": "string", "description": "the device credential, shown once"},
            "server_public_key": {"type": "string", "description": "Ed25519, base64"},
            "allocation": {"type": "object"}, "study_id": {"type": "string"}, "study_version": {"type": "string"}}},
        "FieldProblem": {"type": "object", "properties": {
            "field": {"type": "string"}, "value": {}, "allowed": {"type": "string"}, "message": {"type": "string"}}},
        "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                   "status": {"type": "integer"}, "detail": {"type": "string"},
                                   "code": {"type": "string"}, "instance": {"type": "string"}}},
    }


def _app_schemas() -> dict[str, Any]:
    """The participant app's requests and answers (issue 24, docs/sync-protocol.md "Participant app")."""
    entered = {"type": "array", "items": {"type": "object", "properties": {
        "instrument_id": {"type": "string"}, "diary_date": {"type": "string", "format": "date"},
        "record_id": {"type": "string", "format": "uuid"}, "revision": {"type": "integer"}}}}
    text = {"type": "object", "properties": {"en": {"type": "string"}, "zh": {"type": "string"}}}
    return {
        "AppActivateRequest": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string", "description": "the one-time activation code (XXXX-XXXX-XXXX-XXXX)"},
            "label": {"type": "string", "maxLength": 200}}},
        "AppActivateAnswer": {"type": "object", "properties": {
            "device_id": {"type": "string"}, "participant_id": {"type": "string"}, "site_id": {"type": "string"},
            "token": {"type": "string", "description": "the participant credential, shown once"},
            "device_secret": {"type": "string", "description": "32 random bytes, base64url; the server keeps "
                                                               "nothing of it"},
            "study_id": {"type": "string"}, "study_version": {"type": "string"}, "timezone": {"type": "string"}}},
        "AppCodeRequest": {"type": "object", "required": ["participant_id", "staff"], "properties": {
            "participant_id": {"type": "string", "maxLength": 64},
            "staff": {"type": "string", "maxLength": 100,
                      "description": "the user name of the staff member signed in on the kiosk (nurse mode)"}}},
        "AppCodeAnswer": {"type": "object", "properties": {
            "code": {"type": "string", "description": "the one-time activation code, shown once"},
            "participant_id": {"type": "string"}, "site_id": {"type": "string"},
            "expires_at": {"type": "string", "format": "date-time"},
            "link": {"type": "string", "description": "what the QR code holds: <server>/app/#activate=<code>"}}},
        "AppConfig": {"type": "object", "required": ["protocol_version", "participant_id", "drugs", "diaries",
                                                     "envelope_schema", "entered"], "properties": {
            "protocol_version": {"type": "integer"}, "study_id": {"type": "string"},
            "study_version": {"type": "string"}, "participant_id": {"type": "string"},
            "site_id": {"type": "string"}, "device_id": {"type": "string"}, "timezone": {"type": "string"},
            "today": {"type": "string", "format": "date"}, "earliest_diary_date": {"type": "string", "format": "date"},
            "drugs": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"},
                                                                                  "name": text}}},
            "diaries": {"type": "array", "items": {"type": "object", "properties": {
                "instrument_id": {"type": "string"}, "version": {"type": "string"},
                "role": {"type": "string", "nullable": True}, "schedule": {"type": "string",
                                                                           "enum": ["daily", "when_occurs"]},
                "title": text, "items": {"type": "array", "items": {"type": "object"}},
                "schema": {"type": "object", "description": "JSON Schema 2020-12 of the entry's data"},
                "rules": {"type": "array", "items": {"type": "object"},
                          "description": "rules the schema cannot state; the server checks them"}}}},
            "envelope_schema": {"type": "object", "description": "JSON Schema 2020-12 of the record envelope"},
            "entered": entered}},
        "AppDownstream": {"type": "object", "required": ["study_version", "participant_id", "entered"],
                          "properties": {"study_version": {"type": "string"}, "participant_id": {"type": "string"},
                                         "entered": entered}},
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document of the kiosk API (a test checks that every kiosk route is in it)."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "trialpro kiosk API", "version": f"{PROTOCOL_VERSION}.0.0",
                 "description": "Device enrolment and record sync (docs/sync-protocol.md). Every error is "
                                "problem details (RFC 9457, application/problem+json)."},
        "paths": {
            "/healthz": {"get": {"summary": "Health", "responses": {"200": {"description": "ok"}}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document",
                                             "responses": {"200": {"description": "OpenAPI 3.0 document"}}}},
            "/api/v1/devices/enrol": {"post": {
                "summary": "Exchange a one-time enrolment code for a device credential",
                "requestBody": _json_body({"$ref": "#/components/schemas/EnrolRequest"}),
                "responses": {"201": _json_answer("device credential (shown once)",
                                                  {"$ref": "#/components/schemas/EnrolAnswer"}),
                              **_problem_responses(400, 403, 413, 415, 503)}}},
            "/api/v1/sync": {"post": {
                "summary": "Send a batch of records; receive per-record results and downstream data",
                "security": [{"device": []}],
                "requestBody": _json_body({"$ref": "#/components/schemas/SyncRequest"}),
                "responses": {"200": _json_answer("per-record results and downstream data",
                                                  {"$ref": "#/components/schemas/SyncAnswer"}),
                              **_problem_responses(400, 401, 403, 409, 413, 415, 503)}}},
            "/api/v1/app/activate": {"post": {
                "summary": "Exchange a one-time app activation code for a participant credential (issue 24)",
                "requestBody": _json_body({"$ref": "#/components/schemas/AppActivateRequest"}),
                "responses": {"201": _json_answer("participant credential and device secret (shown once)",
                                                  {"$ref": "#/components/schemas/AppActivateAnswer"}),
                              **_problem_responses(400, 403, 409, 413, 415, 429, 503)}}},
            "/api/v1/app/codes": {"post": {
                "summary": "A kiosk in nurse mode asks for a participant's one-time app activation code (issue 24)",
                "security": [{"device": []}],
                "requestBody": _json_body({"$ref": "#/components/schemas/AppCodeRequest"}),
                "responses": {"201": _json_answer("the activation code and the link its QR code holds",
                                                  {"$ref": "#/components/schemas/AppCodeAnswer"}),
                              **_problem_responses(400, 401, 403, 404, 409, 413, 415, 503)}}},
            "/api/v1/app/config": {"get": {
                "summary": "The participant app's diaries, drugs, JSON Schemas and entries (issue 24)",
                "security": [{"device": []}],
                "responses": {"200": _json_answer("the configuration of the credential's participant",
                                                  {"$ref": "#/components/schemas/AppConfig"}),
                              **_problem_responses(401, 403, 409)}}},
        },
        "components": {
            "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    """Serve the OpenAPI document."""
    return jsonify(document())
