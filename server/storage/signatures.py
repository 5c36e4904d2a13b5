"""Queries of the signatures aggregate: stored e-signatures (append-only) and the hash set they cover now.

``current_items`` reads what a visit's or a casebook's signature covers as it stands (newest revision and
content hash of each record, each lab result), so a signature can be compared with it (shared/signatures.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, exists, insert, select

from server.storage.labs import newest_only
from server.storage.tables import audit_log, lab_results, records, signatures
from shared.canonical import content_hash
from shared.signatures import Item


def add(conn: Connection, row: dict[str, Any]) -> None:
    """Store one signature (every column); the table refuses UPDATE and DELETE."""
    conn.execute(insert(signatures).values(**row))


def _row(r: Any) -> dict[str, Any]:
    out = dict(r._mapping)
    out["manifest"] = json.loads(out["manifest"])
    return out


def of_participant(conn: Connection, participant_id: str) -> list[dict[str, Any]]:
    """Every signature of one participant, oldest first (manifest parsed)."""
    return [_row(r) for r in conn.execute(select(signatures).where(signatures.c.participant_id == participant_id)
                                          .order_by(signatures.c.signed_at, signatures.c.signature_id))]


def every_signature(conn: Connection, site_id: str | None = None) -> list[dict[str, Any]]:
    """Every signature (of one site), by participant and time."""
    q = select(signatures).order_by(signatures.c.participant_id, signatures.c.signed_at)
    if site_id:
        q = q.where(signatures.c.site_id == site_id)
    return [_row(r) for r in conn.execute(q)]


def audited_hashes(conn: Connection, signature_ids: Iterable[str]) -> dict[str, str]:
    """signature id -> the signature hash its ``signature.sign`` audit entry recorded (the chain's copy)."""
    ids = set(signature_ids)
    if not ids:
        return {}
    c = audit_log.c
    return {r.entity_id: json.loads(r.new).get("signature_hash") for r in conn.execute(
        select(c.entity_id, c.new).where(c.entity_type == "signature", c.action == "signature.sign",
                                         c.entity_id.in_(ids)))}


def lab_hash(row: Any) -> str:
    """The content hash of one lab result as signed: what it measured, when, and its revision."""
    m = row._mapping if hasattr(row, "_mapping") else row
    return content_hash({"test_code": m["test_code"], "sample_date": m["sample_date"], "value": m["value"],
                         "unit": m["unit"], "visit_id": m["visit_id"], "revision": m["revision"]})


def current_items(conn: Connection, participant_id: str, visit_id: str | None = None) -> list[Item]:
    """What a signature of this participant's visit (or, with no visit, whole casebook) covers right now: the
    newest revision of each record and of each lab result."""
    newer = records.alias("newer")
    q = (select(records.c.record_id, records.c.revision, records.c.content_hash)
         .where(records.c.participant_id == participant_id,
                ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision)))
    lq = select(lab_results).where(lab_results.c.participant_id == participant_id, newest_only())
    if visit_id is not None:
        q = q.where(records.c.visit_id == visit_id)
        lq = lq.where(lab_results.c.visit_id == visit_id)
    items = [Item(f"record:{r.record_id}", r.revision, r.content_hash) for r in conn.execute(q)]
    items += [Item(f"lab:{r.result_id}", r.revision, lab_hash(r)) for r in conn.execute(lq)]
    return items


def current_items_by_visit(conn: Connection, participant_id: str) -> dict[str | None, list[Item]]:
    """``current_items`` of each of the participant's visits at once (key: visit id; None: records and results
    without a visit), one read of each table: the participant page asks about every visit of the study."""
    newer = records.alias("newer")
    q = (select(records.c.visit_id, records.c.record_id, records.c.revision, records.c.content_hash)
         .where(records.c.participant_id == participant_id,
                ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision)))
    out: dict[str | None, list[Item]] = {}
    for r in conn.execute(q):
        out.setdefault(r.visit_id, []).append(Item(f"record:{r.record_id}", r.revision, r.content_hash))
    for r in conn.execute(select(lab_results).where(lab_results.c.participant_id == participant_id,
                                                    newest_only())):
        out.setdefault(r.visit_id, []).append(Item(f"lab:{r.result_id}", r.revision, lab_hash(r)))
    return out
