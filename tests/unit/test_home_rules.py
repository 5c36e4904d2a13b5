"""Rules of a home diary entry (issue 24, shared/home.py, shared/home_dosing.py) and the study's [home] section."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.errors import RecordInvalid, RecordTimeImplausible, StudyFileError
from shared.home import check_app_scope, diary_date_before_activation, diary_date_of
from shared.records import timestamps
from shared.study import default_study, parse_study
from shared.study.loader import DEFAULT_STUDY_FILE
from shared.submissions import submission_key
from shared.validation import validate_record

STUDY = default_study()
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)   # 12:00 in Beijing
CONSENT = date(2026, 3, 1)


def _home(data: dict[str, Any], *, instrument: str = "home_dosing", version: str = "1.0",
          participant: str = "PKU-001", **envelope: Any) -> dict[str, Any]:
    collected_at, local = timestamps("Asia/Shanghai", NOW)
    rec = {"record_id": str(uuid.uuid4()), "revision": 1, "kind": "instrument_response",
           "study_id": STUDY.study.id, "study_version": STUDY.study.version, "site_id": "PKU",
           "participant_id": participant, "visit_id": None, "instrument_id": instrument,
           "instrument_version": version, "data": data, "collected_at": collected_at,
           "collected_at_local": local, "entered_by": "participant", "device_id": "dev-app-1",
           "correction_reason": None, "language": "en"}
    rec.update(envelope)
    return rec


def _fields(exc: pytest.ExceptionInfo[RecordInvalid]) -> dict[str, str]:
    return {p.field: p.code for p in exc.value.problems}


def _check(rec: dict[str, Any], arm: str = "IL2RAPA") -> None:
    validate_record(rec, STUDY, arm_code=arm, consent_date=CONSENT, now=NOW)


BOTH = {"il2": {"taken": False, "missed_reason": "not_due"}, "rapamycin": {"taken": True, "time_taken": "08:30"}}


def test_a_daily_dosing_entry_names_each_drug_of_the_arm_once() -> None:
    _check(_home({"diary_date": "2026-03-09", "doses": BOTH}))
    _check(_home({"diary_date": "2026-03-10", "doses": {"rapamycin": {"taken": False, "missed_reason": "forgot"}}}),
           arm="RAPA")
    with pytest.raises(RecordInvalid) as exc:   # the IL-2 entry of a rapamycin-only arm
        _check(_home({"diary_date": "2026-03-09", "doses": BOTH}), arm="RAPA")
    assert _fields(exc) == {"data.doses.il2": "dosing.drug_not_in_arm"}
    with pytest.raises(RecordInvalid) as exc:
        _check(_home({"diary_date": "2026-03-09", "doses": {"il2": BOTH["il2"]}}))
    assert _fields(exc) == {"data.doses.rapamycin": "value.required"}


@pytest.mark.parametrize(("entry", "field", "code"), [
    ({"taken": True}, "time_taken", "dosing.time_taken_invalid"),
    ({"taken": True, "time_taken": "8:30"}, "time_taken", "dosing.time_taken_invalid"),
    ({"taken": True, "time_taken": "24:00"}, "time_taken", "dosing.time_taken_invalid"),
    ({"taken": True, "time_taken": "08:30", "missed_reason": "forgot"}, "missed_reason", "value.only_with"),
    ({"taken": False}, "missed_reason", "dosing.missed_reason_required"),
    ({"taken": False, "missed_reason": "lost it"}, "missed_reason", "dosing.missed_reason_required"),
    ({"taken": False, "missed_reason": "forgot", "time_taken": "08:30"}, "time_taken", "value.only_with"),
    ({"taken": "yes", "time_taken": "08:30"}, "taken", "value.not_true_or_false"),
    ({"taken": True, "time_taken": "08:30", "dose": 1}, "dose", "dosing.not_a_dose_entry"),
])
def test_a_dose_entry_gives_the_time_when_taken_and_the_reason_when_not(entry: dict, field: str, code: str) -> None:
    with pytest.raises(RecordInvalid) as exc:
        _check(_home({"diary_date": "2026-03-09", "doses": {**BOTH, "rapamycin": entry}}))
    assert _fields(exc) == {f"data.doses.rapamycin.{field}": code}
    assert "data.doses.rapamycin" in exc.value.message


def test_the_diary_date_is_required_a_date_and_plausible_at_the_site() -> None:
    with pytest.raises(RecordInvalid) as exc:
        _check(_home({"doses": BOTH}))
    assert _fields(exc) == {"data.diary_date": "home.diary_date_required"}
    with pytest.raises(RecordInvalid) as exc:
        _check(_home({"diary_date": "2026-02-30", "doses": BOTH}))
    assert _fields(exc) == {"data.diary_date": "value.date_invalid"}
    with pytest.raises(RecordTimeImplausible) as exc:   # tomorrow in Beijing
        _check(_home({"diary_date": "2026-03-11", "doses": BOTH}))
    assert _fields(exc) == {"data.diary_date": "home.diary_date_future"}
    with pytest.raises(RecordTimeImplausible) as exc:
        _check(_home({"diary_date": "2026-02-28", "doses": BOTH}))
    assert _fields(exc) == {"data.diary_date": "home.diary_date_too_early"}
    assert "consent" in exc.value.message
    rec = _home({"diary_date": "2026-03-05", "doses": BOTH})
    refused = diary_date_before_activation(rec, date(2026, 3, 6))
    assert refused is not None and refused.code == "home.diary_date_too_early" and refused.value == "2026-03-05"
    assert diary_date_before_activation(rec, date(2026, 3, 5)) is None


def test_only_home_diaries_at_their_version_are_entered_without_a_visit() -> None:
    with pytest.raises(RecordInvalid) as exc:
        _check(_home({"diary_date": "2026-03-09", "activity": 40}, instrument="patient_global_vas"))
    assert _fields(exc) == {"instrument_id": "app.instrument_not_home"}
    with pytest.raises(RecordInvalid) as exc:
        _check(_home({"diary_date": "2026-03-09", "doses": BOTH}, version="9.9"))
    assert _fields(exc) == {"instrument_version": "home.version_not_home"}
    symptoms = {"diary_date": "2026-03-09", "fever_present": True, "fever_severity": "mild"}
    _check(_home(symptoms, instrument="home_symptoms"), arm="IL2")
    # the clinic's checklist asks "since your last visit": it is no home diary (the home one is worded for a day)
    answers = {it.id: False for it in STUDY.instrument("symptom_checklist").items_for(frozenset({"il2"}))
               if it.id.endswith("_present")}
    with pytest.raises(RecordInvalid) as exc:
        _check(_home({**answers, **symptoms}, instrument="symptom_checklist"), arm="IL2")
    assert _fields(exc) == {"instrument_id": "app.instrument_not_home"}


def test_the_home_symptom_diary_is_worded_for_one_day_and_shares_the_checklists_symptoms() -> None:
    home, clinic = STUDY.instrument_with_role("home_symptoms"), STUDY.instrument_with_role("symptoms")
    assert home is not None and clinic is not None and home.id != clinic.id
    assert (home.title.en, home.title.zh) == ("Symptoms on this day", "当天的症状")
    assert home.recall_period is None and home.recall_dates is None and "visit" not in home.instructions.en
    assert [(it.id, it.tags, it.group, it.choices) for it in home.items] == [
        (it.id, it.tags, it.group, it.choices) for it in clinic.items]
    assert home.arm_specific and all(not it.required for it in home.items)
    assert STUDY.home.diaries[1].instrument == home.id and clinic.id not in {d.instrument for d in STUDY.home.diaries}


@pytest.mark.parametrize(("answers", "refused"), [
    ({"rash_present": True, "rash_severity": "severe"}, {}),                          # one symptom, nothing else
    ({"rash_present": True, "rash_severity": "mild", "fever_present": False}, {}),
    ({}, {"data.fever_present": "value.at_least_one"}),                               # no symptom at all
    ({"fever_present": False, "rash_present": False}, {"data.fever_present": "value.at_least_one"}),
    ({"rash_present": True}, {"data.rash_severity": "value.required"}),                # present: how severe
    ({"rash_present": 1, "rash_severity": "mild"}, {"data.rash_present": "value.not_true_or_false",
                                                    "data.fever_present": "value.at_least_one"}),
])
def test_a_home_symptom_report_names_at_least_one_symptom_with_its_severity(answers: dict, refused: dict) -> None:
    rec = _home({"diary_date": "2026-03-09", **answers}, instrument="home_symptoms")
    if not refused:
        _check(rec, arm="IL2")
        return
    with pytest.raises(RecordInvalid) as exc:
        _check(rec, arm="IL2")
    assert {p.field: p.code for p in exc.value.problems} == refused
    rule = next((p for p in exc.value.problems if p.code == "value.at_least_one"), None)
    if rule is not None:   # names the value given and the rule, over the items asked of the arm only
        assert rule.value == {i: answers.get(i) for i in rule.params["items"]} and "rash_present" in rule.allowed
        assert "oral_ulcer_present" not in rule.params["items"] and rule.params["value"] is True


def test_a_daily_diary_has_one_entry_per_day_and_symptoms_any_number() -> None:
    one = _home({"diary_date": "2026-03-09", "doses": BOTH})
    other = _home({"diary_date": "2026-03-09", "doses": BOTH})
    assert submission_key(one, STUDY) == submission_key(other, STUDY) == (
        "PKU-001", "instrument_response", "", "home_dosing", "2026-03-09")
    assert submission_key(_home({"diary_date": "2026-03-08", "doses": BOTH}), STUDY) != submission_key(one, STUDY)
    assert submission_key(_home({"diary_date": "2026-03-09"}, instrument="home_symptoms"), STUDY) is None
    assert diary_date_of(one) == "2026-03-09" and diary_date_of({**one, "visit_id": "week2"}) is None


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"participant_id": "PKU-002"}, "participant_id", "app.participant_mismatch"),
    ({"device_id": "dev-kiosk"}, "device_id", "record.wrong_device"),
    ({"kind": "adverse_event"}, "kind", "app.instrument_not_home"),
    ({"instrument_id": "esspri"}, "instrument_id", "app.instrument_not_home"),
    ({"visit_id": "week2"}, "visit_id", "app.instrument_not_home"),
    ({"instrument_version": "2.0"}, "instrument_version", "app.instrument_not_home"),
    ({"entered_by": "staff:nurse.a"}, "entered_by", "app.entered_by_not_participant"),
])
def test_an_app_sends_only_its_participants_home_entries(change: dict, field: str, code: str) -> None:
    rec = _home({"diary_date": "2026-03-09", "doses": BOTH})
    assert check_app_scope(rec, STUDY, participant_id="PKU-001", device_id="dev-app-1") is None
    refused = check_app_scope({**rec, **change}, STUDY, participant_id="PKU-001", device_id="dev-app-1")
    assert refused is not None and refused.code == code
    (p,) = refused.problems
    assert p.field == field and p.value == change[field] and p.allowed


def test_a_home_section_naming_an_instrument_the_study_lacks_or_a_clinician_one_is_refused() -> None:
    text = DEFAULT_STUDY_FILE.read_text(encoding="utf-8")
    wrong = text.replace('instrument = "home_symptoms"\nversion = "1.0"\nschedule',
                         'instrument = "home_symptoms"\nversion = "2.0"\nschedule')
    with pytest.raises(StudyFileError, match=r"home.diaries\[1\]: home_symptoms 2.0 is not one of"):
        parse_study(wrong)
    clinician = text.replace('instrument = "home_symptoms"\nversion = "1.0"\nschedule',
                             'instrument = "essdai"\nversion = "1.0"\nschedule')
    with pytest.raises(StudyFileError, match="answered by a clinician"):
        parse_study(clinician)
    weekly = text.replace('schedule = "when_occurs"', 'schedule = "weekly"')
    with pytest.raises(StudyFileError, match="schedule"):
        parse_study(weekly)
    assert STUDY.home.activation_hours == 72
    assert [(d.instrument, d.schedule) for d in STUDY.home.diaries] == [("home_dosing", "daily"),
                                                                       ("home_symptoms", "when_occurs")]
