"""First-dose date and dosing periods (shared/exposure.py): the rules both the server and the exports use."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.exposure import first_dose_date, periods
from shared.study import default_study

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
