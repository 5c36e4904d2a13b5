"""Data-manager corrections on the server: a new revision of a record, never an edit in place.

A correction is validated with the same ``shared/`` code as the kiosk, stored as the next revision of the
record through the one storage path kiosks' revisions take (``server.storage.records.store_revisions``: the
earlier revision stays, identity and randomisation stay fixed), listed for the record's site kiosks so they
receive it at their next sync (downstream), and audited with old value, new value and reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from server.services.audit import AuditEntry, append
from server.storage import participants as participant_store
from server.storage import records as record_store
from shared.errors import CorrectionRaced, InvalidInput, NotFound, RecordInvalid
from shared.record_fields import record_fields
from shared.record_input import locked_changes
from shared.records import canonical_record, corrected, hash_of_canonical, utc_now
from shared.study.model import Study
from shared.sync.protocol import CONFLICT, REJECTED
from shared.validation import validate_record


def correct_record(conn: Connection, study: Study, record_id: str, data: Mapping[str, Any], reason: str,
                   actor: str) -> dict[str, Any]:
    """Store ``data`` as the next revision of ``record_id`` with ``reason``, in the caller's transaction.

    Returns the new record envelope. Raises NotFound (no such record), RecordInvalid (the corrected
    record breaks a rule, including an enrolment's arm or allocation number and a randomisation's arm,
    number, allocation list or eligibility record, which a correction may not change
    (``correction.locked_field``); names the field) or CorrectionRaced (a concurrent correction won).
    """
    if not isinstance(record_id, str) or not record_id:
        raise InvalidInput("Give the id of the record to correct.")
    if not isinstance(data, Mapping):
        raise InvalidInput("The corrected answers must be an object of item answers, e.g. {\"activity\": 40}.")
    row = record_store.newest(conn, record_id, lock=True)
    if row is None:
        raise NotFound(f"No record {record_id!r} on the server.")
    previous = json.loads(row.body)
    fields = record_fields(previous, study)
    fixed = locked_changes(fields, previous["data"], data) if fields else []
    if fixed:   # whatever page or API sent it: a randomisation is never corrected (issue 23)
        raise RecordInvalid(fixed, context="correction")
    record = corrected(previous, data=data, reason=reason if isinstance(reason, str) else "", entered_by=actor)
    known = participant_store.enrolled(conn, [previous["participant_id"]]).get(previous["participant_id"])
    validate_record(record, study, arm_code=known.arm if known else None,
                    consent_date=known.consent_date if known and record["kind"] != "enrolment" else None)
    raw = canonical_record(record)
    revision = record_store.Revision(record, hash_of_canonical(raw), raw.decode("utf-8"), row.device_id,
                                     actor.removeprefix("user:"), None)
    now = utc_now()
    try:
        with conn.begin_nested():
            (outcome,) = record_store.store_revisions(conn, [revision], study_id=study.study.id, received_at=now)
            if outcome.status == CONFLICT:
                raise IntegrityError("revision taken", None, Exception())
    except IntegrityError:
        raise CorrectionRaced(f"Record {record_id} got revision {record['revision']} from someone else just now; "
                              "reload it and correct again if still needed.") from None
    if outcome.status == REJECTED:
        assert outcome.error is not None
        raise outcome.error
    record_store.send_downstream(conn, site_id=record["site_id"], record_id=record_id,
                                 revision=record["revision"], at=now)
    append(conn, AuditEntry(actor=actor, action=f"{record['kind']}.correct", entity_type="record",
                            entity_id=f"{record_id}#{record['revision']}", old=previous["data"],
                            new=record["data"], reason=record["correction_reason"]))
    return record
