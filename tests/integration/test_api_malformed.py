"""Malformed requests to the kiosk API get problem details (RFC 9457) that say what to do, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from desktop_client.store import station as station_settings
from server.api.openapi import document
from server.storage.tables import audit_log, records
from shared.sync.protocol import MAX_BATCH_RECORDS, MAX_BODY_BYTES
from tests.factories import enrolled_station, enrolment_code
from tests.live_server import ThreadServer


@pytest.fixture
def token(tmp_path: Path, server: ThreadServer) -> Iterator[str]:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    yield station_settings.get(station.store, station_settings.DEVICE_TOKEN) or ""
    engine.close()
    station.store.close()


def _sync_body(**changes: Any) -> dict[str, Any]:
    return {"protocol_version": 1, "study_version": "1.0.0", "corrections_cursor": 0, "records": [], **changes}


def test_every_malformed_sync_request_gets_a_problem_that_names_what_is_wrong(server: ThreadServer,
                                                                             token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    as_json = {"Content-Type": "application/json", **auth}
    cases: list[tuple[str, dict[str, Any], bytes, int, str]] = [
        ("no credential", {"Content-Type": "application/json"}, json.dumps(_sync_body()).encode(), 401,
         "Authorization"),
        ("form instead of JSON", {**auth, "Content-Type": "application/x-www-form-urlencoded"}, b"a=1", 415,
         "application/json"),
        ("no content type", auth, json.dumps(_sync_body()).encode(), 415, "application/json"),
        ("cut-off JSON", as_json, b'{"protocol_version": 1, "records": [', 400, "not valid JSON"),
        ("NaN is not JSON", as_json, b'{"protocol_version": NaN}', 400, "not valid JSON"),
        ("not UTF-8", as_json, b'{"study_version": "\xff\xfe"}', 400, "UTF-8"),
        ("a list, not an object", as_json, b"[]", 400, "JSON object"),
        ("protocol version as text", as_json, json.dumps(_sync_body(protocol_version="1")).encode(), 409,
         "protocol"),
        ("future protocol", as_json, json.dumps(_sync_body(protocol_version=2)).encode(), 409, "update the kiosk"),
        ("records not a list", as_json, json.dumps(_sync_body(records={"a": 1})).encode(), 400, "'records'"),
        ("study version a number", as_json, json.dumps(_sync_body(study_version=1)).encode(), 400,
         "study_version"),
        ("negative cursor", as_json, json.dumps(_sync_body(corrections_cursor=-1)).encode(), 400,
         "corrections_cursor"),
        ("cursor too large", as_json, json.dumps(_sync_body(corrections_cursor=2**64)).encode(), 400,
         "corrections_cursor"),
        ("cursor a boolean", as_json, json.dumps(_sync_body(corrections_cursor=True)).encode(), 400,
         "corrections_cursor"),
        ("item without hash", as_json, json.dumps(_sync_body(records=[{"record": {}}])).encode(), 400,
         "records[0]"),
        ("too many records", as_json,
         json.dumps(_sync_body(records=[{"record": {}, "content_hash": "x"}] * (MAX_BATCH_RECORDS + 1))).encode(),
         400, "at most"),
        ("labs cursor negative", as_json, json.dumps(_sync_body(labs_cursor=-3)).encode(), 400, "labs_cursor"),
        ("labs cursor as text", as_json, json.dumps(_sync_body(labs_cursor="7")).encode(), 400, "labs_cursor"),
        ("allocation blocks as text", as_json, json.dumps(_sync_body(allocation_blocks="1,2")).encode(), 400,
         "allocation_blocks"),
    ]
    with server.ctx.engine.connect() as conn:
        audit_before = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for name, headers, body, status, says in cases:
            resp = client.post("/api/v1/sync", content=body, headers=headers)
            assert resp.status_code == status, (name, resp.text)
            assert resp.headers["content-type"].startswith("application/problem+json"), name
            problem = resp.json()
            assert problem["status"] == status and problem["instance"] == "/api/v1/sync", name
            assert says in problem["detail"], (name, problem["detail"])
    with server.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == audit_before


def test_a_body_over_the_size_limit_gets_413_problem_details(server: ThreadServer, token: str) -> None:
    filler = "x" * (MAX_BODY_BYTES + 1024)
    resp = httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(_sync_body(study_version=filler)),
                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
                      timeout=60)
    assert resp.status_code == 413
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "smaller batches" in resp.json()["detail"]


def test_enrolment_refuses_bad_codes_and_bad_bodies_with_problems(server: ThreadServer) -> None:
    code = enrolment_code(server)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        def enrol(body: Any) -> httpx.Response:
            return client.post("/api/v1/devices/enrol", content=json.dumps(body),
                               headers={"Content-Type": "application/json"})

        for body, status, says in [
            ("just a string", 400, "code"),
            ({"code": 12345, "label": "room 1"}, 403, "enrolment code"),
            ({"code": "not-a-real-code", "label": "room 1"}, 422, "XXXX-XXXX-XXXX-XXXX"),
            ({"code": "0000-0000-0000-0000", "label": "room 1"}, 403, "ask an admin"),
            ({"code": code, "label": ""}, 400, "label"),
            ({"code": code, "label": ["room"]}, 400, "label"),
        ]:
            resp = enrol(body)
            assert resp.status_code == status and says in resp.json()["detail"], (body, resp.text)
            assert resp.headers["content-type"].startswith("application/problem+json")
        assert enrol({"code": code, "label": "room 1"}).status_code == 201
        reused = enrol({"code": code, "label": "room 2"})
        assert reused.status_code == 403 and "already used" in reused.json()["detail"]


def test_wrong_methods_and_unknown_addresses_get_problem_details(server: ThreadServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for method, path, status in [("GET", "/api/v1/sync", 405), ("DELETE", "/api/v1/devices/enrol", 405),
                                     ("GET", "/api/v1/no-such-thing", 404), ("POST", "/api/v2/sync", 404)]:
            resp = client.request(method, path)
            assert resp.status_code == status, (method, path)
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert "openapi.json" in resp.json()["detail"]


def test_every_route_of_the_kiosk_api_is_in_the_openapi_document(sqlite_server: ThreadServer) -> None:
    served = httpx.get(f"{sqlite_server.url}/api/v1/openapi.json", timeout=10).json()
    assert served == json.loads(json.dumps(document()))
    kiosk_blueprints = {"sync", "openapi", "health", "home_app_api"}   # home_app_api: the phone's (issue 24)
    routes = {(rule.rule, method.lower()) for rule in sqlite_server.app.url_map.iter_rules()
              if rule.endpoint.split(".")[0] in kiosk_blueprints
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in served["paths"].items() for method in ops}
    assert routes and routes <= documented, routes - documented
    for path, method in routes:
        op = served["paths"][path][method]
        assert op["summary"] and ({"200", "201"} & set(op["responses"])), (path, method)


def test_a_record_id_or_revision_of_the_wrong_type_is_rejected_not_a_500(server: ThreadServer, token: str) -> None:
    """Found by the fuzz test: a record whose id is a list (hash matching) reached the stored-key look-up."""
    from shared.records import record_hash

    rec = {"record_id": ["a"], "revision": [1], "kind": "instrument_response", "data": {}}
    body = {"protocol_version": 1, "study_version": "1.0.0", "corrections_cursor": 0,
            "records": [{"record": rec, "content_hash": record_hash(rec)}]}
    resp = httpx.post(f"{server.url}/api/v1/sync", json=body, headers={"Authorization": f"Bearer {token}"},
                      timeout=30)
    assert resp.status_code == 200, resp.text
    (result,) = resp.json()["results"]
    assert result["status"] == "rejected" and {"record_id", "revision"} <= {p["field"] for p in result["problems"]}
