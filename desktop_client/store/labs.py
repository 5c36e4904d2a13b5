"""Lab results the server sent downstream, kept in the encrypted store (every revision; the newest is current)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from desktop_client.store.database import Store
from shared.records import utc_now


def keep(conn: Any, labs: Iterable[Mapping[str, Any]]) -> int:
    """Store these revisions in the caller's transaction (a revision already held is left as it is)."""
    n = 0
    for lab in labs:
        cur = conn.execute(
            "INSERT INTO lab_results (result_id, revision, participant_id, visit_id, test_code, sample_date, value, "
            "unit, sex, reason, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (result_id, revision) DO NOTHING",
            (lab["result_id"], int(lab["revision"]), lab["participant_id"], lab["visit_id"], lab["test_code"],
             lab["sample_date"], float(lab["value"]), lab["unit"], lab.get("sex"), lab.get("reason"), utc_now()))
        n += cur.rowcount if cur.rowcount and cur.rowcount > 0 else 0
    return n


def current(store: Store, participant_id: str | None = None) -> list[dict[str, Any]]:
    """The newest revision of each result (of one participant or all), by participant, sample date and test."""
    where = "AND l.participant_id = ?" if participant_id else ""
    return store.query(
        "SELECT * FROM lab_results l WHERE NOT EXISTS (SELECT 1 FROM lab_results n WHERE n.result_id = l.result_id "
        f"AND n.revision > l.revision) {where} ORDER BY l.participant_id, l.sample_date, l.test_code",
        (participant_id,) if participant_id else ())
