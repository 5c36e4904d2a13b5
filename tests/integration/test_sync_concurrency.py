"""Twenty kiosks, each with its own SQLCipher station, sync at the same moment against one server: nothing lost."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncEngine, SyncSettings
from desktop_client.store import outbox
from server.services.audit import verify_chain
from server.storage.tables import audit_log, participants, records
from tests.factories import enrol_participant, enrolment_code, new_station, server_staff
from tests.live_server import ThreadServer

KIOSKS = 20
RECORDS_EACH = 12


def test_twenty_kiosks_syncing_at_once_lose_nothing_and_duplicate_nothing(tmp_path: Path,
                                                                          server: ThreadServer) -> None:
    settings = SyncSettings(batch_size=5, attempts=8, backoff_multiplier=0.05, backoff_max_seconds=1)
    kiosks: list[tuple[Station, SyncEngine]] = []
    server_staff(server)  # the nurse the kiosks' enrolments name
    for i in range(KIOSKS):
        station = new_station(tmp_path / f"kiosk{i}")
        engine = SyncEngine(station, server.url, settings_=settings)
        engine.enrol(enrolment_code(server), f"room {i}")
        kiosks.append((station, engine))

    start = threading.Barrier(KIOSKS)
    failures: list[BaseException] = []

    def day_at_the_clinic(station: Station, engine: SyncEngine) -> None:
        try:
            pid = enrol_participant(station)  # each kiosk enrols from its own allocation blocks, offline
            for n in range(RECORDS_EACH):
                recording.record_vas(station, participant_id=pid, visit_id="unscheduled", vas_mm=n)
            start.wait(timeout=60)
            engine.sync()  # first round: the enrolment and the records
            recording.record_vas(station, participant_id=pid, visit_id="week2", vas_mm=99)
            engine.sync()  # second round while the others are still in their first
        except Exception as exc:  # noqa: BLE001 - a thread cannot raise into the test; reported below
            failures.append(exc)

    threads = [threading.Thread(target=day_at_the_clinic, args=k) for k in kiosks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failures, failures

    local: set[tuple[str, int]] = set()
    for station, _engine in kiosks:
        assert outbox.stats(station.store).pending == 0 and outbox.stats(station.store).held == 0
        local |= {(r["record_id"], r["revision"]) for r in station.store.query("SELECT record_id, revision "
                                                                               "FROM records")}
    assert len(local) == KIOSKS * (RECORDS_EACH + 4)   # screening, eligibility score, randomisation, the VAS
    with server.ctx.engine.connect() as conn:
        stored = [(r.record_id, r.revision) for r in conn.execute(select(records.c.record_id, records.c.revision))]
        people = conn.execute(select(participants.c.participant_id, participants.c.allocation_number)).all()
        created = Counter(e for (e,) in conn.execute(select(audit_log.c.entity_id)
                                                      .where(audit_log.c.action.like("%.create"),
                                                             audit_log.c.entity_type == "record")))
        chain = verify_chain(conn)
    assert sorted(stored) == sorted(local)
    assert set(created.values()) == {1} and len(created) == len(local)
    assert len(people) == KIOSKS and len({p.allocation_number for p in people}) == KIOSKS
    assert chain.ok, chain.problem
    for station, engine in kiosks:
        # one more sync each: every kiosk now knows every participant of its site, whoever enrolled them
        assert engine.sync().sent == 0
        assert sorted(p["participant_id"] for p in station.participants()) == sorted(p.participant_id
                                                                                      for p in people)
        engine.close()
        station.store.close()
