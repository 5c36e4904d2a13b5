"""Issue 18 on the server's randomisation check (``server.services.screening.check_randomisation`` through
``/api/v1/sync``, real server over HTTP): a randomisation a kiosk sends for a woman of childbearing potential is
refused naming inclusion I5 until a negative pregnancy test within the window is held, whatever the kiosk says."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from desktop_client.services import enrolment
from tests.factories import record_eligibility_score, screen_participant
from tests.integration.test_screening_log import _held, _post, _randomisation, _record, _refused, kiosk
from tests.live_server import ThreadServer

__all__ = ["kiosk"]


def test_the_server_refuses_a_randomisation_without_a_recent_negative_pregnancy_test(
        kiosk, server: ThreadServer) -> None:
    station, engine = kiosk
    pid = screen_participant(station, childbearing_potential=True)
    scored = record_eligibility_score(station, pid)
    engine.sync()
    slot = _held(station)[0]
    score = enrolment.eligibility_scores_of(station, pid).baseline
    forged = _randomisation(station, pid, number=slot["number"], arm=slot["arm"], list_id=slot["list_id"],
                            score=score, eligibility_record_id=scored["record_id"])
    problem = _refused(_post(server, station, forged)[0], "record.randomisation_refused", "eligibility.I5")
    assert problem["code"] == "eligibility.pregnancy_test_missing" and problem["params"]["days"] == 7, problem
    today = datetime.now(ZoneInfo(station.site_timezone)).date().isoformat()
    test = _record(station, "pregnancy_test", pid, {"test_date": today, "method": "urine", "result": "negative"},
                   visit_id=station.study.clinical_record.pregnancy_test_visits[0])
    assert [r["status"] for r in _post(server, station, test, forged)] == ["stored", "stored"]
