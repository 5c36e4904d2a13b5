"""The study as data: NCT05605665 loads with the registry's facts; a broken file names field and problem."""

from __future__ import annotations

import pytest

from shared.errors import StudyFileError
from shared.study import default_study
from shared.study.loader import DEFAULT_STUDY_FILE, load_study, parse_study

TEXT = DEFAULT_STUDY_FILE.read_text(encoding="utf-8")


def test_nct05605665_has_three_arms_with_the_registry_doses() -> None:
    study = default_study()
    assert study.study.id == "NCT05605665"
    assert study.study.target_enrolment == 30
    assert study.study.duration_weeks == 12
    arms = {a.code: a for a in study.arms}
    assert [a.target for a in study.arms] == [10, 10, 10]
    il2 = arms["IL2"].treatments[0]
    assert (il2.drug, il2.dose, il2.unit, il2.route, il2.doses_per_week) == ("il2", 1.0, "MIU", "subcutaneous", 2)
    rapa = arms["RAPA"].treatments[0]
    assert (rapa.drug, rapa.dose, rapa.unit, rapa.doses_per_week) == ("rapamycin", 0.5, "mg", 7)
    assert arms["IL2RAPA"].drugs == frozenset({"il2", "rapamycin"})


def test_visit_schedule_and_windows() -> None:
    study = default_study()
    assert [v.id for v in study.visits] == ["screening", "baseline", "week2", "week4", "week6", "week8",
                                            "week10", "week12", "unscheduled"]
    assert [study.visit(f"week{w}").day for w in (2, 4, 6, 8, 10, 12)] == [14, 28, 42, 56, 70, 84]
    assert study.visit("week2").window_before == 3
    assert study.visit("unscheduled").scheduled is False
    assert "patient_global_vas" in study.visit("week12").instruments
    assert "essdai" in study.visit("screening").instruments


def test_eligibility_checklist_has_inclusion_1_to_6_and_exclusion_1_to_8() -> None:
    study = default_study()
    assert [c.id for c in study.inclusion] == [f"I{i}" for i in range(1, 7)]
    assert [c.id for c in study.exclusion] == [f"E{i}" for i in range(1, 9)]
    assert all(c.text_zh for c in study.inclusion + study.exclusion)


@pytest.mark.parametrize(("old", "new", "field", "says"), [
    ('target = 10', 'target = "ten"', "arms[0].target", "valid integer"),
    ('duration_weeks = 12', 'duration_weeks = -1', "study.duration_weeks", "greater than 0"),
    ('instruments = ["essdai", "physician_global_vas"]', 'instruments = ["essdai", "sf36"]',
     "visits[0].instruments", "unknown instrument"),
    ('id = "screening"', 'id = "baseline"', "(file)", "duplicate id"),
    ('target_enrolment = 30', 'target_enrolment = 31', "(file)", "adds up to 30"),
    ('drug = "il2"', 'drug = "aspirin"', "arms[0].treatments[0].drug", "is not one of the study's drugs"),
    ('instrument = "essdai"\nfall', 'instrument = "sf36"\nfall', "report.responders[0].instrument",
     "is not one of the study's instruments"),
    ("fall = 3.0", "fall = -3.0", "report.responders[0].fall", "greater than 0"),
])
def test_a_broken_study_file_names_the_field_and_what_is_wrong(old: str, new: str, field: str, says: str) -> None:
    with pytest.raises(StudyFileError) as err:
        parse_study(TEXT.replace(old, new, 1), source="broken.toml")
    assert field in err.value.message
    assert says in err.value.message
    assert err.value.message.startswith("broken.toml")


def test_an_unknown_field_is_refused_not_ignored() -> None:
    with pytest.raises(StudyFileError, match=r"study\.colour"):
        parse_study(TEXT.replace('phase = "Phase 1"', 'phase = "Phase 1"\ncolour = "blue"', 1))


def test_invalid_toml_and_missing_file_give_clear_errors(tmp_path) -> None:
    with pytest.raises(StudyFileError, match="not valid TOML"):
        parse_study("[study\nid=")
    with pytest.raises(StudyFileError, match="cannot read study file"):
        load_study(tmp_path / "missing.toml")


def test_code_asks_the_study_for_visits_and_instruments_by_role() -> None:
    study = parse_study(TEXT)
    assert study.visit_with_role("baseline").day == 0
    assert [v.number for v in study.visits_with_role("lab")] == sorted(v.number for v in study.visits_with_role("lab"))
    assert study.visit_with_role("unscheduled").scheduled is False
    eligibility = study.instrument_with_role("eligibility")
    criterion = study.score_criterion()
    assert criterion is not None and criterion.instrument == eligibility.id
    assert study.drug_ids == tuple(d.id for d in study.drugs) and all(a.drugs <= set(study.drug_ids)
                                                                       for a in study.arms)
    with pytest.raises(ValueError, match="not a visit role"):
        study.visit_with_role("week99")


def test_instruments_by_role_are_every_instrument_of_the_role_in_file_order_and_a_fresh_list_each_time() -> None:
    study = parse_study(TEXT)
    for role in ("dosing", "home_dosing", "patient_global", "symptoms", "eligibility"):
        expected = [i.id for i in study.instruments if role in i.roles]
        got = study.instruments_with_role(role)
        assert [i.id for i in got] == expected
        got.clear()                                   # the caller's list: the study keeps its own
        assert [i.id for i in study.instruments_with_role(role)] == expected
        assert getattr(study.instrument_with_role(role), "id", None) == (expected[0] if expected else None)
    with pytest.raises(ValueError, match="not an instrument role"):
        study.instruments_with_role("nurse")


def test_a_role_outside_the_vocabulary_or_a_second_baseline_is_refused() -> None:
    with pytest.raises(StudyFileError, match=r"visits\[0\]\.roles\[0\]"):
        parse_study(TEXT.replace('roles = ["screening"]', 'roles = ["fortnight"]', 1))
    with pytest.raises(StudyFileError, match="more than one visit has the role 'baseline'"):
        parse_study(TEXT.replace('roles = ["screening"]', 'roles = ["baseline"]', 1))
    with pytest.raises(StudyFileError, match="a 'score' criterion needs"):
        parse_study(TEXT.replace('minimum = 4\n', '', 1))
