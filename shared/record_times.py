"""When a record can have been made: the time-plausibility rules both the kiosk and the server apply.

A kiosk's clock, a typing slip or a forged envelope can put a measurement in the future, before the
participant consented, or give a local time that is not the UTC time at the site. None of these can be
true, so each is refused naming the field, the value and what is allowed:

- ``collected_at`` no later than now + ``MAX_CLOCK_SKEW`` (a kiosk clock may run a little fast);
- ``collected_at`` (as a date at the site) not before the participant's consent date, or, where no consent
  is known yet (the enrolment itself, a kiosk that has not synced the participant), the study start;
- ``collected_at_local`` the same instant as ``collected_at`` (within ``MAX_LOCAL_DRIFT``: older kiosks read
  the clock twice) and with the UTC offset of the site's time zone (``sites[*].timezone`` in the study file)
  at that instant;
- enrolment: consent and screening dates from the study start to the day of entry;
- a dated dosing diary: no date after the day of the diary, none before the consent (or the study start);
- a home diary entry (issue 24): its ``data.diary_date`` likewise (``shared/home.py``);
- adverse events: onset from the consent date (the study start when unknown) to the day of entry, end date
  and death date no later than the day of entry, site awareness no later than the report itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.clinical_record import CLINICAL_KINDS, clinical_record_times
from shared.errors import FieldProblem, UnknownInstrument
from shared.exposure import calendar_item, check_calendar_dates
from shared.home import diary_date_times
from shared.instruments import get_instrument
from shared.site_time import zone as site_zone
from shared.study.model import Site, Study

MAX_CLOCK_SKEW = timedelta(minutes=10)   # how far ahead of the server's clock a kiosk's clock may run
MAX_LOCAL_DRIFT = timedelta(seconds=1)   # collected_at_local vs collected_at: the same reading of the clock


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)  # Python 3.11 reads the Z of UTC itself


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


_ZONES: dict[tuple[int, str], tuple[Study, Site, Any]] = {}


def _site_and_zone(study: Study, site_id: str) -> tuple[Site, Any]:
    """The site and its time zone, looked up once per study and site (every synced record asks; the cache holds
    the study, so its id stays its own). StopIteration for a site the study lacks, as the search it replaces."""
    hit = _ZONES.get((id(study), site_id))
    if hit is None or hit[0] is not study:
        site = next(s for s in study.sites if s.id == site_id)
        if len(_ZONES) > 1000:
            _ZONES.clear()
        hit = _ZONES[(id(study), site_id)] = (study, site, site_zone(site.timezone))
    return hit[1], hit[2]


_UNDATED: dict[tuple[str, str], bool] = {}


def _undated(record: Mapping[str, Any]) -> bool:
    """True when the record names an instrument of the library (which is fixed) that has no dose calendar: then
    ``check_calendar_dates`` has no dates to check. Worked out once per instrument id and version, as every
    synced instrument response asks."""
    key = (record.get("instrument_id"), record.get("instrument_version"))
    if type(key[0]) is not str or type(key[1]) is not str:
        return False
    hit = _UNDATED.get(key)
    if hit is None:
        try:
            hit = calendar_item(get_instrument(key[0], key[1])) is None
        except UnknownInstrument:
            hit = False
        if len(_UNDATED) > 1000:
            _UNDATED.clear()
        _UNDATED[key] = hit
    return hit


def check_record_times(record: Mapping[str, Any], study: Study, *, now: datetime,
                       consent_date: date | None) -> list[FieldProblem]:
    """Every implausible time of a record whose fields already passed validation (formats, site, kind)."""
    problems: list[FieldProblem] = []

    def add(field: str, value: Any, allowed: str, why: str) -> None:
        problems.append(FieldProblem(field, value, allowed, f"{field}: {why} (got {value!r}; allowed: {allowed})"))

    site, zone = _site_and_zone(study, record["site_id"])
    utc = _instant(record["collected_at"]).astimezone(UTC)
    latest = now.astimezone(UTC) + MAX_CLOCK_SKEW
    if utc > latest:
        add("collected_at", record["collected_at"], f"no later than {_iso(latest)} (the server's time plus "
            f"{int(MAX_CLOCK_SKEW.total_seconds() // 60)} minutes of clock skew)", "is in the future")
    at_site = utc.astimezone(zone)
    local_text = record["collected_at_local"]
    local = _instant(local_text)
    if abs(local - utc) > MAX_LOCAL_DRIFT or local.utcoffset() != at_site.utcoffset():
        add("collected_at_local", local_text, f"{at_site.isoformat(timespec='seconds')} (collected_at at site "
            f"{site.id}, time zone {site.timezone})", "is not the same instant as collected_at at the site's "
            "UTC offset")
    day = at_site.date()
    start = study.study.start_date
    kind = record["kind"]
    data = record["data"]
    if kind in ("enrolment", "screening"):
        for name in ("consent_date", "screening_date"):
            given = _date(data.get(name))
            if given is not None and not start <= given <= day:
                add(f"data.{name}", data[name], f"{start.isoformat()} (study start) to {day.isoformat()} "
                    "(the day of entry)", "is outside the study or after the day it was entered")
        consent_date = _date(data.get("consent_date")) or consent_date
    floor, floor_name = (consent_date, "the participant's consent") if consent_date else (start, "the study start")
    if day < floor:
        add("collected_at", record["collected_at"], f"on or after {floor.isoformat()} ({floor_name})",
            f"is before {floor_name}")
    if kind == "instrument_response":
        if not _undated(record):
            problems += check_calendar_dates(record, day=day, floor=floor, floor_name=floor_name)
        if record.get("visit_id") is None:   # issue 24: a home entry (visit_id null) has a diary date
            problems += diary_date_times(record, day=day, floor=floor, floor_name=floor_name)
    if kind == "adverse_event":
        onset, end = _date(data.get("onset_date")), _date(data.get("end_date"))
        if onset is not None and not floor <= onset <= day:
            add("data.onset_date", data["onset_date"], f"{floor.isoformat()} ({floor_name}) to {day.isoformat()} "
                "(the day of the report)", "is not a possible onset date")
        if end is not None and end > day:
            add("data.end_date", data["end_date"], f"on or before {day.isoformat()} (the day of the report)",
                "is after the day of the report")
        died = _date(data.get("death_date"))
        if died is not None and died > day:
            add("data.death_date", data["death_date"], f"on or before {day.isoformat()} (the day of the report)",
                "is after the day of the report")
        aware = data.get("awareness_at")
        if isinstance(aware, str) and _instant(aware).astimezone(UTC) > utc + MAX_CLOCK_SKEW:
            add("data.awareness_at", aware, f"no later than {record['collected_at']} (when the report was made)",
                "is after the report was made")
    if kind in CLINICAL_KINDS:
        problems += clinical_record_times(kind, data, day=day, floor=floor, floor_name=floor_name)
    return problems
