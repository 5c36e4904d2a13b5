"""Missed home diary days in nurse mode (issue 24, point 4), real Qt widgets offscreen and a real sync: the
participant's phone syncs three daily entries over six days; the kiosk syncs and its nurse overview shows since
when the phone keeps the diary, how many days were recorded and which days were missed, in English and Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop_client.services import overview
from tests.factories import enrol_participant, enrolled_station
from tests.integration.test_home_entries_downstream import add_phone, at_week, home_entry, phone_sync
from tests.live_server import ThreadServer
from tests.ui.nurse_drive import open_home

TEXTS = {"en": ("Home diary on the phone since", "Missed diary days: "),
         "zh": ("在手机上记录居家日志", "漏填日志的天数：")}


def test_the_nurse_overview_lists_the_missed_diary_days(qtbot: Any, language: Any, tmp_path: Path,
                                                         sqlite_server: ThreadServer, artifacts: Path) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", sqlite_server)
    try:
        pid = enrol_participant(station)
        other = enrol_participant(station)
        at_week(station, pid, 2)
        assert engine.sync().remaining == 0
        today = overview.site_today(station)
        phone = add_phone(sqlite_server, pid, datetime.now(UTC) - timedelta(days=6))
        entered = [today - timedelta(days=n) for n in (5, 4, 2)]
        arm = station.participant_arm(pid) or ""
        phone_sync(sqlite_server, phone, [home_entry(sqlite_server, phone, d, arm) for d in entered])
        engine.sync()
        diary = next(p for p in overview.station_overview(station).participants
                     if p.participant_id == pid).home_diary
        assert diary is not None and diary.missed and today - timedelta(days=1) in diary.missed
        for code in ("en", "zh"):
            language.set(code)
            home = open_home(qtbot, station)
            page = home.go("overview")
            row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == pid)
            page.table.selectRow(row)
            text = page.home_diary.text()
            since, missed = TEXTS[code]
            assert page.home_diary.isVisible() and since in text and f"{missed}{len(diary.missed)}" in text, text
            assert all(d.isoformat() in text for d in diary.missed)
            assert not any(d.isoformat() in text.split(missed)[1] for d in entered)
            out = artifacts / "screens" / f"{code}-1600x1000"
            out.mkdir(parents=True, exist_ok=True)
            assert home.grab().save(str(out / "nurse-overview-home-diary.png"))
            row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == other)
            page.table.selectRow(row)
            assert not page.home_diary.isVisible()                   # no phone: nothing said of a diary
            home.close()
        language.set("en")
    finally:
        engine.close()
        station.store.close()
