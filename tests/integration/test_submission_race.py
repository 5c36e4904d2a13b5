"""One submission per participant x visit x instrument holds when two kiosks' syncs run at the same time on
PostgreSQL (READ COMMITTED): the second transaction waits for the first and is refused naming its record,
instead of both storing a record for the same visit (issue 16, point 3)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from server.storage.engine import migrate
from server.storage.records import Revision, store_revisions
from server.storage.tables import records
from shared.records import new_record
from shared.study import default_study
from shared.submissions import submission_key
from shared.sync.protocol import REJECTED, STORED

STUDY = default_study()


def _revision(record_id: str, device: str) -> Revision:
    rec = new_record(kind="instrument_response", study_id=STUDY.study.id, study_version=STUDY.study.version,
                     site_id="PKU", participant_id="PKU-RACE", data={"activity": 40}, entered_by="participant",
                     device_id=device, visit_id="week2", instrument_id="patient_global_vas",
                     instrument_version="1.0", record_id=record_id, timezone="Asia/Shanghai")
    return Revision(rec, f"hash-{record_id}", "{}", device, None, "PKU")


def _a_transaction_waits_for_a_lock(engine) -> bool:
    """Whether a session of this database is blocked on a lock (the second sync, held by the first)."""
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND wait_event_type = 'Lock'")).scalar())


@pytest.mark.postgres
def test_two_syncs_at_once_store_one_submission_and_refuse_the_other(pg_cluster) -> None:
    engine = create_engine(pg_cluster.new_database())
    migrate(engine)
    key = lambda r: submission_key(r, STUDY)   # noqa: E731
    outcome: list = []
    with engine.begin() as first:
        (stored,) = store_revisions(first, [_revision("00000000-0000-4000-8000-00000000000a", "kiosk-a")],
                                    study_id=STUDY.study.id, received_at="2026-03-02T01:00:00.000Z",
                                    submission_key=key)
        assert stored.status == STORED

        def second() -> None:
            with engine.begin() as conn:
                outcome.extend(store_revisions(conn, [_revision("00000000-0000-4000-8000-00000000000b", "kiosk-b")],
                                               study_id=STUDY.study.id, received_at="2026-03-02T01:00:01.000Z",
                                               submission_key=key))

        racer = threading.Thread(target=second)
        racer.start()
        deadline = time.monotonic() + 30         # the other sync runs while the first is not yet committed ...
        while racer.is_alive() and not _a_transaction_waits_for_a_lock(engine) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert racer.is_alive() and _a_transaction_waits_for_a_lock(engine), "the second sync did not wait"
    racer.join(timeout=30)                       # ... and goes on once it committed
    assert [o.status for o in outcome] == [REJECTED]
    assert outcome[0].error.code == "record.already_submitted"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar() == 1
    engine.dispose()
