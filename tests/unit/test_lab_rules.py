"""The lab-file row rules (shared/lab.py) and the report's Wilson interval: each refusal names row, field, value.

Rows without a test_code are the first release's Treg-only layout: the study's primary test."""

from __future__ import annotations

from datetime import date

import pytest

from server.exports.report_data import Running, wilson_interval
from shared.lab import validate_lab_row
from shared.study import default_study

TODAY = date(2026, 11, 25)
GOOD = {"participant": "PKU-001", "visit": "baseline", "date": "2026-10-01", "value": "4.35", "unit": "%"}


def test_a_good_row_is_accepted_with_the_stored_unit() -> None:
    row, problems = validate_lab_row(GOOD, 2, default_study(), today=TODAY)
    assert problems == []
    primary = default_study().primary_lab_test()
    assert primary is not None
    assert row is not None and (row.participant_id, row.visit_id, row.value, row.unit, row.test_code) == (
        "PKU-001", "baseline", 4.35, "%", primary.code)
    row, _ = validate_lab_row({**GOOD, "unit": "percent"}, 2, default_study(), today=TODAY)
    assert row is not None and row.unit == "%"


@pytest.mark.parametrize(("field", "value", "allowed_part"), [
    ("participant", "001", "participant id"),
    ("visit", "week13", "baseline"),
    ("date", "2026-02-30", "YYYY-MM-DD"),
    ("date", "2026-12-01", "on or before 2026-11-25"),
    ("value", "abc", "a number"),
    ("value", "100.5", "from 0 to 100"),
    ("value", "4.355", "at most 2 decimal places"),
    ("value", "-1", "a number"),
    ("unit", "cells/ul", "'%'"),
])
def test_each_bad_field_is_named_with_its_row_value_and_what_is_allowed(field: str, value: str,
                                                                        allowed_part: str) -> None:
    row, problems = validate_lab_row({**GOOD, field: value}, 7, default_study(), today=TODAY)
    assert row is None
    assert [p.field for p in problems] == [f"row 7.{field}"]
    assert problems[0].value == value
    assert allowed_part in problems[0].allowed
    assert problems[0].message.startswith(f"row 7, {field}:") and repr(value) in problems[0].message


def test_every_problem_of_a_row_is_reported_not_only_the_first() -> None:
    _row, problems = validate_lab_row({"participant": "", "visit": "", "date": "", "value": "", "unit": ""}, 3,
                                      default_study(), today=TODAY)
    assert sorted(p.field for p in problems) == [f"row 3.{f}" for f in ("date", "participant", "unit", "value",
                                                                         "visit")]


def test_wilson_interval_matches_published_values() -> None:
    # Reference values: Newcombe (1998), Table I, and the closed form for 0 of n.
    lo, hi = wilson_interval(0, 10)
    assert lo == 0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson_interval(5, 10)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    lo, hi = wilson_interval(81, 263)
    assert (lo, hi) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))
    assert wilson_interval(0, 0) == (0.0, 0.0)


def test_running_mean_and_sd_agree_with_the_statistics_module() -> None:
    import statistics

    values = [4.2, 5.1, 3.9, 7.7, 6.0]
    r = Running()
    for v in values:
        r.add(v)
    assert r.n == 5 and r.mean == pytest.approx(statistics.mean(values))
    assert r.sd == pytest.approx(statistics.stdev(values))
