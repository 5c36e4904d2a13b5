"""The CSV's ``collected_at_local``: a stored UTC moment as the site's local time with its UTC offset.

The CSV writes one for every record (hundreds of thousands in an export), and ``isoformat(timespec=…)`` of a
zone-aware datetime costs most of that. The offset of a site's zone is the same all through almost every UTC
day, so it is worked out once per zone and UTC day; a moment in the server's own form
(``YYYY-MM-DDTHH:MM:SS.mmmZ``) on such a day is shifted and written from its own digits (with a whole-hour
offset, once per UTC hour: the local hour, then the moment's own minutes, seconds and milliseconds). Any other
text, or a day on which the zone changes its offset (summer time starts or ends), goes the general way: the
text is the same either way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_HOURS = (*(timedelta(hours=h) for h in range(1, 24)), timedelta(hours=24, microseconds=-1))
_days: dict[tuple[ZoneInfo, str], tuple[timedelta, str] | None] = {}
_MINUTES = re.compile(r":[0-5][0-9]:[0-5][0-9]\.[0-9]{3}")
_hours: dict[tuple[ZoneInfo, str], tuple[str, str]] = {}   # (zone, UTC YYYY-MM-DDTHH) -> local one, offset


def site_local(utc: str | None, zone: ZoneInfo | None) -> str | None:
    """An ISO 8601 UTC time at the site: its local time with the UTC offset of the site's time zone then."""
    if not utc or zone is None:
        return None
    if len(utc) == 24 and utc[23] == "Z" and utc[19] == "." and utc[10] == "T":
        hour = _hours.get((zone, utc[:13]))    # a whole-hour offset: the local hour of this UTC hour, then
        if hour is not None and _MINUTES.fullmatch(utc, 13, 23):    # minutes, seconds, ms as they are
            return f"{hour[0]}{utc[13:23]}{hour[1]}"
        key = (zone, utc[:10])
        try:
            day = _days[key]
        except KeyError:
            day = _days[key] = _day_offset(zone, utc[:10])
        if day is not None and not day[0].seconds % 3600 and utc[11:13].isdigit() and utc[13] == ":":
            try:
                local = datetime.fromisoformat(utc[:13]) + day[0]
            except (ValueError, OverflowError):
                local = None
            if local is not None:
                if len(_hours) > 100_000:
                    _hours.clear()
                _hours[zone, utc[:13]] = (local.isoformat()[:13], day[1])
        if day is not None:
            try:
                local = datetime.fromisoformat(utc[:19]) + day[0]
            except (ValueError, OverflowError):
                return None
            return f"{local.isoformat()}{utc[19:23]}{day[1]}"
    return _general(utc, zone)


def _general(utc: str, zone: ZoneInfo) -> str | None:
    try:
        at = datetime.fromisoformat(utc)
    except ValueError:
        return None
    return at.astimezone(zone).isoformat(timespec="milliseconds")


def _day_offset(zone: ZoneInfo, day: str) -> tuple[timedelta, str] | None:
    """The zone's offset all through the UTC ``day`` and how it is written (``+08:00``); None when the offset
    changes that day, is not whole seconds, or ``day`` is not a date."""
    if len(_days) > 100_000:
        _days.clear()
    try:
        start = datetime.fromisoformat(day).replace(tzinfo=UTC)
        offset = start.astimezone(zone).utcoffset()
        if offset is None or offset.microseconds or any((start + h).astimezone(zone).utcoffset() != offset
                                                       for h in _HOURS):
            return None
        return offset, start.astimezone(zone).isoformat(timespec="milliseconds")[23:]
    except (ValueError, OverflowError):     # not a date; the first or last days a datetime holds
        return None
