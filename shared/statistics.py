"""The statistics of the study report (issue 21) on numpy and ``scipy.special`` (the t and normal distribution
functions). Each quantity is the textbook formula written in the order statsmodels and scipy.stats evaluate it,
so every number is, to the last bit, what those libraries give; ``tests/unit/test_statistics.py`` checks that
against them on random and edge-case samples (statsmodels and scipy.stats are test dependencies only). They are
not imported here: scipy.stats, statsmodels and pandas cost a report export ~80 MB of its 300 MB (issue 25).

- ``describe``: n, mean, SD (n - 1), 95 % t interval of the mean (as statsmodels ``DescrStatsW.tconfint_mean``),
  median and quartiles (numpy ``percentile``, linear interpolation = R ``quantile`` type 7).
- ``welch_difference``: difference of two means with the Welch (unequal variances, Satterthwaite df) 95 % interval
  and p value (as statsmodels ``CompareMeans`` with ``usevar="unequal"``).
- ``mann_whitney``: the rank-based check of the same difference (as scipy ``mannwhitneyu``, two-sided: exact when
  a group has at most 8 values and there are no ties, else normal with tie and continuity corrections).
- ``wilson``: a proportion's Wilson score interval (as statsmodels ``proportion_confint(method="wilson")``).

Undefined results (an interval from one value, a test of an empty group) are None, never a made-up number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

LEVEL = 0.95


def _clean(value: Any) -> float | None:
    """A finite float, or None (nan where a quantity is undefined, e.g. a variance of zero)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _t_quantile(p: Any, df: Any) -> Any:
    """The t distribution's quantile (scipy ``t.ppf`` is ``stdtrit``; nan for an undefined df)."""
    return special.stdtrit(df, p)


def _moments(x: np.ndarray) -> tuple[Any, Any, Any]:
    """n, mean and variance (divisor n) as statsmodels ``DescrStatsW`` with unit weights computes them: sums as
    dot products with the weights (a different summation order than ``np.mean``, hence the same last bits)."""
    weights = np.ones(x.shape[0])
    n = weights.sum(0)
    mean = np.dot(x, weights) / n
    return n, mean, np.dot((x - mean) ** 2, weights) / n


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
    n, mean, var = _moments(x)
    sem = np.sqrt(var) / np.sqrt(n - 1)
    with np.errstate(all="ignore"):
        crit = _t_quantile(1 - (1 - level) / 2.0, n - 1)
        low, high = mean - crit * sem, mean + crit * sem
    return Summary(int(x.size), float(mean), float(np.std(x, ddof=1)), _clean(low), _clean(high), median, q1, q3)


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
    (n1, mean1, var1), (n2, mean2, var2) = _moments(a), _moments(b)
    with np.errstate(all="ignore"):
        sem1, sem2 = var1 / (n1 - 1), var2 / (n2 - 1)
        se = np.sqrt(sem1 + sem2)
        semsum = sem1 + sem2
        df = 1.0 / ((sem1 / semsum) ** 2 / (n1 - 1) + (sem2 / semsum) ** 2 / (n2 - 1))   # Satterthwaite
        diff = mean1 - mean2
        crit = _t_quantile(1 - (1 - level) / 2.0, df)
        low, high = diff - crit * se, diff + crit * se
        t = np.abs(diff / se)
        # scipy's t.sf: 0 beyond the support (|t| infinite), stdtr inside it; nan for nan t or df
        p = (np.nan if np.isnan(t) or not df > 0 else 0.0 if np.isinf(t) else special.stdtr(df, -t)) * 2
    return Difference(int(a.size), int(b.size), float(a.mean() - b.mean()), _clean(low), _clean(high), _clean(p))


@dataclass(frozen=True)
class RankTest:
    """Mann-Whitney U of two groups (two-sided)."""

    u: float | None
    p_value: float | None


def _exact_mwu_cdf(n1: int, n2: int, k: int) -> float:
    """P(U <= k) when there are no ties: scipy's ``_MWU`` (the counts of U by Andreas Löffler's recurrence over the
    sums of divisors), the same steps so the same bits."""
    n1, n2 = min(n1, n2), max(n1, n2)
    total = special.binom(n1 + n2, n1)
    sigma = np.zeros(k + 1, dtype=int)
    for d in np.arange(1, n1 + 1):
        sigma[np.arange(d, k + 1, d)] += d
    for d in np.arange(n2 + 1, n2 + n1 + 1):
        sigma[np.arange(d, k + 1, d)] -= d
    sigma = sigma[1:]
    counts: np.ndarray = np.zeros(k + 1, dtype=np.uint64)
    exact = True
    counts[0] = 1
    for u in np.arange(1, k + 1):
        value = np.dot(counts[:u], sigma[u - 1::-1]) / u
        if value > np.iinfo(np.uint64).max and exact:   # beyond 64 bits: floats from here on, as scipy does
            counts = counts.astype(float)
            exact = False
        counts[u] = value
    return float(np.cumsum(counts / total)[k])


def mann_whitney(first: Sequence[float], second: Sequence[float]) -> RankTest:
    """The two-sided Mann-Whitney U test of ``first`` against ``second`` (U of ``first``); None for an empty group."""
    if len(first) == 0 or len(second) == 0:
        return RankTest(None, None)
    n1, n2 = len(first), len(second)
    xy = np.concatenate([np.asarray(first, dtype=float), np.asarray(second, dtype=float)])
    order = np.argsort(xy, kind="stable")
    ordered = xy[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[:-1] != ordered[1:]]))
    ties = np.diff(starts, append=xy.size)                 # how many values share each distinct value
    ranks = np.empty(xy.size)
    ranks[order] = np.repeat(starts + 1.0 + (ties.astype(float) - 1) / 2, ties)    # average ranks
    u1 = np.sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = np.maximum(u1, n1 * n2 - u1)
    if (n1 > 8 and n2 > 8) or np.any(ties > 1):
        n = n1 + n2
        tie_term = np.sum(ties.astype(float) ** 3 - ties)
        with np.errstate(all="ignore"):
            s = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
            p = special.ndtr(-((u - n1 * n2 / 2) - 0.5) / s)   # continuity-corrected normal tail
    else:
        p = _exact_mwu_cdf(n1, n2, int(n1 * n2 - u))          # P(U >= u) = P(U <= n1 n2 - u) by symmetry
    return RankTest(_clean(u1), _clean(np.clip(p * 2, 0.0, 1.0)))


def wilson(events: int, n: int, level: float = LEVEL) -> tuple[float, float] | None:
    """Wilson score interval of ``events`` out of ``n``; None when n is 0."""
    if n <= 0:
        return None
    count, nobs = np.asarray(events, dtype=float), np.asarray(n, dtype=float)
    q = count / nobs
    crit = -special.ndtri((1 - level) / 2.0)      # the normal quantile of 1 - alpha / 2
    crit2 = crit ** 2
    denom = 1 + crit2 / nobs
    centre = (q + crit2 / (2 * nobs)) / denom
    dist = crit * np.sqrt(q * (1.0 - q) / nobs + crit2 / (4.0 * nobs ** 2)) / denom
    low, high = np.clip(centre - dist, 0, 1), np.clip(centre + dist, 0, 1)
    # at 0 or n events the bound is exactly 0 or 1; the formula leaves rounding dust (5e-17) there
    return (0.0 if events == 0 else float(low)), (1.0 if events == n else float(high))
