"""Missed home diary days of the viewer's participants (issue 24, point 4): for the dashboard's count (a cohort,
``server.services.cohorts``) and the participant page's list of dates. The rule is ``shared.home_entries
.missed_days``: every site-local day from the first app activation (or the first dose, when later) to yesterday
without a daily home entry stored from one of the participant's apps; none on or after a disposition or the
day every app of theirs was revoked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection

from server.storage import dashboard as stored
from shared.disposition import disposition_of
from shared.exposure import baseline_date, first_dose_date, is_dosing_record
from shared.home_entries import APP_DEVICE_KIND, entry_date, home_dosing_id, missed_days
from shared.site_time import site_local_date, site_today
from shared.study.model import Study


def missed_by_participant(conn: Connection, study: Study, people: list[Mapping[str, Any]],
                          recs: Mapping[str, list[dict[str, Any]]],
                          today: date | None = None) -> dict[str, list[date]]:
    """Participant id -> missed diary days, for every participant of ``people`` (rows with ``participant_id`` and
    ``site_id``) who has an app; ``recs``: their current records (``dashboard.current_records_of``)."""
    home = home_dosing_id(study)
    if home is None or not people:
        return {}
    site_of = {p["participant_id"]: p["site_id"] for p in people}
    apps: dict[str, list[Any]] = {}
    for a in stored.app_devices_of(conn, list(site_of), APP_DEVICE_KIND):
        apps.setdefault(a.participant_id, []).append(a)
    out: dict[str, list[date]] = {}
    for pid, mine in apps.items():
        site = site_of[pid]
        ids = {a.device_id for a in mine}
        starts = [d for a in mine if (d := site_local_date(a.enrolled_at, study, site)) is not None]
        if not starts:
            continue
        revoked = [site_local_date(a.revoked_at, study, site) for a in mine]
        stopped = None if any(r is None for r in revoked) else max(d for d in revoked if d is not None)
        own = recs.get(pid, [])
        entered = {d for r in own if r.get("instrument_id") == home and r.get("device_id") in ids
                   and (d := entry_date(r)) is not None}
        ended = disposition_of(own)
        first = first_dose_date([r for r in own if is_dosing_record(r, study)], study,
                                baseline_date=baseline_date(own, study))
        last = min((d for d in (stopped, ended.day if ended else None) if d is not None), default=None)
        out[pid] = missed_days(start=min(starts), first_dose=first, entered=entered, ended=last,
                               today=today or site_today(study, site))
    return out
