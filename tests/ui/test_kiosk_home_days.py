"""The clinic's dosing diary asks only about the days without a home entry (issue 24, point 3): days the
participant recorded on their phone have no line on the kiosk, and the screen says so, in English and Chinese."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from desktop_client.services import overview
from desktop_client.store import home_entries as store_home_entries
from desktop_client.ui.widgets.dose_calendar import DoseCalendar
from shared.home_entries import home_dosing_id
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import click, current_page, start_session
from tests.ui.test_nurse_due_visit import at_week

PHONE_NOTE = {"en": "Days recorded on your phone are not asked again.",
              "zh": "您已在手机上记录过的日子，这里不再询问。"}


def _recorded_at_home(station: Any, pid: str, days: list[Any]) -> None:
    """What a sync brings down when the participant's phone recorded these days (the store's own path)."""
    home = home_dosing_id(station.study)
    with station.store.transaction() as conn:
        store_home_entries.keep(conn, [{"record_id": f"home-{d}", "revision": 1, "participant_id": pid,
                                        "instrument_id": home, "diary_date": d.isoformat()} for d in days],
                                snapshot=False)


def _dosing_page(qtbot: Any, window: Any) -> Any:
    view = window.session_view
    while not view.on_review():
        page = current_page(window)
        if isinstance(page.main.widget, DoseCalendar):
            return page
        click(qtbot, view.next)
    return None


@pytest.mark.parametrize("code", ["en", "zh"])
def test_the_dosing_diary_leaves_out_the_days_recorded_on_the_phone(qtbot: Any, make_window: Any,
                                                                      kiosk_station: KioskStation,
                                                                      code: str) -> None:
    station = kiosk_station.station
    pid = kiosk_station.by_arm["IL2RAPA"]
    at_week(station, pid, 2)
    today = overview.site_today(station)
    at_home = [today - timedelta(days=3), today - timedelta(days=4), today]
    _recorded_at_home(station, pid, at_home)
    window = make_window(language=code)
    start_session(qtbot, window, pid, "week2")
    page = _dosing_page(qtbot, window)
    assert page is not None
    calendar = page.main.widget
    asked = {day for day, _drug in calendar.dose_buttons}
    assert asked and not asked & set(at_home)                           # no line for a day the phone has
    assert today - timedelta(days=1) in asked and today - timedelta(days=5) in asked
    assert PHONE_NOTE[code] in page.period.text() and page.period.isVisible()
    assert PHONE_NOTE[code] in page.spoken_question()                   # read aloud too


def test_without_home_entries_the_screen_says_nothing_of_a_phone(qtbot: Any, make_window: Any,
                                                                 kiosk_station: KioskStation) -> None:
    station = kiosk_station.station
    pid = kiosk_station.by_arm["IL2RAPA"]
    at_week(station, pid, 2)
    window = make_window(language="en")
    start_session(qtbot, window, pid, "week2")
    page = _dosing_page(qtbot, window)
    assert page is not None and PHONE_NOTE["en"] not in page.period.text()
    assert overview.site_today(station) in {day for day, _drug in page.main.widget.dose_buttons}


def test_a_diary_whose_every_day_was_recorded_at_home_is_not_asked(qtbot: Any, make_window: Any,
                                                                   kiosk_station: KioskStation) -> None:
    station = kiosk_station.station
    pid = kiosk_station.by_arm["IL2RAPA"]
    at_week(station, pid, 2)
    today = overview.site_today(station)
    _recorded_at_home(station, pid, [today - timedelta(days=n) for n in range(20)])
    window = make_window(language="en")
    start_session(qtbot, window, pid, "week2")
    assert _dosing_page(qtbot, window) is None                          # the review came, no dosing screen
    dosing = station.study.instrument_with_role("dosing")
    assert dosing is not None and dosing.id not in {i.id for i in window.session_view._form.instruments}
