"""When each demo participant started and how their part ended (issue 21 point 9): the report needs people who
completed the end-of-treatment visit, people who discontinued and people still on study, so every table and
figure of the demo report has data.

Deterministic: the dates depend only on the participant's index and today; no random draws. The study file
gives the visit days (the end-of-treatment visit, the visits before it), so another study gets its own dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.study.model import Study

EARLY = 8   # the first EARLY participants started long enough ago to reach the end of treatment
# index -> (NCOMPLT reason, how many scheduled visits from baseline they attended before discontinuing)
# (with the demo's seeded arms, two participants per arm complete, so each arm has a spread and a Welch interval)
DISCONTINUED = {1: ("withdrawal_by_subject", 3), 7: ("adverse_event", 4)}
# days since baseline of the participants still on study (the last, newest one has not reached week 4 yet)
ONGOING = (42, 37, 32, 26)


@dataclass(frozen=True)
class DemoTimeline:
    """One demo participant's course: baseline, the last study day (None while on study) and how it ended."""

    baseline: date
    last_day: date | None = None
    status: str | None = None        # "completed" | "discontinued" | None (on study)
    reason: str | None = None        # NCOMPLT reason of a discontinuation

    def horizon(self, today: date) -> date:
        """The last day anything of the study happens to this participant by ``today``."""
        return min(today, self.last_day) if self.last_day else today


def _end_of_treatment_day(study: Study) -> int:
    """Day (from baseline) of the end-of-treatment visit, else of the last scheduled visit."""
    visit = study.visit_with_role("end_of_treatment")
    days = [v.day for v in study.scheduled_visits if v.day is not None]
    return (visit.day if visit is not None and visit.day is not None else max(days, default=0))


def demo_timeline(study: Study, index: int, today: date) -> DemoTimeline:
    """The course of demo participant ``index`` (0-based, in enrolment order)."""
    if index >= EARLY:                      # still on study, a few weeks in, each at another point of the schedule
        return DemoTimeline(today - timedelta(days=ONGOING[(index - EARLY) % len(ONGOING)]))
    end = _end_of_treatment_day(study)
    baseline = today - timedelta(days=end + 46 - 4 * index)   # the last of them finished 26 days ago
    if index in DISCONTINUED:
        reason, attended = DISCONTINUED[index]
        days = sorted(v.day for v in study.scheduled_visits if v.day is not None and v.day >= 0)
        last = days[min(attended, len(days)) - 1] + 3 if days else 3
        return DemoTimeline(baseline, baseline + timedelta(days=min(last, end - 1)), "discontinued", reason)
    return DemoTimeline(baseline, baseline + timedelta(days=end), "completed")
