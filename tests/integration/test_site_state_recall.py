"""A second kiosk asks about the same days as the first (issue 22 points 2 and 5, found by review): kiosk A records
a participant's baseline four weeks ago and week 2 two weeks ago; kiosk B never saw those records. "Since your
last visit" must start on the same day on B, and B's dosing diary must ask about the days since the last diary
(a diary covers up to the site day it was collected on), not about today only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_client.services import dosing, overview, recall
from desktop_client.services.recording import build_instrument_record
from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared.records import timestamps
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer


def _answered_weeks_ago(station: Station, pid: str, visit: str, weeks: int) -> None:
    inst = station.study.instrument_with_role("patient_global")
    assert inst is not None
    rec = build_instrument_record(station, participant_id=pid, visit_id=visit, instrument_id=inst.id,
                                  answers={inst.items[0].id: 40}, entered_by="participant")
    rec["collected_at"], rec["collected_at_local"] = timestamps(
        station.site_timezone, at=datetime.now(UTC) - timedelta(weeks=weeks))
    store_records.save_record(station.store, rec, actor="participant")


def test_a_second_kiosk_asks_about_the_same_days(tmp_path: Path, sqlite_server: ThreadServer) -> None:
    a, engine_a = enrolled_station(tmp_path / "a", sqlite_server)
    pid = enrol_participant(a)
    _answered_weeks_ago(a, pid, "baseline", 4)
    _answered_weeks_ago(a, pid, "week2", 2)
    assert engine_a.sync().remaining == 0
    b, engine_b = enrolled_station(tmp_path / "b", sqlite_server)
    engine_b.sync()
    try:
        today = overview.site_today(a)
        assert recall.last_visit_day(a, pid, today) is not None
        assert recall.last_visit_day(b, pid, today) == recall.last_visit_day(a, pid, today)
        assert dosing.diary_dates_for(b, pid) == dosing.diary_dates_for(a, pid)
        assert len(dosing.diary_dates_for(b, pid)) > 1
    finally:
        engine_a.close()
        engine_b.close()
        a.store.close()
        b.store.close()
