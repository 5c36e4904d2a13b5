"""Dosing: what a participant reported taking per drug, against what the protocol expects since the last visit.

One function serves the CSV dosing file, SDTM EX and the report, so all three agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.study.model import Study


@dataclass(frozen=True)
class DoseLine:
    """One drug's dosing in one diary entry."""

    record_id: str
    participant_id: str
    visit_id: str | None
    drug: str
    treatment: str
    dose: float
    unit: str
    route: str
    frequency: str
    doses_reported: int | None
    doses_expected: float | None
    period_start_day: int | None
    period_end_day: int | None
    any_missed: bool | None
    missed_reason: str | None
    collected_at: str


def _previous_day(study: Study, visit_id: str | None) -> tuple[int | None, int | None]:
    if visit_id is None:
        return None, None
    try:
        visit = study.visit(visit_id)
    except KeyError:
        return None, None
    if not visit.scheduled or visit.day is None:
        return None, None
    before = [v.day for v in study.scheduled_visits if v.day is not None and 0 <= v.day < visit.day]
    return (max(before) if before else 0), visit.day


def dose_lines(study: Study, arm_code: str, rec: dict[str, Any]) -> Iterator[DoseLine]:
    """The dosing lines of one dosing-diary record for the drugs of the participant's arm (each drug's diary
    item and whether it counts doses or days come from the study file)."""
    data = rec["data"]
    start, end = _previous_day(study, rec.get("visit_id"))
    for t in study.arm(arm_code).treatments:
        # a drug counted in days is expected every day; one counted in doses: doses per week x weeks in the period
        drug = study.drug(t.drug)
        per_week = 7 if drug.diary_counts == "days" else t.doses_per_week
        expected = None if start is None or end is None else round(per_week * (end - start) / 7, 1)
        yield DoseLine(record_id=rec["record_id"], participant_id=rec["participant_id"], visit_id=rec.get("visit_id"),
                       drug=t.drug, treatment=t.name, dose=t.dose, unit=t.unit, route=t.route, frequency=t.frequency,
                       doses_reported=data.get(drug.diary_item) if drug.diary_item else None, doses_expected=expected,
                       period_start_day=start, period_end_day=end, any_missed=data.get("any_missed"),
                       missed_reason=data.get("missed_reason"), collected_at=rec["collected_at"])
