"""The BDS derivations of ADQS and ADLB (server/analysis/bds.py): baseline, change and the analysis record."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.analysis.bds import ORDER, derive, study_day


def _row(day: int, value: float | None, visit: str, avisitn: int | None, n: int = 0) -> dict[str, Any]:
    adt = date(2026, 1, day)
    return {"AVAL": value, "ADT": adt, "AVISIT": visit, "AVISITN": avisitn, "SRC": f"{day}-{n}",
            ORDER: (adt, f"{n:02d}", f"{day}-{n}")}


def test_the_baseline_is_the_last_value_on_or_before_the_first_dose_and_change_is_after_it() -> None:
    rows = derive([_row(20, 8.0, "Week 2", 14), _row(1, 5.0, "Screening", -28), _row(6, 6.0, "Baseline", 0),
                   _row(6, None, "Baseline", 0, n=1), _row(30, 3.0, "Week 4", 28)],
                  first_dose=date(2026, 1, 6), baseline_day=date(2026, 1, 6))
    assert [r["SRC"] for r in rows] == ["1-0", "6-0", "6-1", "20-0", "30-0"]          # in time order
    assert [r["ABLFL"] for r in rows] == ["", "Y", "", "", ""]
    assert {r["BASE"] for r in rows} == {6.0}
    assert [r["CHG"] for r in rows] == [None, None, None, 2.0, -3.0]                    # AVAL - BASE, after it
    assert rows[3]["PCHG"] == 100 * 2.0 / 6.0 and rows[4]["PCHG"] == -50.0
    assert [r["ANL01FL"] for r in rows] == ["Y", "Y", "", "Y", "Y"]
    assert all(ORDER not in r for r in rows)


def test_a_participant_never_dosed_takes_the_baseline_visit_day_and_an_unscheduled_visit_is_never_analysed() -> None:
    rows = derive([_row(3, 4.0, "Baseline", 0), _row(9, 7.0, "Unscheduled", None), _row(9, 2.0, "Week 2", 14),
                   _row(10, 1.0, "Week 2", 14, n=1)], first_dose=None, baseline_day=date(2026, 1, 3))
    assert [r["ABLFL"] for r in rows] == ["Y", "", "", ""]
    assert [r["ANL01FL"] for r in rows] == ["Y", "", "", "Y"]        # the latest of two at week 2
    assert [r["CHG"] for r in rows] == [None, 3.0, -2.0, -3.0]


def test_no_value_on_or_before_the_reference_day_means_no_baseline_and_no_change() -> None:
    rows = derive([_row(9, 2.0, "Week 2", 14)], first_dose=date(2026, 1, 6), baseline_day=None)
    assert rows[0]["ABLFL"] == "" and rows[0]["BASE"] is None and rows[0]["CHG"] is None
    assert rows[0]["ANL01FL"] == "Y"


def test_a_baseline_of_zero_has_a_change_but_no_percent_change() -> None:
    rows = derive([_row(1, 0.0, "Baseline", 0), _row(9, 2.0, "Week 2", 14)], first_dose=date(2026, 1, 1),
                  baseline_day=None)
    assert rows[1]["CHG"] == 2.0 and rows[1]["PCHG"] is None


def test_the_analysis_study_day_has_no_day_zero() -> None:
    first = date(2026, 1, 6)
    assert [study_day(date(2026, 1, d), first) for d in (4, 5, 6, 7)] == [-2, -1, 1, 2]
    assert study_day(date(2026, 1, 6), None) is None
