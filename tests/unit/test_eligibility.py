"""Screening and randomisation eligibility (shared/eligibility.py, shared/screening.py): age from the full date
of birth, the outcome of a screening whatever it is, and randomisation from the scored eligibility-visit score."""

from __future__ import annotations

import random
import uuid
from datetime import date

import pytest

from shared.eligibility import (
    ELIGIBLE,
    PENDING,
    SCREEN_FAILURE,
    age_on,
    assess_randomisation,
    assess_screening,
    eligibility_scores,
    possible_ages,
    screening_outcome,
)
from shared.errors import RecordInvalid
from shared.records import new_record
from shared.study import default_study
from shared.synthetic_screening import answers_scoring, attested, screening_data
from shared.validation import validate_record

STUDY = default_study()
SITE = STUDY.sites[0].id


def _screening(**kw: object) -> dict:
    base = {"born": date(1975, 3, 14), "sex": "F", "consent": date(2026, 11, 1), "screening": date(2026, 11, 2),
            "criteria": attested(STUDY), "screening_score": 7}
    base.update(kw)
    return screening_data(STUDY, **base)  # type: ignore[arg-type]


def _rec(kind: str, data: dict, **kw: object) -> dict:
    return new_record(kind=kind, study_id=STUDY.study.id, study_version=STUDY.study.version, site_id=SITE,
                      participant_id=f"{SITE}-001", data=data, entered_by="staff:nurse.a", device_id="dev-1",
                      timezone=STUDY.sites[0].timezone, **kw)  # type: ignore[arg-type]


def _essdai(visit_role: str, at_least: float) -> dict:
    inst = STUDY.instrument_with_role("clinician_index")
    visit = STUDY.visit_with_role(visit_role)
    assert inst and visit
    return _rec("instrument_response", answers_scoring(inst, at_least, random.Random(1)), visit_id=visit.id,
                instrument_id=inst.id, instrument_version=inst.version)


def test_age_counts_from_the_full_date_of_birth() -> None:
    # born December 2008, screened January 2026: 17, not 18 (the year alone said 18)
    assert age_on(date(2008, 12, 20), date(2026, 1, 10)) == 17
    failures = assess_screening(STUDY, age_at_consent=17, screening_date=date(2026, 1, 10),
                                consent_date=date(2026, 1, 10), score=7, attested=attested(STUDY))
    assert [f.code for f in failures] == ["eligibility.age_outside"]
    # aged 70 is inside 18-70 (the year alone could say 71)
    assert age_on(date(1955, 6, 1), date(2026, 1, 10)) == 70
    assert assess_screening(STUDY, age_at_consent=70, screening_date=date(2026, 1, 10),
                            consent_date=date(2026, 1, 10), score=7, attested=attested(STUDY)) == []


def test_an_age_at_consent_must_fit_the_birth_year_month() -> None:
    assert possible_ages("1975-03", date(2026, 3, 10)) == (50, 51)
    data = _screening()
    data["age_at_consent"] = 40
    with pytest.raises(RecordInvalid) as err:
        validate_record(_rec("screening", data), STUDY)
    assert [p.code for p in err.value.problems] == ["screening.age_inconsistent"]


def test_a_screening_is_valid_whatever_its_outcome_and_keeps_no_full_date_of_birth() -> None:
    eligible = _screening()
    assert eligible["outcome"] == ELIGIBLE and eligible["failed_criteria"] == []
    assert eligible["birth_year_month"] == "1975-03" and "date_of_birth" not in eligible
    failed = _screening(criteria=attested(STUDY, unmet=("I2", "E3")))
    assert failed["outcome"] == SCREEN_FAILURE and failed["failed_criteria"] == ["I2", "E3"]
    pending = _screening(criteria={}, screening_score=None)
    assert pending["outcome"] == PENDING
    for data in (eligible, failed, pending):
        validate_record(_rec("screening", data), STUDY)


def test_a_screening_whose_outcome_is_not_what_its_answers_give_is_refused() -> None:
    data = _screening(criteria=attested(STUDY, unmet=("E1",)))
    data.update(outcome=ELIGIBLE, failed_criteria=[])
    with pytest.raises(RecordInvalid) as err:
        validate_record(_rec("screening", data), STUDY)
    assert {(p.field, p.code) for p in err.value.problems} == {("data.outcome", "screening.outcome_mismatch"),
                                                               ("data.failed_criteria", "screening.outcome_mismatch")}


def test_missing_answers_are_pending_a_failed_answer_is_a_screen_failure() -> None:
    assert screening_outcome([]) == ELIGIBLE
    failures = assess_screening(STUDY, age_at_consent=50, screening_date=date(2026, 1, 2),
                                consent_date=date(2026, 1, 1), score=None, attested={})
    assert screening_outcome(failures) == PENDING
    failures = assess_screening(STUDY, age_at_consent=50, screening_date=date(2026, 1, 2),
                                consent_date=date(2026, 1, 1), score=2, attested={})
    assert screening_outcome(failures) == SCREEN_FAILURE


def test_randomisation_needs_the_scored_eligibility_visit_score_not_the_typed_one() -> None:
    screening = _rec("screening", _screening(screening_score=9))
    on = date(2026, 11, 20)
    assert [f.code for f in assess_randomisation(STUDY, [screening], on)] == ["eligibility.score_missing"]
    low = _essdai("eligibility", 1)
    low_score = eligibility_scores(STUDY, [screening, low])
    assert low_score.screening == 9 and low_score.baseline is not None and low_score.baseline < 4
    assert [f.code for f in assess_randomisation(STUDY, [screening, low], on)] == ["eligibility.score_below"]
    high = _essdai("eligibility", 6)
    assert assess_randomisation(STUDY, [screening, high], on) == []
    assert eligibility_scores(STUDY, [screening, high]).baseline_record_id == high["record_id"]


def test_randomisation_without_a_screening_or_after_a_screen_failure_fails() -> None:
    on = date(2026, 11, 20)
    assert [f.code for f in assess_randomisation(STUDY, [_essdai("eligibility", 6)], on)] == [
        "randomisation.not_screened"]
    failed = _rec("screening", _screening(criteria=attested(STUDY, unmet=("E2",))))
    assert [f.criterion_id for f in assess_randomisation(STUDY, [failed, _essdai("eligibility", 6)], on)] == ["E2"]


def test_a_randomisation_record_names_arm_number_and_the_score_it_was_decided_on() -> None:
    visit = STUDY.visit_with_role("randomisation")
    assert visit
    good = {"arm": STUDY.arms[0].code, "randomisation_number": 3, "allocation_list_id": "list-1",
            "eligibility_score": 6, "eligibility_record_id": str(uuid.uuid4())}
    validate_record(_rec("randomisation", good, visit_id=visit.id), STUDY)
    with pytest.raises(RecordInvalid) as err:
        validate_record(_rec("randomisation", {**good, "arm": "PLACEBO", "randomisation_number": 0},
                             visit_id=STUDY.visits[0].id), STUDY)
    assert {p.field for p in err.value.problems} == {"data.arm", "data.randomisation_number", "visit_id"}
