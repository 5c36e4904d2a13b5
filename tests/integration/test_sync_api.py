"""The kiosk API over real HTTP on SQLite and PostgreSQL: credentials, per-record answers, downstream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, update

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncProgress
from desktop_client.store import outbox
from desktop_client.store import records as store_records
from desktop_client.store import station as station_settings
from server.services import corrections as correction_service
from server.services import devices as device_service
from server.services import sync as sync_service
from server.storage.engine import READ_ONLY
from server.storage.tables import audit_log, corrections, participants, records, screenings, sync_conflicts
from shared.errors import DeviceNotAuthorised, RecordInvalid
from shared.records import record_hash
from shared.sync.protocol import build_request
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer


def _token(station: Station) -> str:
    token = station_settings.get(station.store, station_settings.DEVICE_TOKEN)
    assert token
    return token


def _post_sync(server: ThreadServer, token: str | None, items: list[tuple[dict[str, Any], str]],
               cursor: int = 0) -> httpx.Response:
    body = build_request(study_version="1.0.0", corrections_cursor=cursor, items=[])
    body["records"] = [{"record": r, "content_hash": h} for r, h in items]  # sent as given, even if malformed
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(body), headers=headers, timeout=30)


def _vas(station: Station, pid: str, mm: int = 40, visit_id: str = "baseline") -> dict[str, Any]:
    return recording.build_instrument_record(station, participant_id=pid, visit_id=visit_id,
                                             instrument_id="patient_global_vas", answers={"activity": mm},
                                             entered_by="participant")


def _count(server: ThreadServer, table: Any) -> int:
    with server.ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _is_problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == status and body["detail"] and body["type"].startswith("https://")
    return body


@pytest.fixture
def kiosk(tmp_path: Path, server: ThreadServer) -> Iterator[tuple[Station, Any, str]]:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    engine.sync()
    yield station, engine, pid
    engine.close()
    station.store.close()


def test_a_revoked_kiosk_gets_403_and_nothing_it_sends_is_stored(kiosk: tuple, server: ThreadServer) -> None:
    station, engine, pid = kiosk
    recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=12)
    before = _count(server, records)
    with server.ctx.engine.begin() as conn:
        device_service.revoke(conn, station.device_id, actor="test", reason="stolen kiosk")
    with pytest.raises(DeviceNotAuthorised, match="revoked"):
        engine.sync()
    assert _count(server, records) == before
    assert outbox.stats(station.store).pending == 1  # kept on the kiosk, not lost
    _is_problem(_post_sync(server, _token(station), [(r, record_hash(r)) for r in [_vas(station, pid)]]), 403)
    assert _count(server, records) == before


def test_a_kiosk_revoked_after_its_credential_was_checked_gets_403_and_nothing_is_stored(
        kiosk: tuple, server: ThreadServer) -> None:
    """The credential is read once per sync, before the lock-free checks; a revocation committed after that
    read and before the sync's writing transaction still wins (the device is marked seen only if not revoked)."""
    station, _engine, pid = kiosk
    before = _count(server, records)
    with server.ctx.engine.connect() as conn:
        seen_before = device_service.list_devices(conn)
    armed = [True]

    def revoke_as_the_sync_starts_writing(conn: Any) -> None:
        if armed and not conn.get_execution_options().get(READ_ONLY):   # the sync's writing transaction
            armed.clear()
            with server.ctx.engine.begin() as other:
                device_service.revoke(other, station.device_id, actor="test", reason="stolen mid-sync")

    event.listen(server.ctx.engine, "begin", revoke_as_the_sync_starts_writing, insert=True)
    try:
        body = _is_problem(_post_sync(server, _token(station), [(r, record_hash(r)) for r in [_vas(station, pid)]]),
                           403)
    finally:
        event.remove(server.ctx.engine, "begin", revoke_as_the_sync_starts_writing)
    assert not armed and body["code"] == "device.revoked"
    assert _count(server, records) == before
    with server.ctx.engine.connect() as conn:
        (device,) = [d for d in device_service.list_devices(conn) if d["device_id"] == station.device_id]
    (earlier,) = [d for d in seen_before if d["device_id"] == station.device_id]
    assert device["revoked_at"] is not None and device["last_seen_at"] == earlier["last_seen_at"]


def test_an_unknown_or_missing_credential_gets_401(kiosk: tuple, server: ThreadServer) -> None:
    station, _engine, pid = kiosk
    rec = _vas(station, pid)
    before = _count(server, records)
    assert _is_problem(_post_sync(server, "not-a-device-token", [(rec, record_hash(rec))]), 401)["code"] == \
        "auth.required"
    _is_problem(_post_sync(server, None, [(rec, record_hash(rec))]), 401)
    _is_problem(httpx.post(f"{server.url}/api/v1/sync", content=b"{}", timeout=10,
                           headers={"Authorization": "Basic abc", "Content-Type": "application/json"}), 401)
    assert _count(server, records) == before


def test_same_id_and_revision_with_other_content_is_a_conflict_kept_aside(kiosk: tuple,
                                                                         server: ThreadServer) -> None:
    station, engine, pid = kiosk
    original = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=30)
    engine.sync()
    tampered = {**original, "data": {"activity": 31}}
    answer = _post_sync(server, _token(station), [(tampered, record_hash(tampered))]).json()
    (result,) = answer["results"]
    assert result["status"] == "conflict" and "different content" in result["reason"]
    assert result["record_id"] == original["record_id"] and result["revision"] == 1
    with server.ctx.engine.connect() as conn:
        stored = conn.execute(select(records.c.body).where(records.c.record_id == original["record_id"])).all()
        kept = conn.execute(select(sync_conflicts.c.body, sync_conflicts.c.stored_hash)).all()
    assert [json.loads(b.body)["data"] for b in stored] == [{"activity": 30}]  # not merged, not replaced
    assert [json.loads(k.body)["data"] for k in kept] == [{"activity": 31}]
    assert kept[0].stored_hash == record_hash(original)
    # the same conflicting copy sent again is reported again but kept aside only once
    again = _post_sync(server, _token(station), [(tampered, record_hash(tampered))]).json()
    assert again["results"][0]["status"] == "conflict" and _count(server, sync_conflicts) == 1
    # and the original is still acknowledged as already stored
    same = _post_sync(server, _token(station), [(original, record_hash(original))]).json()
    assert same["results"][0]["status"] == "already_stored"


def test_a_retried_revision_is_answered_from_what_is_stored_not_validated_again(kiosk: tuple,
                                                                               server: ThreadServer) -> None:
    """The server holds the revision with the same hash: already_stored, from the primary key, even when a new
    record like it would now be refused (here the participant's consent moved after it, as a correction may)."""
    station, engine, pid = kiosk
    stored = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=30)
    engine.sync()
    later = (date.fromisoformat(stored["collected_at"][:10]) + timedelta(days=2)).isoformat()
    with server.ctx.engine.begin() as conn:
        for table in (participants, screenings):
            conn.execute(update(table).where(table.c.participant_id == pid).values(consent_date=later))
    new = _vas(station, pid, 20, "unscheduled")
    results = _post_sync(server, _token(station), [(stored, record_hash(stored)), (new, record_hash(new))]).json()
    assert [r["status"] for r in results["results"]] == ["already_stored", "rejected"]
    assert "consent" in results["results"][1]["reason"]


def test_a_bad_record_is_refused_alone_and_the_good_ones_of_its_batch_are_stored(kiosk: tuple,
                                                                                server: ThreadServer) -> None:
    station, _engine, pid = kiosk
    scored = {r["record_id"] for r in station.store.query(   # the eligibility-visit score, synced before
        "SELECT record_id FROM records WHERE kind = 'instrument_response'")}
    # several at one visit: the unscheduled visit (any number of submissions; one per scheduled visit)
    good1, good2 = _vas(station, pid, 10, "unscheduled"), _vas(station, pid, 90, "unscheduled")
    out_of_range = {**_vas(station, pid), "data": {"activity": 101}}
    wrong_hash = _vas(station, pid, 55)
    not_an_object = "this is not a record"
    items = [(good1, record_hash(good1)), (out_of_range, record_hash(out_of_range)),
             (wrong_hash, "sha256:" + "0" * 64), (not_an_object, "sha256:x"), (good2, record_hash(good2))]
    resp = _post_sync(server, _token(station), items)
    assert resp.status_code == 200
    statuses = [(r["record_id"], r["status"]) for r in resp.json()["results"]]
    assert (good1["record_id"], "stored") in statuses and (good2["record_id"], "stored") in statuses
    by_id = {r["record_id"]: r for r in resp.json()["results"]}
    bad = by_id[out_of_range["record_id"]]
    assert bad["status"] == "rejected" and bad["problems"][0]["field"] == "data.activity"
    assert "101" in bad["reason"] and bad["problems"][0]["allowed"]
    assert by_id[wrong_hash["record_id"]]["problems"][0]["field"] == "content_hash"
    assert by_id[None]["status"] == "rejected"
    with server.ctx.engine.connect() as conn:
        ids = {r.record_id for r in conn.execute(select(records.c.record_id).where(records.c.kind ==
                                                                                  "instrument_response"))}
    assert ids - scored == {good1["record_id"], good2["record_id"]}   # besides the eligibility-visit score


def test_a_retried_enrolment_is_acknowledged_not_refused(tmp_path: Path, server: ThreadServer) -> None:
    station, _engine = enrolled_station(tmp_path / "kiosk", server)
    enrol_participant(station)   # screening, eligibility-visit score, randomisation (issue 15)
    batch = outbox.pending_batch(station.store, 10)
    assert [r["kind"] for r, _ in batch] == ["screening", "instrument_response", "randomisation"]
    first = _post_sync(server, _token(station), batch).json()["results"]
    again = _post_sync(server, _token(station), batch).json()["results"]
    assert [r["status"] for r in first] == ["stored"] * 3 and [r["status"] for r in again] == ["already_stored"] * 3
    assert _count(server, participants) == 1


def test_downstream_brings_the_site_participants_study_version_and_corrections(tmp_path: Path,
                                                                              server: ThreadServer) -> None:
    station_a, engine_a = enrolled_station(tmp_path / "a", server, label="room 1")
    station_b, engine_b = enrolled_station(tmp_path / "b", server, label="room 2")
    pid_a = enrol_participant(station_a)
    vas = recording.record_vas(station_a, participant_id=pid_a, visit_id="baseline", vas_mm=64)
    engine_a.sync()
    seen: list[tuple[int, int]] = []
    report_b = engine_b.sync(progress=lambda p: seen.append((p.sent, p.acknowledged)))
    assert seen == [(0, 0)] and report_b.sent == 0
    assert [p["participant_id"] for p in station_b.participants()] == [pid_a]  # another kiosk's enrolment
    assert station_settings.get(station_b.store, station_settings.STUDY_VERSION) == station_b.study.study.version

    ctx = server.ctx
    with ctx.engine.begin() as conn:
        fixed = correction_service.correct_record(conn, ctx.study, vas["record_id"], {"activity": 46},
                                                  "participant marked 46 mm on the paper back-up", "dm:data.mgr")
    assert fixed["revision"] == 2
    with ctx.engine.connect() as conn:
        assert conn.execute(select(corrections.c.record_id, corrections.c.revision)).all() == \
            [(vas["record_id"], 2)]
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "instrument_response.correct")).one()
    assert (entry.actor, json.loads(entry.old), json.loads(entry.new)) == \
        ("dm:data.mgr", {"activity": 64}, {"activity": 46})

    report = engine_a.sync()
    assert report.corrections_applied == 1
    latest = store_records.latest(station_a.store, vas["record_id"])
    assert latest["revision"] == 2 and latest["data"] == {"activity": 46}
    assert latest["correction_reason"].startswith("participant marked")
    assert engine_a.sync().corrections_applied == 0  # the cursor moved on: each correction comes once
    assert outbox.stats(station_a.store).pending == 0  # a correction from the server is not sent back
    for engine in (engine_a, engine_b):
        engine.close()


def test_a_correction_is_validated_with_shared_rules(kiosk: tuple, server: ThreadServer) -> None:
    station, engine, pid = kiosk
    vas = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=64)
    engine.sync()
    ctx = server.ctx
    enrolment_id = station.store.query("SELECT record_id FROM records WHERE kind = 'randomisation'")[0]["record_id"]
    with ctx.engine.begin() as conn:
        with pytest.raises(RecordInvalid) as refused:
            correction_service.correct_record(conn, ctx.study, vas["record_id"], {"activity": 140}, "typo",
                                              "dm:data.mgr")
        assert refused.value.problems[0].field == "data.activity"
        with pytest.raises(RecordInvalid, match="correction_reason"):
            correction_service.correct_record(conn, ctx.study, vas["record_id"], {"activity": 40}, " ",
                                              "dm:data.mgr")
        enrolment = json.loads(conn.execute(select(records.c.body)
                                            .where(records.c.record_id == enrolment_id)).scalar_one())
        arm = next(a.code for a in ctx.study.arms if a.code != enrolment["data"]["arm"])
        other_arm = {**enrolment["data"], "arm": arm}
        with pytest.raises(RecordInvalid, match="may not be corrected") as fixed:   # the arm is locked (issue 23)
            correction_service.correct_record(conn, ctx.study, enrolment_id, other_arm, "wrong arm", "dm:data.mgr")
        (locked,) = fixed.value.problems
        assert (locked.field, locked.code, locked.value) == ("data.arm", "correction.locked_field", arm)
    assert _count(server, corrections) == 0


def test_more_corrections_than_one_answer_holds_all_arrive_in_one_sync(kiosk: tuple, server: ThreadServer,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    station, engine, pid = kiosk
    recs = [recording.record_vas(station, participant_id=pid, visit_id="unscheduled", vas_mm=20 + i)
            for i in range(5)]   # the unscheduled visit takes any number
    engine.sync()
    with server.ctx.engine.begin() as conn:
        for rec in recs:
            correction_service.correct_record(conn, server.ctx.study, rec["record_id"], {"activity": 9},
                                              "paper back-up differs", "dm:data.mgr")
    monkeypatch.setattr(sync_service, "MAX_CORRECTIONS_PER_ANSWER", 2)
    progress: list[SyncProgress] = []
    report = engine.sync(progress=progress.append)
    assert report.corrections_applied == 5 and len(progress) == 3
    assert {store_records.latest(station.store, r["record_id"])["data"]["activity"] for r in recs} == {9}


def test_progress_reports_records_sent_and_acknowledged_per_batch(kiosk: tuple, server: ThreadServer) -> None:
    station, engine, pid = kiosk
    for i in range(5):
        recording.record_vas(station, participant_id=pid, visit_id="unscheduled", vas_mm=i)
    engine.settings = type(engine.settings)(batch_size=2, backoff_multiplier=0.01)
    seen: list[tuple[int, int, int]] = []
    report = engine.sync(progress=lambda p: seen.append((p.total, p.sent, p.acknowledged)))
    assert seen == [(5, 2, 2), (5, 4, 4), (5, 5, 5)]
    assert report.acknowledged == 5 and report.remaining == 0
