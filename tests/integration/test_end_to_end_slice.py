"""The foundation slice: kiosk records a VAS into SQLCipher -> sync over real HTTP -> server -> CSV export.

Run for the shipped study and for the synthetic second one (tests/studies/): nothing in the slice may know
which trial it carries.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from desktop_client.services import recording
from desktop_client.store import outbox
from server.exports.csv_export import export_csv
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer, thread_server
from tests.studies import STUDY_FILES


@pytest.fixture(params=sorted(STUDY_FILES))
def study_server(request: pytest.FixtureRequest, tmp_path: Path, database_url: str | None):
    with thread_server(tmp_path / "server", database_url, STUDY_FILES[request.param]) as srv:
        yield srv


def test_a_vas_recorded_on_the_kiosk_reaches_the_csv_export_exactly_once(tmp_path: Path,
                                                                        study_server: ThreadServer) -> None:
    server = study_server
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    assert station.study.study.id == server.ctx.study.study.id
    participant = enrol_participant(station)   # screened, scored at the eligibility visit, randomised
    assert participant.startswith(server.ctx.study.sites[0].id + "-")
    baseline = station.study.visit_with_role("baseline").id
    vas = recording.record_vas(station, participant_id=participant, visit_id=baseline, vas_mm=63)

    report = engine.sync()
    assert report.acknowledged == 4 and not report.conflicts and not report.rejected
    assert outbox.stats(station.store).pending == 0

    out = tmp_path / "export"
    with server.ctx.engine.connect() as conn:
        export_csv(conn, server.ctx.study, out)
    vas_file = station.study.instrument_with_role("patient_global")
    rows = list(csv.DictReader(open(out / f"{vas_file.id}.csv", encoding="utf-8")))
    item = vas_file.items[0].id
    assert [(r["record_id"], r["participant_id"], r[item]) for r in rows] == [(vas["record_id"], participant, "63")]

    again = engine.sync()
    assert again.sent == 0 and again.acknowledged == 0
    with server.ctx.engine.connect() as conn:
        export_csv(conn, server.ctx.study, tmp_path / "export2")
    assert len(list(csv.DictReader(open(tmp_path / "export2" / f"{vas_file.id}.csv", encoding="utf-8")))) == 1

    engine.close()
    station.store.close()
    for name in ("station.db", "station.db-wal", "station.db-shm"):
        path = tmp_path / "kiosk" / name
        if path.exists():
            raw = path.read_bytes()
            assert participant.encode() not in raw, name
            assert b"SQLite format 3" not in raw, name
