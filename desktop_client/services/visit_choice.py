"""Which visit a screen offers first for a participant, and whether a visit's window has passed or not begun.

Screens that save against a visit (clinician scores, the clinical record, the kiosk's staff screen) start on
the participant's due visit, never on the first visit of the study: an entry saved against the wrong visit
looks right and is wrong. The window is the study file's (``shared.deviations.visit_window``, the rule the
server's out-of-window deviation uses), from the participant's baseline date as ``overview`` knows it, and
"today" is the site's day (``overview.site_today``). Plain Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from desktop_client.services import overview
from desktop_client.services.station import Station
from shared.instruments.model import Text


@dataclass(frozen=True)
class VisitWindow:
    """A scheduled visit's window for one participant, and the day it was compared with."""

    visit_id: str
    label: Text
    start: date
    end: date
    today: date


def _overview_of(station: Station, participant_id: str, today: date) -> overview.ParticipantOverview | None:
    row = next((p for p in station.participants() if p["participant_id"] == participant_id), None)
    return overview.participant_overview(station, row, today) if row is not None else None


def due_visit(station: Station, participant_id: str | None, candidates: Sequence[str], *,
              today: date | None = None) -> str | None:
    """The visit among ``candidates`` (visit ids, in the screen's order) to offer first.

    In order: the first visit due today (its window holds today and something is still missing); else the visit
    whose window holds today; else the next upcoming one; else the latest overdue one; else the first candidate.
    Unscheduled visits are offered only when nothing else is a candidate.
    """
    if not candidates:
        return None
    if participant_id is None:
        return candidates[0]
    today = today or overview.site_today(station)
    person = _overview_of(station, participant_id, today)
    if person is None:
        return candidates[0]
    statuses = [v for v in person.visits if v.visit_id in candidates]
    in_window = [v for v in statuses if v.window_start and v.window_end and v.window_start <= today <= v.window_end]
    for pick in ([v for v in in_window if v.status == overview.DUE], in_window,
                 [v for v in statuses if v.status == overview.UPCOMING],
                 [v for v in reversed(statuses) if v.status == overview.OVERDUE]):
        if pick:
            return pick[0].visit_id
    scheduled = {v.id for v in station.study.scheduled_visits}
    return next((c for c in candidates if c in scheduled), candidates[0])


def outside_window(station: Station, participant_id: str, visit_id: str, *,
                   today: date | None = None) -> VisitWindow | None:
    """The visit's window when today (at the site) lies outside it, else None.

    None too when the visit has no window (unscheduled) or the participant has no baseline record yet: then
    the server's rule flags nothing either, because the windows are counted from the baseline visit's day.
    """
    today = today or overview.site_today(station)
    person = _overview_of(station, participant_id, today)
    if person is None or not person.baseline_recorded:
        return None
    status = next((v for v in person.visits if v.visit_id == visit_id), None)
    if status is None or status.window_start is None or status.window_end is None:
        return None
    if status.window_start <= today <= status.window_end:
        return None
    return VisitWindow(visit_id, status.label, status.window_start, status.window_end, today)
