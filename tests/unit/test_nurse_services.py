"""Nurse-mode services on a real SQLCipher station (no Qt, no server): adverse events, clinician scores,
symptom review and the data overview."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_client.services import adverse_events, clinician, overview, recording, symptom_review
from desktop_client.services.adverse_events import AdverseEventEntry
from desktop_client.store import outbox
from desktop_client.store import records as store_records
from shared.errors import RecordInvalid
from tests.factories import enrol_participant, offline_station, record_symptom_checklist

ACTOR = "staff:nurse.a"


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")   # participant 1 is IL2RAPA, 2 RAPA, 3 IL2
    yield st
    st.store.close()


def _ae(**overrides) -> AdverseEventEntry:
    base = dict(term="Fever", onset_date=date(2026, 11, 20), grade=2, serious_criteria=(),
                causality={"il2": "possible", "rapamycin": "unlikely"},
                action={"il2": "none", "rapamycin": "none"}, outcome="recovering")
    base.update(overrides)
    return AdverseEventEntry(**base)


# ---- adverse events -----------------------------------------------------------------------------

def test_a_serious_adverse_event_is_derived_from_the_criteria_and_sent_before_older_records(station) -> None:
    pid = enrol_participant(station)
    minor = adverse_events.record_adverse_event(station, pid, _ae(), actor=ACTOR)
    aware = datetime(2026, 11, 21, 8, 15, tzinfo=timezone(timedelta(hours=8)))
    serious = adverse_events.record_adverse_event(
        station, pid, _ae(term="Pneumonia", grade=3, serious_criteria=("hospitalisation",), outcome="not_recovered",
                          awareness_at=aware), actor=ACTOR)
    assert minor["data"]["serious"] is False and serious["data"]["serious"] is True
    order = [r["record_id"] for r, _ in outbox.pending_batch(station.store, 10)]
    # saved last, sent right after the participant's screening, eligibility score and randomisation (the server
    # needs those first)
    assert order[3:] == [serious["record_id"], minor["record_id"]]
    assert [r["kind"] for r, _ in outbox.pending_batch(station.store, 3)] == [
        "screening", "instrument_response", "randomisation"]
    deadline = adverse_events.report_deadline(station, serious)
    assert deadline is not None and adverse_events.report_deadline(station, minor) is None
    # the 24-hour clock runs from when the site became aware, not from the first save
    assert serious["data"]["awareness_at"] == "2026-11-21T08:15:00+08:00"
    assert deadline - aware == timedelta(hours=24)
    without = _ae(term="Sepsis", grade=3, serious_criteria=("hospitalisation",), outcome="not_recovered")
    with pytest.raises(RecordInvalid) as refused:
        adverse_events.record_adverse_event(station, pid, without, actor=ACTOR)
    assert [p.code for p in refused.value.problems] == ["ae.awareness_required"]


def test_grade_5_is_refused_unless_serious_with_death_ticked(station) -> None:
    pid = enrol_participant(station)
    with pytest.raises(RecordInvalid) as refused:
        adverse_events.record_adverse_event(station, pid, _ae(grade=5, outcome="fatal",
                                                              serious_criteria=("hospitalisation",)), actor=ACTOR)
    assert any(p.field == "data.grade" and "death" in p.message for p in refused.value.problems)
    assert outbox.stats(station.store).pending == 3   # screening, score, randomisation: nothing of the report
    saved = adverse_events.record_adverse_event(station, pid, _ae(
        grade=5, outcome="fatal", serious_criteria=("hospitalisation", "death"), end_date=date(2026, 11, 22),
        death_date=date(2026, 11, 22), awareness_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC)), actor=ACTOR)
    assert saved["data"]["serious_criteria"] == ["death", "hospitalisation"]   # catalogue order


def test_a_correction_needs_a_reason_and_keeps_the_old_value_in_the_audit(station) -> None:
    pid = enrol_participant(station)
    first = adverse_events.record_adverse_event(station, pid, _ae(grade=1), actor=ACTOR)
    with pytest.raises(RecordInvalid) as refused:
        adverse_events.correct_adverse_event(station, first["record_id"], _ae(grade=2), reason=" ", actor=ACTOR)
    assert refused.value.problems[0].field == "correction_reason"
    fixed = adverse_events.correct_adverse_event(station, first["record_id"], _ae(grade=2, serious_criteria=(
        "medically_important",), awareness_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), reason="grade mis-typed",
        actor="staff:nurse.b")
    assert fixed["revision"] == 2 and fixed["correction_reason"] == "grade mis-typed"
    audit = store_records.audit_of(station.store, first["record_id"])
    assert [a["action"] for a in audit] == ["adverse_event.create", "adverse_event.correct"]
    assert json.loads(audit[1]["old"])["grade"] == 1 and json.loads(audit[1]["new"])["grade"] == 2
    assert audit[1]["actor"] == "staff:nurse.b" and audit[1]["reason"] == "grade mis-typed"
    prio = station.store.query("SELECT priority FROM outbox WHERE record_id = ? AND revision = 2",
                               (first["record_id"],))[0]["priority"]
    assert prio == store_records.PRIORITY_SERIOUS   # became serious: its correction goes first
    assert [r["revision"] for r in adverse_events.adverse_events_of(station, pid)] == [2]


def test_a_draft_from_a_symptom_asks_only_for_the_drugs_of_the_arm(station) -> None:
    enrol_participant(station)              # PKU-001: IL2RAPA
    rapa = enrol_participant(station)       # PKU-002: RAPA
    draft = adverse_events.draft_from_symptom(station, rapa, symptom_id="oral_ulcer", severity="severe",
                                              visit_id="week2", onset=date(2026, 11, 20), language="zh")
    assert (draft.term, draft.grade, draft.source_symptom, draft.visit_id) == ("口腔溃疡", 3, "oral_ulcer", "week2")
    assert draft.causality == {"rapamycin": None} and draft.action == {"rapamycin": None}
    assert draft.term_en == "Mouth sores or ulcers"      # the Chinese term comes with its English translation
    with pytest.raises(RecordInvalid):   # staff must still choose causality and outcome
        adverse_events.record_adverse_event(station, rapa, draft, actor=ACTOR)


# ---- clinician scores ---------------------------------------------------------------------------

def test_essdai_total_is_level_times_weight_summed_and_a_second_entry_is_a_correction(station) -> None:
    pid = enrol_participant(station)
    levels = {d.id: 0 for d in clinician.rated_domains(station.study)}
    levels.update(constitutional=1, articular=2, muscular=3, central_nervous=2, biological=2)
    # by hand: 1x3 + 2x2 + 3x6 + 2x5 + 2x1 = 3 + 4 + 18 + 10 + 2 = 37
    assert clinician.domains_total(station.study, levels) == 37
    assert clinician.domains_total(station.study, {**levels, "renal": None}) is None
    with pytest.raises(RecordInvalid) as refused:   # (the baseline score was recorded before randomisation)
        clinician.record_domains(station, pid, "screening", {**levels, "central_nervous": 1}, actor=ACTOR)
    assert refused.value.problems[0].field == "data.central_nervous"
    first = clinician.record_domains(station, pid, "screening", levels, actor=ACTOR)
    second = clinician.record_domains(station, pid, "screening", {**levels, "muscular": 0}, actor=ACTOR,
                                     reason="muscular domain re-assessed")
    assert second["record_id"] == first["record_id"] and second["revision"] == 2
    saved = clinician.existing_entry(station, pid, "screening", "essdai")
    assert clinician.domains_total(station.study, saved["data"]) == 19
    pga = clinician.record_global(station, pid, "baseline", 4.5, actor=ACTOR)
    assert pga["data"] == {"activity": 4.5} and pga["entered_by"] == ACTOR
    with pytest.raises(RecordInvalid):
        clinician.record_global(station, pid, "week2", 10.5, actor=ACTOR)


# ---- symptom review -----------------------------------------------------------------------------

def test_symptom_review_marks_new_and_worse_symptoms_since_the_previous_checklist(station) -> None:
    pid = enrol_participant(station)   # IL2RAPA: every symptom is asked
    record_symptom_checklist(station, pid, "week2", {"rash": "moderate", "arthralgia": "moderate", "fever": "severe"})
    record_symptom_checklist(station, pid, "week4", {"rash": "severe", "arthralgia": "moderate", "fever": "mild",
                                       "diarrhoea": "mild"})
    rows = {r.symptom_id: r for r in symptom_review.review(station, pid, "week4")}
    assert {k: (r.change, r.previous_severity) for k, r in rows.items()} == {
        "rash": ("worse", "moderate"), "arthralgia": ("same", "moderate"), "fever": ("better", "severe"),
        "diarrhoea": ("new", None)}
    ordered = [r.symptom_id for r in symptom_review.review(station, pid, "week4")]
    assert ordered[:2] == ["rash", "diarrhoea"]           # highlighted first
    assert all(r.change == "new" for r in symptom_review.review(station, pid, "week2"))
    visits = symptom_review.checklist_visits(station, pid)
    assert [(v.visit_id, v.reported, v.highlighted) for v in visits] == [("week4", 4, 2), ("week2", 3, 3)]
    assert symptom_review.review(station, pid, "week6") == []


def test_a_checklist_entered_late_for_an_earlier_visit_is_compared_in_schedule_order(station) -> None:
    """Week 4 saved before week 2 (a late entry, or both in one clock tick): week 4 still compares with week 2."""
    pid = enrol_participant(station)
    record_symptom_checklist(station, pid, "week4", {"rash": "severe"})
    record_symptom_checklist(station, pid, "week2", {"rash": "mild"})
    rows = {r.symptom_id: r for r in symptom_review.review(station, pid, "week4")}
    assert (rows["rash"].change, rows["rash"].previous_severity) == ("worse", "mild")
    assert [v.visit_id for v in symptom_review.checklist_visits(station, pid)] == ["week4", "week2"]


# ---- overview -----------------------------------------------------------------------------------

def test_overview_counts_visits_against_the_study_windows_and_the_outbox(station) -> None:
    pid = enrol_participant(station)
    today = overview.site_today(station)
    view = overview.station_overview(station, today=today)
    (p,) = view.participants
    assert p.baseline_date == today                     # not yet recorded: due from the enrolment day
    status = {v.visit_id: v.status for v in p.visits}
    assert status["baseline"] == "due" and status["week2"] == "upcoming" and status["screening"] == "due"
    week2 = next(v for v in p.visits if v.visit_id == "week2")
    assert (week2.window_start, week2.window_end) == (today + timedelta(days=11), today + timedelta(days=17))
    assert p.unsynced == 3 and view.outbox.pending == 3   # screening, eligibility score, randomisation

    for inst in station.study.visit("baseline").instruments:
        if inst == "essdai":
            continue   # scored before the randomisation (tests/factories.py enrol_participant)
        elif inst == "physician_global_vas":
            clinician.record_global(station, pid, "baseline", 3.0, actor=ACTOR)
        elif inst == "patient_global_vas":
            recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=40)
        else:
            recording.record_instrument(station, participant_id=pid, visit_id="baseline", instrument_id=inst,
                                        answers={"dryness": 5, "fatigue": 4, "pain": 3}, entered_by="participant")
    later = overview.station_overview(station, today=today + timedelta(days=20)).participants[0]
    status = {v.visit_id: v.status for v in later.visits}
    assert status["baseline"] == "done" and status["week2"] == "overdue" and status["week4"] == "upcoming"
    assert later.count("overdue") == 2 and later.next_visit.visit_id == "screening"   # screening scores missing
    assert later.unsynced == 6 and later.oldest_unsynced_at is not None
    assert dict((v.visit_id, v.missing) for v in later.visits)["week2"][0] == "patient_global_vas"
