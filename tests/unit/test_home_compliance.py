"""Daily compliance from the home diary (issue 24, review gap 1): one entry is about one day, so a weekly
schedule is counted per week of the entries' span, a day answered "no dose was due" expects none, and a value
over 100 % appears only when more doses were taken than the schedule allows (flagged, never clipped)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.home_compliance import NOT_DUE, daily_compliance, over_schedule
from shared.home_entries import home_dosing_id
from shared.study import default_study

STUDY = default_study()
HOME_DOSING = home_dosing_id(STUDY)
START = date(2026, 3, 2)
# an arm with one weekly (fewer than 7 doses a week) and/or one daily drug, read from the study file
WEEKLY = next(t for a in STUDY.arms for t in a.treatments if t.doses_per_week < 7)
DAILY = next(t for a in STUDY.arms for t in a.treatments if t.doses_per_week >= 7)
WEEKLY_ARM = next(a.code for a in STUDY.arms if [t.drug for t in a.treatments] == [WEEKLY.drug])
DAILY_ARM = next(a.code for a in STUDY.arms if [t.drug for t in a.treatments] == [DAILY.drug])


def _entry(day: date, drug: str, answer: str) -> dict[str, Any]:
    """answer: "taken", "forgot" or "not_due"."""
    dose = {"taken": True, "time_taken": "08:30"} if answer == "taken" else {"taken": False, "missed_reason": answer}
    return {"record_id": f"h-{day}", "participant_id": "P-1", "site_id": "S", "kind": "instrument_response",
            "instrument_id": HOME_DOSING, "instrument_version": "1.0", "visit_id": None, "source": "home",
            "collected_at": f"{day.isoformat()}T12:00:00Z", "data": {"diary_date": day.isoformat(),
                                                                      "doses": {drug: dose}}}


def _days(drug: str, answers: list[str]) -> list[dict[str, Any]]:
    return [_entry(START + timedelta(days=n), drug, a) for n, a in enumerate(answers) if a]


def test_one_weekly_injection_on_its_day_is_100_not_350_percent() -> None:
    c = daily_compliance(_days(WEEKLY.drug, ["taken"]), STUDY, WEEKLY_ARM)
    assert c is not None and c.compliance_pct == 100.0 and not over_schedule(c)


def test_a_full_week_of_a_twice_weekly_drug_expects_its_doses_per_week() -> None:
    week = ["not_due", "not_due", "taken", "not_due", "not_due", "taken", "not_due"]
    c = daily_compliance(_days(WEEKLY.drug, week), STUDY, WEEKLY_ARM)
    assert c is not None
    assert (c.drugs[0].taken, c.drugs[0].expected, c.compliance_pct) == (2, WEEKLY.doses_per_week, 100.0)
    missed_one = ["not_due", "not_due", "taken", "not_due", "not_due", "forgot", "not_due"]
    c = daily_compliance(_days(WEEKLY.drug, missed_one), STUDY, WEEKLY_ARM)
    assert c is not None and (c.drugs[0].taken, c.drugs[0].expected, c.compliance_pct) == (1, 2, 50.0)


def test_a_not_due_day_expects_no_dose() -> None:
    c = daily_compliance(_days(DAILY.drug, [NOT_DUE]), STUDY, DAILY_ARM)
    assert c is not None and (c.drugs[0].taken, c.drugs[0].expected, c.compliance_pct) == (0, 0, None)
    c = daily_compliance(_days(DAILY.drug, ["taken", NOT_DUE, "forgot", "taken"]), STUDY, DAILY_ARM)
    assert c is not None and (c.drugs[0].taken, c.drugs[0].expected, c.compliance_pct) == (2, 3, 66.7)


def test_more_doses_than_the_schedule_allows_shows_over_100_and_is_flagged() -> None:
    three = ["taken", "not_due", "taken", "not_due", "taken", "not_due", "not_due"]
    c = daily_compliance(_days(WEEKLY.drug, three), STUDY, WEEKLY_ARM)
    assert c is not None and c.compliance_pct == 150.0 and over_schedule(c)


def test_days_without_an_entry_are_not_counted_as_due() -> None:
    # two weeks, the second injection day of week 2 left without an entry: 3 due days recorded, 3 taken
    days = ["not_due", "not_due", "taken", "", "", "taken", "not_due",
            "not_due", "not_due", "taken", "", "", "", "not_due"]
    c = daily_compliance(_days(WEEKLY.drug, days), STUDY, WEEKLY_ARM)
    assert c is not None and (c.drugs[0].taken, c.drugs[0].expected, c.days) == (3, 3, 9)


def test_no_home_entry_no_compliance() -> None:
    assert daily_compliance([], STUDY, WEEKLY_ARM) is None
