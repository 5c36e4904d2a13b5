"""The store refuses a second record of what may exist once (issue 16, issue 24) for each kind of submission key
(one per participant, per visit and instrument, per daily diary day), stored earlier or earlier in the same
batch, with one read of the batch's keys of every kind at once (``server.storage.records._submitted``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from server.storage.engine import database_url as url_of
from server.storage.engine import make_engine, writing
from server.storage.records import Revision, store_revisions
from shared.records import new_record
from shared.study import default_study
from shared.submissions import submission_key
from shared.sync.protocol import REJECTED, STORED
from tests.migrated_template import MigratedTemplates

STUDY = default_study()
PID = "PKU-KEYS"


def _rev(kind: str, data: dict[str, Any], **kw: Any) -> Revision:
    rec = new_record(kind=kind, study_id=STUDY.study.id, study_version=STUDY.study.version, site_id="PKU",
                     participant_id=PID, data=data, entered_by="participant", device_id="kiosk-a",
                     timezone="Asia/Shanghai", **kw)
    return Revision(rec, f"hash-{rec['record_id']}", "{}", "kiosk-a", None, "PKU")


def _visit(visit: str = "week2") -> Revision:
    return _rev("instrument_response", {"activity": 40}, visit_id=visit, instrument_id="patient_global_vas",
                instrument_version="1.0")


def _diary(day: str) -> Revision:   # a daily home diary entry: no visit, one per diary date
    return _rev("instrument_response", {"diary_date": day}, instrument_id="home_dosing", instrument_version="1.0")


def _disposition() -> Revision:
    return _rev("disposition", {"status": "completed"})


def test_a_second_submission_of_each_key_kind_is_refused_stored_before_or_in_the_same_batch(
        tmp_path: Path, database_url: str | None, migrated_templates: MigratedTemplates) -> None:
    if database_url is None:
        migrated_templates.sqlite_copy(tmp_path)
    engine = make_engine(database_url or url_of(tmp_path))

    def store(revisions: list[Revision]) -> list[Any]:
        with writing(engine) as conn:
            return store_revisions(conn, revisions, study_id=STUDY.study.id, received_at="2026-03-02T01:00:00.000Z",
                                   submission_key=lambda r: submission_key(r, STUDY))

    try:
        first = [_visit(), _diary("2026-03-01"), _disposition()]
        assert [o.status for o in store(first)] == [STORED] * 3
        # each kind alone (the read is built for the kinds a batch has), then all kinds and new ones together
        for again, holder in [(_visit(), first[0]), (_diary("2026-03-01"), first[1]), (_disposition(), first[2])]:
            (refused,) = store([again])
            assert refused.status == REJECTED and refused.error.code == "record.already_submitted"
            assert refused.error.existing_record_id == holder.record["record_id"]
        mixed = [_visit(), _diary("2026-03-01"), _disposition(), _visit("week4"), _diary("2026-03-02"),
                 _visit("week4")]
        outcomes = store(mixed)
        assert [o.status for o in outcomes] == [REJECTED, REJECTED, REJECTED, STORED, STORED, REJECTED]
        assert [o.error.existing_record_id for o in outcomes if o.status == REJECTED] == [
            first[0].record["record_id"], first[1].record["record_id"], first[2].record["record_id"],
            mixed[3].record["record_id"]]
    finally:
        engine.dispose()


def test_the_read_of_a_batchs_keys_searches_its_participants_records_not_every_record_of_a_kind(
        tmp_path: Path, migrated_templates: MigratedTemplates) -> None:
    """SQLite's planner (the server's default database): each read of the store of a batch with every kind of
    key looks records up by their participant (or their id), never by kind alone: an index on the kind is
    every instrument response stored, so that read grew with the whole store instead of with the batch."""
    migrated_templates.sqlite_copy(tmp_path)
    engine = make_engine(url_of(tmp_path))
    reads: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM records" in statement:
            reads.append((statement, parameters))

    try:
        others = [_rev("instrument_response", {"activity": 40}, visit_id="week2", instrument_id="patient_global_vas",
                       instrument_version="1.0") for _ in range(3)]
        for i, other in enumerate(others):   # other participants' records, of the kinds the batch reads
            other.record["participant_id"] = f"PKU-OTHER{i}"
        batch = [rev for _ in range(5)   # of 5 participants, each with every kind of key
                 for rev in (_visit(), _rev("visit_missed", {"reason": "ill"}, visit_id="week4"),
                             _diary("2026-03-01"), _disposition())]
        for i, rev in enumerate(batch):
            rev.record["participant_id"] = f"PKU-KEYS{i // 4}"
        with writing(engine) as conn:
            store_revisions(conn, others, study_id=STUDY.study.id, received_at="2026-03-02T01:00:00.000Z",
                            submission_key=lambda r: submission_key(r, STUDY))
            event.listen(conn, "before_cursor_execute", keep)
            outcomes = store_revisions(conn, batch, study_id=STUDY.study.id, received_at="2026-03-02T01:00:00.000Z",
                                       submission_key=lambda r: submission_key(r, STUDY))
            event.remove(conn, "before_cursor_execute", keep)
            assert [o.status for o in outcomes] == [STORED] * 20
            plans = {statement: [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                          parameters)]
                     for statement, parameters in reads}
        keyed = [s for s in plans if "records.revision = ?" in s and "records.kind IN" in s]
        assert keyed, f"no read of the submission keys among {list(plans)}"
        for statement, plan in plans.items():
            steps = [step for step in plan if step.startswith(("SCAN records", "SEARCH records"))]
            assert steps, (statement, plan)
            for step in steps:
                assert step.startswith("SEARCH records USING") and (
                    "(participant_id=?" in step or "PRIMARY KEY" in step or "(record_id=?" in step), "\n".join(
                        [statement, *plan])
    finally:
        engine.dispose()
