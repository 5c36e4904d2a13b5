"""Data-manager corrections on the server: a new revision of a record, never an edit in place.

A correction is validated with the same ``shared/`` code as the kiosk, stored as the next revision
of the record (the earlier revision stays), listed in ``corrections`` so that the record's site
kiosks receive it at their next sync (downstream), and audited with old value, new value and reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from server.services.audit import AuditEntry, append
from server.storage.tables import corrections, participants, records
from shared.errors import CorrectionRaced, InvalidInput, NotFound
from shared.records import corrected, record_hash, utc_now
from shared.study.model import Study
from shared.validation import validate_record


def _latest(conn: Connection, record_id: str) -> Any:
    return conn.execute(select(records.c.revision, records.c.body, records.c.device_id)
                        .where(records.c.record_id == record_id)
                        .order_by(records.c.revision.desc()).limit(1).with_for_update()).first()


def correct_record(conn: Connection, study: Study, record_id: str, data: Mapping[str, Any], reason: str,
                   actor: str) -> dict[str, Any]:
    """Store ``data`` as the next revision of ``record_id`` with ``reason``, in the caller's transaction.

    Returns the new record envelope. Raises NotFound (no such record), RecordInvalid (the corrected
    record breaks a rule; names the field), InvalidInput (an enrolment's arm or allocation number,
    which a correction may not change) or CorrectionRaced (a concurrent correction won).
    """
    if not isinstance(record_id, str) or not record_id:
        raise InvalidInput("Give the id of the record to correct.")
    if not isinstance(data, Mapping):
        raise InvalidInput("The corrected answers must be an object of item answers, e.g. {\"activity\": 40}.")
    row = _latest(conn, record_id)
    if row is None:
        raise NotFound(f"No record {record_id!r} on the server.")
    previous = json.loads(row.body)
    record = corrected(previous, data=data, reason=reason if isinstance(reason, str) else "", entered_by=actor)
    arm = conn.execute(select(participants.c.arm).where(
        participants.c.participant_id == previous["participant_id"])).scalar_one_or_none()
    validate_record(record, study, arm_code=arm)
    if record["kind"] == "enrolment":
        old, new = previous["data"], record["data"]
        for fixed in ("arm", "allocation_number"):
            if old.get(fixed) != new.get(fixed):
                raise InvalidInput(f"data.{fixed} of an enrolment cannot be corrected (it is the randomisation: "
                                   f"{old.get(fixed)!r}); correct the other fields only.")
    digest = record_hash(record)
    now = utc_now()
    try:
        with conn.begin_nested():
            conn.execute(insert(records).values(
                record_id=record_id, revision=record["revision"], kind=record["kind"], site_id=record["site_id"],
                participant_id=record["participant_id"], visit_id=record.get("visit_id"),
                instrument_id=record.get("instrument_id"), instrument_version=record.get("instrument_version"),
                content_hash=digest, body=json.dumps(record, ensure_ascii=False), device_id=row.device_id,
                collected_at=record["collected_at"], received_at=now,
                serious=bool(record["kind"] == "adverse_event" and record["data"].get("serious") is True)))
    except IntegrityError:
        raise CorrectionRaced(f"Record {record_id} got revision {record['revision']} from someone else just now; "
                              "reload it and correct again if still needed.") from None
    conn.execute(insert(corrections).values(site_id=record["site_id"], record_id=record_id,
                                            revision=record["revision"], created_at=now))
    if record["kind"] == "enrolment":
        conn.execute(update(participants).where(participants.c.participant_id == record["participant_id"])
                     .values(year_of_birth=record["data"]["year_of_birth"], sex=record["data"]["sex"]))
    append(conn, AuditEntry(actor=actor, action=f"{record['kind']}.correct", entity_type="record",
                            entity_id=f"{record_id}#{record['revision']}", old=previous["data"],
                            new=record["data"], reason=record["correction_reason"]))
    return record
