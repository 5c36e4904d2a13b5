"""Diary questions read like the participant's days (issue 22, point 5): every question screen whose instrument
asks about a period shows that period as dates, in English and Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desktop_client.services import overview
from shared.site_time import day_label
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import click, current_page, start_session
from tests.ui.test_nurse_due_visit import at_week


@pytest.mark.parametrize("code", ["en", "zh"])
def test_every_question_shows_the_days_it_asks_about(qtbot: Any, make_window: Any, kiosk_station: KioskStation,
                                                      code: str) -> None:
    station = kiosk_station.station
    pid = kiosk_station.by_arm["IL2RAPA"]
    at_week(station, pid, 2)
    window = make_window(language=code)
    start_session(qtbot, window, pid, "week2")
    today = overview.site_today(station)
    last_visit = (datetime.now(UTC) - timedelta(weeks=2)).astimezone(overview.ZoneInfo(station.site_timezone)).date()
    view = window.session_view
    seen = set()
    while not view.on_review():
        page = current_page(window)
        inst = page.question.instrument
        text = page.period.text()
        assert page.period.isVisible() and day_label(today, code) in text, (inst.id, text)
        if inst.recall_dates == "P14D":
            assert day_label(today - timedelta(days=14), code) in text
        if inst.recall_dates == "last_visit":
            assert day_label(last_visit, code) in text
        if page.question.item.response.value != "vas_mm":
            assert text in page.spoken_question()                 # read aloud too
        seen.add(inst.id)
        click(qtbot, view.next)
    assert {"patient_global_vas", "esspri", "symptom_checklist", "dosing_diary"} <= seen
