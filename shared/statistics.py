"""The statistics of the study report (issue 21), as thin wrappers over scipy.stats: no formula is written here,
so a statistician can reproduce every number with the same library calls (or SAS/R procedures). Only scipy.stats
is imported (statsmodels and pandas are not: ~30 MB of a report export, issue 25); ``tests/unit/test_statistics.py``
cross-checks every number against statsmodels (a test dependency) to 1e-12.

- ``describe``: n, mean, SD (n - 1), 95 % t interval of the mean (scipy ``ttest_1samp(...).confidence_interval``),
  median and quartiles (numpy ``percentile``, linear interpolation = R ``quantile`` type 7).
- ``welch_difference``: difference of two means with the Welch (unequal variances) 95 % interval and p value
  (scipy ``ttest_ind(equal_var=False)`` and its ``confidence_interval``).
- ``mann_whitney``: the rank-based check of the same difference (scipy ``mannwhitneyu``, two-sided).
- ``wilson``: a proportion's Wilson score interval (scipy ``binomtest(k, n).proportion_ci(method="wilson")``).

Undefined results (an interval from one value, a test of an empty group) are None, never a made-up number.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

LEVEL = 0.95


@cache
def _stats() -> Any:
    """scipy.stats, imported at the first statistic: a report reads its data before it (issue 25: the ~35 MB of
    the import do not add to the data stage's peak)."""
    import scipy.stats

    return scipy.stats


def _clean(value: Any) -> float | None:
    """A finite float, or None (scipy returns nan where a quantity is undefined, e.g. a variance of zero)."""
    value = float(value)
    return value if math.isfinite(value) else None



@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of one group of values."""

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    median: float | None
    q1: float | None
    q3: float | None


def describe(values: Sequence[float], level: float = LEVEL) -> Summary:
    """n, mean, SD, t interval of the mean, median and quartiles; SD and interval need two values."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return Summary(0, None, None, None, None, None, None, None)
    q1, median, q3 = (float(q) for q in np.percentile(x, [25, 50, 75]))
    if x.size < 2:
        return Summary(1, float(x[0]), None, None, None, median, q1, q3)
    mean = float(np.mean(x))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = _stats().ttest_1samp(x, 0.0).confidence_interval(level)
        low, high = ci.low, ci.high
    return Summary(int(x.size), mean, float(np.std(x, ddof=1)), _clean(low), _clean(high), median, q1, q3)


@dataclass(frozen=True)
class Difference:
    """A difference of means (first minus second group) with its Welch interval and p value."""

    n1: int
    n2: int
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


def welch_difference(first: Sequence[float], second: Sequence[float], level: float = LEVEL) -> Difference:
    """Mean of ``first`` minus mean of ``second``, Welch 95 % interval; each group needs two values."""
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if a.size < 2 or b.size < 2:
        diff = float(a.mean() - b.mean()) if a.size and b.size else None
        return Difference(int(a.size), int(b.size), diff, None, None, None)
    if np.all(a == a[0]) and np.all(b == b[0]):
        # no spread in either group: the Welch degrees of freedom are 0/0, undefined (scipy would say p = 0)
        return Difference(int(a.size), int(b.size), float(a.mean() - b.mean()), None, None, None)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        test = _stats().ttest_ind(a, b, equal_var=False)
        ci = test.confidence_interval(level)
    return Difference(int(a.size), int(b.size), float(a.mean() - b.mean()),
                      _clean(ci.low), _clean(ci.high), _clean(test.pvalue))


@dataclass(frozen=True)
class RankTest:
    """Mann-Whitney U of two groups (two-sided)."""

    u: float | None
    p_value: float | None


def mann_whitney(first: Sequence[float], second: Sequence[float]) -> RankTest:
    """The two-sided Mann-Whitney U test (scipy chooses the exact or asymptotic method); None for an empty group."""
    if len(first) == 0 or len(second) == 0:
        return RankTest(None, None)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = _stats().mannwhitneyu(np.asarray(first, dtype=float), np.asarray(second, dtype=float),
                              alternative="two-sided")
    return RankTest(_clean(result.statistic), _clean(result.pvalue))


def wilson(events: int, n: int, level: float = LEVEL) -> tuple[float, float] | None:
    """Wilson score interval of ``events`` out of ``n``; None when n is 0."""
    if n <= 0:
        return None
    ci = _stats().binomtest(int(events), int(n)).proportion_ci(confidence_level=level, method="wilson")
    # at 0 or n events the bound is exactly 0 or 1; the library may leave rounding dust (5e-17) there
    return (0.0 if events == 0 else float(ci.low)), (1.0 if events == n else float(ci.high))
