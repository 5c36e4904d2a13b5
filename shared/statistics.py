"""The statistics of the study report (issue 21), as thin wrappers over scipy and statsmodels: no formula is
written here, so a statistician can reproduce every number with the same library calls (or SAS/R procedures).

- ``describe``: n, mean, SD (n - 1), 95 % t interval of the mean (statsmodels ``DescrStatsW.tconfint_mean``),
  median and quartiles (numpy ``percentile``, linear interpolation = R ``quantile`` type 7).
- ``welch_difference``: difference of two means with the Welch (unequal variances) 95 % interval and p value
  (statsmodels ``CompareMeans``, ``usevar="unequal"``).
- ``mann_whitney``: the rank-based check of the same difference (scipy ``mannwhitneyu``, two-sided).
- ``wilson``: a proportion's Wilson score interval (statsmodels ``proportion_confint(method="wilson")``).

Undefined results (an interval from one value, a test of an empty group) are None, never a made-up number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import mannwhitneyu
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

LEVEL = 0.95


def _clean(value: float) -> float | None:
    """A finite float, or None (statsmodels returns nan where a quantity is undefined)."""
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
    stats = DescrStatsW(x)
    low, high = stats.tconfint_mean(alpha=1 - level)
    return Summary(int(x.size), float(stats.mean), float(np.std(x, ddof=1)),
                   _clean(low), _clean(high), median, q1, q3)


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
    compare = CompareMeans(DescrStatsW(a), DescrStatsW(b))
    low, high = compare.tconfint_diff(alpha=1 - level, usevar="unequal")
    _t, p, _df = compare.ttest_ind(usevar="unequal")
    return Difference(int(a.size), int(b.size), float(a.mean() - b.mean()), _clean(low), _clean(high), _clean(p))


@dataclass(frozen=True)
class RankTest:
    """Mann-Whitney U of two groups (two-sided)."""

    u: float | None
    p_value: float | None


def mann_whitney(first: Sequence[float], second: Sequence[float]) -> RankTest:
    """The two-sided Mann-Whitney U test (scipy chooses the exact or asymptotic method); None for an empty group."""
    if len(first) == 0 or len(second) == 0:
        return RankTest(None, None)
    result = mannwhitneyu(np.asarray(first, dtype=float), np.asarray(second, dtype=float), alternative="two-sided")
    return RankTest(_clean(result.statistic), _clean(result.pvalue))


def wilson(events: int, n: int, level: float = LEVEL) -> tuple[float, float] | None:
    """Wilson score interval of ``events`` out of ``n``; None when n is 0."""
    if n <= 0:
        return None
    low, high = proportion_confint(events, n, alpha=1 - level, method="wilson")
    # at 0 or n events the bound is exactly 0 or 1; the library leaves rounding dust (5e-17) there
    return (0.0 if events == 0 else float(low)), (1.0 if events == n else float(high))
