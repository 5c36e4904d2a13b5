"""The CSV's site-local times: the once-per-day offset gives the very text of the zone-aware conversion, on
every day, on the days summer time starts or ends (Berlin, New York, Lord Howe's half hour), in zones with odd
offsets (Kathmandu +05:45, Chatham +12:45) and for text not in the server's own form."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from server.exports.csv_times import site_local

ZONES = [ZoneInfo(z) for z in ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                               "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "UTC")]


def _zone_aware(utc: str, zone: ZoneInfo) -> str | None:
    try:
        return datetime.fromisoformat(utc).astimezone(zone).isoformat(timespec="milliseconds")
    except ValueError:
        return None


def _text(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def test_every_quarter_hour_around_the_clock_changes_reads_as_the_zone_aware_conversion() -> None:
    for zone in ZONES:
        t = datetime(2025, 3, 1, tzinfo=UTC)
        while t < datetime(2025, 4, 15, tzinfo=UTC) or datetime(2025, 9, 25, tzinfo=UTC) <= t < datetime(
                2025, 11, 10, tzinfo=UTC):
            assert site_local(_text(t), zone) == _zone_aware(_text(t), zone), (_text(t), zone)
            t += timedelta(minutes=15)
            if datetime(2025, 4, 15, tzinfo=UTC) <= t < datetime(2025, 9, 25, tzinfo=UTC):
                t = datetime(2025, 9, 25, tzinfo=UTC)


def test_random_moments_of_150_years_read_as_the_zone_aware_conversion() -> None:
    rng = random.Random(25)
    for _ in range(20_000):
        t = datetime(1890, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(150 * 365 * 86400),
                                                          milliseconds=rng.randrange(1000))
        zone = rng.choice(ZONES)
        assert site_local(_text(t), zone) == _zone_aware(_text(t), zone), (_text(t), zone)


def test_other_text_goes_the_general_way_and_nothing_readable_gives_none() -> None:
    zone = ZONES[0]
    assert site_local("2026-03-01T23:00:00.000Z", zone) == "2026-03-02T07:00:00.000+08:00"   # its hour known
    for text in ("2026-03-01T23:30:00Z", "2026-03-01T23:30:00.000+00:00", "2026-03-01T23:30:00.123456Z",
                 "2026-13-01T23:30:00.000Z", "2026-03-01Tab:30:00.000Z", "not a time",
                 "2026-03-01T23:3x:00.000Z", "2026-03-01T23:30:60.000Z", "2026-03-01T23:61:00.000Z",
                 "2026-03-01T23:30:0\u00b2.000Z"):   # after a good moment of that hour: no shortcut for these
        assert site_local(text, zone) == _zone_aware(text, zone), text
    assert site_local("2026-03-01T23:30:00.000Z", zone) == "2026-03-02T07:30:00.000+08:00"
    assert site_local(None, zone) is None and site_local("", zone) is None
    assert site_local("2026-03-01T23:30:00.000Z", None) is None
