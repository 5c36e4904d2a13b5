"""A refused record is not lost: it is tried again at the next sync, once per sync."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from desktop_client.services import recording
from desktop_client.services.sync_engine import SyncSettings
from desktop_client.store import outbox
from server.storage.tables import records
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer


def test_a_record_refused_before_its_enrolment_arrived_is_stored_at_the_next_sync(
        tmp_path: Path, sqlite_server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", sqlite_server,
                                       settings=SyncSettings(batch_size=1, backoff_multiplier=0.01))
    pid = enrol_participant(station)
    vas = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=41)
    with station.store.transaction() as conn:  # make the VAS overtake its enrolment
        conn.execute("UPDATE outbox SET priority = 1000 WHERE record_id = ?", (vas["record_id"],))

    first = engine.sync()
    assert [r["record_id"] for r in first.rejected] == [vas["record_id"]]
    assert "not screened on the server" in first.rejected[0]["reason"]
    assert outbox.stats(station.store).held == 1

    second = engine.sync()
    assert second.rejected == []
    assert second.acknowledged == 1
    stats = outbox.stats(station.store)
    assert (stats.pending, stats.held) == (0, 0)
    with sqlite_server.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)
                            .where(records.c.record_id == vas["record_id"])).scalar_one() == 1
    engine.close()
