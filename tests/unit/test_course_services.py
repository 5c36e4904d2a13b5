"""Nurse-mode course services on a real SQCipher station: disposition ends the schedule, a second submission
is refused naming the existing record (and becomes a correction with a reason), missed visits and deviations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desktop_client.services import course, overview, recording
from desktop_client.store import records as store_records
from shared.errors import RecordAlreadySubmitted, RecordInvalid
from tests.factories import enrol_participant, offline_station

ACTOR = "staff:nurse.a"


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")
    yield st
    st.store.close()


def _patient_global(station, pid: str, visit: str, mm: int = 40, reason: str | None = None) -> list[dict]:
    inst = station.study.instrument_with_role("patient_global")
    return recording.submit_visit(station, participant_id=pid, visit_id=visit,
                                  answers_by_instrument={inst.id: {inst.items[0].id: mm}}, entered_by="participant",
                                  correction_reason=reason)


def test_a_second_kiosk_submission_is_refused_naming_the_first_and_a_reason_makes_it_a_correction(station) -> None:
    pid = enrol_participant(station)
    (first,) = _patient_global(station, pid, "baseline", 40)
    with pytest.raises(RecordAlreadySubmitted) as refused:
        _patient_global(station, pid, "baseline", 55)
    assert refused.value.existing_record_id == first["record_id"] and first["record_id"] in refused.value.message
    (fixed,) = _patient_global(station, pid, "baseline", 55, reason="Participant pressed the wrong place")
    assert (fixed["record_id"], fixed["revision"], fixed["correction_reason"]) == (
        first["record_id"], 2, "Participant pressed the wrong place")
    audit = store_records.audit_of(station.store, first["record_id"])
    assert [a["action"] for a in audit] == ["instrument_response.create", "instrument_response.correct"]
    assert audit[1]["reason"] == "Participant pressed the wrong place"


def test_unscheduled_visits_take_any_number_of_submissions(station) -> None:
    pid = enrol_participant(station)
    unscheduled = station.study.visit_with_role("unscheduled")
    ids = {_patient_global(station, pid, unscheduled.id, mm)[0]["record_id"] for mm in (10, 20, 30)}
    assert len(ids) == 3


def test_after_a_disposition_no_visit_is_due_or_overdue(station) -> None:
    pid = enrol_participant(station)
    today = overview.site_today(station)
    before = overview.station_overview(station, today=today + timedelta(days=40)).participants[0]
    assert before.count(overview.OVERDUE) > 0 and before.disposition is None
    data = course.disposition_data("discontinued", today, "withdrawal_by_subject")
    saved = course.record_disposition(station, pid, data, actor=ACTOR)
    after = overview.station_overview(station, today=today + timedelta(days=40)).participants[0]
    assert after.count(overview.OVERDUE) == 0 and after.count(overview.DUE) == 0
    assert after.count(overview.ENDED) > 0 and after.disposition.reason == "withdrawal_by_subject"
    assert [p["status"] for p in station.participants()] == ["discontinued"]   # the kiosk offers them no more
    with pytest.raises(RecordAlreadySubmitted):
        course.record_disposition(station, pid, course.disposition_data("completed", today), actor=ACTOR)
    changed = course.disposition_data("discontinued", today, "physician_decision")
    fixed = course.record_disposition(station, pid, changed, actor=ACTOR,
                                      correction_reason="Investigator's decision, not the subject's")
    assert fixed["record_id"] == saved["record_id"] and fixed["revision"] == 2
    assert course.disposition_of(station, pid).reason == "physician_decision"


def test_a_missed_visit_and_an_early_visit_are_deviations_in_the_overview(station) -> None:
    pid = enrol_participant(station)
    _patient_global(station, pid, "baseline")
    _patient_global(station, pid, "week2")           # today: 11 days before its window opens
    course.record_visit_missed(station, pid, "week4", "Admitted to another hospital", actor=ACTOR)
    with pytest.raises(RecordAlreadySubmitted):
        course.record_visit_missed(station, pid, "week4", "Twice", actor=ACTOR)
    with pytest.raises(RecordInvalid):
        course.record_visit_missed(station, pid, "week6", "  ", actor=ACTOR)
    today = overview.site_today(station)
    view = overview.station_overview(station, today=today).participants[0]
    status = {v.visit_id: v for v in view.visits}
    assert status["week4"].status == overview.MISSED
    assert status["week2"].out_of_window and not status["week6"].out_of_window
    rules = {(d.visit_id, d.rule) for d in view.deviations}
    assert rules == {("week2", "out_of_window"), ("week4", "missed")}
    staff = course.record_deviation(station, pid, category="study_treatment", description="Took a double dose",
                                    day=today, severity="major", actor=ACTOR)
    assert course.deviations_of(station, pid)[0]["record_id"] == staff["record_id"]
