"""The dates each kiosk questionnaire asks about for one participant today (rules in shared/recall.py).

"Since your last visit" starts on the day of the participant's previous visit: the latest site-local day
before today of one of their instrument responses on this station or, from the site state the server sends,
on another kiosk of the site (downstream records included),
else their enrolment day. Plain Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from desktop_client.services import overview, site_records
from desktop_client.services.station import Station
from shared.exposure import calendar_item
from shared.instruments.model import Instrument
from shared.recall import recall_dates
from shared.site_time import site_local_date


def last_visit_day(station: Station, participant_id: str, today: date) -> date | None:
    """The day (at the site) of the participant's previous visit before ``today``, if any is known."""
    enrolled = station.store.query("SELECT enrolled_at FROM participants WHERE participant_id = ?",
                                   (participant_id,))
    moments = [d.collected_at for d in site_records.responses_done(station, participant_id)]  # any kiosk's
    moments += [r["enrolled_at"] for r in enrolled if r["enrolled_at"]]
    days = [d for d in (site_local_date(m, station.study, station.site_id) for m in moments)
            if d is not None and d < today]
    return max(days, default=None)


def recall_periods(station: Station, participant_id: str, instruments: Iterable[Instrument], *,
                   dose_dates: tuple[date, ...] = (), today: date | None = None) -> dict[str, tuple[date, date]]:
    """Instrument id -> (first day, last day) its questions ask about, for instruments with a recall rule; a
    dated diary asks about its ``dose_dates`` (``dosing.diary_dates_for``) up to today: the days recorded on the
    phone in between, or today itself, are left out of its dates (issue 24), not out of its period."""
    today = today or overview.site_today(station)
    previous = last_visit_day(station, participant_id, today)
    out = {}
    for inst in instruments:
        dated = calendar_item(inst) is not None and dose_dates
        period = (dose_dates[0], max(dose_dates[-1], today)) if dated else recall_dates(inst.recall_dates, today,
                                                                                         previous)
        if period is not None:
            out[inst.id] = period
    return out
