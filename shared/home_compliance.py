"""Daily compliance from the home diary (issue 24): the doses a participant's daily home entries say were taken
against the doses due over the days those entries cover. Pure rules; the CSV dosing lines, the report's
``tables/home_compliance.csv`` and its "daily compliance (home diary)" table all call these.

A home entry is about ONE day, so the arm's weekly schedule (``doses_per_week`` of the study file's treatments)
cannot be spread over single days (2/7 of a dose each day would make one injection 350 %). Instead:

- a day is **due** for a drug when the entry says it was taken, or not taken for a reason other than
  ``not_due`` ("no dose was due on this day" expects no dose);
- the entries' span (first to last entry date) is cut into weeks of 7 days from the first entry; in each week
  the doses expected are the due days, at most what the schedule allows in that week:
  ``ceil(min(doses_per_week, 7) x days of the week in the span / 7)`` (every day for a daily drug; 2 in a full
  week of a twice-weekly one; 1 in a short last week of 1-3 days);
- taken = the days the drug was taken. More doses taken than the schedule allows gives a value over 100 %:
  shown as it is and flagged (``over_schedule``), never clipped.

One entry per date counts: the latest home entry (current revision) of that date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from shared.compliance import Compliance, DrugCompliance, pct
from shared.home_entries import entry_date
from shared.instruments import get_instrument
from shared.instruments.model import ResponseType
from shared.study.model import Study, Treatment

NOT_DUE = "not_due"    # the home dosing diary's missed_reason for a day on which no dose was due
WEEK = 7

Answers = Mapping[str, Mapping[str, Any]]     # drug id -> {"taken": ..., "time_taken"|"missed_reason": ...}


def drug_answers(rec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]] | None:
    """A home dosing entry's answer per drug (its ``drug_doses`` item); None for any other record."""
    try:
        instrument = get_instrument(str(rec.get("instrument_id")), str(rec.get("instrument_version")))
    except Exception:  # noqa: BLE001 - an unknown instrument is no home dosing entry
        return None
    data = rec.get("data") or {}
    out: dict[str, Mapping[str, Any]] = {}
    found = False
    for item in instrument.items:
        value = data.get(item.id) if item.response is ResponseType.DRUG_DOSES else None
        if isinstance(value, Mapping):
            found = True
            out.update({d: e for d, e in value.items() if isinstance(d, str) and isinstance(e, Mapping)})
    return out if found else None


def is_due(entry: Mapping[str, Any] | None) -> bool:
    """Whether one drug's answer of one day expects a dose: taken, or missed for a reason other than not due."""
    if not isinstance(entry, Mapping):
        return False
    return entry.get("taken") is True or (entry.get("taken") is False and entry.get("missed_reason") != NOT_DUE)


def home_days(entries: Iterable[Mapping[str, Any]]) -> dict[date, dict[str, Mapping[str, Any]]]:
    """Date -> the drug answers of the home entry counted for it (the latest one of that date), oldest first."""
    out: dict[date, dict[str, Mapping[str, Any]]] = {}
    for rec in sorted(entries, key=lambda r: r.get("collected_at") or ""):
        day, answers = entry_date(rec), drug_answers(rec)
        if day is not None and answers is not None:
            out[day] = answers
    return dict(sorted(out.items()))


def week_cap(treatment: Treatment, days: int) -> int:
    """The most doses the schedule allows in ``days`` consecutive days (at most a week) of the span."""
    return math.ceil(min(treatment.doses_per_week, WEEK) * days / WEEK - 1e-9)


def drug_daily(days: Mapping[date, Answers], treatment: Treatment) -> tuple[int, int]:
    """(taken, expected) doses of ``treatment`` over the home entries' days (rules of the module docstring)."""
    if not days:
        return 0, 0
    first, last = min(days), max(days)
    taken = expected = 0
    start = first
    while start <= last:
        end = min(start + timedelta(days=WEEK - 1), last)
        week = [a.get(treatment.drug) for d, a in days.items() if start <= d <= end]
        taken += sum(1 for e in week if isinstance(e, Mapping) and e.get("taken") is True)
        expected += min(sum(1 for e in week if is_due(e)), week_cap(treatment, (end - start).days + 1))
        start = end + timedelta(days=1)
    return taken, expected


def over_schedule(c: Compliance) -> bool:
    """More doses taken than due for some drug (a value over 100 %, shown and flagged, never clipped)."""
    return any(d.taken > d.expected for d in c.drugs)


def daily_compliance(entries: Iterable[Mapping[str, Any]], study: Study, arm_code: str) -> Compliance | None:
    """A participant's daily compliance from their home dosing entries; None without any readable entry.

    Raises KeyError for an arm that is not in the study.
    """
    days = home_days(entries)
    if not days:
        return None
    per_drug = []
    for t in study.arm(arm_code).treatments:
        taken, expected = drug_daily(days, t)
        per_drug.append(DrugCompliance(t.drug, taken, float(expected), pct(taken, expected)))
    taken_all = sum(d.taken for d in per_drug)
    expected_all = sum(d.expected for d in per_drug)
    return Compliance(drugs=tuple(per_drug), compliance_pct=pct(taken_all, expected_all), first_day=min(days),
                      last_day=max(days), days=len(days))
