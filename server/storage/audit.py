"""Queries of the append-only audit chain: its entries (``audit_log``) and the head row that each append moves.

The head row is read (and locked FOR UPDATE) with ``server.storage.checkpoints.head``; the hashes are the
service's business (``server.services.audit``): these functions only store and stream what it computed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from server.storage.bulk import insert_many
from server.storage.tables import audit_head, audit_log


def start_chain(conn: Connection, genesis: str) -> None:
    """Create the head row of an empty chain (seq 0, the genesis hash)."""
    conn.execute(insert(audit_head).values(id=1, seq=0, entry_hash=genesis))


def add_entries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert chained entries (dicts of every column) with one driver executemany."""
    insert_many(conn, audit_log, rows)


def move_head(conn: Connection, seq: int, entry_hash: str) -> None:
    """Point the head row at the newest entry."""
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, entry_hash=entry_hash))


def entries(conn: Connection, batch: int = 5000) -> Iterator[Mapping[str, Any]]:
    """Every entry in chain order, streamed (the option is set on the statement: set on the connection it
    would make every later statement on that connection ask for a server-side cursor on PostgreSQL)."""
    for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)
                            .execution_options(stream_results=True, yield_per=batch)):
        yield row._mapping


def entries_about(conn: Connection, entity_ids: set[str], batch: int = 500) -> list[Mapping[str, Any]]:
    """The entries whose entity is one of ``entity_ids`` (a participant, its record revisions ``id#n``, its
    signatures), in chain order: a participant's audit trail for the casebook."""
    ids = sorted(entity_ids)
    out: list[Mapping[str, Any]] = []
    for i in range(0, len(ids), batch):
        out += [r._mapping for r in conn.execute(select(audit_log).where(audit_log.c.entity_id.in_(ids[i:i + batch])))]
    return sorted(out, key=lambda r: r["seq"])


def newest_about(conn: Connection, entity_type: str, entity_id: str,
                 actions: tuple[str, ...]) -> Mapping[str, Any] | None:
    """The newest entry of one of ``actions`` about one entity (e.g. who last set an account's password)."""
    row = conn.execute(select(audit_log).where(audit_log.c.entity_type == entity_type,
                                               audit_log.c.entity_id == entity_id, audit_log.c.action.in_(actions))
                       .order_by(audit_log.c.seq.desc()).limit(1)).first()
    return None if row is None else row._mapping
