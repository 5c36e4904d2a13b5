"""The AE list's columns of each report's current revision (issue 25 point 4), on SQLite and PostgreSQL: kept by
``store_revisions`` as revisions arrive, filled by the migration for AE reports stored before it, and what the
AE list sorts, filters and pages by."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select

from server.app import open_context
from server.config import ServerConfig
from server.storage.adverse_events import current_serious, page_of_adverse_events
from server.storage.engine import alembic_config
from server.storage.paging import PageRequest
from server.storage.records import Revision, store_revisions
from server.storage.tables import current_adverse_events, records
from shared.canonical import content_hash
from shared.records import canonical_record, new_record
from shared.study import default_study
from shared.sync.protocol import STORED
from shared.synthetic import synthetic_adverse_event

STUDY = default_study()
SITES = [s.id for s in STUDY.sites]


def _ae(grade: int, term: str, *, serious: bool = False, record_id: str | None = None) -> dict[str, Any]:
    data = synthetic_adverse_event(STUDY, rng=random.Random(grade), onset=date(2025, 3, grade), serious=serious)
    if not serious:
        data["grade"] = grade
    data["term"] = term
    return new_record(kind="adverse_event", study_id=STUDY.study.id, study_version=STUDY.study.version,
                      site_id="PKU", participant_id="PKU-AE1", data=data, entered_by="staff:demo.nurse",
                      device_id="kiosk-ae", record_id=record_id, timezone="Asia/Shanghai")


def _store(conn: Any, rec: dict[str, Any], at: str) -> None:
    body = canonical_record(rec).decode()
    (outcome,) = store_revisions(conn, [Revision(rec, content_hash(rec), body, "kiosk-ae", None, "PKU")],
                                 study_id=STUDY.study.id, received_at=at)
    assert outcome.status == STORED, outcome.error


def test_a_correction_moves_the_report_in_the_list_and_the_first_revision_leaves_it(tmp_path: Path,
                                                                                   database_url: str | None) -> None:
    ctx = open_context(ServerConfig(data_dir=tmp_path, testing=True, database_url=database_url))
    mild, severe = _ae(1, "Headache"), _ae(2, "Nausea")
    with ctx.engine.begin() as conn:
        _store(conn, mild, "2025-03-10T01:00:00.000Z")
        _store(conn, severe, "2025-03-11T01:00:00.000Z")
        corrected = {**mild, "revision": 2, "data": {**mild["data"], "grade": 3, "term": "Migraine"},
                     "correction_reason": "grade misread"}
        _store(conn, corrected, "2025-03-12T01:00:00.000Z")
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(current_adverse_events).order_by(current_adverse_events.c.received_at)).all()
        assert [(r.record_id, r.revision, r.grade, r.term) for r in rows] == [
            (severe["record_id"], 1, 2, "Nausea"), (mild["record_id"], 2, 3, "Migraine")]
        by_grade = page_of_adverse_events(conn, ["PKU"], PageRequest(sort="grade", descending=True))
        assert [json.loads(r.body)["data"]["term"] for r in by_grade.rows] == ["Migraine", "Nausea"]
        assert [json.loads(r.body)["revision"] for r in by_grade.rows] == [2, 1]
        grade3 = page_of_adverse_events(conn, ["PKU"], PageRequest(sort="received_at"), min_grade=3)
        assert [r.record_id for r in grade3.rows] == [mild["record_id"]]
        assert page_of_adverse_events(conn, ["PKU"], PageRequest(sort="term", q="headache")).rows == []
        assert page_of_adverse_events(conn, ["RJH"], PageRequest(sort="term")).rows == []
    ctx.engine.dispose()


def test_the_migration_fills_the_list_from_the_newest_stored_revisions(tmp_path: Path,
                                                                        database_url: str | None) -> None:
    ctx = open_context(ServerConfig(data_dir=tmp_path, testing=True, database_url=database_url))
    cfg = alembic_config()
    with ctx.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        before = ScriptDirectory.from_config(cfg).get_revision("current_adverse_events").down_revision
        command.downgrade(cfg, before)   # a server from before the table, with AEs already stored
    sae = _ae(4, "Pneumonia", serious=True)
    older = _ae(2, "Rash")
    newer = {**older, "revision": 2, "data": {**older["data"], "grade": 1}, "correction_reason": "typo"}
    with ctx.engine.begin() as conn:
        for rec, at in ((sae, "2025-03-01T00:00:00.000Z"), (older, "2025-03-02T00:00:00.000Z"),
                        (newer, "2025-03-03T00:00:00.000Z")):
            conn.execute(insert(records).values(
                record_id=rec["record_id"], revision=rec["revision"], kind="adverse_event", site_id="PKU",
                participant_id="PKU-AE1", content_hash=content_hash(rec), body=canonical_record(rec).decode(),
                device_id="kiosk-ae", collected_at=rec["collected_at"], received_at=at,
                serious=rec["data"].get("serious") is True))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with ctx.engine.connect() as conn:
        rows = {r.record_id: r for r in conn.execute(select(current_adverse_events))}
        assert {rid: (r.revision, r.grade, r.serious) for rid, r in rows.items()} == {
            sae["record_id"]: (1, sae["data"]["grade"], True), older["record_id"]: (2, 1, False)}
        assert [r.record_id for r in current_serious(conn, ["PKU"])] == [sae["record_id"]]
    ctx.engine.dispose()


def _every_page(conn: Any, req: PageRequest, **filters: Any) -> list[tuple[str, str, str | None]]:
    out, page = [], 1
    while True:
        rows = page_of_adverse_events(conn, SITES, PageRequest(req.sort, req.descending, req.q, page, 2), **filters)
        out += [(r.record_id, r.participant_id, r.arm) for r in rows.rows]
        if not rows.has_next:
            return out
        page += 1


def test_every_page_carries_each_participants_arm_whether_or_not_the_list_joins_participants(
        tmp_path: Path, demo_templates: Any, demo_cluster: Any) -> None:
    """The list joins participants only to filter or sort by arm and reads the page's arms by key otherwise
    (issue 25 point 4): the same reports, in the same order, with the same arms, as the joined query."""
    from server.storage.tables import participants

    ctx = demo_templates.context(tmp_path / "server", admin_password="synthetic-demo-pass", cluster=demo_cluster)
    with ctx.engine.connect() as conn:
        arm_of = {r.participant_id: r.arm for r in conn.execute(select(participants))}
        by_time = _every_page(conn, PageRequest("received_at", True))
        assert len(by_time) > 4 and {arm for _r, _p, arm in by_time} >= {a.code for a in STUDY.arms}
        assert all(arm == arm_of.get(pid) for _r, pid, arm in by_time)
        by_arm = _every_page(conn, PageRequest("arm", False))             # joined: sorted by the arm itself
        assert sorted(by_arm) == sorted(by_time)
        assert [arm for _r, _p, arm in by_arm] == sorted(arm for _r, _p, arm in by_arm)
        for arm in STUDY.arms:                                             # joined: filtered by arm
            assert _every_page(conn, PageRequest("received_at", True), arm=arm.code) == [
                row for row in by_time if row[2] == arm.code]
        serious = current_serious(conn, SITES)
        assert serious and all(ae.arm == arm_of.get(ae.participant_id) for ae in serious)
    ctx.engine.dispose()
