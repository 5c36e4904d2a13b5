"""Source data verification: a monitor marks one record revision verified against the source documents.

A mark belongs to the revision (and its content hash) the monitor saw. A later revision of the record is not
covered: its status becomes ``changed`` until the monitor verifies it again, so "a correction clears the mark"
needs no update of anything stored (marks are never changed or deleted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection

from server.services.audit import AuditEntry, append
from server.services.auth import Staff
from server.services.dashboard import current_record
from server.services.queries import refuse_while_locked
from server.storage import queries as stored
from shared.errors import QueryStateRefused
from shared.records import record_hash, utc_now

VERIFIED, CHANGED, NOT_VERIFIED = "verified", "changed", "not_verified"


def status(mark: Any, revision: int) -> str:
    """``verified`` (this revision), ``changed`` (an earlier revision was verified) or ``not_verified``."""
    if mark is None:
        return NOT_VERIFIED
    return VERIFIED if mark.revision == revision else CHANGED


def statuses(conn: Connection, records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """SDV status of each current record: ``{record_id: {status, revision, by, at}}``."""
    recs = list(records)
    marks = stored.sdv_marks_of(conn, [r["record_id"] for r in recs])
    out = {}
    for r in recs:
        mark = marks.get(r["record_id"])
        out[r["record_id"]] = {"status": status(mark, r["revision"]),
                               "revision": mark.revision if mark else None,
                               "by": mark.verified_by if mark else None, "at": mark.verified_at if mark else None}
    return out


def verify(conn: Connection, staff: Staff, record_id: str, revision: int) -> None:
    """Mark ``revision`` of a record of the monitor's sites verified, with its content hash, audited.

    ``revision`` is the one the monitor saw: when the record has a newer one by now, the mark is refused
    (QueryStateRefused names the newest revision) so nobody verifies data they did not see. Raises Forbidden,
    NotFound, StudyLocked, QueryStateRefused (not the newest revision, or already verified).
    """
    staff.require("record.verify")
    rec = current_record(conn, record_id, staff.sites)
    refuse_while_locked(conn, "source data verification")
    if rec["revision"] != revision:
        raise QueryStateRefused(f"revision: record {record_id} is at revision {rec['revision']}, not {revision}; "
                                "reload the page and verify what it shows now.",
                                details={"field": "revision", "value": revision, "allowed": rec["revision"]})
    if stored.sdv_mark(conn, record_id, revision) is not None:
        raise QueryStateRefused(f"revision: record {record_id} revision {revision} is already verified.",
                                details={"field": "revision", "value": revision})
    at = utc_now()
    body = {k: v for k, v in rec.items() if k not in ("received_at", "measured_at")}
    digest = record_hash(body)
    stored.add_sdv_mark(conn, {"record_id": record_id, "revision": revision, "content_hash": digest,
                               "verified_by": staff.actor, "verified_at": at})
    append(conn, AuditEntry(actor=staff.actor, action="record.sdv", entity_type="record",
                            entity_id=f"{record_id}#{revision}", new={"verified": True, "content_hash": digest}))
