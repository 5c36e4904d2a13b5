"""The participant's home diary as the nurse sees it (issue 24): since when they keep one on their phone and the
days they did not fill in (``shared.home_entries.missed_days``), from what the server sends each kiosk
(``home_entries``, ``home_diaries``). Plain Python, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop_client.services.station import Station
from desktop_client.store import home_entries as store_home_entries
from shared.disposition import Disposition
from shared.home_entries import home_dosing_id, missed_days
from shared.site_time import site_local_date


@dataclass(frozen=True)
class HomeDiary:
    """A participant's home diary: the day it started (the first app activation), the last day it ran (a
    revocation of every app), the days recorded and the days missed."""

    started: date
    stopped: date | None
    recorded: int
    missed: tuple[date, ...]


def home_diary(station: Station, participant_id: str, today: date,
               disposition: Disposition | None = None) -> HomeDiary | None:
    """The participant's home diary, None when they never activated the app (or the study has no daily one)."""
    study, site = station.study, station.site_id
    home = home_dosing_id(study)
    apps = store_home_entries.diaries_of(station.store, participant_id)
    if home is None or not apps:
        return None
    starts = [d for a in apps if (d := site_local_date(a["activated_at"], study, site)) is not None]
    if not starts:
        return None
    live = any(a["revoked_at"] is None for a in apps)
    ends = [d for a in apps if a["revoked_at"] and (d := site_local_date(a["revoked_at"], study, site))]
    stopped = None if live or not ends else max(ends)
    ended = min((d for d in (stopped, disposition.day if disposition else None) if d is not None), default=None)
    entered = store_home_entries.dates_of(station.store, participant_id, home)
    return HomeDiary(started=min(starts), stopped=stopped, recorded=len(entered),
                     missed=tuple(missed_days(start=min(starts), today=today, entered=entered, ended=ended)))
