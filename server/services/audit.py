"""The tamper-evident audit trail: append-only, each entry chained to the previous by SHA-256.

``append`` is called beside every mutation, in the same transaction, so no
code path can change data without its audit entry. The chain head row is
locked (``FOR UPDATE`` on PostgreSQL; SQLite writers are already serialised by
BEGIN IMMEDIATE) so concurrent appends never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection

from server.storage import audit as chain
from server.storage.checkpoints import head as chain_head
from shared.canonical import canonical_fields_json
from shared.records import utc_now

GENESIS = "sha256:" + "0" * 64
CHAINED_FIELDS = ("seq", "at", "actor", "action", "entity_type", "entity_id", "old", "new", "reason",
                  "prev_hash")


class AuditEntry(NamedTuple):
    """What one mutation declares about itself (a named tuple: one is made for every record of every sync)."""

    actor: str
    action: str                 # dotted, e.g. "record.create", "device.revoke"
    entity_type: str
    entity_id: str
    old: Any = None
    new: Any = None
    reason: str | None = None


# the stored form of old/new (part of the chained bytes: never change it): json.dumps(value,
# ensure_ascii=False, sort_keys=True). Its C encoder is made once (JSONEncoder.encode builds a new one on every
# call, a cost paid for every record of every sync) and without the cycle check: old/new are JSON values read
# from a request or the database, and a cycle would still fail (RecursionError) rather than be stored.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_C_ENCODE = (json.encoder.c_make_encoder(None, _ENCODER.default, encode_basestring, None, ": ", ", ", True, False, True)
             if json.encoder.c_make_encoder is not None else None)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if _C_ENCODE is None or isinstance(value, str):
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


_SORTED_FIELDS = tuple(sorted(CHAINED_FIELDS))  # ASCII names: code point order is RFC 8785's order


_FIELD_SET = frozenset(CHAINED_FIELDS)
_ROW_SCALARS = frozenset({str, int, type(None)})   # written by orjson exactly as RFC 8785 writes them
_ROW_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def entry_hash(row: Mapping[str, Any]) -> str:
    """The hash of one stored entry over the canonical JSON (RFC 8785) of its chained fields.

    An entry being appended is a dict of exactly those fields (ASCII names) holding text, whole numbers and
    null: orjson writes it as ``canonical_fields_json`` would, without that function's checks of keys and
    nesting (~2 us of every synced record); anything else, or what orjson refuses, goes the general way."""
    if type(row) is dict and row.keys() == _FIELD_SET and set(map(type, row.values())) <= _ROW_SCALARS:
        try:
            return "sha256:" + hashlib.sha256(orjson.dumps(row, option=_ROW_OPTIONS)).hexdigest()
        except orjson.JSONEncodeError:   # a whole number beyond 53 bits, a lone surrogate: rfc8785 decides
            pass
    return "sha256:" + hashlib.sha256(canonical_fields_json(row, _SORTED_FIELDS)).hexdigest()


def _plain_entry_hash(action: str, actor: str, at: str, entity_id: str, entity_type: str, new: str | None,
                      old: str | None, prev_hash: str, reason: str | None, seq: int) -> str:
    """``entry_hash`` of an entry being appended whose fields are all text (or null) but ``seq``: the dict is
    made in the fields' code point order, so orjson writes it as ``OPT_SORT_KEYS`` would without sorting, and
    nothing is checked that the types already say (~2 us of every synced record). What orjson refuses (a
    lone surrogate, a ``seq`` beyond 53 bits) goes the general way."""
    row = {"action": action, "actor": actor, "at": at, "entity_id": entity_id, "entity_type": entity_type,
           "new": new, "old": old, "prev_hash": prev_hash, "reason": reason, "seq": seq}
    try:
        return "sha256:" + hashlib.sha256(orjson.dumps(row, option=orjson.OPT_STRICT_INTEGER)).hexdigest()
    except orjson.JSONEncodeError:
        return entry_hash(row)


_HEAD = "trialpro_audit_head"   # Connection.info: (transaction, seq, hash) as this transaction's last append left it


def _transaction(conn: Connection) -> Any:
    """The innermost transaction (a savepoint when one is open): the head read in it holds until it ends."""
    return conn.get_nested_transaction() or conn.get_transaction()


def _lock_head(conn: Connection) -> tuple[int, str]:
    """The chain head, locked: read (FOR UPDATE) once per transaction; a later append of the same transaction
    goes on from where the last one left it (a sync tops up allocation blocks and screening numbers after
    storing its records, an enrolment audits several grants). A new transaction, or a savepoint begun or ended
    since, reads it again."""
    known = conn.info.get(_HEAD)
    if known is not None and known[0] is _transaction(conn) and known[0] is not None:
        return known[1], known[2]
    head = chain_head(conn, lock=True)
    if head is None:
        chain.start_chain(conn, GENESIS)
        return 0, GENESIS
    return head


def append_many(conn: Connection, entries: list[AuditEntry], *, at: str | None = None) -> None:
    """Append entries in order, in the caller's transaction."""
    if not entries:
        return
    seq, prev = _lock_head(conn)
    at = at or utc_now()
    rows = []
    text_at = type(at) is str
    for e in entries:
        seq += 1
        old, new = _json(e.old), _json(e.new)   # text or None
        actor, action, entity_type, entity_id, reason = e.actor, e.action, e.entity_type, e.entity_id, e.reason
        link = prev
        if (text_at and type(actor) is str and type(action) is str and type(entity_type) is str
                and type(entity_id) is str and (reason is None or type(reason) is str)):
            prev = _plain_entry_hash(action, actor, at, entity_id, entity_type, new, old, link, reason, seq)
        else:
            prev = entry_hash({"seq": seq, "at": at, "actor": actor, "action": action, "entity_type": entity_type,
                               "entity_id": entity_id, "old": old, "new": new, "reason": reason, "prev_hash": link})
        rows.append((seq, at, actor, action, entity_type, entity_id, old, new, reason, link, prev))
    chain.add_entries(conn, rows)
    chain.move_head(conn, seq, prev)
    conn.info[_HEAD] = (_transaction(conn), seq, prev)


def append(conn: Connection, entry: AuditEntry) -> None:
    append_many(conn, [entry])


@dataclass(frozen=True)
class ChainReport:
    """Result of walking the chain: ok, how many entries, and the first bad entry with why."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    hashes_at: dict[int, str] = field(default_factory=dict)   # entry hashes at the positions asked for


def iter_entries(conn: Connection, batch: int = 5000) -> Iterator[Mapping[str, Any]]:
    """Every entry in chain order, streamed (the option is set on the statement: set on the connection it
    would make every later statement on that connection ask for a server-side cursor on PostgreSQL)."""
    return chain.entries(conn, batch)


def verify_chain(conn: Connection, positions: set[int] | frozenset[int] = frozenset()) -> ChainReport:
    """Walk every entry; report the first whose hash, link or sequence does not hold.

    Also checks the head row, so a removed tail is found (signed checkpoints cover
    someone who rewrites the head row too: ``positions`` collects the hashes they
    need, see server/services/checkpoints.py).
    """
    seen: dict[int, str] = {}
    prev = GENESIS
    expected_seq = 1
    count = 0
    for row in iter_entries(conn):
        count += 1
        if row["seq"] != expected_seq:
            return ChainReport(False, count, row["seq"],
                               f"entry {row['seq']} found where entry {expected_seq} was expected "
                               "(an entry was removed or reordered)")
        if entry_hash(row) != row["entry_hash"]:
            return ChainReport(False, count, row["seq"], f"entry {row['seq']} was altered after it was written")
        if row["prev_hash"] != prev:
            # this entry is intact, so the one before it was rewritten with a recomputed hash
            return ChainReport(False, count, row["seq"] - 1,
                               f"entry {row['seq'] - 1} was altered and its hash recomputed "
                               f"(entry {row['seq']} no longer links to it)")
        if row["seq"] in positions:
            seen[row["seq"]] = row["entry_hash"]
        prev = row["entry_hash"]
        expected_seq += 1
    head = chain_head(conn)
    if head is not None and (head[0] != count or head[1] != prev):
        return ChainReport(False, count, count + 1 if head[0] > count else head[0],
                           f"the chain ends at entry {count} but its head says {head[0]} "
                           "(entries were removed from the end)")
    return ChainReport(True, count, hashes_at=seen)
