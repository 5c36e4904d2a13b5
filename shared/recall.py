"""The days a question asks about, as dates (issue 22, point 5): participants read "Tue 17 Nov 2026 to today",
not "the last 2 weeks" or "since your last visit" to work out for themselves.

An instrument file names its recall rule (``recall_dates``): ``today``, ``last_visit`` (from the day of the
participant's previous visit) or an ISO 8601 number of days (``P14D``: the 14 days before today, and today).
The validated wording of the questions stays as it is; the dates are shown beside it. Pure standard library.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

TODAY, LAST_VISIT = "today", "last_visit"
PATTERN = r"^(today|last_visit|P[0-9]{1,3}D)$"


def recall_dates(rule: str | None, today: date, last_visit: date | None) -> tuple[date, date] | None:
    """First and last day a question with ``rule`` asks about, or None (no rule, or no earlier visit known).

    Raises ValueError for a rule that is not one of ``PATTERN``.
    """
    if rule is None:
        return None
    if rule == TODAY:
        return today, today
    if rule == LAST_VISIT:
        return (last_visit, today) if last_visit is not None and last_visit < today else None
    match = re.fullmatch(r"P([0-9]{1,3})D", rule)
    if match is None:
        raise ValueError(f"recall_dates must match {PATTERN}, not {rule!r}")
    return today - timedelta(days=int(match.group(1))), today
