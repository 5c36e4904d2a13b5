"""The record envelope: what one saved entry looks like on the kiosk, on the wire and on the server.

A record is immutable once saved. A correction is a new *revision* of the same
``record_id`` carrying a ``correction_reason``; the earlier revision is kept.
``content_hash`` is the SHA-256 over the canonical JSON of the envelope.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.canonical import canonical_fields_json
from shared.errors import (
    FieldProblem,
    RecordEnrolmentRefused,
    RecordIdentityChanged,
    RecordInvalid,
    RecordRevisionNotNext,
)

KINDS = ("instrument_response", "enrolment", "adverse_event",
         "concomitant_medication", "medical_history", "vital_signs", "pregnancy_test",  # 18: clinical_record
         "screening",       # issue 15: the screening log; gives the participant id (shared/screening.py)
         "randomisation",   # issue 15: arm + randomisation number once eligibility is confirmed
         "query_response",  # issue 19: a site's answer to a data query (shared/queries.py)
         "disposition", "protocol_deviation", "visit_missed",  # issue 16: shared/disposition.py, deviations.py
         )

ENVELOPE_FIELDS = (
    "record_id", "revision", "kind", "study_id", "study_version", "site_id", "participant_id",
    "visit_id", "instrument_id", "instrument_version", "data", "collected_at", "collected_at_local",
    "entered_by", "device_id", "correction_reason", "language",
)
LANGUAGES = ("en", "zh")  # "language": what the participant read the questions in (None: staff entry)


def utc_now() -> str:
    """Now, UTC, ISO 8601 with a Z and millisecond precision."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_now() -> str:
    """Now in the machine's local zone, with its offset (the time of measurement as the clinic saw it)."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def timestamps(timezone: str | None = None, at: datetime | None = None) -> tuple[str, str]:
    """``(collected_at, collected_at_local)`` for one reading of the clock (or ``at``): UTC with a Z, and the
    same instant in the site's IANA ``timezone`` (the machine's zone when None), both to the millisecond."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    local = moment.astimezone(ZoneInfo(timezone)) if timezone else moment.astimezone()
    return (moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            local.isoformat(timespec="milliseconds"))


def new_record(*, kind: str, study_id: str, study_version: str, site_id: str, participant_id: str,
               data: Mapping[str, Any], entered_by: str, device_id: str,
               visit_id: str | None = None, instrument_id: str | None = None,
               instrument_version: str | None = None, record_id: str | None = None,
               language: str | None = None, timezone: str | None = None) -> dict[str, Any]:
    """A fresh revision-1 envelope with a client-made UUID and both timestamps of one clock reading
    (``timezone``: the site's, from the study file, which the server checks the local time against)."""
    collected_at, collected_at_local = timestamps(timezone)
    return {
        "record_id": record_id or str(uuid.uuid4()),
        "revision": 1,
        "kind": kind,
        "study_id": study_id,
        "study_version": study_version,
        "site_id": site_id,
        "participant_id": participant_id,
        "visit_id": visit_id,
        "instrument_id": instrument_id,
        "instrument_version": instrument_version,
        "data": dict(data),
        "collected_at": collected_at,
        "collected_at_local": collected_at_local,
        "entered_by": entered_by,
        "device_id": device_id,
        "correction_reason": None,
        "language": language,
    }


def corrected(previous: Mapping[str, Any], *, data: Mapping[str, Any], reason: str,
              entered_by: str) -> dict[str, Any]:
    """The next revision of ``previous`` with new ``data`` and the reason for the change.

    ``collected_at`` stays the time of measurement of the original entry (a
    correction fixes what was measured then); when the correction was made is
    kept by the audit trail on both sides and by the server's ``received_at``.
    """
    nxt = dict(previous)
    nxt.update(revision=int(previous["revision"]) + 1, data=dict(data), correction_reason=reason,
               entered_by=entered_by)
    return nxt


_SORTED_ENVELOPE = tuple(sorted(ENVELOPE_FIELDS))  # ASCII names: code point order is RFC 8785's key order


def canonical_record(record: Mapping[str, Any]) -> bytes:
    """The canonical JSON (RFC 8785) of an envelope's fields: the bytes its hash covers and the form the
    server stores as the record's body, so a stored body always hashes to its content_hash."""
    return canonical_fields_json(record, _SORTED_ENVELOPE)


def hash_of_canonical(raw: bytes) -> str:
    """The content hash of canonical envelope bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def record_hash(record: Mapping[str, Any]) -> str:
    """The content hash of an envelope (all envelope fields, canonical JSON)."""
    return hash_of_canonical(canonical_record(record))


IDENTITY_FIELDS = ("study_id", "site_id", "participant_id", "kind", "visit_id", "instrument_id")


FIXED_ENROLMENT_DATA = ("arm", "allocation_number")  # the randomisation: no correction changes it
FIXED_DATA = {"enrolment": FIXED_ENROLMENT_DATA,
              "randomisation": ("arm", "randomisation_number", "allocation_list_id")}


def check_next_revision(record: Mapping[str, Any], first: Mapping[str, Any] | None, newest: int | None,
                        newest_data: Any = None) -> RecordInvalid | None:
    """Whether ``record`` may follow what is stored of its id: ``first`` holds the identity fields of its
    revision 1, ``newest`` its newest revision and ``newest_data`` that revision's data (all None for an id
    not stored yet). None when it may."""
    rev = record["revision"]
    if first is None or newest is None:
        if rev != 1:
            return RecordRevisionNotNext([FieldProblem(
                "revision", rev, "1 (the record is new)",
                f"revision: {rev} of record {record['record_id']} but no revision of it is stored; "
                "a new record starts at revision 1")])
        return None
    changed = [f for f in IDENTITY_FIELDS if record.get(f) != first.get(f)]
    if changed:
        return RecordIdentityChanged([FieldProblem(
            f, record.get(f), f"{first.get(f)!r} (as in revision 1)",
            f"{f}: revision {rev} changes it from {first.get(f)!r} to {record.get(f)!r}; a record's "
            "identity is fixed by its revision 1") for f in changed])
    if rev != newest + 1:
        return RecordRevisionNotNext([FieldProblem(
            "revision", rev, f"{newest + 1} (the newest stored revision {newest} + 1)",
            f"revision: {rev} does not follow the newest stored revision {newest} of record "
            f"{record['record_id']}; send revision {newest + 1}")])
    if record["kind"] in FIXED_DATA and isinstance(newest_data, Mapping) and isinstance(record["data"], Mapping):
        data = record["data"]
        fixed = [f for f in FIXED_DATA[record["kind"]] if data.get(f) != newest_data.get(f)]
        if fixed:
            return RecordEnrolmentRefused([FieldProblem(
                f"data.{f}", data.get(f), f"{newest_data.get(f)!r} (the randomisation)",
                f"data.{f}: the arm and number of a randomisation cannot be corrected (it is the "
                f"randomisation: {newest_data.get(f)!r}); correct the other fields only") for f in fixed])
    return None
