"""The sync and enrolment answers written by orjson (server.api.json_answer) are the JSON Flask's own encoder
writes: the same bytes for ASCII text (keys sorted, compact), the same values beyond ASCII, and what orjson
refuses still answered by Flask's encoder; a date or time refused by both."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from flask import Flask, jsonify
from sqlalchemy.sql.elements import quoted_name

from server.api.json_answer import json_answer

ANSWER = {"results": [{"record_id": "r1", "revision": 2, "status": "stored"}],
          "downstream": {"participants": [{quoted_name("participant_id", None): "PKU-001", "arm": None}],
                         "site_state": [{"summary": {"scores": {"total": 4.5, "b": 1}}, "kind": "x"}],
                         "flags": [True, False, None], "empty": {}}}


def test_the_answer_is_the_bytes_flask_writes_with_its_status() -> None:
    app = Flask(__name__)
    with app.app_context():
        ours, flasks = json_answer(ANSWER, 201), jsonify(ANSWER)
        assert ours.status_code == 201 and ours.mimetype == "application/json"
        assert ours.get_data() == flasks.get_data().rstrip(b"\n")


def test_text_beyond_ascii_is_the_same_value_and_what_orjson_refuses_goes_through_flask() -> None:
    app = Flask(__name__)
    with app.app_context():
        named = {"staff": [{"display_name": "王护士 ü", "username": "nurse.wang"}]}
        assert json.loads(json_answer(named).get_data()) == named
        huge = {"n": 2 ** 70, "ok": True}
        answer = json_answer(huge, 200)
        assert answer.status_code == 200 and json.loads(answer.get_data()) == huge


def test_a_date_or_time_is_refused_loudly_by_both_encoders_never_written_in_either_shape() -> None:
    app = Flask(__name__)
    moments = [datetime(2026, 3, 1, 8, 30, tzinfo=UTC), date(2026, 3, 1), time(8, 30)]
    with app.app_context():
        for moment in moments:
            for answer in ({"results": [{"at": moment}]}, {"n": 2 ** 70, "at": [moment]}):   # orjson, then Flask
                with pytest.raises(TypeError, match=f"may not hold a {type(moment).__name__}.*ISO 8601"):
                    json_answer(answer)
        money = {"n": 2 ** 70, "dose": Decimal("1.5")}   # what else Flask's encoder wrote is still written
        assert json.loads(json_answer(money).get_data()) == {"n": 2 ** 70, "dose": "1.5"}
