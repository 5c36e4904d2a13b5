"""Site-local dates (shared/site_time.py): what a person reads is the site's day, not the UTC one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.site_time import site_local_date, site_local_iso_date, site_local_text, site_today, to_site_local, utc_text
from shared.study import default_study

STUDY = default_study()
DRAW = "2026-03-01T23:30:00Z"        # 07:30 on 2 March in Beijing (UTC+8)


def test_a_0730_beijing_moment_is_the_beijing_day_not_the_utc_one() -> None:
    assert to_site_local(DRAW, STUDY, "PKU").isoformat() == "2026-03-02T07:30:00+08:00"
    assert site_local_date(DRAW, STUDY, "PKU") == date(2026, 3, 2)
    assert site_local_iso_date(DRAW, STUDY, "PKU") == "2026-03-02"
    assert site_local_text(DRAW, STUDY, "PKU") == "2026-03-02 07:30"
    assert utc_text(DRAW) == "2026-03-01 23:30:00 UTC"


def test_naive_times_are_utc_and_bare_dates_are_already_site_days() -> None:
    assert site_local_text("2026-03-01T23:30:00", STUDY) == "2026-03-02 07:30"
    assert site_local_date("2026-03-01", STUDY) == date(2026, 3, 1)
    assert site_local_date(date(2026, 3, 1), STUDY) == date(2026, 3, 1)


def test_odd_values_give_nothing_instead_of_crashing_a_page() -> None:
    assert site_local_date(None, STUDY) is None and site_local_date("", STUDY) is None
    assert site_local_date("yesterday", STUDY) is None and site_local_iso_date("2026-13-01", STUDY) == ""
    assert site_local_text("not a time", STUDY) == "not a time"


def test_today_at_the_site() -> None:
    assert site_today(STUDY, "PKU", now=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == date(2026, 3, 2)
