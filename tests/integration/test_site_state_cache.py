"""The site state sent to kiosks reads a record's body only the first time this process sees its revision (issue 25
point 2: every new kiosk's first sync gets the site's whole state), and stays right: a correction is a new
revision, so the kiosk gets the corrected summary at once; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import event

from server.services import site_state
from server.services.audit import AuditEntry, append
from server.storage.engine import reading
from server.storage.tables import records
from tests.live_server import ThreadServer


def _store_ae(conn: Any, rid: str, revision: int, grade: int) -> None:
    """One AE revision of PKU-001 stored and audited as a sync stores it."""
    body = {"record_id": rid, "revision": revision, "kind": "adverse_event", "site_id": "PKU",
            "participant_id": "PKU-001", "collected_at": "2026-11-21T02:00:00.000Z",
            "data": {"term": "Headache", "grade": grade, "serious": False, "onset_date": "2026-11-20",
                     "outcome": "recovering"}}
    conn.execute(records.insert().values(
        record_id=rid, revision=revision, kind="adverse_event", site_id="PKU", participant_id="PKU-001",
        content_hash=f"sha256:{revision:064d}", body=json.dumps(body), device_id="dev-pku",
        collected_at=body["collected_at"], received_at="2026-11-24T02:00:00.000Z", serious=False))
    append(conn, AuditEntry(actor="staff:pku.nurse", action="adverse_event.create", entity_type="record",
                            entity_id=f"{rid}#{revision}", new=body["data"]))


def _snapshot(server: ThreadServer, rid: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The whole state of PKU as a new kiosk gets it (this record's lines), and the statements that read bodies."""
    engine = server.ctx.engine
    seen: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "body" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        with reading(engine) as conn:
            answer = site_state.downstream(conn, "PKU", 0)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert answer["state_snapshot"] is True
    return [s for s in answer["site_state"] if s["record_id"] == rid], seen


def test_a_revision_s_body_is_read_once_and_a_correction_is_sent_at_once(server: ThreadServer) -> None:
    rid = str(uuid.uuid4())
    with server.ctx.engine.begin() as conn:
        _store_ae(conn, rid, 1, grade=1)
    lines, reads = _snapshot(server, rid)
    assert [(s["revision"], s["summary"]["grade"]) for s in lines] == [(1, 1)] and len(reads) == 1

    lines, reads = _snapshot(server, rid)                # the next new kiosk: nothing read again
    assert [(s["revision"], s["summary"]["grade"]) for s in lines] == [(1, 1)] and reads == []

    with server.ctx.engine.begin() as conn:              # a correction: revision 2, grade 3
        _store_ae(conn, rid, 2, grade=3)
    lines, reads = _snapshot(server, rid)
    assert [(s["revision"], s["summary"]["grade"]) for s in lines] == [(2, 3)] and len(reads) == 1


def _statements(server: ThreadServer) -> tuple[list[dict[str, Any]], list[str]]:
    """The whole state of PKU as a new kiosk gets it, and every statement that built it."""
    engine = server.ctx.engine
    seen: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        with reading(engine) as conn:
            answer = site_state.downstream(conn, "PKU", 0)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    return answer["site_state"], seen


def _whole_read(server: ThreadServer) -> list[dict[str, Any]]:
    site_state._current.clear()       # what this process keeps of the site's state, dropped: read it whole
    return _statements(server)[0]


def test_a_new_kiosk_s_whole_state_is_brought_up_to_date_from_what_was_audited_since(server: ThreadServer) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    with server.ctx.engine.begin() as conn:
        _store_ae(conn, first, 1, grade=1)
    _whole_read(server)
    with server.ctx.engine.begin() as conn:   # a new record and a correction of the first
        _store_ae(conn, second, 1, grade=2)
        _store_ae(conn, first, 2, grade=4)
    state, statements = _statements(server)
    assert not [s for s in statements if "EXISTS" in s.upper()], statements   # not the anti-join over the site
    assert {(s["record_id"], s["revision"], s["summary"]["grade"]) for s in state} >= {(first, 2, 4), (second, 1, 2)}
    assert not [s for s in state if s["record_id"] == first and s["revision"] == 1]
    assert state == _whole_read(server)     # the same lines in the same order as a whole read
    assert _statements(server)[0] == state and [s for s in _statements(server)[1] if "EXISTS" in s.upper()] == []


def test_a_kept_state_is_read_whole_again_when_the_database_holds_another_history(sqlite_server: ThreadServer,
                                                                                 tmp_path: Any) -> None:
    import sqlite3

    db = sqlite_server.ctx.engine.url.database
    kept, gone, later, last = (str(uuid.uuid4()) for _ in range(4))
    with sqlite_server.ctx.engine.begin() as conn:
        _store_ae(conn, kept, 1, grade=1)
    copy = sqlite3.connect(tmp_path / "backup.sqlite3")
    with sqlite3.connect(db) as live:
        live.backup(copy)
    with sqlite_server.ctx.engine.begin() as conn:
        _store_ae(conn, gone, 1, grade=2)
    assert {s["record_id"] for s in _statements(sqlite_server)[0]} >= {kept, gone}   # kept at that position
    with sqlite3.connect(db) as live:   # the backup restored over the database, then two more records
        copy.backup(live)
    copy.close()
    with sqlite_server.ctx.engine.begin() as conn:
        _store_ae(conn, later, 1, grade=3)
        _store_ae(conn, last, 1, grade=3)
    ids = {s["record_id"] for s in _statements(sqlite_server)[0]}
    assert {kept, later, last} <= ids and gone not in ids
