"""shared.statistics: the report's statistics are scipy.stats calls (issue 21: library statistics, not hand-written
formulas) and say None where a quantity is undefined (issue 21 point 8). statsmodels, which the report used before
issue 25 (it and pandas are not imported by the export), stays a test dependency: the last tests check that every
number equals what its calls give, within 1e-12."""

from __future__ import annotations

import math
import random
import statistics as stdlib
import warnings
from collections.abc import Callable
from dataclasses import astuple
from typing import Any

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

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


# --- the same numbers as the statsmodels calls the report made before issue 25 ------------------------------------

TOLERANCE = 1e-12


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _libraries_describe(x: list[float]) -> tuple:
    if len(x) < 2:
        return astuple(describe(x))         # no interval from the libraries: the shared early returns
    d = DescrStatsW(np.asarray(x))
    low, high = d.tconfint_mean(alpha=1 - 0.95)
    q1, median, q3 = (float(q) for q in np.percentile(x, [25, 50, 75]))
    return len(x), float(d.mean), float(np.std(x, ddof=1)), _finite(low), _finite(high), median, q1, q3


def _libraries_welch(a: list[float], b: list[float]) -> tuple:
    if len(a) < 2 or len(b) < 2:
        return astuple(welch_difference(a, b))
    compare = CompareMeans(DescrStatsW(np.asarray(a)), DescrStatsW(np.asarray(b)))
    low, high = compare.tconfint_diff(alpha=1 - 0.95, usevar="unequal")
    _t, p, _df = compare.ttest_ind(usevar="unequal")
    return len(a), len(b), float(np.mean(a) - np.mean(b)), _finite(low), _finite(high), _finite(p)


def _exact_mann_whitney(a: list[float], b: list[float]) -> tuple:
    """U of ``a`` by counting pairs, and the two-sided p of scipy's asymptotic or exact method (an independent
    scipy entry point: the permutation distribution for small samples without ties)."""
    u = sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in a for y in b)
    return u, stats.mannwhitneyu(np.asarray(a), np.asarray(b), alternative="two-sided").pvalue


def _libraries_wilson(events: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(events, n, alpha=1 - 0.95, method="wilson")
    return (0.0 if events == 0 else float(low)), (1.0 if events == n else float(high))


def _samples(rng: random.Random) -> list[float]:
    """Ties, constant groups (zero variance), rounded and continuous values; sizes around the exact/normal switch
    of Mann-Whitney (8, exact below it when there are no ties)."""
    k = rng.choice([0, 1, 2, 3, 5, 7, 8, 9, 13, 40, 400])
    kind = rng.random()
    if kind < 0.3:
        return [float(rng.randint(0, 10)) for _ in range(k)]
    if kind < 0.4:
        return [5.0] * k
    return [rng.gauss(rng.uniform(-100, 100), rng.uniform(0.001, 50)) for _ in range(k)]


def _close(ours: tuple, theirs: tuple) -> bool:
    """Equal within 1e-12 (relative, or absolute near 0), None exactly where None."""
    return len(ours) == len(theirs) and all(
        (x is None and y is None) or (x is not None and y is not None
                                      and math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE))
        for x, y in zip(ours, theirs, strict=True))


@pytest.mark.parametrize(("ours", "theirs", "groups"), [
    (lambda a, b: astuple(describe(a)), lambda a, b: _libraries_describe(a), 1),
    (lambda a, b: astuple(welch_difference(a, b)), _libraries_welch, 2),
], ids=["describe", "welch"])
def test_the_numbers_are_those_of_statsmodels(
        ours: Callable[..., tuple], theirs: Callable[..., tuple], groups: int) -> None:
    rng = random.Random(25)
    checked = 0
    for _ in range(400):
        a, b = _samples(rng), _samples(rng)
        if groups == 2 and not (a and b):
            continue                        # an empty group: None, checked above
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert _close(ours(a, b), theirs(a, b)), (a, b, ours(a, b), theirs(a, b))
        checked += 1
    assert checked > 200


def test_mann_whitney_u_counts_the_pairs() -> None:
    rng = random.Random(21)
    for _ in range(100):
        a, b = _samples(rng), _samples(rng)
        if a and b and len(a) * len(b) < 20_000:
            assert _close(astuple(mann_whitney(a, b)), _exact_mann_whitney(a, b)), (a, b)


def test_the_wilson_interval_is_that_of_statsmodels() -> None:
    for n in [*range(1, 41), 99, 1000, 10_000]:
        for events in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            assert _close(wilson(events, n) or (), _libraries_wilson(events, n)), (events, n)
