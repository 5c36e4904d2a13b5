"""First-dose date and dosing periods (shared/exposure.py): the rules both the server and the exports use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.compliance import compliance, compliance_of
from shared.errors import RecordTimeImplausible
from shared.exposure import (
    MAX_DIARY_DAYS,
    Exposure,
    baseline_date,
    check_calendar,
    diary_dates,
    dose_runs,
    first_dose_date,
    last_dose_date,
    periods,
    scheduled_on,
    taken_by_date,
    winning_days,
)
from shared.home_entries import home_dosing_id
from shared.records import new_record, timestamps
from shared.site_time import site_local_date
from shared.study import default_study
from shared.validation import validate_record

STUDY = default_study()
BASELINE = date(2026, 3, 2)


def _counted(collected_at: str, il2: int, rapa: int) -> dict[str, Any]:
    return {"record_id": f"r-{collected_at}", "participant_id": "PKU-001", "site_id": "PKU",
            "kind": "instrument_response", "instrument_id": "dosing_diary", "instrument_version": "1.0",
            "collected_at": collected_at, "data": {"il2_injections": il2, "rapamycin_days": rapa,
                                                    "any_missed": False}}


def test_no_diary_yet_the_first_dose_is_the_baseline_visit_and_none_before_it() -> None:
    assert first_dose_date([], STUDY, baseline_date=BASELINE) == BASELINE
    assert first_dose_date([], STUDY, baseline_date=None) is None


def test_a_counted_diary_reporting_doses_dates_the_first_dose_at_the_start_of_its_period() -> None:
    first = _counted("2026-03-16T02:00:00Z", 4, 14)
    assert first_dose_date([first], STUDY, baseline_date=BASELINE) == BASELINE


def test_diaries_that_report_no_dose_mean_no_first_dose() -> None:
    zero = [_counted("2026-03-16T02:00:00Z", 0, 0), _counted("2026-03-30T02:00:00Z", 0, 0)]
    assert first_dose_date(zero, STUDY, baseline_date=BASELINE) is None


def test_the_first_period_reporting_a_dose_gives_the_date_even_after_an_empty_one() -> None:
    diaries = [_counted("2026-03-30T02:00:00Z", 2, 0), _counted("2026-03-16T02:00:00Z", 0, 0)]  # any order
    assert first_dose_date(diaries, STUDY, baseline_date=BASELINE) == date(2026, 3, 17)


def test_counted_periods_follow_each_other_by_site_local_day() -> None:
    # 23:30 UTC on 15 March is 07:30 on 16 March in Beijing: the diary's day is the 16th
    diaries = [_counted("2026-03-15T23:30:00Z", 4, 14), _counted("2026-03-30T02:00:00Z", 4, 14)]
    spans = [(start, end) for _rec, start, end in periods(diaries, STUDY, baseline_date=BASELINE)]
    assert spans == [(BASELINE, date(2026, 3, 16)), (date(2026, 3, 17), date(2026, 3, 30))]


def test_an_unreadable_diary_counts_as_no_dose_and_never_raises() -> None:
    odd = {**_counted("2026-03-16T02:00:00Z", 0, 0), "data": {"il2_injections": "4"}}
    assert first_dose_date([odd], STUDY, baseline_date=BASELINE) is None


# ---- dated diaries (dosing_diary 2.0) -------------------------------------------------------------
def _dated(collected_at: str, days: dict[str, list[str]], **extra: Any) -> dict[str, Any]:
    return {"record_id": f"d-{collected_at}", "participant_id": "PKU-001", "site_id": "PKU", "revision": 1,
            "kind": "instrument_response", "instrument_id": "dosing_diary", "instrument_version": "2.0",
            "collected_at": collected_at, "data": {"doses_taken": days, **extra}}


def _days(start: date, n: int, taken: Any) -> dict[str, list[str]]:
    return {(start + timedelta(days=i)).isoformat(): taken(i) for i in range(n)}


def test_the_first_dose_of_a_dated_diary_is_the_first_day_ticked() -> None:
    days = _days(BASELINE, 5, lambda i: [] if i < 2 else ["rapamycin"])
    assert first_dose_date([_dated("2026-03-06T02:00:00Z", days)], STUDY, baseline_date=BASELINE) == date(2026, 3, 4)
    nothing = _days(BASELINE, 5, lambda i: [])
    assert first_dose_date([_dated("2026-03-06T02:00:00Z", nothing)], STUDY, baseline_date=BASELINE) is None


def test_compliance_counts_dose_days_against_the_arms_schedule_over_the_actual_dates() -> None:
    # 15 days since baseline (a late visit): IL-2 twice weekly expects 15 x 2/7, rapamycin every day
    days = _days(BASELINE, 15, lambda i: ["rapamycin"] + (["il2"] if i in (0, 3, 7, 10) else []) if i != 5 else [])
    c = compliance([_dated("2026-03-16T02:00:00Z", days)], STUDY, "IL2RAPA", baseline_date=BASELINE)
    by = {d.drug: d for d in c.drugs}
    assert (by["il2"].taken, by["il2"].expected, by["il2"].compliance_pct) == (4, 4.3, 93.3)
    assert (by["rapamycin"].taken, by["rapamycin"].expected, by["rapamycin"].compliance_pct) == (14, 15.0, 93.3)
    assert c.days == 15 and c.first_day == BASELINE and c.compliance_pct == 93.3


def test_compliance_of_an_arm_without_a_drug_ignores_that_drug_and_mixes_diary_versions() -> None:
    counted = _counted("2026-03-16T02:00:00Z", 0, 14)             # 1.0: 14 rapamycin days over 15 days
    dated = _dated("2026-03-30T02:00:00Z", _days(date(2026, 3, 17), 14, lambda i: ["rapamycin"]))
    c = compliance([dated, counted], STUDY, "RAPA", baseline_date=BASELINE)
    [rapa] = c.drugs
    assert (rapa.drug, rapa.taken, rapa.expected) == ("rapamycin", 28, 29.0) and c.days == 29


def test_a_calendar_must_list_dates_within_the_longest_period_and_only_the_arms_drugs() -> None:
    drugs = STUDY.arm("RAPA").drugs
    assert check_calendar({"2026-03-02": ["rapamycin"], "2026-03-03": []}, "data.doses_taken", drugs) is None
    # a day recorded at home (the 3rd) is not asked again: the clinic diary skips it (issue 24)
    assert check_calendar({"2026-03-02": [], "2026-03-04": []}, "data.doses_taken", drugs) is None
    far = {BASELINE.isoformat(): [], (BASELINE + timedelta(days=MAX_DIARY_DAYS)).isoformat(): []}
    for bad, code in (({}, "dosing.not_a_calendar"), ([], "dosing.not_a_calendar"),
                      ({"2026-03-02": ["il2"]}, "dosing.drug_not_in_arm"),
                      ({"2026-03-02": "rapamycin"}, "dosing.not_a_drug_list"),
                      ({"2026-03-02": ["rapamycin", "rapamycin"]}, "dosing.not_a_drug_list"),
                      ({"2026-02-30": []}, "value.date_invalid"),
                      (far, "dosing.period_too_long"),
                      (_days(BASELINE, MAX_DIARY_DAYS + 1, lambda i: []), "dosing.period_too_long")):
        problem = check_calendar(bad, "data.doses_taken", drugs)
        assert problem is not None and problem.code == code, (bad, problem)
        assert problem.field.startswith("data.doses_taken") and "allowed" in problem.message


def test_a_dated_diary_is_refused_with_a_future_day_or_one_before_consent() -> None:
    study = STUDY
    today = date(2026, 3, 16)
    rec = new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                     site_id="PKU", participant_id="PKU-001", entered_by="participant", device_id="dev-1",
                     visit_id="week2", instrument_id="dosing_diary", instrument_version="2.0", timezone="Asia/Shanghai",
                     data={"doses_taken": _days(date(2026, 3, 2), 16, lambda i: ["rapamycin"])})
    rec["collected_at"], rec["collected_at_local"] = timestamps("Asia/Shanghai", datetime(2026, 3, 16, 2, tzinfo=UTC))
    with pytest.raises(RecordTimeImplausible) as refused:
        validate_record(rec, study, arm_code="RAPA", consent_date=date(2026, 3, 3),
                        now=datetime(2026, 3, 16, 3, 0, tzinfo=UTC))
    codes = {p.code for p in refused.value.problems}
    assert codes == {"dosing.date_after_diary", "dosing.date_before_start"}
    rec["data"] = {"doses_taken": _days(date(2026, 3, 3), (today - date(2026, 3, 3)).days + 1, lambda i: [])}
    validate_record(rec, study, arm_code="RAPA", consent_date=date(2026, 3, 3),
                    now=datetime(2026, 3, 16, 3, 0, tzinfo=UTC))


def test_the_next_diary_asks_about_the_days_since_the_last_one() -> None:
    today = date(2026, 3, 30)
    assert diary_dates(previous_end=None, baseline=BASELINE, today=date(2026, 3, 4)) == [
        BASELINE, date(2026, 3, 3), date(2026, 3, 4)]
    assert diary_dates(previous_end=date(2026, 3, 16), baseline=BASELINE, today=today)[0] == date(2026, 3, 17)
    assert diary_dates(previous_end=today, baseline=BASELINE, today=today) == [today]    # a second one today
    assert diary_dates(previous_end=None, baseline=None, today=today) == [today]
    assert len(diary_dates(previous_end=None, baseline=date(2025, 1, 1), today=today)) == MAX_DIARY_DAYS


def test_runs_of_days_and_the_schedule() -> None:
    d = date(2026, 3, 2)
    assert dose_runs([d, d + timedelta(days=1), d + timedelta(days=3)]) == [
        (d, d + timedelta(days=1)), (d + timedelta(days=3), d + timedelta(days=3))]
    assert [i for i in range(14) if scheduled_on(i, 2)] == [3, 6, 10, 13]
    assert all(scheduled_on(i, 7) for i in range(14)) and sum(scheduled_on(i, 0.5) for i in range(28)) == 2


def test_one_read_of_a_participants_diaries_answers_what_each_rule_answers_from_the_list() -> None:
    # Exposure (issue 25.3): SDTM timing, EX and compliance share one read of the diaries; it must give what the
    # list functions give for counted, dated and home diaries mixed with other records (site days given or not)
    home_id = home_dosing_id(STUDY)
    home = {"record_id": "h-1", "participant_id": "PKU-001", "site_id": "PKU", "kind": "instrument_response",
            "instrument_id": home_id, "instrument_version": "1.0", "visit_id": None, "source": "home",
            "collected_at": "2026-03-20T12:00:00Z",
            "data": {"diary_date": "2026-03-20", "doses": {"rapamycin": {"taken": True, "time_taken": "08:30"}}}}
    baseline_form = {"record_id": "b-1", "participant_id": "PKU-001", "site_id": "PKU", "visit_id": "baseline",
                     "kind": "instrument_response", "instrument_id": "esspri", "instrument_version": "1.0",
                     "collected_at": "2026-03-01T23:30:00Z", "data": {}}   # 07:30 on 2 March in Beijing
    records = [baseline_form, _counted("2026-03-16T02:00:00Z", 0, 14), home,
               _dated("2026-03-30T02:00:00Z", _days(date(2026, 3, 17), 14, lambda i: ["rapamycin"] if i % 3 else []))]
    diaries = records[1:]
    base = baseline_date(records, STUDY)
    assert base == BASELINE
    days = [site_local_date(r["collected_at"], STUDY, r["site_id"]) for r in records]
    for exposure in (Exposure.of_records(records, STUDY), Exposure.of_records(records, STUDY, days=days)):
        assert exposure.baseline == base
        assert exposure.periods() == periods(diaries, STUDY, baseline_date=base)
        assert exposure.first_dose() == first_dose_date(diaries, STUDY, baseline_date=base)
        assert exposure.last_dose() == last_dose_date(diaries, STUDY, baseline_date=base)
        assert exposure.taken == taken_by_date(diaries)
        assert exposure.winning_days() == winning_days(diaries)
        assert compliance_of(exposure, STUDY, "RAPA") == compliance(diaries, STUDY, "RAPA", baseline_date=base)
    assert "h-1" in winning_days(diaries) and date(2026, 3, 20) not in winning_days(diaries)["d-2026-03-30T02:00:00Z"]
