"""Property-based fuzzing of what a participant's phone sends (issue 24) over real HTTP, on SQLite and
PostgreSQL: home entries mutated from a valid one and synced with the phone's credential, and the app's own
addresses, never get a 500; every refusal is problem details or a per-record rejection with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.records import record_hash
from tests.factories import enrol_participant, enrolled_station
from tests.integration.test_api_fuzz import FUZZ, SLOW_EXAMPLES, any_json, check_answer, fuzz_settings
from tests.integration.test_home_app_api import _activate, _code, _entry
from tests.live_server import ThreadServer


@pytest.fixture
def phone(tmp_path: Path, server: ThreadServer) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """An activated phone of a randomised participant and a valid home dosing entry of theirs."""
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    engine.sync()
    resp = _activate(server, _code(server, pid))
    assert resp.status_code == 201, resp.text
    credential = resp.json()
    yield credential, _entry(server, credential)
    engine.close()
    station.store.close()


def mutated_home_entries(server: ThreadServer, phone: tuple[dict[str, Any], dict[str, Any]], fuzz: settings) -> None:
    credential, template = phone
    fields = [*sorted(template), "unexpected_field"]
    data_names = [*sorted(template["data"]), "time_taken", "missed_reason", "other"]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {credential['token']}"}

    @fuzz
    @given(changes=st.dictionaries(st.sampled_from(fields), any_json, max_size=3),
           answers=st.dictionaries(st.sampled_from(data_names), any_json, max_size=3),
           doses=st.none() | any_json, rehash=st.booleans(), path=st.sampled_from(["/api/v1/sync"] * 3 + [
               "/api/v1/app/activate", "/api/v1/app/codes"]))
    def run(changes: dict[str, Any], answers: dict[str, Any], doses: Any, rehash: bool, path: str) -> None:
        rec = {**template, **changes, "data": {**template["data"], **answers}}
        if doses is not None:
            rec["data"]["doses"] = doses
        try:
            digest = record_hash(rec) if rehash else record_hash(template)
        except ValueError:   # not canonicalisable: a phone could not hash it either
            digest = record_hash(template)
        body = {"protocol_version": 1, "study_version": "1.0.0", "corrections_cursor": 0,
                "records": [{"record": rec, "content_hash": digest}]} if path == "/api/v1/sync" else {**changes}
        with httpx.Client(base_url=server.url, timeout=30) as http:
            check_answer(http.post(path, content=json.dumps(body), headers=headers))
            check_answer(http.get("/api/v1/app/config", headers=headers))

    run()


def test_mutated_home_entries_never_get_a_500(server: ThreadServer, phone: tuple[dict, dict]) -> None:
    mutated_home_entries(server, phone, FUZZ)


@pytest.mark.slow
def test_thousands_of_phone_requests_never_get_a_500(server: ThreadServer, phone: tuple[dict, dict]) -> None:
    mutated_home_entries(server, phone, fuzz_settings(SLOW_EXAMPLES))
