"""Demo dosing: the dates each synthetic dosing diary covers, by the kiosk's own rule (shared.exposure)."""

from __future__ import annotations

from datetime import date

from shared.exposure import diary_dates


class DiaryDays:
    """One demo participant's diary dates: each visit's diary covers the days since the previous one."""

    def __init__(self, baseline: date) -> None:
        self._baseline = baseline
        self._previous_end: date | None = None

    def at_visit(self, day: date, *, has_diary: bool) -> list[date]:
        """The dates a diary filled in on ``day`` covers (empty list when the visit has no diary)."""
        if not has_diary:
            return []
        dates = diary_dates(previous_end=self._previous_end, baseline=self._baseline, today=day)
        self._previous_end = dates[-1]
        return dates
