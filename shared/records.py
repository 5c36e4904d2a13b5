"""The record envelope: what one saved entry looks like on the kiosk, on the wire and on the server.

A record is immutable once saved. A correction is a new *revision* of the same
``record_id`` carrying a ``correction_reason``; the earlier revision is kept.
``content_hash`` is the SHA-256 over the canonical JSON of the envelope.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from shared.canonical import content_hash

KINDS = ("instrument_response", "enrolment", "adverse_event")

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


def new_record(*, kind: str, study_id: str, study_version: str, site_id: str, participant_id: str,
               data: Mapping[str, Any], entered_by: str, device_id: str,
               visit_id: str | None = None, instrument_id: str | None = None,
               instrument_version: str | None = None, record_id: str | None = None,
               language: str | None = None) -> dict[str, Any]:
    """A fresh revision-1 envelope with a client-made UUID and both timestamps."""
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
        "collected_at": utc_now(),
        "collected_at_local": local_now(),
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


def record_hash(record: Mapping[str, Any]) -> str:
    """The content hash of an envelope (all envelope fields, canonical JSON)."""
    return content_hash({k: record.get(k) for k in ENVELOPE_FIELDS})
