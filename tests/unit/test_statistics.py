"""shared.statistics: the report's thin wrappers give what the libraries' other entry points give, and say None
where a quantity is undefined (issue 21 point 8: no hand-written formulas)."""

from __future__ import annotations

import statistics as stdlib

import pytest
from scipy import stats

from shared.statistics import describe, mann_whitney, welch_difference, wilson

A = [2.1, 3.4, 1.9, 4.2, 2.8]
B = [0.4, 1.1, 0.9, 1.8]


def test_describe_gives_the_t_interval_median_and_quartiles() -> None:
    s = describe(A)
    low, high = stats.t.interval(0.95, len(A) - 1, loc=stdlib.mean(A), scale=stdlib.stdev(A) / len(A) ** 0.5)
    assert (s.n, s.mean, s.sd) == (5, pytest.approx(stdlib.mean(A)), pytest.approx(stdlib.stdev(A)))
    assert (s.ci_low, s.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert (s.q1, s.median, s.q3) == (2.1, 2.8, 3.4)          # R quantile type 7


def test_one_value_has_no_spread_and_none_has_nothing() -> None:
    one = describe([4.0])
    assert (one.n, one.mean, one.sd, one.ci_low, one.median) == (1, 4.0, None, None, 4.0)
    assert describe([]).n == 0 and describe([]).mean is None


def test_welch_difference_agrees_with_scipys_unequal_variance_t_test() -> None:
    d = welch_difference(A, B)
    t = stats.ttest_ind(A, B, equal_var=False)
    ci = t.confidence_interval(0.95)
    assert d.difference == pytest.approx(stdlib.mean(A) - stdlib.mean(B))
    assert (d.ci_low, d.ci_high, d.p_value) == (pytest.approx(ci.low), pytest.approx(ci.high), pytest.approx(t.pvalue))
    assert welch_difference(A, [1.0]).ci_low is None          # one value: no interval, never a made-up one


def test_mann_whitney_and_wilson() -> None:
    r = mann_whitney(A, B)
    assert r.u == 20.0 and r.p_value == pytest.approx(stats.mannwhitneyu(A, B).pvalue)
    assert mann_whitney([], B).p_value is None
    low, high = wilson(1, 3) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.0615, 0.7923)   # the published Wilson interval of 1/3
    assert wilson(0, 5) is not None and wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 1.0
    assert wilson(0, 0) is None
