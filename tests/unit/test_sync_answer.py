"""The per-record answer of a sync (server.services.sync._answer): an outcome the store should never give is a
catalogued error naming the record (the batch's transaction rolls back), never an AssertionError that the server
can only answer as a bare 500, nor a refusal that names no rule."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from server.api import errors
from server.services import sync
from server.services.devices import Device
from server.storage.records import Outcome
from shared.errors import CATALOGUE, SyncOutcomeUnknown
from shared.sync.protocol import REJECTED

KIOSK = Device(device_id="dev-1", site_id="PKU", label="kiosk 1")
RECORD = {"record_id": "5f0c6f1e-0000-4000-8000-000000000001", "revision": 2, "kind": "pro",
          "entered_by": "participant", "data": {}}


@pytest.mark.parametrize("outcome", [Outcome("mislaid"), Outcome(REJECTED)], ids=["unknown", "rejected-no-rule"])
def test_an_outcome_the_answer_does_not_know_is_a_catalogued_error_naming_the_record(outcome: Outcome) -> None:
    out = sync._Outcome()
    with pytest.raises(SyncOutcomeUnknown) as refused:
        sync._answer(KIOSK, RECORD, "sha256:0", outcome, out)
    error = refused.value
    assert CATALOGUE[error.code].status == error.status == 500 and error.code == "sync.outcome_unknown"
    assert f"record {RECORD['record_id']} revision 2" in error.message and repr(outcome.status) in error.message
    assert "stored nothing" in error.message and "retries" in error.message
    assert error.details == {"record_id": RECORD["record_id"], "revision": 2, "outcome": outcome.status}
    assert out.results == [] and out.audit == []


def test_the_server_answers_it_as_problem_details_without_a_traceback_and_logs_it(
        caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)
    errors.register(app)

    @app.post("/api/v1/sync")
    def _sync() -> None:
        sync._answer(KIOSK, RECORD, "sha256:0", Outcome("mislaid"), sync._Outcome())

    with caplog.at_level(logging.ERROR, logger=errors.__name__):
        resp = app.test_client().post("/api/v1/sync")
    body = resp.get_json()
    assert resp.status_code == 500 and resp.mimetype == "application/problem+json"
    assert body["code"] == "sync.outcome_unknown" and body["outcome"] == "mislaid" and "Traceback" not in resp.text
    assert [r.getMessage() for r in caplog.records] == [f"sync.outcome_unknown on POST /api/v1/sync: {body['detail']}"]
