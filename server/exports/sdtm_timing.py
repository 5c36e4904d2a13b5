"""SDTM timing of one participant: reference dates, study days (no day 0), epochs and site-local --DTC values.

Stated rules (docs/export-formats.md):
- Every --DTC a person reads is the SITE-LOCAL date/time of the stored UTC moment (the site's time zone from the
  study file, ``shared.site_time``): a 07:30 Beijing blood draw is dated that Beijing day, not the UTC day
  before. Times are given without an offset (``2026-03-02T07:30:00``), dates as ``YYYY-MM-DD``.
- RFXSTDTC = the first-dose date (``shared.exposure.first_dose_date``: the earliest dated dose; a counted
  diary's period start; the baseline visit until a diary says otherwise; empty when the diaries report no dose).
- RFSTDTC = RFXSTDTC; for a participant with no dose, the baseline visit date (the first form's date without one).
- RFXENDTC = the last date a dose was taken (a counted diary: the end of the last period reporting a dose);
  RFENDTC = RFPENDTC = the last date of any record; RFICDTC = the consent date of the enrolment.
- --DY = date - RFSTDTC + 1 on or after RFSTDTC, date - RFSTDTC before it (there is no day 0).
- EPOCH = SCREENING before RFXSTDTC, TREATMENT from RFXSTDTC on (the study has no follow-up epoch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from server.exports.current import ParticipantData
from shared.exposure import Exposure
from shared.site_time import moment_at, site_local_date, site_zone, to_site_local
from shared.study.model import Study

SCREENING, TREATMENT = "SCREENING", "TREATMENT"


def _day(text: str | date | None) -> date | None:
    if isinstance(text, date):
        return text
    if not text:
        return None
    return _day_of_text(text)


@lru_cache(maxsize=4096)
def _day_of_text(text: str) -> date | None:
    """The date of an ISO date or date-time text (cached: --DY and EPOCH ask it for every row of a response)."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def baseline_visit_id(study: Study) -> str | None:
    """The scheduled visit on study day 0 (the study file's baseline)."""
    return next((v.id for v in study.scheduled_visits if v.day == 0), None)


def site_dtc(ts: str | None, study: Study, site_id: str | None) -> str | None:
    """A stored UTC moment as an SDTM --DTC at the site: ``YYYY-MM-DDTHH:MM:SS`` local time, no offset."""
    if not ts:
        return None
    if not isinstance(ts, str):
        try:
            return to_site_local(ts, study, site_id).strftime("%Y-%m-%dT%H:%M:%S")
        except (TypeError, ValueError):
            return None
    return _dtc(ts, site_zone(study, site_id).key)


@lru_cache(maxsize=16384)
def _dtc(ts: str, timezone: str) -> str | None:
    """Cached by moment and zone (never by the aware datetime: equal instants in two zones compare equal)."""
    try:
        return moment_at(ts, timezone).strftime("%Y-%m-%dT%H:%M:%S")
    except (TypeError, ValueError):
        return None


def site_day(ts: str | None, study: Study, site_id: str | None) -> str | None:
    """A stored UTC moment (or a bare date) as the site-local ``YYYY-MM-DD``."""
    day = site_local_date(ts, study, site_id)
    return day.isoformat() if day else None


@dataclass(frozen=True)
class Timing:
    """A participant's reference dates and what follows from them."""

    rfstdtc: date | None
    rfendtc: date | None
    rficdtc: date | None
    rfxstdtc: date | None
    rfxendtc: date | None
    as_of: date | None = None      # the data cut the visit rules judge by (DV); None: the site's today
    # what ``timing`` read to work these out, for the datasets that ask again (not part of the value)
    exposure: Exposure | None = field(default=None, compare=False, repr=False)
    diary_instrument: str | None = field(default=None, compare=False, repr=False)
    days: list[date | None] | None = field(default=None, compare=False, repr=False)

    def exposure_of(self, study: Study, pd: ParticipantData, diary_instrument: str | None) -> Exposure:
        """The participant's diaries read once (``shared.exposure.Exposure``): the one ``timing`` read, else
        read now (a Timing made another way, or for another diary instrument)."""
        if self.exposure is not None and self.diary_instrument == diary_instrument:
            return self.exposure
        return Exposure.of_records(pd.records, study, diary_instrument)

    def study_day(self, when: str | date | None) -> int | None:
        """--DY of an ISO date (or date): day 1 is RFSTDTC, the day before is -1."""
        d = _day(when)
        if d is None or self.rfstdtc is None:
            return None
        delta = (d - self.rfstdtc).days
        return delta + 1 if delta >= 0 else delta

    def epoch(self, when: str | date | None) -> str:
        d = _day(when)
        if d is None or self.rfxstdtc is None:
            return ""
        return SCREENING if d < self.rfxstdtc else TREATMENT


def consent_date_of(pd: ParticipantData) -> str | None:
    """The consent date from the screening record (or the one-step enrolment of earlier releases)."""
    rec = next((r for r in pd.records if r["kind"] in ("screening", "enrolment")), None)
    return rec["data"].get("consent_date") if rec else None


def record_days(study: Study, pd: ParticipantData) -> list[date | None]:
    """The site-local day of each of the participant's records (at the record's own site), in record order:
    worked out once per participant for timing, the diaries and SV."""
    records = pd.records
    site = pd.participant.get("site_id")
    if not all(r.get("site_id") == site for r in records):
        return [site_local_date(r.get("collected_at"), study, r.get("site_id")) for r in records]
    timezone = site_zone(study, site).key
    return [_local_day(r.get("collected_at"), timezone, study, site) for r in records]


def _local_day(ts: Any, timezone: str, study: Study, site_id: str | None) -> date | None:
    """``site_local_date`` of a stored moment at the site of ``timezone``: a UTC timestamp (the usual case) goes
    straight to the cached ``moment_at``; anything else (a bare date, odd values) to ``site_local_date``."""
    if type(ts) is str and len(ts) > 10:
        try:
            return moment_at(ts, timezone).date()
        except (TypeError, ValueError):
            return None
    return site_local_date(ts, study, site_id)


def timing(study: Study, pd: ParticipantData, diary_instrument: str | None, *,
           as_of: date | None = None) -> Timing:
    """The reference dates of one participant (``diary_instrument``: the dosing diary's instrument id;
    ``as_of``: the data cut, ``ExportScope.as_of``). The Timing keeps the participant's diaries read once
    (``exposure``) and their records' days (``days``) for the datasets that ask again (EX, SV)."""
    site = pd.participant.get("site_id")
    days = record_days(study, pd)
    if all(r.get("site_id") == site for r in pd.records):
        local = days
    else:
        local = [site_local_date(r.get("collected_at"), study, site) for r in pd.records]
    forms = sorted(d for r, d in zip(pd.records, local, strict=True) if r["kind"] == "instrument_response" and d)
    exposure = Exposure.of_records(pd.records, study, diary_instrument, days=days)   # home entries too (issue 24)
    base = exposure.baseline
    first = exposure.first_dose()
    everything = sorted(d for d in local if d)
    consent = _day(consent_date_of(pd))
    return Timing(rfstdtc=first or base or (forms[0] if forms else None),
                  rfendtc=everything[-1] if everything else None, rficdtc=consent, rfxstdtc=first,
                  rfxendtc=exposure.last_dose() if first else None, as_of=as_of,
                  exposure=exposure, diary_instrument=diary_instrument, days=days)
