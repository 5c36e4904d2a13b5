"""The outbox: what is saved but not yet acknowledged by the server.

A row leaves only when the server acknowledges exactly that record id and
revision. Rejected or conflicting records stay, marked, for staff to resolve.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from desktop_client.store.database import Store


@dataclass(frozen=True)
class OutboxStats:
    """What the nurse screen shows: how much waits, since when, and how much needs attention."""

    pending: int
    held: int
    oldest_queued_at: str | None

    @property
    def size(self) -> int:
        """Every row not yet acknowledged by the server (pending and held)."""
        return self.pending + self.held

    def oldest_age_seconds(self, now: datetime | None = None) -> float | None:
        """Seconds since the oldest unacknowledged row was saved; None when the outbox is empty."""
        if self.oldest_queued_at is None:
            return None
        then = datetime.fromisoformat(self.oldest_queued_at.replace("Z", "+00:00"))
        return ((now or datetime.now(UTC)) - then).total_seconds()


def pending_batch(store: Store, limit: int) -> list[tuple[dict[str, Any], str]]:
    """Up to ``limit`` pending (record, content hash), serious events first, then in saving order."""
    rows = store.query(
        "SELECT r.body, r.content_hash FROM outbox o JOIN records r USING (record_id, revision)"
        " WHERE o.state = 'pending' ORDER BY o.priority DESC, o.seq LIMIT ?", (limit,))
    return [(json.loads(r["body"]), r["content_hash"]) for r in rows]


def acknowledge(store: Store, acknowledged: list[tuple[str, int]]) -> int:
    """Remove exactly these (record id, revision) rows, in one transaction; returns how many left the outbox.

    Ids the outbox does not hold (or another revision of a held id) remove nothing.
    """
    if not acknowledged:
        return 0
    with store.transaction() as conn:
        removed = 0
        for record_id, revision in acknowledged:
            removed += conn.execute("DELETE FROM outbox WHERE record_id = ? AND revision = ?",
                                    (record_id, revision)).rowcount
    return removed


def requeue_rejected(store: Store) -> int:
    """Put rejected rows back in line: a refusal may no longer hold (e.g. the participant's enrolment has
    reached the server since). Conflicts stay held for a data manager. Returns how many were re-queued."""
    with store.transaction() as conn:
        return conn.execute("UPDATE outbox SET state = 'pending' WHERE state = 'rejected'").rowcount


def hold(store: Store, held: list[tuple[str, int, str, str]]) -> None:
    """Mark (record id, revision, state, reason) rows as 'rejected' or 'conflict': kept, not resent."""
    if not held:
        return
    with store.transaction() as conn:
        for record_id, revision, state, reason in held:
            conn.execute("UPDATE outbox SET state = ?, last_error = ?, attempts = attempts + 1"
                         " WHERE record_id = ? AND revision = ?", (state, reason, record_id, revision))


def stats(store: Store) -> OutboxStats:
    """Outbox size and the oldest unsynced save, for the nurse screen (held rows count: they are unsynced)."""
    row = store.query(
        "SELECT sum(state = 'pending') AS pending, sum(state != 'pending') AS held,"
        " min(queued_at) AS oldest FROM outbox")[0]
    return OutboxStats(pending=int(row["pending"] or 0), held=int(row["held"] or 0),
                       oldest_queued_at=row["oldest"])


def held_rows(store: Store) -> list[dict[str, Any]]:
    """Rejected and conflicting records with the server's reason, for the nurse screen."""
    return store.query("SELECT record_id, revision, state, last_error, queued_at FROM outbox"
                       " WHERE state != 'pending' ORDER BY seq")
