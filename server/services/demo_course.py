"""Demo course of the study (issue 16): the dispositions of the participants who completed or discontinued
(``demo_timeline``: who and when, issue 21 point 9), a missed visit and a few staff-recorded protocol deviations,
stored through the real sync path. Deterministic: the same participants and texts every time (dates follow the
demo's, which count back from today)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from server.services import sync as sync_service
from server.services.demo_timeline import demo_timeline
from server.services.devices import Device
from server.storage import dashboard as dashboard_store
from shared.deviations import missable_visits
from shared.records import new_record, record_hash, timestamps
from shared.study.model import Study
from shared.sync.protocol import SyncItem, SyncRequest

NURSE = "staff:demo.nurse"
# (participant index, category, severity, text) by participant id order at the demo site
DEVIATIONS = ((3, "study_treatment", "minor", "Took the morning dose in the evening on two days"),
              (4, "procedure", "major", "Blood sample for the primary lab value drawn after the first dose"),
              (5, "visit_schedule", "minor", "Participant came on a Saturday; questionnaires done the next day"))


def seed_course(conn: Connection, study: Study, device: Device, today: date) -> int:
    """Store the demo dispositions, one missed visit and the deviations; returns how many records."""
    site = device.site_id
    zone = study.site(site).timezone
    rows = dashboard_store.participants_of(conn, [site])
    people = [p["participant_id"] for p in rows]
    newest = max(rows, key=lambda p: p["enrolled_at"])["participant_id"] if rows else None
    recs: list[dict[str, Any]] = []

    def make(kind: str, pid: str, data: dict[str, Any], **kw: Any) -> None:
        rec = new_record(kind=kind, study_id=study.study.id, study_version=study.study.version, site_id=site,
                         participant_id=pid, data=data, entered_by=NURSE, device_id=device.device_id, **kw)
        at = min(datetime.combine(today, time(3, 0), tzinfo=UTC), datetime.now(UTC))
        rec["collected_at"], rec["collected_at_local"] = timestamps(zone, at)
        recs.append(rec)

    day = today - timedelta(days=1)
    for index, pid in enumerate(people):
        ended = demo_timeline(study, index, today)
        if ended.status is not None and ended.last_day is not None:
            make("disposition", pid, {"status": ended.status, "date": ended.last_day.isoformat(),
                                      "reason": ended.reason, "reason_text": None})
    for index, category, severity, text in DEVIATIONS:
        if index < len(people):   # while the participant was on study
            when = min(day - timedelta(days=index), demo_timeline(study, index, today).horizon(today))
            make("protocol_deviation", people[index], {"category": category, "description": text,
                                                       "date": when.isoformat(), "severity": severity})
    later = missable_visits(study)
    if newest and len(later) > 1:      # the newest participant has not reached the second one yet
        make("visit_missed", newest, {"reason": "Travelling abroad; could not come"}, visit_id=later[1].id)
    answer = sync_service.ingest(conn, study, device, SyncRequest(
        study_version=study.study.version, corrections_cursor=0, items=[SyncItem(r, record_hash(r)) for r in recs]))
    bad = [r for r in answer["results"] if r["status"] != "stored"]
    if bad:
        raise RuntimeError(f"demo course did not store cleanly: {bad[:3]}")
    return len(recs)
