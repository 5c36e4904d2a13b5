"""A data query raised on the server reaches nurse mode at the next sync; staff answer it on the real Qt screen
while offline, and the answer reaches the query's thread at the following sync."""

from __future__ import annotations

from pathlib import Path

from desktop_client.services import recording
from desktop_client.services.sync_engine import SyncSettings
from server.services import queries as service
from server.services.auth import Staff
from server.storage.engine import reading, writing
from shared.site_time import site_local_text
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer
from tests.ui.nurse_drive import click, open_home

FAST = SyncSettings(attempts=2, backoff_multiplier=0.01, backoff_max_seconds=0.05, timeout_seconds=5)
MONITOR = Staff("mon.q", "Monitor Q", frozenset({"monitor"}), frozenset({"PKU"}))


def test_staff_answer_a_query_offline_on_the_nurse_screen(qtbot, language, tmp_path: Path,
                                                          sqlite_server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", sqlite_server, settings=FAST)
    pid = enrol_participant(station)
    vas = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=64)
    engine.sync()
    with writing(sqlite_server.ctx.engine) as conn:
        qid = service.raise_query(conn, MONITOR, vas["record_id"], "activity", "64 mm? The paper says 46.")
    engine.sync()
    engine.close()

    home = open_home(qtbot, station, sync_settings=FAST)
    page = home.go("queries")
    assert page.table.rowCount() == 1 and page.table.item(0, 0).text() == pid
    assert page.table.item(0, 2).text() == "activity" and page.table.item(0, 3).text() == "open"
    assert "64 mm? The paper says 46." in page.thread.text()

    click(qtbot, page.answer_button)
    assert "Write the answer first." in page.message.text()
    page.answer_box.setPlainText("Checked with the participant: 64 is right.")
    click(qtbot, page.answer_button)
    assert "sent at the next sync" in page.message.text()
    assert "Waiting to be sent: Checked with the participant: 64 is right." in page.thread.text()

    sync = home.go("sync")
    click(qtbot, sync.sync_button)
    qtbot.waitUntil(lambda: not sync.busy, timeout=20000)
    page = home.go("queries")
    assert page.table.item(0, 3).text() == "answered" and "Waiting to be sent" not in page.thread.text()
    with reading(sqlite_server.ctx.engine) as conn:
        q = service.query_detail(conn, {"PKU"}, qid)
    assert q["state"] == "answered" and q["messages"][-1]["text"] == "Checked with the participant: 64 is right."
    assert q["messages"][-1]["author"] == f"staff:nurse.a via device:{station.device_id}"
    asked_at = site_local_text(q["messages"][0]["at"], station.study, station.site_id)   # the site's clock, not UTC
    assert f"{asked_at} · " in page.thread.text() and "UTC" not in page.thread.text()
    station.store.close()
