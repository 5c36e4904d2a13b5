"""Issue 17: the adverse-event rules pharmacovigilance needs, for both study files (drugs from the file).

Arm-aware causality and action, end date for ended outcomes, fatal <=> grade 5 with the death date, awareness of
a serious event, the reason for a grade >= 4 event recorded as not serious, dates against the clock and
consent, treatment emergence, expectedness, the SUSAR flag and missing English translations.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.adverse_events import validate_adverse_event
from shared.errors import RecordTimeImplausible
from shared.pharmacovigilance import (
    PRE_TREATMENT,
    TREATMENT_EMERGENT,
    is_expected,
    is_susar,
    missing_translations,
    report_deadline,
    submission_term,
    susar_drugs,
    treatment_emergence,
)
from shared.records import new_record, timestamps
from shared.study.loader import load_study
from shared.validation import validate_record
from tests.studies import STUDY_FILES


@pytest.fixture(params=sorted(STUDY_FILES), scope="module")
def study(request):
    return load_study(STUDY_FILES[request.param])


def one_drug_arm(study):
    """An arm that receives fewer drugs than the study has (every shipped study has one)."""
    return next(a for a in study.arms if len(a.drugs) < len(study.drug_ids))


def body(study, arm, **kw):
    drugs = sorted(arm.drugs)
    data = {"term": "Headache", "onset_date": "2026-06-01", "end_date": None, "grade": 2, "serious": False,
            "serious_criteria": [], "causality": {d: "possible" for d in drugs},
            "action": {d: "none" for d in drugs}, "outcome": "recovering", "source_symptom": None,
            "visit_id": None}
    data.update(kw)
    return data


def codes(study, arm, **kw):
    return {p.field: p.code for p in validate_adverse_event(body(study, arm, **kw), study, arm.drugs)}


def test_causality_and_action_are_asked_for_the_arms_drugs_only(study) -> None:
    arm = one_drug_arm(study)
    mine = sorted(arm.drugs)[0]
    other = next(d for d in study.drug_ids if d not in arm.drugs)
    assert codes(study, arm) == {}
    # "not applicable" for a drug the participant receives is refused
    refused = codes(study, arm, causality={mine: "not_applicable"})
    assert refused == {f"data.causality.{mine}": "ae.causality_needed_for_arm_drug"}
    # a drug outside the arm is not assessed: an assessment is refused, "not applicable" or nothing is fine
    assert codes(study, arm, causality={mine: "possible", other: "probable"}) == {
        f"data.causality.{other}": "ae.drug_not_in_arm"}
    assert codes(study, arm, causality={mine: "possible", other: "not_applicable"}) == {}
    assert codes(study, arm, action={mine: "none", other: "reduced"}) == {f"data.action.{other}": "ae.drug_not_in_arm"}
    # a missing assessment for the arm's drug is named
    assert f"data.causality.{mine}" in codes(study, arm, causality={})


def test_an_ended_outcome_needs_an_end_date(study) -> None:
    arm = study.arms[0]
    for outcome in ("recovered", "recovered_with_sequelae"):
        assert codes(study, arm, outcome=outcome) == {"data.end_date": "ae.end_date_required"}
        assert codes(study, arm, outcome=outcome, end_date="2026-06-04") == {}
    assert codes(study, arm, outcome="recovering") == {}


def fatal(study, arm, **kw):
    data = {"grade": 5, "serious": True, "serious_criteria": ["death"], "outcome": "fatal",
            "end_date": "2026-06-05", "death_date": "2026-06-05", "awareness_at": "2026-06-05T11:00:00+08:00"}
    data.update(kw)
    return codes(study, arm, **data)


def test_fatal_means_grade_5_serious_by_death_with_the_death_date(study) -> None:
    arm = study.arms[0]
    assert fatal(study, arm) == {}
    assert fatal(study, arm, death_date=None) == {"data.death_date": "ae.death_date_required"}
    assert fatal(study, arm, grade=4, serious_criteria=["life_threatening"])["data.outcome"] == "ae.fatal_needs_grade5"
    assert fatal(study, arm, outcome="recovered")["data.outcome"] == "ae.fatal_needs_grade5"
    assert fatal(study, arm, serious_criteria=["hospitalisation"])["data.grade"] == "ae.grade5_needs_death"
    assert fatal(study, arm, death_date="2026-05-20")["data.death_date"] == "ae.death_before_onset"
    assert fatal(study, arm, end_date="2026-06-09")["data.end_date"] == "ae.end_after_death"
    # another AE of the same person is not fatal by implication: a death date there is refused
    assert codes(study, arm, death_date="2026-06-05") == {"data.death_date": "ae.death_date_not_fatal"}


def test_a_serious_event_needs_the_sites_awareness_moment(study) -> None:
    arm = study.arms[0]
    serious = {"grade": 3, "serious": True, "serious_criteria": ["hospitalisation"]}
    assert codes(study, arm, **serious) == {"data.awareness_at": "ae.awareness_required"}
    assert codes(study, arm, **serious, awareness_at="yesterday") == {"data.awareness_at": "ae.awareness_invalid"}
    assert codes(study, arm, **serious, awareness_at="2026-05-31T23:00:00+08:00") == {
        "data.awareness_at": "ae.awareness_before_onset"}
    assert codes(study, arm, **serious, awareness_at="2026-06-02T08:30:00+08:00") == {}
    deadline = report_deadline(body(study, arm, **serious, awareness_at="2026-06-02T08:30:00+08:00"))
    assert deadline == datetime(2026, 6, 3, 0, 30, tzinfo=UTC)


def test_grade_4_recorded_as_not_serious_needs_a_confirming_reason(study) -> None:
    arm = study.arms[0]
    assert codes(study, arm, grade=4) == {"data.nonserious_reason": "ae.nonserious_reason_required"}
    assert codes(study, arm, grade=4, nonserious_reason="Lab value only, no clinical consequence") == {}
    assert codes(study, arm, grade=2, nonserious_reason="why") == {
        "data.nonserious_reason": "ae.nonserious_reason_unexpected"}


def record(study, arm, data, *, at: datetime):
    site = study.sites[0]
    rec = new_record(kind="adverse_event", study_id=study.study.id, study_version=study.study.version,
                     site_id=site.id, participant_id=f"{site.id}-001", data=data, entered_by="nurse.a",
                     device_id="kiosk-1", timezone=site.timezone)
    rec["collected_at"], rec["collected_at_local"] = timestamps(site.timezone, at)
    return rec


def test_onset_is_not_in_the_future_nor_before_consent(study) -> None:
    arm = study.arms[0]
    at = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)
    validate_record(record(study, arm, body(study, arm), at=at), study, arm_code=arm.code,
                    consent_date=date(2026, 5, 1), now=at)
    for onset, consent in (("2026-06-20", date(2026, 5, 1)), ("2026-04-20", date(2026, 5, 1))):
        with pytest.raises(RecordTimeImplausible) as err:
            validate_record(record(study, arm, body(study, arm, onset_date=onset), at=at), study, arm_code=arm.code,
                            consent_date=consent, now=at)
        assert [p.field for p in err.value.problems] == ["data.onset_date"]
    late = body(study, arm, grade=3, serious=True, serious_criteria=["hospitalisation"],
                awareness_at="2026-06-11T09:00:00+08:00")
    with pytest.raises(RecordTimeImplausible) as err:
        validate_record(record(study, arm, late, at=at), study, arm_code=arm.code, consent_date=date(2026, 5, 1),
                        now=at)
    assert [p.field for p in err.value.problems] == ["data.awareness_at"]


def test_treatment_emergence_counts_from_the_first_dose_date() -> None:
    assert treatment_emergence({"onset_date": "2026-06-01"}, date(2026, 6, 1)) == TREATMENT_EMERGENT
    assert treatment_emergence({"onset_date": "2026-05-31"}, date(2026, 6, 1)) == PRE_TREATMENT
    assert treatment_emergence({"onset_date": "2026-05-31"}, None) == PRE_TREATMENT   # no dose taken yet
    assert treatment_emergence({"onset_date": None}, date(2026, 6, 1)) is None


def test_expectedness_comes_from_the_study_file_per_drug(study) -> None:
    event = study.expected_events[0]
    drug, others = event.drug, [d for d in study.drug_ids if d != event.drug]
    assert is_expected({"term": event.term.upper()}, drug, study)
    assert is_expected({"term": "某症状", "term_en": f"  {event.term} "}, drug, study)
    assert is_expected({"term": "whatever"}, drug, study, coded=[event.matches[0]] if event.matches else [event.term])
    listed_for_others = {w.casefold() for e in study.expected_events if e.drug != drug
                         for w in (e.term, *e.matches)}
    if others and event.term.casefold() not in listed_for_others:
        assert not is_expected({"term": event.term}, others[0], study)


def test_a_serious_related_unexpected_event_is_a_susar(study) -> None:
    arm = one_drug_arm(study)
    drug = sorted(arm.drugs)[0]
    expected = study.expected_events_of(drug)[0].term
    serious = {"grade": 3, "serious": True, "serious_criteria": ["hospitalisation"],
               "awareness_at": "2026-06-02T08:30:00+08:00"}
    unexpected = body(study, arm, term="Spontaneous levitation", **serious)
    assert susar_drugs(unexpected, arm.drugs, study) == [drug]
    assert not is_susar(body(study, arm, term=expected, **serious), arm.drugs, study)          # expected
    assert not is_susar(body(study, arm, term="Spontaneous levitation"), arm.drugs, study)     # not serious
    assert not is_susar(body(study, arm, term="Spontaneous levitation", causality={drug: "unlikely"}, **serious),
                        arm.drugs, study)                                                      # not related
    for category in ("certain", "probable", "possible"):
        assert is_susar(body(study, arm, term="Levitation", causality={drug: category}, **serious), arm.drugs, study)


def test_a_chinese_verbatim_term_without_translation_is_listed() -> None:
    recs = [{"kind": "adverse_event", "record_id": "a", "data": {"term": "发热"}},
            {"kind": "adverse_event", "record_id": "b", "data": {"term": "发热", "term_en": "Fever"}},
            {"kind": "adverse_event", "record_id": "c", "data": {"term": "Fever"}},
            {"kind": "instrument_response", "record_id": "d", "data": {"term": "发热"}}]
    assert [r["record_id"] for r in missing_translations(recs)] == ["a"]
    assert submission_term(recs[1]["data"]) == "Fever"
    assert submission_term(recs[0]["data"]) == "发热"


def test_an_english_translation_must_be_ascii(study) -> None:
    arm = study.arms[0]
    assert codes(study, arm, term="发热", term_en="Fever") == {}
    assert codes(study, arm, term="发热", term_en="发热") == {"data.term_en": "ae.term_en_invalid"}
