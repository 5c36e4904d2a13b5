"""Saving records: the record, its local audit entry and its outbox row in ONE transaction.

A correction is a new revision; the earlier revision stays in ``records`` and
the audit keeps old -> new with the reason. Nothing is ever updated in place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from desktop_client.store.database import Store
from shared.errors import RecordNotFound
from shared.records import corrected, record_hash, utc_now
from shared.xml_text import check_record as check_xml_text

PRIORITY_NORMAL = 0
PRIORITY_SERIOUS = 10


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _insert(conn: Any, record: Mapping[str, Any], *, actor: str, action: str, old: Any, reason: str | None,
            priority: int) -> None:
    # every record the kiosk saves (any form's typed text) keeps the server's rule: no character XML cannot
    # carry (shared/xml_text.py); RecordInvalid, shown beside the field, and the transaction rolls back
    refused = check_xml_text(record)
    if refused is not None:
        raise refused
    now = utc_now()
    conn.execute(
        "INSERT INTO records (record_id, revision, kind, participant_id, visit_id, instrument_id, body,"
        " content_hash, saved_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (record["record_id"], record["revision"], record["kind"], record["participant_id"],
         record.get("visit_id"), record.get("instrument_id"), _dumps(record), record_hash(record), now))
    conn.execute(
        "INSERT INTO audit (at, actor, action, record_id, revision, old, new, reason) VALUES (?,?,?,?,?,?,?,?)",
        (now, actor, action, record["record_id"], record["revision"],
         None if old is None else _dumps(old), _dumps(record["data"]), reason))
    conn.execute("INSERT INTO outbox (record_id, revision, priority, queued_at) VALUES (?,?,?,?)",
                 (record["record_id"], record["revision"], priority, now))


def save_record(store: Store, record: Mapping[str, Any], *, actor: str,
                priority: int = PRIORITY_NORMAL, extra: Any = None) -> None:
    """Save a validated revision-1 record with its audit entry and outbox row; returns only after COMMIT.

    Raises StoreWriteFailed (disk full, read-only, duplicate id): then none of the three rows exists.

    ``extra(conn)`` may write more rows of the same use case in the same transaction.
    """
    with store.transaction() as conn:
        _insert(conn, record, actor=actor, action=f"{record['kind']}.create", old=None, reason=None,
                priority=priority)
        if extra is not None:
            extra(conn)


def save_records(store: Store, records: list[Mapping[str, Any]], *, actor: str,
                 priority: int = PRIORITY_NORMAL) -> None:
    """Save several validated records (e.g. one kiosk submission) in one transaction: all or none.

    A record above revision 1 is a correction: audited as such, with the previous data and its reason."""
    with store.transaction() as conn:
        for record in records:
            old = None
            if record["revision"] > 1:
                row = conn.execute("SELECT body FROM records WHERE record_id = ? AND revision = ?",
                                   (record["record_id"], record["revision"] - 1)).fetchone()
                old = json.loads(row[0])["data"] if row else None
            _insert(conn, record, actor=actor,
                    action=f"{record['kind']}.{'correct' if record['revision'] > 1 else 'create'}", old=old,
                    reason=record.get("correction_reason"), priority=priority)


def latest(store: Store, record_id: str) -> dict[str, Any]:
    """The newest revision of ``record_id``. Raises RecordNotFound."""
    rows = store.query("SELECT body FROM records WHERE record_id = ? ORDER BY revision DESC LIMIT 1",
                       (record_id,))
    if not rows:
        raise RecordNotFound(f"No record {record_id} on this station.")
    return json.loads(rows[0]["body"])


def save_correction(store: Store, record_id: str, *, data: Mapping[str, Any], reason: str, actor: str,
                    validate: Any = None, priority: int = PRIORITY_NORMAL) -> dict[str, Any]:
    """Save a new revision of ``record_id`` with ``data`` and the reason; the old value stays in the audit.

    ``validate(record)`` is called on the new revision before anything is written. Raises RecordNotFound,
    whatever ``validate`` raises, or StoreWriteFailed; in each case nothing is saved.
    """
    with store.transaction() as conn:
        # Read the newest revision inside the write transaction: two corrections can never both build on
        # the same revision (the second one sees the first and becomes revision + 2).
        previous = latest(store, record_id)
        record = corrected(previous, data=data, reason=reason, entered_by=actor)
        if validate is not None:
            validate(record)
        _insert(conn, record, actor=actor, action=f"{record['kind']}.correct", old=previous["data"],
                reason=reason, priority=priority)
    return record


def records_of(store: Store, participant_id: str, *, kind: str | None = None) -> list[dict[str, Any]]:
    """Newest revision of every record of a participant, oldest first."""
    sql = ("SELECT body FROM records r WHERE participant_id = ? AND revision = "
           "(SELECT max(revision) FROM records WHERE record_id = r.record_id)")
    params: list[Any] = [participant_id]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    return [json.loads(r["body"]) for r in store.query(sql + " ORDER BY saved_at, record_id", tuple(params))]


def audit_of(store: Store, record_id: str) -> list[dict[str, Any]]:
    """The local audit entries of one record, in order."""
    return store.query("SELECT * FROM audit WHERE record_id = ? ORDER BY seq", (record_id,))
