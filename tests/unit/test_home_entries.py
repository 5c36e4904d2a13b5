"""Home diary entries on the clinic side (issue 24): a home entry wins over the clinic's recall diary for its date,
the recall asks only about dates without one, missed diary days, and where a record came from."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.compliance import compliance
from shared.exposure import diary_dates, first_dose_date, taken_by_date
from shared.home_entries import CLINIC, HOME, home_dosing_id, missed_days, record_source
from shared.study import default_study

STUDY = default_study()
BASELINE = date(2026, 3, 2)
HOME_DOSING = home_dosing_id(STUDY)


def _dated(collected_at: str, days: dict[str, list[str]]) -> dict[str, Any]:
    return {"record_id": f"d-{collected_at}", "participant_id": "PKU-001", "site_id": "PKU",
            "kind": "instrument_response", "instrument_id": "dosing_diary", "instrument_version": "2.0",
            "visit_id": "week2", "collected_at": collected_at, "data": {"doses_taken": days}}


def _home(day: date, taken: bool, *, drug: str = "rapamycin", at: str | None = None) -> dict[str, Any]:
    entry = {"taken": True, "time_taken": "08:30"} if taken else {"taken": False, "missed_reason": "forgot"}
    return {"record_id": f"h-{day}", "participant_id": "PKU-001", "site_id": "PKU", "kind": "instrument_response",
            "instrument_id": HOME_DOSING, "instrument_version": "1.0", "visit_id": None,
            "collected_at": at or f"{day.isoformat()}T12:00:00Z",
            "data": {"diary_date": day.isoformat(), "doses": {drug: entry}}}


def test_the_study_has_a_daily_home_dosing_diary() -> None:
    assert HOME_DOSING is not None


def test_a_home_entry_wins_over_the_clinic_diary_for_its_date_whatever_came_later() -> None:
    d3, d4 = date(2026, 3, 3), date(2026, 3, 4)
    clinic = _dated("2026-03-16T02:00:00Z", {"2026-03-03": ["rapamycin"], "2026-03-04": ["rapamycin"]})
    home = _home(d3, taken=False, at="2026-03-03T13:00:00Z")       # made before the clinic's recall
    taken = taken_by_date([clinic, home])
    assert taken[d3] == frozenset() and taken[d4] == frozenset({"rapamycin"})
    assert taken_by_date([home, clinic]) == taken                     # any order


def test_compliance_counts_the_home_answer_once_on_a_date_both_cover() -> None:
    clinic = _dated("2026-03-16T02:00:00Z", {"2026-03-03": ["rapamycin"], "2026-03-04": ["rapamycin"]})
    home = [_home(date(2026, 3, 3), taken=False), _home(date(2026, 3, 5), taken=True)]
    c = compliance([clinic, *home], STUDY, "RAPA", baseline_date=BASELINE)
    [rapa] = c.drugs
    assert (rapa.taken, rapa.expected, c.days) == (2, 3.0, 3)       # 3rd: home says no; 4th clinic; 5th home
    assert (c.first_day, c.last_day) == (date(2026, 3, 3), date(2026, 3, 5))


def test_the_first_dose_date_comes_from_the_home_entry_where_it_wins() -> None:
    clinic = _dated("2026-03-16T02:00:00Z", {"2026-03-03": ["rapamycin"], "2026-03-04": ["rapamycin"]})
    assert first_dose_date([clinic], STUDY, baseline_date=BASELINE) == date(2026, 3, 3)
    home = _home(date(2026, 3, 3), taken=False)
    assert first_dose_date([clinic, home], STUDY, baseline_date=BASELINE) == date(2026, 3, 4)
    assert first_dose_date([_home(date(2026, 3, 2), taken=True)], STUDY, baseline_date=BASELINE) == BASELINE


def test_the_clinic_recall_asks_only_about_dates_without_a_home_entry() -> None:
    today = date(2026, 3, 16)
    at_home = {date(2026, 3, 10), date(2026, 3, 11), today}
    asked = diary_dates(previous_end=date(2026, 3, 8), baseline=BASELINE, today=today, home_dates=at_home)
    assert asked == [date(2026, 3, 9), *(date(2026, 3, n) for n in range(12, 16))]
    every = {date(2026, 3, 9) + timedelta(days=n) for n in range(8)}
    assert diary_dates(previous_end=date(2026, 3, 8), baseline=BASELINE, today=today, home_dates=every) == []


def test_missed_days_run_from_activation_to_yesterday_without_an_entry() -> None:
    today = date(2026, 3, 10)
    entered = [date(2026, 3, 5), date(2026, 3, 7), today]
    assert missed_days(start=date(2026, 3, 5), today=today, entered=entered) == [
        date(2026, 3, 6), date(2026, 3, 8), date(2026, 3, 9)]
    assert missed_days(start=None, today=today, entered=[]) == []                  # no home diary
    assert missed_days(start=today, today=today, entered=[]) == []                 # today is not over
    # the first dose after activation: nothing is missed before it
    assert missed_days(start=date(2026, 3, 5), first_dose=date(2026, 3, 8), today=today, entered=[]) == [
        date(2026, 3, 8), date(2026, 3, 9)]


def test_no_missed_days_on_or_after_a_disposition() -> None:
    got = missed_days(start=date(2026, 3, 5), today=date(2026, 3, 20), entered=[], ended=date(2026, 3, 7))
    assert got == [date(2026, 3, 5), date(2026, 3, 6)]
    assert missed_days(start=date(2026, 3, 5), today=date(2026, 3, 20), entered=[], ended=date(2026, 3, 5)) == []


def test_the_source_comes_from_the_device_kind_only() -> None:
    assert record_source("participant_app") == HOME
    assert [record_source(k) for k in ("kiosk", None, "", "app")] == [CLINIC] * 4


def test_a_symptoms_entry_made_at_home_is_no_dosing_day() -> None:
    symptoms = STUDY.instrument_with_role("symptoms")
    assert symptoms is not None
    rec = {"record_id": "s-1", "instrument_id": symptoms.id, "instrument_version": symptoms.version,
           "collected_at": "2026-03-05T12:00:00Z", "visit_id": None,
           "data": {"diary_date": "2026-03-05", **{it.id: True for it in symptoms.items if it.tags}}}
    assert taken_by_date([rec]) == {}
