"""The built-in query rules as pure functions of one participant's data: each raises its finding on the right
record and field, and nothing when the data hold."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.instruments import get_instrument
from shared.query_rules import LAB_RESULT, RECORD, ParticipantFacts, findings
from shared.study import default_study

STUDY = default_study()
PERSON = {"participant_id": "PKU-001", "site_id": "PKU", "sex": "F", "arm": "IL2"}


def _rec(rid: str, kind: str, data: dict[str, Any], at: str, visit: str | None = None,
         instrument: str | None = None) -> dict[str, Any]:
    return {"record_id": rid, "revision": 1, "kind": kind, "participant_id": "PKU-001", "site_id": "PKU",
            "visit_id": visit, "instrument_id": instrument, "instrument_version": "1.0" if instrument else None,
            "collected_at": at, "data": data}


def _essdai(**levels: int) -> dict[str, Any]:
    inst = get_instrument("essdai")
    return {it.id: levels.get(it.id, 0) for it in inst.items}


def _rules(facts: ParticipantFacts) -> dict[str, Any]:
    return {f.rule: f for f in findings(STUDY, facts)}


def test_every_built_in_finds_its_problem_on_the_right_target() -> None:
    records = [
        _rec("00000000-0000-4000-8000-000000000001", "instrument_response", _essdai(articular=1),
             "2026-10-01T02:00:00Z", "screening", "essdai"),
        _rec("00000000-0000-4000-8000-000000000002", "instrument_response", _essdai(articular=3, pulmonary=2),
             "2026-11-02T02:00:00Z", "baseline", "essdai"),
        _rec("00000000-0000-4000-8000-000000000003", "instrument_response", {"activity": 50},
             "2026-12-10T02:00:00Z", "week2", "patient_global_vas"),   # day 38: week 2's window is day 11-17
        _rec("00000000-0000-4000-8000-000000000004", "adverse_event", {"term": "发热", "grade": 1},
             "2026-11-20T02:00:00Z"),
    ]
    labs = [{"result_id": "lab-1", "revision": 2, "participant_id": "PKU-001", "test_code": "ALT", "value": 400.0,
             "sample_date": "2026-11-02", "visit_id": "baseline"}]
    found = _rules(ParticipantFacts(PERSON, records, labs, today=date(2026, 12, 11)))
    assert {k: (f.target, f.target_id[-1], f.field) for k, f in found.items()} == {
        "visit_window": (RECORD, "3", "collected_at"),
        "ae_translation": (RECORD, "4", "term_en"),
        "screening_score_discrepancy": (RECORD, "2", "essdai"),
        "lab_grade_without_ae": (LAB_RESULT, "1", "value"),
    }
    assert found["lab_grade_without_ae"].revision == 2 and "grade 3" in found["lab_grade_without_ae"].text
    assert "16 at the eligibility visit but 2 at screening" in found["screening_score_discrepancy"].text


def test_nothing_is_found_when_the_data_hold() -> None:
    records = [
        _rec("00000000-0000-4000-8000-000000000001", "instrument_response", _essdai(articular=1),
             "2026-10-01T02:00:00Z", "screening", "essdai"),
        _rec("00000000-0000-4000-8000-000000000002", "instrument_response", _essdai(articular=2),
             "2026-11-02T02:00:00Z", "baseline", "essdai"),           # 4 vs 2: within the tolerance of 3
        _rec("00000000-0000-4000-8000-000000000003", "instrument_response", {"activity": 50},
             "2026-11-16T02:00:00Z", "week2", "patient_global_vas"),
        _rec("00000000-0000-4000-8000-000000000004", "adverse_event",
             {"term": "发热", "term_en": "Fever", "grade": 3, "onset_date": "2026-11-03",
              "lab_result_id": "lab-1"}, "2026-11-20T02:00:00Z"),
    ]
    labs = [{"result_id": "lab-1", "revision": 1, "participant_id": "PKU-001", "test_code": "ALT", "value": 400.0,
             "sample_date": "2026-11-02", "visit_id": "baseline"}]
    assert _rules(ParticipantFacts(PERSON, records, labs, today=date(2026, 11, 17))) == {}
