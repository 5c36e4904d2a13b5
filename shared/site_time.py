"""Site-local time: the one place that turns a stored UTC moment into what a person at the site reads.

Everything is stored and ordered in UTC (``collected_at``, ``received_at``, audit ``at``); a 07:30 blood draw
in Beijing is 23:30 UTC of the previous day. Whenever a person reads a date or a time (kiosk and nurse screens,
web pages, CSV, SDTM --DTC, the report) it is shown at the site's time zone, ``sites[*].timezone`` in the study
file, through these functions, so every surface shows the same calendar day. Pure standard library.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from shared.study.model import Site, Study

Moment = str | datetime


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (cached: exports ask for every row)."""
    return ZoneInfo(name)


def site_zone(study: Study, site_id: str | None = None) -> ZoneInfo:
    """The time zone of ``site_id`` (the study's first site when None or unknown: a one-site study)."""
    return zone(_site(study, site_id).timezone)


def _site(study: Study, site_id: str | None) -> Site:
    if site_id is not None:
        for s in study.sites:
            if s.id == site_id:
                return s
    return study.sites[0]


def _utc(ts: Moment) -> datetime:
    moment = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
    if moment.tzinfo is None:  # naive stored times are UTC by the house rule
        moment = moment.replace(tzinfo=UTC)
    return moment


def to_site_local(ts: Moment, study: Study, site_id: str | None = None) -> datetime:
    """The moment ``ts`` (ISO 8601 text or datetime; naive means UTC) at the site's time zone.

    Raises ValueError for text that is not an ISO 8601 timestamp.
    """
    if isinstance(ts, str):
        return moment_at(ts, _site(study, site_id).timezone)
    return _utc(ts).astimezone(site_zone(study, site_id))


@lru_cache(maxsize=16384)
def moment_at(ts: str, timezone: str) -> datetime:
    """The ISO 8601 moment ``ts`` (naive: UTC) at the IANA zone ``timezone``; raises ValueError for other text.

    Cached: an export reads each record's moment for several datasets.
    """
    return _utc(ts).astimezone(zone(timezone))


def site_local_date(ts: Moment | date | None, study: Study, site_id: str | None = None) -> date | None:
    """The calendar day at the site of a moment (a bare date, ``YYYY-MM-DD``, is already a site day).

    None, empty or unreadable text gives None, so a display never crashes on an odd stored value.
    """
    if ts is None or ts == "":
        return None
    if isinstance(ts, date) and not isinstance(ts, datetime):
        return ts
    if isinstance(ts, str) and len(ts) == 10:
        try:
            return date.fromisoformat(ts)
        except ValueError:
            return None
    try:
        return to_site_local(ts, study, site_id).date()
    except (TypeError, ValueError):
        return None


def site_local_iso_date(ts: Moment | date | None, study: Study, site_id: str | None = None) -> str:
    """``site_local_date`` as ``YYYY-MM-DD`` text ("" when unknown): the form exports and pages print."""
    day = site_local_date(ts, study, site_id)
    return day.isoformat() if day else ""


def site_local_text(ts: Moment | None, study: Study, site_id: str | None = None, *,
                    seconds: bool = False) -> str:
    """A moment as ``YYYY-MM-DD HH:MM`` (``:SS`` with ``seconds``) at the site, "" when unknown."""
    if ts is None or ts == "":
        return ""
    try:
        local = to_site_local(ts, study, site_id)
    except (TypeError, ValueError):
        return str(ts)
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def utc_text(ts: Moment | None, *, seconds: bool = True) -> str:
    """A moment as ``YYYY-MM-DD HH:MM:SS UTC`` (audit views show it beside the site time)."""
    if ts is None or ts == "":
        return ""
    try:
        moment = _utc(ts).astimezone(UTC)
    except (TypeError, ValueError):
        return str(ts)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def site_today(study: Study, site_id: str | None = None, *, now: datetime | None = None) -> date:
    """Today's date at the site (``now`` defaults to the clock)."""
    return (now or datetime.now(UTC)).astimezone(site_zone(study, site_id)).date()


_WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
             "zh": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(day: date, language: str) -> str:
    """A calendar day as a participant reads it: "Mon 2 Mar 2026" (en), "2026年3月2日 星期一" (zh).

    Spelled out here, not through the machine's locale, so every kiosk shows the same words.
    """
    weekday = _WEEKDAYS["zh" if language == "zh" else "en"][day.weekday()]
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日 {weekday}"
    return f"{weekday} {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def site_wall_time_to_iso(text: str, study: Study, site_id: str | None = None) -> str:
    """A wall-clock time typed at the site (``YYYY-MM-DDTHH:MM``, an HTML datetime-local) as ISO 8601 with the
    site's offset on that day; text that is not such a time comes back unchanged, for the rule to refuse by value
    (never read silently as another time)."""
    try:
        local = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text
    if local.tzinfo is not None:
        return text
    return local.replace(tzinfo=site_zone(study, site_id)).isoformat(timespec="minutes")
