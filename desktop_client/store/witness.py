"""The kiosk's witness of the server's audit chain: the newest signed head it was given, kept encrypted.

Only a newer head (higher entry number) replaces the kept one, so a server whose
chain was later cut or rewritten cannot make the kiosk forget what it saw; the
head is written out with `trialpro-client witness` for `audit verify --witness`.
"""

from __future__ import annotations

from typing import Any

from desktop_client.store.database import Store

FIELDS = ("head_seq", "head_hash", "signed_at", "signature", "public_key")


def keep_newer(conn: Any, head: dict[str, Any], received_at: str) -> bool:
    """In the caller's transaction: store ``head`` unless the kept one is as new or newer; True when stored."""
    row = conn.execute("SELECT head_seq FROM witness WHERE id = 1").fetchone()
    if row is not None and int(row[0]) >= int(head["head_seq"]):
        return False
    conn.execute("INSERT INTO witness (id, head_seq, head_hash, signed_at, signature, public_key, received_at) "
                 "VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET head_seq = excluded.head_seq, "
                 "head_hash = excluded.head_hash, signed_at = excluded.signed_at, signature = excluded.signature, "
                 "public_key = excluded.public_key, received_at = excluded.received_at",
                 (int(head["head_seq"]), *(str(head[k]) for k in FIELDS[1:]), received_at))
    return True


def newest(store: Store) -> dict[str, Any] | None:
    """The kept signed head (with ``received_at``), or None before the first sync that brought one."""
    rows = store.query("SELECT head_seq, head_hash, signed_at, signature, public_key, received_at "
                       "FROM witness WHERE id = 1")
    return rows[0] if rows else None
