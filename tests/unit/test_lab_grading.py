"""CTCAE v5.0 grading of lab results (shared/lab_grading.py) from the criteria file and the study file's ranges;
the AE proposals and the list of severe results no AE covers."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.errors import StudyFileError
from shared.grading import criteria
from shared.lab_grading import ae_proposals, grade, range_indicator, severe_labs_without_ae
from shared.study import default_study, load_study
from shared.study.loader import parse_study

SYNTHETIC = Path(__file__).parents[1] / "studies" / "synthetic_two_arm.toml"


@pytest.mark.parametrize(("code", "sex", "value", "expected"), [
    ("ALT", "M", 50.0, None),            # ULN 50: not above it
    ("ALT", "M", 50.1, 1),
    ("ALT", "M", 150.0, 1),              # exactly 3.0 x ULN is still grade 1 (">3.0 - 5.0 x ULN" is grade 2)
    ("ALT", "M", 150.1, 2),
    ("ALT", "F", 150.0, 2),              # the female ULN is 40: 3.75 x ULN
    ("ALT", "M", 1001.0, 4),
    ("AST", "F", 176.0, 3),
    ("BILI", "F", 63.1, 3),              # > 3.0 x 21
    ("CREAT", "M", 146.0, 2),            # > 1.5 x 97
    ("HGB", "F", 114.0, 1),              # below the LLN 115
    ("HGB", "F", 99.0, 2),
    ("HGB", "M", 79.0, 3),               # anaemia has no numeric grade 4
    ("NEUT", "F", 1.5, 1),               # "<1.5 - 1.0" is grade 2: exactly 1.5 is grade 1
    ("NEUT", "F", 0.99, 3),
    ("NEUT", "F", 0.49, 4),
    ("LYM", "M", 0.19, 4),
    ("PLAT", "M", 74.0, 2),
    ("WBC", "F", 2.5, 2),
    ("GLUC", "F", 30.0, None),           # not graded (no criterion in the study file)
])
def test_grades_follow_ctcae_bounds_and_the_range_of_the_participants_sex(code: str, sex: str, value: float,
                                                                          expected: int | None) -> None:
    g = grade(default_study().lab_tests[code], value, sex)
    assert (g.grade if g else None) == expected


def test_range_indicator_uses_the_range_of_the_sex_or_the_common_one() -> None:
    tests = default_study().lab_tests
    assert range_indicator(tests["ALT"], 45.0, "F") == "HIGH" and range_indicator(tests["ALT"], 45.0, "M") == "NORMAL"
    assert range_indicator(tests["CHOL"], 6.0, "F") == "HIGH" and range_indicator(tests["CHOL"], 1.0, "M") == "NORMAL"
    assert range_indicator(tests["ALT"], 45.0, None) is None  # no range for both sexes, sex unknown


def _result(rid: str, code: str, value: float, day: str = "2026-10-10", pid: str = "PKU-001") -> dict[str, object]:
    return {"result_id": rid, "participant_id": pid, "test_code": code, "value": value, "sample_date": day}


def test_a_graded_result_proposes_an_ae_until_an_ae_of_its_term_near_the_sample_date_exists() -> None:
    study = default_study()
    results = [_result("r1", "ALT", 170.0), _result("r2", "ALT", 30.0), _result("r3", "NEUT", 0.8)]
    proposals = ae_proposals(study, results, {"PKU-001": "M"}, [])
    assert [(p.result_id, p.term, p.grade, p.onset_date) for p in proposals] == [
        ("r1", "Alanine aminotransferase increased", 2, "2026-10-10"), ("r3", "Neutrophil count decreased", 3,
                                                                        "2026-10-10")]
    assert "3.4 x ULN" in proposals[0].description
    far = {"participant_id": "PKU-001", "data": {"term": "Alanine aminotransferase increased",
                                                 "onset_date": "2026-11-30"}}
    near = {"participant_id": "PKU-001", "data": {"term": "alanine aminotransferase increased ",
                                                  "onset_date": "2026-10-12"}}
    other = {"participant_id": "PKU-002", "data": {"term": "Alanine aminotransferase increased",
                                                   "onset_date": "2026-10-10"}}
    assert [p.result_id for p in ae_proposals(study, results, {"PKU-001": "M"}, [far, other])] == ["r1", "r3"]
    assert [p.result_id for p in ae_proposals(study, results, {"PKU-001": "M"}, [near])] == ["r3"]
    linked = {"participant_id": "PKU-001", "data": {"term": "Neutropenia", "lab_result_id": "r3"}}
    assert ae_proposals(study, results, {"PKU-001": "M"}, [near, linked]) == []


def test_severe_labs_without_ae_lists_grade_3_or_worse_only() -> None:
    study = default_study()
    results = [_result("r1", "ALT", 170.0), _result("r3", "NEUT", 0.8), _result("r4", "PLAT", 20.0)]
    assert [(p.result_id, p.grade) for p in severe_labs_without_ae(study, results, {"PKU-001": "F"}, [])] == [
        ("r3", 3), ("r4", 4)]


def test_the_second_study_grades_its_own_tests_with_its_own_thresholds() -> None:
    study = load_study(SYNTHETIC)
    assert study.primary_lab_test() is not None and study.primary_lab_test().code == "SYNMARK"
    results = [_result("a", "PLAT", 140.0, pid="SYN-001"), _result("b", "PLAT", 60.0, pid="SYN-001")]
    assert [p.result_id for p in ae_proposals(study, results, {}, [])] == ["b"]   # proposes from grade 2


def test_every_criterion_of_the_ctcae_file_loads_and_a_wrong_study_reference_names_the_field() -> None:
    assert {"alt_increased", "anemia", "platelet_count_decreased"} <= set(criteria())
    text = SYNTHETIC.read_text(encoding="utf-8")
    with pytest.raises(StudyFileError, match="ctcae"):
        parse_study(text.replace('ctcae = "platelet_count_decreased"', 'ctcae = "platelets_low"'))
    with pytest.raises(StudyFileError, match="is in '10\\*9/L'"):
        parse_study(text.replace('unit = "10*9/L"', 'unit = "10*3/uL"'))
    with pytest.raises(StudyFileError, match="not scheduled visits"):
        parse_study(text.replace('visits = ["day0", "month3"]', 'visits = ["day0", "extra"]'))
