"""Issue 16 point 5 on the real widgets: every nurse date picker starts on the site's day (Beijing for the
study file's site), not on the machine's. The process time zone is set to one whose calendar day differs from
Beijing's right now, so a picker that asked the machine (``date.today()``) shows the wrong day."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.factories import enrol_participant, new_station, offline_station
from tests.ui.nurse_drive import open_home

# One of these is on another calendar day than Beijing (UTC+8) at any hour: LA (UTC-8) outside 08-16 UTC,
# Kiritimati (UTC+14) from 10 to 16 UTC, UTC-12 before 12 UTC.
_MACHINE_ZONES = ("America/Los_Angeles", "Pacific/Kiritimati", "Etc/GMT+12")


@pytest.fixture
def beijing_day(monkeypatch: pytest.MonkeyPatch) -> Iterator[date]:
    """Beijing's day, with the process time zone set so that the machine's day is another one."""
    site = ZoneInfo("Asia/Shanghai")
    now = datetime.now(UTC)
    machine = next(z for z in _MACHINE_ZONES if now.astimezone(ZoneInfo(z)).date() != now.astimezone(site).date())
    monkeypatch.setenv("TZ", machine)
    time.tzset()
    day = datetime.now(site).date()
    assert date.today() != day, "the test needs a machine day that is not the site's"
    yield day
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk", arms=("IL2RAPA",))
    assert st.study.site(st.site_id).timezone == "Asia/Shanghai"
    yield st
    st.store.close()


def test_the_ae_form_dates_start_on_the_site_day(qtbot, language, station, beijing_day: date) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    form = home.go("adverse_events")
    form.participant.select(pid)
    form.new_report()
    assert form.onset.date().toPython() == beijing_day
    assert form.end.date().toPython() == beijing_day and form.death.date().toPython() == beijing_day


def test_the_course_screen_dates_start_on_the_site_day(qtbot, language, station, beijing_day: date) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    page = home.go("course")
    page.participant.select(pid)
    assert page.deviation_date.date().toPython() == beijing_day
    assert page.disposition_date.date().toPython() == beijing_day


def test_screening_and_pregnancy_test_dates_start_on_the_site_day(qtbot, language, station,
                                                                  beijing_day: date) -> None:
    home = open_home(qtbot, station)
    screening = home.go("screening")
    assert screening.screening_date.date().toPython() == beijing_day
    assert screening.consent_date.date().toPython() == beijing_day
    record = home.go("clinical_record")
    test_date = next(f for f in record.pregnancy.fields if f.key == "test_date")
    assert test_date.get() == beijing_day.isoformat()


def test_before_enrolment_the_course_screen_takes_the_study_site_day(qtbot, language, tmp_path: Path,
                                                                    beijing_day: date) -> None:
    """A station not enrolled yet knows no site: its pickers take the study's first site's day, not the
    machine's (nothing is saved before enrolment)."""
    station = new_station(tmp_path / "kiosk")
    try:
        assert not station.is_enrolled and station.study.sites[0].timezone == "Asia/Shanghai"
        home = open_home(qtbot, station)
        page = home.go("course")
        assert page.deviation_date.date().toPython() == beijing_day
        assert page.disposition_date.date().toPython() == beijing_day
    finally:
        station.store.close()
