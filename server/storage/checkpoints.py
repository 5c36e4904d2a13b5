"""Queries of the audit chain head and of ``audit_checkpoints`` (append-only: triggers refuse UPDATE/DELETE)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from server.storage.tables import audit_checkpoints, audit_head, audit_log

CHECKPOINT_FIELDS = ("head_seq", "head_hash", "signed_at", "signature", "public_key")


_HEAD = select(audit_head.c.seq, audit_head.c.entry_hash).where(audit_head.c.id == 1)   # built once: read by
_HEAD_LOCKED = _HEAD.with_for_update()                                                    # every append


def head(conn: Connection, *, lock: bool = False) -> tuple[int, str] | None:
    """(seq, entry_hash) of the head row, None before the first entry; ``lock`` takes it FOR UPDATE."""
    row = conn.execute(_HEAD_LOCKED if lock else _HEAD).first()
    return None if row is None else (int(row.seq), row.entry_hash)


def newest_entry(conn: Connection) -> tuple[int, str] | None:
    """(seq, entry_hash) of the last entry of the log itself."""
    row = conn.execute(select(audit_log.c.seq, audit_log.c.entry_hash)
                       .order_by(audit_log.c.seq.desc()).limit(1)).first()
    return None if row is None else (int(row.seq), row.entry_hash)


def entries_from(conn: Connection, seq: int) -> Iterator[Mapping[str, Any]]:
    """Every audit entry from ``seq`` on, in chain order (the part not yet covered by a checkpoint)."""
    for row in conn.execute(select(audit_log).where(audit_log.c.seq >= seq).order_by(audit_log.c.seq)):
        yield row._mapping


def add(conn: Connection, checkpoint: dict[str, Any]) -> None:
    conn.execute(insert(audit_checkpoints).values(**{k: checkpoint[k] for k in CHECKPOINT_FIELDS}))


def newest(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(_NEWEST).first()
    return None if row is None else dict(row._mapping)


# read by every sync (the audit head a kiosk witnesses), built once: building it costs more than running it
_NEWEST = (select(*[audit_checkpoints.c[k] for k in CHECKPOINT_FIELDS])
           .order_by(audit_checkpoints.c.id.desc()).limit(1))


def every(conn: Connection) -> list[dict[str, Any]]:
    """Every stored checkpoint, in the order written."""
    return [dict(r._mapping) for r in conn.execute(
        select(*[audit_checkpoints.c[k] for k in CHECKPOINT_FIELDS]).order_by(audit_checkpoints.c.id))]
