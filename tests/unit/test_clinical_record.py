"""Concomitant medication, medical history, vital signs and pregnancy tests (issue 18): the rules of shared/,
as both the kiosk and the server apply them, and the two eligibility rules built on them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.conmed import medication_exclusion
from shared.errors import RecordInvalid, RecordTimeImplausible
from shared.pregnancy import pregnancy_requirement
from shared.records import new_record, timestamps
from shared.study import default_study, load_study
from shared.study.loader import parse_study
from shared.validation import validate_record
from shared.values import partial_date_bounds

STUDY = default_study()
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
SCREENING = date(2026, 11, 20)


def _record(kind: str, data: dict[str, Any], visit_id: str | None = None, study: Any = STUDY) -> dict[str, Any]:
    rec = new_record(kind=kind, study_id=study.study.id, study_version=study.study.version, site_id="PKU",
                     participant_id="PKU-001", data=data, entered_by="staff:nurse.a", device_id="dev-1",
                     visit_id=visit_id, timezone="Asia/Shanghai")
    rec.update(dict(zip(("collected_at", "collected_at_local"), timestamps("Asia/Shanghai", NOW), strict=True)))
    return rec


def _refusals(rec: dict[str, Any], study: Any = STUDY) -> dict[str, str]:
    with pytest.raises(RecordInvalid) as refused:
        validate_record(rec, study, now=NOW)
    return {p.field: p.code or p.message for p in refused.value.problems}


def conmed(**overrides: Any) -> dict[str, Any]:
    data = {"name": "Hydroxychloroquine", "atc_class": "P01BA", "dose": 200, "dose_unit": "mg", "route": "ORAL",
            "frequency": "BID", "start_date": "2024-03", "end_date": None, "ongoing": True,
            "indication": "Sjogren's syndrome"}
    return {**data, **overrides}


VITALS = {"systolic_bp": 128, "diastolic_bp": 82, "heart_rate": 72, "temperature": 36.6, "weight": 58.5}


def test_a_complete_medication_with_a_partial_start_date_is_accepted() -> None:
    validate_record(_record("concomitant_medication", conmed()), STUDY, now=NOW)
    validate_record(_record("concomitant_medication", conmed(dose=None, dose_unit=None, ongoing=False,
                                                             end_date="2026-08-15")), STUDY, now=NOW)


def test_a_medication_class_must_come_from_the_study_files_atc_list() -> None:
    assert _refusals(_record("concomitant_medication", conmed(atc_class="Z99")))["data.atc_class"] == \
        "conmed.atc_class_unknown"


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"ongoing": False}, "data.end_date", "conmed.end_required"),
    ({"end_date": "2026-01-01"}, "data.end_date", "conmed.end_while_ongoing"),
    ({"ongoing": False, "end_date": "2023-12"}, "data.end_date", "conmed.end_before_start"),
    ({"dose_unit": None}, "data.dose_unit", "conmed.dose_needs_unit"),
    ({"start_date": "2024-13"}, "data.start_date", "value.partial_date_invalid"),
])
def test_medication_cross_field_rules_name_the_field(overrides: dict[str, Any], field: str, code: str) -> None:
    assert _refusals(_record("concomitant_medication", conmed(**overrides)))[field] == code


def test_medication_route_frequency_and_dose_are_from_their_vocabularies() -> None:
    refused = _refusals(_record("concomitant_medication", conmed(route="by mouth", frequency="daily", dose="200",
                                                                 extra=1)))
    assert {"data.route", "data.frequency", "data.dose", "data.extra"} <= set(refused)


def test_a_medication_or_history_entry_belongs_to_no_visit() -> None:
    assert "visit_id" in _refusals(_record("concomitant_medication", conmed(), visit_id="baseline"))
    assert "visit_id" in _refusals(_record("medical_history", {"condition": "Hypertension", "start_date": "2015",
                                                               "ongoing": True}, visit_id="baseline"))


def test_medical_history_needs_a_condition_and_whether_it_is_ongoing() -> None:
    validate_record(_record("medical_history", {"condition": "Hypothyroidism", "start_date": "2019-05",
                                                "ongoing": True}), STUDY, now=NOW)
    validate_record(_record("medical_history", {"condition": "Appendicitis", "start_date": None,
                                                "ongoing": False}), STUDY, now=NOW)
    refused = _refusals(_record("medical_history", {"condition": " ", "ongoing": "yes"}))
    assert {"data.condition", "data.ongoing"} <= set(refused)


def test_dates_after_the_day_of_entry_are_implausible() -> None:
    for kind, data in (("concomitant_medication", conmed(start_date="2027-01")),
                       ("medical_history", {"condition": "Asthma", "start_date": "2026-12-25", "ongoing": True})):
        with pytest.raises(RecordTimeImplausible) as refused:
            validate_record(_record(kind, data), STUDY, now=NOW)
        assert refused.value.problems[0].field == "data.start_date"


def test_vital_signs_are_taken_at_the_visits_the_study_file_names() -> None:
    for visit in STUDY.clinical_record.vital_signs_visits:
        validate_record(_record("vital_signs", VITALS, visit), STUDY, now=NOW)
    assert _refusals(_record("vital_signs", VITALS, None))["visit_id"] == "record.visit_not_scheduled_for_kind"


@pytest.mark.parametrize(("field", "value", "code"), [
    ("temperature", 98.6, "vitals.implausible"),          # Fahrenheit typed into a Celsius field
    ("weight", 580, "vitals.implausible"),
    ("heart_rate", 72.5, "value.not_whole_number"),
    ("temperature", 36.65, "value.too_many_decimals"),
    ("diastolic_bp", 130, "vitals.diastolic_not_below_systolic"),
    ("systolic_bp", None, "vitals.bp_incomplete"),
])
def test_vital_signs_outside_their_plausible_range_or_form_are_refused(field: str, value: Any, code: str) -> None:
    assert code in _refusals(_record("vital_signs", {**VITALS, field: value}, "baseline")).values()


def test_a_vital_signs_record_needs_a_measurement() -> None:
    assert _refusals(_record("vital_signs", {}, "baseline"))["data"] == "vitals.empty"
    validate_record(_record("vital_signs", {"weight": 61.0}, "week4"), STUDY, now=NOW)


def test_a_pregnancy_test_has_a_date_method_result_and_a_named_visit() -> None:
    validate_record(_record("pregnancy_test", {"test_date": "2026-11-30", "method": "urine",
                                               "result": "negative"}, "baseline"), STUDY, now=NOW)
    refused = _refusals(_record("pregnancy_test", {"test_date": "2026-11", "method": "saliva",
                                                   "result": "unclear"}, "week2"))
    assert {"visit_id", "data.test_date", "data.method", "data.result"} <= set(refused)


def test_a_pregnancy_test_cannot_be_dated_after_its_entry() -> None:
    with pytest.raises(RecordTimeImplausible):
        validate_record(_record("pregnancy_test", {"test_date": "2026-12-02", "method": "serum",
                                                   "result": "negative"}, "baseline"), STUDY, now=NOW)


def test_partial_dates_mean_their_first_to_last_day() -> None:
    assert partial_date_bounds("2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert partial_date_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert partial_date_bounds("2024-12") == (date(2024, 12, 1), date(2024, 12, 31))
    assert partial_date_bounds("2024-02-30") is None
    assert partial_date_bounds(2024) is None


# ---- exclusion by ATC class and look-back --------------------------------------------------------------------

def test_a_biologic_class_taken_within_the_look_back_excludes_whatever_its_name() -> None:
    given = [conmed(name="Drug X", atc_class="L04AB", ongoing=False, end_date="2026-09-01")]
    code, reason, params = medication_exclusion(STUDY, given, SCREENING)
    assert code == "eligibility.excluded_medication" and params["days"] == 90 and "Drug X (L04AB)" in reason


def test_the_look_back_counts_from_the_screening_date() -> None:
    day_91 = conmed(atc_class="L01FA", ongoing=False, end_date="2026-08-21")   # 91 days before screening
    day_90 = conmed(atc_class="L01FA", ongoing=False, end_date="2026-08-22")
    assert medication_exclusion(STUDY, [day_91], SCREENING) is None
    assert medication_exclusion(STUDY, [day_90], SCREENING) is not None


def test_an_ongoing_biologic_excludes_and_one_started_after_screening_does_not() -> None:
    assert medication_exclusion(STUDY, [conmed(atc_class="L04AC", start_date="2020")], SCREENING) is not None
    later = conmed(atc_class="L04AC", start_date="2026-11-25")
    assert medication_exclusion(STUDY, [later], SCREENING) is None


def test_a_partial_end_date_excludes_when_it_cannot_be_ruled_out() -> None:
    in_month = conmed(atc_class="L04AG", start_date="2025", ongoing=False, end_date="2026-08")
    assert medication_exclusion(STUDY, [in_month], SCREENING) is not None      # may have been 31 August
    assert medication_exclusion(STUDY, [{**in_month, "end_date": "2026-07"}], SCREENING) is None


def test_a_level_five_code_under_a_listed_class_counts_and_other_classes_do_not() -> None:
    assert medication_exclusion(STUDY, [conmed(atc_class="L04AA24")], SCREENING) is not None
    assert medication_exclusion(STUDY, [conmed(atc_class="L04AA")], SCREENING) is None   # mycophenolate's class
    assert medication_exclusion(STUDY, [conmed()], SCREENING) is None


def test_without_a_screening_date_the_exclusion_cannot_be_assessed() -> None:
    assert medication_exclusion(STUDY, [], None)[0] == "eligibility.screening_date_missing"


# ---- negative pregnancy test before the first dose -----------------------------------------------------------

FIRST_DOSE = date(2026, 12, 1)


def _test(day: str, result: str = "negative") -> dict[str, str]:
    return {"test_date": day, "method": "urine", "result": result}


def test_not_of_childbearing_potential_needs_no_test_and_unknown_is_never_assumed() -> None:
    assert pregnancy_requirement(STUDY, childbearing_potential=False, tests=[], first_dose=FIRST_DOSE) is None
    assert pregnancy_requirement(STUDY, childbearing_potential=None, tests=[],
                                 first_dose=FIRST_DOSE)[0] == "eligibility.childbearing_unknown"


@pytest.mark.parametrize(("tests", "code"), [
    ([_test("2026-11-24")], None),                                     # 7 days before: inside the window
    ([_test("2026-11-23")], "eligibility.pregnancy_test_too_old"),
    ([], "eligibility.pregnancy_test_missing"),
    ([_test("2026-12-02")], "eligibility.pregnancy_test_missing"),      # after the first dose does not count
    ([_test("2026-11-28"), _test("2026-11-30", "positive")], "eligibility.pregnancy_test_positive"),
    ([_test("2026-11-28", "positive"), _test("2026-11-30")], None),
    ([_test("2026-11-30", "positive"), _test("2026-11-30")], "eligibility.pregnancy_test_positive"),
])
def test_the_latest_test_must_be_negative_and_within_the_window(tests: list[dict[str, str]],
                                                                 code: str | None) -> None:
    failure = pregnancy_requirement(STUDY, childbearing_potential=True, tests=tests, first_dose=FIRST_DOSE)
    assert (failure[0] if failure else None) == code


def test_a_study_without_the_rules_still_loads_and_requires_nothing() -> None:
    other = load_study("tests/studies/synthetic_two_arm.toml")
    assert medication_exclusion(other, [conmed(atc_class="L04AB")], SCREENING) is None
    assert pregnancy_requirement(other, childbearing_potential=True, tests=[], first_dose=FIRST_DOSE) is None


def test_the_study_file_section_names_only_known_visits_criteria_and_classes() -> None:
    text = open("shared/study/studies/nct05605665.toml", encoding="utf-8").read()
    with pytest.raises(Exception, match="not a visit"):
        parse_study(text.replace('vital_signs_visits = ["screening"', 'vital_signs_visits = ["nowhere"'))
    with pytest.raises(Exception, match="no medication could match"):
        parse_study(text.replace('atc_classes = ["L01FA"', 'atc_classes = ["B01"'))
    with pytest.raises(Exception, match="'E99' is not an exclusion criterion"):
        parse_study(text.replace('criterion = "E6"', 'criterion = "E99"'))
    with pytest.raises(Exception, match=r"E6: check = 'medication' needs clinical_record\.medication_exclusion"):
        parse_study(text.replace('criterion = "E6"', 'criterion = "E5"'))


# ---- called from the randomisation assessment (shared/eligibility_checks.py) ---------------------------------

def _screened(born: date, sex: str) -> list[dict[str, Any]]:
    """A screening record (consent 2026-11-01, screened 2026-11-02) and a high eligibility-visit score."""
    import random

    from shared.synthetic_screening import answers_scoring, attested, screening_data

    screening = _record("screening", screening_data(STUDY, born=born, sex=sex, consent=date(2026, 11, 1),
                                                    screening=date(2026, 11, 2), criteria=attested(STUDY),
                                                    screening_score=7))
    inst, visit = STUDY.instrument_with_role("clinician_index"), STUDY.visit_with_role("eligibility")
    score = _record("instrument_response", answers_scoring(inst, 6, random.Random(1)), visit.id)
    score.update(instrument_id=inst.id, instrument_version=inst.version)
    return [screening, score]


RANDOMISED_ON = date(2026, 11, 20)


def test_randomisation_of_a_woman_of_childbearing_potential_needs_a_recent_negative_test() -> None:
    from shared.eligibility import assess_randomisation

    records = _screened(date(1990, 5, 1), "F")
    assert records[0]["data"]["childbearing_potential"] is True
    failures = assess_randomisation(STUDY, records, RANDOMISED_ON)
    assert [(f.criterion_id, f.code) for f in failures] == [("I5", "eligibility.pregnancy_test_missing")]
    negative = _record("pregnancy_test", _test("2026-11-18"), "baseline")
    assert assess_randomisation(STUDY, [*records, negative], RANDOMISED_ON) == []


def test_randomisation_of_a_man_needs_no_pregnancy_test_but_no_recent_biologic() -> None:
    from shared.eligibility import assess_randomisation

    records = _screened(date(1980, 5, 1), "M")
    assert assess_randomisation(STUDY, records, RANDOMISED_ON) == []
    biologic = _record("concomitant_medication", conmed(name="Study-unrelated antibody", atc_class="L04AC",
                                                        ongoing=False, start_date="2026-06",
                                                        end_date="2026-09-15"))
    failures = assess_randomisation(STUDY, [*records, biologic], RANDOMISED_ON)
    assert [(f.criterion_id, f.code) for f in failures] == [("E6", "eligibility.excluded_medication")]
    assert failures[0].params["criterion"] == "E6" and failures[0].params["days"] == 90


def test_staff_no_longer_attest_the_computed_criteria_at_screening() -> None:
    from shared.synthetic_screening import attested

    assert {"E6", "I5"}.isdisjoint(attested(STUDY))
    screening = _screened(date(1980, 5, 1), "M")[0]
    screening["data"]["criteria"]["E6"] = False
    assert "data.criteria" in _refusals(screening)
