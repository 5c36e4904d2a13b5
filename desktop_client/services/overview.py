"""The nurse's overview: per participant what is done, due and overdue, and what still waits to be synced.

Visit dates come from the study file: each scheduled visit is ``day`` days after the
baseline date, with its window either side. The baseline date is the day the baseline
visit was recorded, or, before that, the enrolment day (baseline is due at once).
"Today" is the site's calendar day (its time zone from the study file).
Once the participant has a disposition (completed or discontinued, shared/disposition.py) no visit is due or
overdue: what was not done is "ended". A visit staff recorded as missed is "missed"; a done visit outside its
window is flagged (``out_of_window``); ``deviations`` lists both, from shared/deviations.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from desktop_client.services import course, site_records
from desktop_client.services.home_diary import HomeDiary, home_diary
from desktop_client.services.site_records import AdverseEventSummary, LatestScore
from desktop_client.services.station import Station
from desktop_client.store import outbox
from desktop_client.store import station as settings
from desktop_client.store.outbox import OutboxStats
from shared import site_time
from shared.deviations import OUT_OF_WINDOW, VisitDeviation, visit_deviations
from shared.disposition import Disposition
from shared.instruments.model import Text

DONE, DUE, OVERDUE, UPCOMING, UNKNOWN = "done", "due", "overdue", "upcoming", "unknown"
MISSED, ENDED = "missed", "ended"   # recorded as missed by staff; not expected after the disposition


@dataclass(frozen=True)
class VisitStatus:
    """One scheduled visit of one participant."""

    visit_id: str
    label: Text
    window_start: date | None
    window_end: date | None
    status: str                         # done, due, overdue, upcoming, missed, ended or unknown (no baseline yet)
    missing: tuple[str, ...]            # instruments due at the visit and not yet recorded
    out_of_window: bool = False         # done, but its first record lies outside the window


@dataclass(frozen=True)
class ParticipantOverview:
    participant_id: str
    arm: str | None
    status: str
    baseline_date: date | None
    visits: tuple[VisitStatus, ...]
    unsynced: int
    oldest_unsynced_at: str | None
    disposition: Disposition | None = None
    deviations: tuple[VisitDeviation, ...] = ()
    adverse_events: tuple[AdverseEventSummary, ...] = ()   # this station's and the site's (server) AEs
    latest_scores: tuple[LatestScore, ...] = ()
    baseline_recorded: bool = False     # the baseline date is the baseline visit's (not the enrolment day)
    home_diary: HomeDiary | None = None  # issue 24: the diary on the participant's phone, its missed days

    def count(self, status: str) -> int:
        return sum(1 for v in self.visits if v.status == status)

    @property
    def next_visit(self) -> VisitStatus | None:
        """The first visit not yet done (overdue ones come first by date)."""
        return next((v for v in self.visits if v.status in (OVERDUE, DUE, UPCOMING)), None)


@dataclass(frozen=True)
class HeldRecord:
    """A record the server refused or found in conflict, described in the study's words."""

    record_id: str
    revision: int
    state: str                          # rejected or conflict
    reason: str
    participant_id: str
    kind: str
    visit_id: str | None
    instrument_id: str | None


@dataclass(frozen=True)
class StationOverview:
    participants: tuple[ParticipantOverview, ...]
    outbox: OutboxStats
    held: tuple[HeldRecord, ...]
    last_sync_at: str | None


def site_today(station: Station) -> date:
    """Today's date where the site is (records carry UTC; visits are calendar days at the clinic), never the
    machine's: every nurse date picker starts on it. Before enrolment the station knows no site yet and takes the
    study's first site (as the AE form's awareness time does); nothing is saved until it is enrolled."""
    return site_time.site_today(station.study, station.site_id if station.is_enrolled else None)


def _local_day(value: str, tz: ZoneInfo) -> date:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(tz).date()


def _status(start: date, end: date, missing: tuple[str, ...], today: date) -> str:
    if not missing:
        return DONE
    if today > end:
        return OVERDUE
    return DUE if today >= start else UPCOMING


def _baseline_id(station: Station) -> str | None:
    visit = station.study.visit_with_role("baseline")
    return visit.id if visit else None


def participant_overview(station: Station, participant: dict[str, Any], today: date) -> ParticipantOverview:
    tz = ZoneInfo(station.study.site(station.site_id).timezone)
    pid = participant["participant_id"]
    done: dict[str, set[str]] = {}
    visited: dict[str, date] = {}
    first: str | None = None     # the first instrument collected at the baseline visit, on any kiosk of the site
    baseline_id = _baseline_id(station)
    for r in site_records.responses_done(station, pid):     # this station's records and the server's state
        done.setdefault(r.visit_id or "", set()).add(r.instrument_id)
        day = _local_day(r.collected_at, tz)
        visited[r.visit_id or ""] = min(day, visited.get(r.visit_id or "", day))
        if r.visit_id == baseline_id and (first is None or r.collected_at < first):
            first = r.collected_at
    ended = course.disposition_of(station, pid)
    missed = course.missed_visits_of(station, pid)
    baseline = _local_day(first, tz) if first else None
    if baseline is None and participant.get("enrolled_at"):
        baseline = _local_day(participant["enrolled_at"], tz)
    flagged = visit_deviations(station.study, baseline=baseline if first else None, visited=visited,
                               missed=missed, disposition=ended, today=today)
    late = {d.visit_id for d in flagged if d.rule == OUT_OF_WINDOW}
    visits = []
    for v in station.study.scheduled_visits:
        missing = tuple(i for i in v.instruments if i not in done.get(v.id, set()))
        label = Text(en=v.label, zh=v.label_zh)
        if baseline is None or v.day is None:
            visits.append(VisitStatus(v.id, label, None, None, DONE if not missing else UNKNOWN, missing))
            continue
        start = baseline + timedelta(days=v.day - v.window_before)
        end = baseline + timedelta(days=v.day + v.window_after)
        status = _status(start, end, missing, today)
        if status != DONE and v.id in missed:
            status = MISSED
        elif status != DONE and ended is not None:
            status = ENDED
        visits.append(VisitStatus(v.id, label, start, end, status, missing, v.id in late))
    waiting = station.store.query(
        "SELECT count(*) AS n, min(o.queued_at) AS oldest FROM outbox o JOIN records r USING (record_id, revision) "
        "WHERE r.participant_id = ?", (pid,))[0]
    return ParticipantOverview(participant_id=pid, arm=participant.get("arm"), status=participant["status"],
                               baseline_date=baseline, visits=tuple(visits), unsynced=int(waiting["n"] or 0),
                               oldest_unsynced_at=waiting["oldest"], disposition=ended, deviations=tuple(flagged),
                               baseline_recorded=first is not None,
                               adverse_events=tuple(site_records.adverse_events(station, pid)),
                               latest_scores=tuple(site_records.latest_scores(station, pid)),
                               home_diary=home_diary(station, pid, today, ended))


def held_records(station: Station) -> list[HeldRecord]:
    """Rejected and conflicting records with what they are, for the Sync screen."""
    out = []
    for row in outbox.held_rows(station.store):
        rec = json.loads(station.store.query("SELECT body FROM records WHERE record_id = ? AND revision = ?",
                                             (row["record_id"], row["revision"]))[0]["body"])
        out.append(HeldRecord(record_id=row["record_id"], revision=row["revision"], state=row["state"],
                              reason=row["last_error"] or "", participant_id=rec["participant_id"], kind=rec["kind"],
                              visit_id=rec.get("visit_id"), instrument_id=rec.get("instrument_id")))
    return out


def station_overview(station: Station, today: date | None = None) -> StationOverview:
    """Everything the data overview screen shows, read in one go."""
    today = today or site_today(station)
    people = tuple(participant_overview(station, p, today) for p in station.participants())
    return StationOverview(participants=people, outbox=outbox.stats(station.store),
                           held=tuple(held_records(station)),
                           last_sync_at=settings.get(station.store, settings.LAST_SYNC_AT))
