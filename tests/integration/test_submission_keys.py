"""The store refuses a second record of what may exist once (issue 16, issue 24) for each kind of submission key
(one per participant, per visit and instrument, per daily diary day), stored earlier or earlier in the same
batch, with one read of the batch's keys of every kind at once (``server.storage.records._submitted``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
