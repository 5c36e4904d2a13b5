"""Property-based fuzzing of the kiosk API (hypothesis): no request, however malformed, gets a 500.

Bodies are drawn from the server's own OpenAPI document (each property either as its schema says or any
JSON at all), from mutations of a real, valid record, and from arbitrary bytes; every 4xx must be
RFC 9457 problem details. Runs against a real server on 127.0.0.1, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_client.services import recording
from desktop_client.store import station as station_settings
from server.api.openapi import document
from shared.records import record_hash
from shared.sync.protocol import ALREADY_STORED, CONFLICT, REJECTED, STORED
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer

# 40 fixed examples per test in the suite; TRIALPRO_FUZZ_EXAMPLES=2000 runs a deeper, random search; the slow
# run sends SLOW_EXAMPLES more per property (with tests/integration/test_admin_fuzz.py: over 10 000 requests)
DEEP = int(os.environ.get("TRIALPRO_FUZZ_EXAMPLES", "0"))
SLOW_EXAMPLES = 1200


def fuzz_settings(examples: int, derandomize: bool = True) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=derandomize, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


FUZZ = fuzz_settings(DEEP or 40, derandomize=not DEEP)

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False) | st.text(max_size=30)
           | st.sampled_from(["\ud800", "a\x00b", "\udfff\ud800", "😀", "\x07", "<&\"'>", "𠀀"]))
any_json = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


def from_schema(schema: dict[str, Any], doc: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values shaped by a JSON schema of the OpenAPI document, each part sometimes replaced by any JSON."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    kind = schema.get("type")
    if "enum" in schema:
        shaped: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
    elif kind == "object":
        props = {k: from_schema(v, doc) for k, v in schema.get("properties", {}).items()}
        required = set(schema.get("required", []))
        shaped = st.fixed_dictionaries({k: v for k, v in props.items() if k in required},
                                       optional={k: v for k, v in props.items() if k not in required})
    elif kind == "array":
        shaped = st.lists(from_schema(schema.get("items", {}), doc), max_size=3)
    elif kind == "integer":
        shaped = st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    elif kind == "string":
        shaped = st.uuids().map(str) if schema.get("format") == "uuid" else st.text(max_size=40)
    else:
        shaped = any_json
    return st.one_of(shaped, shaped, any_json)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    doc = document()
    ops = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            ops.append((path, method.upper(), body or {}))
    return ops


AE_FIELDS = ["term", "onset_date", "end_date", "grade", "serious", "serious_criteria", "outcome", "source_symptom",
             "visit_id", "causality_il2", "action_il2", "causality_rapamycin", "action_rapamycin"]


@pytest.fixture
def token_and_records(tmp_path: Path, server: ThreadServer) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A kiosk's credential and real records to mutate: an ESSPRI answer, a screening, a randomisation, an
    AE-shaped record."""
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    engine.sync()
    esspri = recording.build_instrument_record(station, participant_id=pid, visit_id="week2",
                                               instrument_id="esspri", answers={"dryness": 5, "fatigue": 6,
                                                                                "pain": 2},
                                               entered_by="participant")
    screening, randomisation = (json.loads(station.store.query("SELECT body FROM records WHERE kind = ?", (kind,))
                                           [0]["body"]) for kind in ("screening", "randomisation"))
    adverse = {**esspri, "kind": "adverse_event", "instrument_id": None, "instrument_version": None,
               "data": {"term": "rash", "grade": 1, "serious": False, "serious_criteria": [], "outcome": "recovered"}}
    token = station_settings.get(station.store, station_settings.DEVICE_TOKEN) or ""
    yield token, [esspri, screening, randomisation, adverse]
    engine.close()
    station.store.close()


@pytest.fixture
def client(server: ThreadServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def check_answer(resp: httpx.Response) -> None:
    """The property: never a 5xx; every error is problem details; a 200 sync answers every record."""
    assert resp.status_code < 500, resp.text
    if resp.status_code >= 400:
        assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers
        body = resp.json()
        assert body["status"] == resp.status_code and body["title"] and body["detail"]
    elif resp.request.url.path == "/api/v1/sync":
        for result in resp.json()["results"]:
            assert result["status"] in (STORED, ALREADY_STORED, CONFLICT, REJECTED)
            if result["status"] in (REJECTED, CONFLICT):
                assert result["reason"]


def _auth(choice: str, token: str) -> dict[str, str | bytes]:
    return {"valid": {"Authorization": f"Bearer {token}"}, "none": {},
            "garbage": {"Authorization": b"Bearer \xe9\xe9"}, "basic": {"Authorization": "Basic Zm9vOmJhcg=="},
            }[choice]


AUTH = st.sampled_from(["valid", "valid", "valid", "none", "garbage", "basic"])


def test_bodies_drawn_from_the_openapi_document_never_get_a_500(client: httpx.Client,
                                                                token_and_records: tuple[str, list]) -> None:
    openapi_bodies(client, token_and_records, FUZZ)


def openapi_bodies(client: httpx.Client, token_and_records: tuple[str, list], fuzz: settings) -> None:
    token, _records = token_and_records
    doc = document()
    ops = _operations()

    @fuzz
    @given(data=st.data(), auth=AUTH)
    def run(data: st.DataObject, auth: str) -> None:
        path, method, schema = data.draw(st.sampled_from(ops))
        body = data.draw(from_schema(schema, doc)) if schema else data.draw(any_json)
        resp = client.request(method, path, content=json.dumps(body), headers={
            "Content-Type": "application/json", **_auth(auth, token)})
        check_answer(resp)

    run()


def test_mutated_records_are_refused_per_record_never_with_a_500(client: httpx.Client,
                                                                 token_and_records: tuple[str, list]) -> None:
    mutated_records(client, token_and_records, FUZZ)


def mutated_records(client: httpx.Client, token_and_records: tuple[str, list], fuzz: settings) -> None:
    token, templates = token_and_records
    fields = [*sorted(templates[0]), "unexpected_field"]
    item_names = sorted({k for t in templates for k in t["data"]} | set(AE_FIELDS) | {"other"})

    @fuzz
    @given(template=st.sampled_from(templates),
           changes=st.dictionaries(st.sampled_from(fields), any_json, max_size=3),
           answers=st.dictionaries(st.sampled_from(item_names), any_json, max_size=4),
           rehash=st.booleans(), cursor=st.one_of(st.integers(min_value=0), any_json))
    def run(template: dict[str, Any], changes: dict[str, Any], answers: dict[str, Any], rehash: bool,
            cursor: Any) -> None:
        mutated = {**template, **changes}
        if answers:
            mutated["data"] = {**template["data"], **answers}
        try:
            digest = record_hash(mutated) if rehash else record_hash(template)
        except ValueError:  # not canonicalisable (e.g. an integer beyond 2**53): a kiosk could not hash it
            digest = "sha256:" + "0" * 64
        body = {"protocol_version": 1, "study_version": "1.0.0", "corrections_cursor": cursor,
                "records": [{"record": mutated, "content_hash": digest}]}
        resp = client.post("/api/v1/sync", content=json.dumps(body), headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        check_answer(resp)
        if resp.status_code == 200:
            assert len(resp.json()["results"]) == 1

    run()


def test_arbitrary_bytes_and_content_types_never_get_a_500(client: httpx.Client,
                                                           token_and_records: tuple[str, list]) -> None:
    arbitrary_bytes(client, token_and_records, FUZZ)


def arbitrary_bytes(client: httpx.Client, token_and_records: tuple[str, list], fuzz: settings) -> None:
    token, _records = token_and_records
    paths = [p for p, _m, _s in _operations()] + ["/api/v1/nowhere", "/api/v1/sync/../devices/enrol"]

    @fuzz
    @given(path=st.sampled_from(paths), method=st.sampled_from(["POST", "POST", "GET", "PUT", "DELETE"]),
           raw=st.binary(max_size=300) | any_json.map(lambda v: json.dumps(v).encode()),
           ctype=st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1",
                                  "multipart/form-data", "application/x-www-form-urlencoded", ""]),
           auth=AUTH)
    def run(path: str, method: str, raw: bytes, ctype: str, auth: str) -> None:
        headers = {**_auth(auth, token)}
        if ctype:
            headers["Content-Type"] = ctype
        resp = client.request(method, path, content=raw, headers=headers)
        check_answer(resp)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("prop", [openapi_bodies, mutated_records, arbitrary_bytes],
                         ids=["openapi", "mutated", "bytes"])
def test_thousands_of_kiosk_requests_never_get_a_500(prop: Any, client: httpx.Client,
                                                    token_and_records: tuple[str, list]) -> None:
    prop(client, token_and_records, fuzz_settings(SLOW_EXAMPLES))


UNSTORABLE = {"a lone surrogate": "staff:\ud800", "a reversed pair": "\udfff\ud800", "NUL": "nurse\x00"}


@pytest.mark.parametrize("what", sorted(UNSTORABLE))
def test_text_no_database_stores_is_refused_naming_where_it_is_never_a_500(
        what: str, client: httpx.Client, token_and_records: tuple[str, list]) -> None:
    token, (esspri, *_rest) = token_and_records
    text = UNSTORABLE[what]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    for field in ("entered_by", "participant_id", "device_id"):
        rec = {**esspri, field: text}
        try:
            digest = record_hash(rec)   # NUL hashes; a surrogate does not (a kiosk cannot even save it)
        except ValueError:
            digest = record_hash(esspri)
        body = {"protocol_version": 1, "study_version": "1.0.0", "corrections_cursor": 0,
                "records": [{"record": rec, "content_hash": digest}]}
        for raw in (json.dumps(body).encode(), json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")):
            resp = client.post("/api/v1/sync", content=raw, headers=headers)
            check_answer(resp)
            assert resp.status_code == 400 and resp.json()["field"] == f"records[0].record.{field}", resp.text
    resp = client.post("/api/v1/app/codes", content=json.dumps({"participant_id": esspri["participant_id"],
                                                                "staff": text}), headers=headers)
    check_answer(resp)
    assert resp.status_code == 400 and resp.json()["field"] == "staff"
    emoji = {**esspri, "data": {**esspri["data"], "note": "😀"}}   # an escaped surrogate pair is text
    resp = client.post("/api/v1/sync", headers=headers, content=json.dumps({
        "protocol_version": 1, "study_version": "1.0.0", "corrections_cursor": 0,
        "records": [{"record": emoji, "content_hash": record_hash(emoji)}]}))
    assert resp.status_code == 200 and resp.json()["results"][0]["status"] == REJECTED   # no item 'note'
