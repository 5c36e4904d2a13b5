"""The site's state the server sends down (issue 22), kept in the encrypted store: one row per record of the site.

Rows hold summaries, not records: they never enter ``records``, the outbox or the audit of this station, and
nothing here is ever sent back. The nurse overview reads them beside the station's own records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from desktop_client.store.database import Store
from shared.records import utc_now

_KINDS = ("instrument_response", "adverse_event")


def _usable(row: Mapping[str, Any]) -> bool:
    """A row of the shape the protocol gives (a damaged or unknown one is left out, never half stored)."""
    return (isinstance(row.get("record_id"), str) and type(row.get("revision")) is int
            and row.get("kind") in _KINDS and isinstance(row.get("participant_id"), str)
            and isinstance(row.get("collected_at"), str) and isinstance(row.get("summary"), dict))


def keep(conn: Any, rows: Iterable[Mapping[str, Any]], *, snapshot: bool) -> int:
    """Store the server's rows in the caller's transaction; ``snapshot``: they replace everything held.

    A row never replaces a newer revision of the same record. Returns how many rows were taken.
    """
    if snapshot:
        conn.execute("DELETE FROM site_state")
    n, now = 0, utc_now()
    for row in rows:
        if not _usable(row):
            continue
        conn.execute(
            "INSERT INTO site_state (record_id, revision, kind, participant_id, visit_id, instrument_id, "
            "collected_at, summary, received_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (record_id) DO UPDATE SET "
            "revision = excluded.revision, kind = excluded.kind, participant_id = excluded.participant_id, "
            "visit_id = excluded.visit_id, instrument_id = excluded.instrument_id, "
            "collected_at = excluded.collected_at, summary = excluded.summary, received_at = excluded.received_at "
            "WHERE excluded.revision >= site_state.revision",
            (row["record_id"], row["revision"], row["kind"], row["participant_id"], row.get("visit_id"),
             row.get("instrument_id"), row["collected_at"], json.dumps(row["summary"], ensure_ascii=False), now))
        n += 1
    return n


def of_participant(store: Store, participant_id: str, kind: str) -> list[dict[str, Any]]:
    """The rows of one participant and kind, oldest first, with ``summary`` parsed."""
    rows = store.query("SELECT * FROM site_state WHERE participant_id = ? AND kind = ? ORDER BY collected_at, "
                       "record_id", (participant_id, kind))
    return [{**r, "summary": json.loads(r["summary"])} for r in rows]
