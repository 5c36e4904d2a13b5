"""SDTM timing of one participant: reference dates, study days (no day 0), epochs and exposure periods.

Stated rules (docs/export-formats.md):
- RFSTDTC = RFXSTDTC = the date of the baseline visit (the scheduled visit on day 0 of the study file: the first
  dose is given there, after the baseline assessments); without a baseline form, the first form's date.
- RFXENDTC = the date of the last dosing diary (the end of its reported period); RFENDTC = RFPENDTC = the last
  date of any record; RFICDTC = the consent date of the enrolment.
- --DY = date - RFSTDTC + 1 on or after RFSTDTC, date - RFSTDTC before it (there is no day 0).
- EPOCH = SCREENING before RFXSTDTC, TREATMENT from RFXSTDTC on (the study has no follow-up epoch).
- An exposure record covers the days since the previous dosing diary: EXSTDTC = the day after the previous diary
  (RFXSTDTC for the first), EXENDTC = the diary's date, so consecutive periods never share a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from server.exports.current import ParticipantData
from shared.study.model import Study

SCREENING, TREATMENT = "SCREENING", "TREATMENT"


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def baseline_visit_id(study: Study) -> str | None:
    """The scheduled visit on study day 0 (the study file's baseline)."""
    return next((v.id for v in study.scheduled_visits if v.day == 0), None)


@dataclass(frozen=True)
class Timing:
    """A participant's reference dates and what follows from them."""

    rfstdtc: date | None
    rfendtc: date | None
    rficdtc: date | None
    rfxstdtc: date | None
    rfxendtc: date | None

    def study_day(self, when: str | date | None) -> int | None:
        """--DY of an ISO date (or date): day 1 is RFSTDTC, the day before is -1."""
        d = when if isinstance(when, date) else _day(when)
        if d is None or self.rfstdtc is None:
            return None
        delta = (d - self.rfstdtc).days
        return delta + 1 if delta >= 0 else delta

    def epoch(self, when: str | date | None) -> str:
        d = when if isinstance(when, date) else _day(when)
        if d is None or self.rfxstdtc is None:
            return ""
        return SCREENING if d < self.rfxstdtc else TREATMENT

    def exposure_periods(self, diaries: list[dict[str, Any]]) -> dict[str, tuple[date, date]]:
        """Per dosing-diary record id, the (start, end) dates it covers (see the module rules)."""
        out: dict[str, tuple[date, date]] = {}
        previous: date | None = None
        for rec in sorted(diaries, key=lambda r: r["collected_at"]):
            end = _day(rec["collected_at"])
            if end is None:
                continue
            start = previous + timedelta(days=1) if previous else (self.rfxstdtc or end)
            out[rec["record_id"]] = (min(start, end), end)
            previous = end
        return out


def timing(study: Study, pd: ParticipantData, diary_instrument: str | None) -> Timing:
    """The reference dates of one participant (``diary_instrument``: the dosing diary's instrument id)."""
    baseline = baseline_visit_id(study)
    dated = sorted(d for r in pd.records if (d := _day(r.get("collected_at"))) and r["kind"] == "instrument_response")
    start = next((_day(r["collected_at"]) for r in pd.records
                  if r.get("visit_id") == baseline and r["kind"] == "instrument_response"), None)
    start = start or (dated[0] if dated else None)
    diaries = sorted(d for r in pd.records if diary_instrument is not None
                     and r.get("instrument_id") == diary_instrument and (d := _day(r.get("collected_at"))))
    everything = sorted(d for r in pd.records if (d := _day(r.get("collected_at"))))
    enrol = next((r for r in pd.records if r["kind"] == "enrolment"), None)
    consent = _day(enrol["data"].get("consent_date")) if enrol else None
    return Timing(rfstdtc=start, rfendtc=everything[-1] if everything else None, rficdtc=consent,
                  # without a dosing diary in the study, treatment is taken to start at the baseline visit
                  rfxstdtc=start if diaries or diary_instrument is None else None,
                  rfxendtc=diaries[-1] if diaries else None)
