"""One transaction per save (record + audit + outbox), corrections keep the old value, and outbox rows leave
only on the server's acknowledgement of exactly those record ids and revisions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import open_store, outbox, records
from shared.errors import RecordCharacterNotXml, StoreWriteFailed
from shared.study import default_study
from tests.factories import FAST_KDF, PASSPHRASE
from tests.store_child import set_up_station


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    set_up_station(tmp_path / "kiosk", PASSPHRASE, FAST_KDF)
    store = open_store(tmp_path / "kiosk", PASSPHRASE)
    yield Station(store=store, study=default_study())
    store.close()


def _vas(station: Station, pid: str, mm: int) -> dict:
    # the unscheduled visit: any number of records (a scheduled visit takes one per instrument)
    return recording.record_vas(station, participant_id=pid, visit_id="unscheduled", vas_mm=mm)


def _outbox_keys(station: Station) -> list[tuple[str, int]]:
    return [(r["record_id"], r["revision"]) for r in station.store.query(
        "SELECT record_id, revision FROM outbox ORDER BY seq")]


def test_a_save_writes_record_audit_and_outbox_together_and_a_correction_keeps_the_old_value(
        station: Station) -> None:
    first = _vas(station, "PKU-001", 30)
    fixed = recording.correct_record(station, first["record_id"], data={"activity": 35},
                                     reason="participant pointed at 35", actor="staff:nurse.b")

    assert fixed["revision"] == 2
    assert records.latest(station.store, first["record_id"])["data"] == {"activity": 35}
    bodies = station.store.query("SELECT revision, body FROM records WHERE record_id = ? ORDER BY revision",
                                 (first["record_id"],))
    assert [json.loads(b["body"])["data"] for b in bodies] == [{"activity": 30}, {"activity": 35}]
    audit = records.audit_of(station.store, first["record_id"])
    assert [(a["action"], a["actor"], a["revision"], a["old"], a["new"], a["reason"]) for a in audit] == [
        ("instrument_response.create", "participant", 1, None, '{"activity": 30}', None),
        ("instrument_response.correct", "staff:nurse.b", 2, '{"activity": 30}', '{"activity": 35}',
         "participant pointed at 35")]
    assert all(a["at"].endswith("Z") for a in audit)
    assert _outbox_keys(station) == [(first["record_id"], 1), (first["record_id"], 2)]


def test_a_save_that_fails_half_way_leaves_no_record_no_audit_and_no_outbox_row(station: Station) -> None:
    kept = _vas(station, "PKU-001", 10)
    doomed = recording.build_instrument_record(station, participant_id="PKU-002", visit_id="baseline",
                                               instrument_id="patient_global_vas", answers={"activity": 20},
                                               entered_by="participant")

    def fail_after_the_three_rows(conn: object) -> None:
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(StoreWriteFailed, match="Nothing was saved because the database refused"):
        records.save_record(station.store, doomed, actor="participant", extra=fail_after_the_three_rows)
    duplicate = dict(kept)
    with pytest.raises(StoreWriteFailed, match="duplicate or inconsistent entry"):
        records.save_record(station.store, duplicate, actor="participant")

    for table in ("records", "outbox"):
        assert station.store.query(f"SELECT record_id FROM {table}") == [{"record_id": kept["record_id"]}]
    assert [a["record_id"] for a in station.store.query("SELECT record_id FROM audit")] == [kept["record_id"]]


def test_outbox_rows_leave_only_on_acknowledgement_of_exactly_those_ids(station: Station) -> None:
    a, b, c = (_vas(station, pid, mm) for pid, mm in (("PKU-001", 1), ("PKU-002", 2), ("PKU-003", 3)))
    b2 = recording.correct_record(station, b["record_id"], data={"activity": 22}, reason="typo",
                                  actor="staff:nurse.b")
    assert outbox.stats(station.store).size == 4

    removed = outbox.acknowledge(station.store, [
        (a["record_id"], 1),            # acknowledged: leaves
        (b["record_id"], 7),            # a revision the outbox does not hold: nothing leaves
        ("3f1c0f6e-0000-4000-8000-000000000000", 1),  # an id this station never saved
    ])

    assert removed == 1
    assert _outbox_keys(station) == [(b["record_id"], 1), (c["record_id"], 1), (b2["record_id"], 2)]
    assert outbox.acknowledge(station.store, []) == 0
    assert outbox.acknowledge(station.store, [(a["record_id"], 1)]) == 0  # a repeated ack is harmless

    outbox.hold(station.store, [(c["record_id"], 1, "conflict", "different content on the server")])
    assert [rec["record_id"] for rec, _hash in outbox.pending_batch(station.store, 10)] == \
        [b["record_id"], b["record_id"]]  # held rows are not resent ...
    stats = outbox.stats(station.store)
    assert (stats.pending, stats.held, stats.size) == (2, 1, 3)  # ... but still count as unsynced
    assert outbox.held_rows(station.store)[0]["last_error"] == "different content on the server"


def test_outbox_size_and_oldest_unsynced_age_are_queryable(station: Station) -> None:
    empty = outbox.stats(station.store)
    assert (empty.size, empty.oldest_queued_at, empty.oldest_age_seconds()) == (0, None, None)
    first = _vas(station, "PKU-001", 40)
    second = _vas(station, "PKU-002", 50)
    queued = station.store.query("SELECT queued_at FROM outbox WHERE record_id = ?", (first["record_id"],))
    stats = outbox.stats(station.store)

    assert stats.size == 2
    assert stats.oldest_queued_at == queued[0]["queued_at"]
    then = datetime.fromisoformat(stats.oldest_queued_at.replace("Z", "+00:00"))
    assert stats.oldest_age_seconds(now=then + timedelta(hours=3)) == pytest.approx(3 * 3600)
    assert 0 <= stats.oldest_age_seconds() < 60
    assert datetime.now(UTC) >= then

    outbox.acknowledge(station.store, [(first["record_id"], 1)])
    after = outbox.stats(station.store)
    assert after.size == 1
    assert after.oldest_queued_at == station.store.query(
        "SELECT queued_at FROM outbox WHERE record_id = ?", (second["record_id"],))[0]["queued_at"]


def test_saves_from_a_worker_thread_and_the_ui_thread_never_mix_their_transactions(station: Station) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for i in range(60):
                _vas(station, "PKU-002", i)
        except BaseException as exc:  # noqa: BLE001 - handed to the assertion below
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    for i in range(60):
        _vas(station, "PKU-001", i)
        outbox.stats(station.store)
    thread.join()

    assert errors == []
    assert station.store.query("SELECT count(*) AS n FROM records")[0]["n"] == 120
    assert outbox.stats(station.store).size == 120


def test_a_typed_text_with_a_character_xml_cannot_carry_is_refused_before_anything_is_saved(
        station: Station) -> None:
    """The kiosk keeps the server's rule (shared/xml_text.py) on every record it saves: typed into any form."""
    first = _vas(station, "PKU-001", 30)
    with pytest.raises(RecordCharacterNotXml) as refused:
        recording.correct_record(station, first["record_id"], data={"activity": 35},
                                 reason="pasted\x07 from a chat", actor="staff:nurse.b")
    (problem,) = refused.value.problems
    assert problem.field == "correction_reason" and problem.value == "pasted\\u0007 from a chat"
    bell = {**records.latest(station.store, first["record_id"]), "record_id": "f" * 32, "correction_reason": None,
            "revision": 1, "data": {"activity": 35, "note\x1f": "x"}}
    with pytest.raises(RecordCharacterNotXml):
        records.save_record(station.store, bell, actor="staff:nurse.b")
    assert _outbox_keys(station) == [(first["record_id"], 1)]
    assert records.latest(station.store, first["record_id"])["revision"] == 1
