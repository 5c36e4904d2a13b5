"""Compliance: doses taken against the doses the arm's schedule expects over the actual dates of the diaries.

Expected doses come from the study file (``arms[*].treatments[*].doses_per_week``) over the days the diaries
cover, never from nominal visit days, so a late or missed visit changes the expectation with the dates:

- a dated diary (``dose_calendar``) counts dose DAYS: a drug is expected on ``min(doses_per_week, 7) / 7`` of
  the covered days (every day for a daily drug; 2 of 7 for a twice-weekly injection) and taken on the days
  ticked;
- a counted diary (version 1.0) reports doses, or days for a drug counted in days, over its period (the day
  after the previous diary up to its own day): expected = doses per week (7 for days) x days / 7.

``compliance_pct`` = 100 x taken / expected, one decimal; None when nothing was expected yet. It may exceed 100
(more doses reported than scheduled): shown as reported, never capped.

Daily home entries (issue 24) count as dated days; on a date with a home entry the home answer is the one
counted, never both (``shared.exposure.taken_by_date``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.exposure import Exposure, counted_doses, read_diaries
from shared.study.model import Study, Treatment


@dataclass(frozen=True)
class DrugCompliance:
    """One drug of the arm: doses (or dose days) taken and expected over the diaries' dates."""

    drug: str
    taken: int
    expected: float
    compliance_pct: float | None


@dataclass(frozen=True)
class Compliance:
    """A participant's compliance: per drug of the arm, overall, and the dates it covers."""

    drugs: tuple[DrugCompliance, ...]
    compliance_pct: float | None
    first_day: date | None
    last_day: date | None
    days: int


def pct(taken: float, expected: float) -> float | None:
    """100 x taken / expected to one decimal (None when nothing was expected)."""
    return round(100 * taken / expected, 1) if expected > 0 else None


def expected_dose_days(treatment: Treatment, days: int) -> float:
    """Days on which the schedule puts a dose of ``treatment`` among ``days`` consecutive days."""
    return min(treatment.doses_per_week, 7) * days / 7


def expected_counted(study: Study, treatment: Treatment, days: int) -> float:
    """What a counted (1.0) diary should report for ``treatment`` over ``days`` days."""
    per_week = 7 if study.drug(treatment.drug).diary_counts == "days" else treatment.doses_per_week
    return per_week * days / 7


def compliance(diaries: Iterable[Mapping[str, Any]], study: Study, arm_code: str, *,
               baseline_date: date | None) -> Compliance:
    """A participant's compliance from their dosing diaries (current revisions, any version, any order).

    Raises KeyError for an arm that is not in the study.
    """
    return compliance_of(Exposure(read_diaries(diaries), study, baseline_date), study, arm_code)


def compliance_of(exposure: Exposure, study: Study, arm_code: str) -> Compliance:
    """``compliance`` of diaries already read once (``shared.exposure.Exposure``: what SDTM and ADaM share)."""
    arm = study.arm(arm_code)
    taken = {t.drug: 0 for t in arm.treatments}
    expected = {t.drug: 0.0 for t in arm.treatments}
    covered: set[date] = set()
    for read, start, end in exposure.spans:
        if read.days is not None:
            continue
        rec = read.rec
        days = (end - start).days + 1
        covered.update(start.fromordinal(start.toordinal() + n) for n in range(days))
        for t in arm.treatments:
            taken[t.drug] += counted_doses(rec, study, t.drug) or 0
            expected[t.drug] += expected_counted(study, t, days)
    by_date = exposure.taken
    covered.update(by_date)
    for t in arm.treatments:
        taken[t.drug] += sum(1 for drugs in by_date.values() if t.drug in drugs)
        expected[t.drug] += expected_dose_days(t, len(by_date))
    per_drug = tuple(DrugCompliance(t.drug, taken[t.drug], round(expected[t.drug], 1),
                                    pct(taken[t.drug], expected[t.drug])) for t in arm.treatments)
    return Compliance(drugs=per_drug, compliance_pct=pct(sum(taken.values()), sum(expected.values())),
                      first_day=min(covered) if covered else None, last_day=max(covered) if covered else None,
                      days=len(covered))
