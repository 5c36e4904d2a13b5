"""The site's home diary entries the server sends down (issue 24), kept in the encrypted store.

Rows say only that a participant made a home entry of a diary for a date (never its answers), and since when
each participant has an app; the clinic recall and the nurse overview read them. Nothing here is sent back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from desktop_client.store.database import Store
from shared.records import utc_now


def _usable(row: Mapping[str, Any]) -> bool:
    """A row of the protocol's shape with a real date (a damaged one is left out, never half stored)."""
    try:
        date.fromisoformat(str(row.get("diary_date")))
    except ValueError:
        return False
    return (isinstance(row.get("record_id"), str) and type(row.get("revision")) is int
            and isinstance(row.get("participant_id"), str) and isinstance(row.get("instrument_id"), str))


def keep(conn: Any, entries: Iterable[Mapping[str, Any]], *, snapshot: bool) -> int:
    """Store the server's home entries in the caller's transaction (``snapshot``: they replace all held); a row
    never replaces a newer revision of the same entry. Returns how many were taken."""
    if snapshot:
        conn.execute("DELETE FROM home_entries")
    n, now = 0, utc_now()
    for row in entries:
        if not _usable(row):
            continue
        conn.execute("INSERT INTO home_entries (record_id, revision, participant_id, instrument_id, diary_date, "
                     "received_at) VALUES (?,?,?,?,?,?) ON CONFLICT (record_id) DO UPDATE SET "
                     "revision = excluded.revision, participant_id = excluded.participant_id, "
                     "instrument_id = excluded.instrument_id, diary_date = excluded.diary_date, "
                     "received_at = excluded.received_at WHERE excluded.revision >= home_entries.revision",
                     (row["record_id"], row["revision"], row["participant_id"], row["instrument_id"],
                      str(row["diary_date"]), now))
        n += 1
    return n


def keep_diaries(conn: Any, diaries: Iterable[Mapping[str, Any]]) -> None:
    """Replace the app devices held by the server's list (it is always sent whole)."""
    conn.execute("DELETE FROM home_diaries")
    for d in diaries:
        if isinstance(d.get("participant_id"), str) and isinstance(d.get("activated_at"), str):
            conn.execute("INSERT OR REPLACE INTO home_diaries (participant_id, activated_at, revoked_at) "
                         "VALUES (?,?,?)", (d["participant_id"], d["activated_at"],
                                            d["revoked_at"] if isinstance(d.get("revoked_at"), str) else None))


def dates_of(store: Store, participant_id: str, instrument_id: str | None = None) -> set[date]:
    """The dates the participant made a home entry for (of ``instrument_id``; of any diary when None)."""
    rows = store.query("SELECT DISTINCT instrument_id, diary_date FROM home_entries WHERE participant_id = ?",
                       (participant_id,))
    return {date.fromisoformat(r["diary_date"]) for r in rows
            if instrument_id is None or r["instrument_id"] == instrument_id}


def diaries_of(store: Store, participant_id: str) -> list[dict[str, Any]]:
    """The participant's app devices (activated_at, revoked_at: UTC times), oldest first."""
    return store.query("SELECT activated_at, revoked_at FROM home_diaries WHERE participant_id = ? "
                       "ORDER BY activated_at", (participant_id,))
