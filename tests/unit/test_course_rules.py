"""The pure rules of a participant's course (shared/): disposition, deviations, visit windows, one submission
per participant × visit × instrument."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared import deviations, disposition
from shared.disposition import Disposition, count_dispositions
from shared.errors import RecordAlreadySubmitted, RecordInvalid
from shared.records import new_record
from shared.study import default_study
from shared.submissions import already_submitted, submission_key
from shared.validation import validate_record

STUDY = default_study()


def _record(kind: str, data: dict, visit_id: str | None = None, **extra) -> dict:
    rec = new_record(kind=kind, study_id=STUDY.study.id, study_version=STUDY.study.version, site_id="PKU",
                     participant_id="PKU-001", data=data, entered_by="staff:nurse.a", device_id="dev-1",
                     visit_id=visit_id, timezone="Asia/Shanghai")
    rec.update(extra)
    return rec


def _fields(exc: RecordInvalid) -> set[str]:
    return {p.field for p in exc.problems}


def test_a_discontinuation_needs_an_ncomplt_reason_and_a_date_not_in_the_future() -> None:
    ok = _record("disposition", {"status": "discontinued", "date": "2026-01-05",
                                 "reason": "withdrawal_by_subject", "reason_text": None})
    validate_record(ok, STUDY)
    for data, field in (({"status": "discontinued", "date": "2026-01-05", "reason": "bored"}, "data.reason"),
                        ({"status": "completed", "date": "2026-01-05", "reason": "death"}, "data.reason"),
                        ({"status": "discontinued", "date": "2999-01-01", "reason": "death"}, "data.date"),
                        ({"status": "discontinued", "date": "2026-01-05", "reason": "other"}, "data.reason_text"),
                        ({"status": "gone", "date": "2026-01-05"}, "data.status")):
        with pytest.raises(RecordInvalid) as refused:
            validate_record(_record("disposition", data), STUDY)
        assert field in _fields(refused.value), data


def test_disposition_maps_to_sdtm_ds_and_fhir_research_subject_status() -> None:
    withdrew = Disposition("discontinued", date(2026, 1, 5), "withdrawal_by_subject", None)
    lost = Disposition("discontinued", date(2026, 1, 5), "lost_to_follow_up", None)
    done = Disposition("completed", date(2026, 3, 1), None, None)
    assert (withdrew.decod, withdrew.fhir_status) == ("WITHDRAWAL BY SUBJECT", "withdrawn")
    assert (lost.decod, lost.fhir_status) == ("LOST TO FOLLOW-UP", "off-study")
    assert (done.decod, done.fhir_status) == ("COMPLETED", "off-study")
    counts = count_dispositions([withdrew, lost, done, None, None])
    assert counts.completed == 1 and counts.on_study == 2 and counts.total_discontinued == 2
    assert counts.discontinued["withdrawal_by_subject"] == 1 and counts.discontinued["death"] == 0
    assert set(counts.discontinued) == set(disposition.REASONS)


def test_a_staff_deviation_names_category_severity_and_a_description() -> None:
    validate_record(_record("protocol_deviation", {"category": "study_treatment", "description": "Dose skipped",
                                                   "date": "2026-01-05", "severity": "minor"}), STUDY)
    with pytest.raises(RecordInvalid) as refused:
        validate_record(_record("protocol_deviation", {"category": "x", "description": " ", "date": "2026-13-01",
                                                       "severity": "huge"}), STUDY)
    assert _fields(refused.value) == {"data.category", "data.description", "data.date", "data.severity"}


def test_a_missed_visit_is_a_scheduled_visit_after_baseline_with_a_reason() -> None:
    validate_record(_record("visit_missed", {"reason": "In hospital"}, visit_id="week4"), STUDY)
    for visit, data in (("baseline", {"reason": "x"}), ("unscheduled", {"reason": "x"}), ("week4", {})):
        with pytest.raises(RecordInvalid):
            validate_record(_record("visit_missed", data, visit_id=visit), STUDY)


def test_out_of_window_and_missed_visits_follow_the_study_windows_and_stop_at_the_disposition() -> None:
    base = date(2026, 1, 1)
    week2, week4 = STUDY.visit("week2"), STUDY.visit("week4")
    assert deviations.visit_window(week2, base) == (date(2026, 1, 12), date(2026, 1, 18))
    found = deviations.visit_deviations(STUDY, baseline=base, visited={"week2": date(2026, 1, 20)},
                                        missed={"week4": "In hospital"}, disposition=None, today=date(2026, 2, 20))
    by_visit = {d.visit_id: d for d in found}
    assert by_visit["week2"].rule == "out_of_window" and by_visit["week2"].days_outside == 2
    assert by_visit["week4"].rule == "missed" and by_visit["week4"].reason == "In hospital"
    assert by_visit["week6"].rule == "missed" and by_visit["week6"].reason is None   # window passed, nothing
    assert "week8" not in by_visit                                                    # window still open
    assert week4.id in by_visit and "week4 " not in by_visit["week4"].describe(STUDY)
    stopped = deviations.visit_deviations(STUDY, baseline=base, visited={}, missed={},
                                          disposition=Disposition("discontinued", date(2026, 1, 10), "death", None),
                                          today=date(2026, 6, 1))
    assert stopped == []


def test_one_submission_key_per_participant_visit_and_instrument_but_unscheduled_visits_repeat() -> None:
    def key(visit: str, instrument: str = "esspri") -> object:
        return submission_key({"kind": "instrument_response", "participant_id": "PKU-001", "visit_id": visit,
                               "instrument_id": instrument}, STUDY)

    assert key("week2") == key("week2") != key("week2", "patient_global_vas")
    assert key("unscheduled") is None
    assert submission_key({"kind": "disposition", "participant_id": "PKU-001"}, STUDY) == ("PKU-001", "disposition")
    assert submission_key({"kind": "protocol_deviation", "participant_id": "PKU-001"}, STUDY) is None
    refused = already_submitted({"kind": "instrument_response", "record_id": "r2", "participant_id": "PKU-001",
                                 "visit_id": "week2", "instrument_id": "esspri"}, "r1")
    assert isinstance(refused, RecordAlreadySubmitted) and refused.code == "record.already_submitted"
    assert refused.existing_record_id == "r1" and refused.problems[0].params == {"existing_record_id": "r1"}
    assert "r1" in refused.message


def test_a_visit_recorded_missed_before_its_window_closes_is_dated_no_later_than_the_day_judged() -> None:
    """Staff may record a visit missed while its window is still open (the participant is abroad): DVSTDTC is
    then the day the rules judge by (the data cut), never a day after it."""
    base = date(2026, 1, 1)
    _start, end = deviations.visit_window(STUDY.visit("week4"), base)
    early = end - timedelta(days=4)
    week2 = {"week2": date(2026, 1, 15)}                                          # in its window
    found = deviations.visit_deviations(STUDY, baseline=base, visited=week2, missed={"week4": "Travelling abroad"},
                                        disposition=None, today=early)
    assert [(d.visit_id, d.rule, d.day) for d in found] == [("week4", "missed", early)]
    later = deviations.visit_deviations(STUDY, baseline=base, visited={}, missed={"week4": "Travelling abroad"},
                                        disposition=None, today=end + timedelta(days=30))
    assert next(d for d in later if d.visit_id == "week4").day == end            # closed: its window's last day
