"""Queries travel to the kiosk in the sync answer, are answered offline in nurse mode and come back as
query_response records through the same idempotent protocol: stored once, in the thread once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from desktop_client.services import queries as kiosk_queries
from desktop_client.services import recording
from server.services import queries as service
from server.services.auth import Staff
from server.storage.engine import writing
from server.storage.tables import query_messages, records
from shared.errors import RecordInvalid, RecordQueryUnknown
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer

MONITOR = Staff("mon.k", "Monitor K", frozenset({"monitor"}), frozenset({"PKU"}))


def test_a_query_is_answered_offline_on_the_kiosk_and_reaches_the_thread_once(tmp_path: Path,
                                                                               server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    vas = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=64)
    engine.sync()
    with writing(server.ctx.engine) as conn:
        qid = service.raise_query(conn, MONITOR, vas["record_id"], "activity", "64 mm? The paper says 46.")
    assert kiosk_queries.open_queries(station) == []
    engine.sync()
    (held,) = kiosk_queries.open_queries(station, pid)
    assert (held.query_id, held.field, held.value, held.state, held.visit_id) == (qid, "activity", 64, "open",
                                                                                  "baseline")
    assert held.messages[0]["text"] == "64 mm? The paper says 46."

    with pytest.raises(RecordInvalid) as empty:
        kiosk_queries.answer(station, qid, "   ", actor="staff:nurse.a")
    assert empty.value.problems[0].field == "data.message"
    with pytest.raises(RecordQueryUnknown, match="holds no query not-a-query"):
        kiosk_queries.answer(station, "not-a-query", "x", actor="staff:nurse.a")

    saved = kiosk_queries.answer(station, qid, "Checked with the participant: 64 is right.", actor="staff:nurse.a")
    assert kiosk_queries.open_queries(station)[0].waiting == ["Checked with the participant: 64 is right."]
    report = engine.sync()
    assert report.acknowledged == 1 and not report.rejected
    (after,) = kiosk_queries.open_queries(station)
    assert after.state == "answered" and after.waiting == []
    assert [m["action"] for m in after.messages] == ["raise", "answer"]
    assert after.messages[1]["author"] == f"staff:nurse.a via device:{station.device_id}"

    engine.sync()  # a second sync (and any retry) adds nothing
    with server.ctx.engine.connect() as conn:
        thread = conn.execute(select(query_messages.c.action, query_messages.c.source_record_id)
                              .where(query_messages.c.query_id == qid).order_by(query_messages.c.id)).all()
        stored = conn.execute(select(records.c.kind).where(records.c.record_id == saved["record_id"])).all()
    assert thread == [("raise", None), ("answer", f"{saved['record_id']}#1")] and stored == [("query_response",)]

    with writing(server.ctx.engine) as conn:
        service.act(conn, MONITOR, qid, "close", "Thanks.")
    engine.sync()
    assert kiosk_queries.open_queries(station) == []   # closed on the server: gone from the kiosk
    engine.close()
    station.store.close()


def test_an_answer_naming_another_participants_query_is_refused_and_kept(tmp_path: Path,
                                                                          server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    other = enrol_participant(station)
    vas = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=64)
    engine.sync()
    with writing(server.ctx.engine) as conn:
        qid = service.raise_query(conn, MONITOR, vas["record_id"], "activity", "Please check.")
    engine.sync()
    with station.store.transaction() as conn:   # a damaged kiosk copy pins the query on someone else
        conn.execute("UPDATE queries SET participant_id = ? WHERE query_id = ?", (other, qid))
    kiosk_queries.answer(station, qid, "Checked.", actor="staff:nurse.a")
    report = engine.sync()
    (refused,) = report.rejected
    assert refused["code"] == "record.query_unknown" and qid in refused["reason"] and other in refused["reason"]
    engine.close()
    station.store.close()
