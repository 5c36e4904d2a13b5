"""One sent record's shape check, canonical JSON and content hash, in one walk of the record.

The server checks every synced record's shape (``protocol.check_record_shape``: a JSON object, nested at most
``MAX_RECORD_DEPTH``, at most ``MAX_RECORD_VALUES`` values and ``MAX_RECORD_TEXT`` characters), then writes its
canonical JSON (``records.canonical_record``) and hashes it. Both looked into every container of the record for
the same thing, the types of its members. ``take`` looks once: a record of exactly the envelope fields whose
containers hold only text, whole numbers, booleans, null and containers of those, under ASCII keys, nested at
most ``MAX_RECORD_DEPTH``, is written by orjson as ``canonical_record`` writes it; its written length then bounds
its values and characters (each takes at least one byte), so a short one passes the shape limits for certain.
Anything else (another shape, a float, a long record, a non-ASCII key, a number beyond 53 bits) takes the two
checks as they are, so every refusal is theirs, word for word.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from shared.errors import RecordUnprocessable
from shared.records import ENVELOPE_FIELDS, canonical_record, hash_of_canonical
from shared.sync.protocol import MAX_RECORD_DEPTH, MAX_RECORD_TEXT, MAX_RECORD_VALUES, check_record_shape

_FIELDS = frozenset(ENVELOPE_FIELDS)
_SCALARS = frozenset({str, int, bool, type(None)})     # written by orjson exactly as RFC 8785 writes them
_CONTAINERS = frozenset({dict, list})
_VALUES = _SCALARS | _CONTAINERS
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER   # as shared.canonical writes plain values
_SURE = min(MAX_RECORD_VALUES, MAX_RECORD_TEXT)          # bytes of JSON that cannot hold more of either


class Taken(NamedTuple):
    """What one sent record is: its shape refusal (None: it passed), its canonical JSON and content hash
    (None: refused, or not canonical JSON at all, which rfc8785 refuses and the checks under the lock answer)."""

    refused: RecordUnprocessable | None
    canonical: bytes | None
    digest: str | None


def _plain_within(value: Any, depth: int) -> bool:
    """Whether the container ``value`` (at ``depth``, the envelope being 1) and everything in it holds only
    plain values under ASCII keys, nested at most ``MAX_RECORD_DEPTH`` (walked without recursion)."""
    pending: list[tuple[Any, int]] = [(value, depth)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_RECORD_DEPTH:
            return False
        if type(value) is dict:
            if depth > 1:   # the envelope's own keys are its fields' names
                try:
                    if not "".join(value).isascii():
                        return False
                except TypeError:   # a key that is not text
                    return False
            members: Any = value.values()
        else:
            members = value
        types = set(map(type, members))
        if types <= _SCALARS:
            continue
        if not types <= _VALUES:
            return False
        pending.extend([(v, depth + 1) for v in members if type(v) is dict or type(v) is list])
    return True


def _plain_envelope(record: Any) -> bytes | None:
    """``canonical_record(record)`` for a record that certainly passes ``check_record_shape``; None for any
    other (it is then checked and written the long way)."""
    if type(record) is not dict or record.keys() != _FIELDS:   # the envelope's keys: ASCII text
        return None
    members = record.values()
    types = set(map(type, members))
    if not types <= _SCALARS:
        if not types <= _VALUES:   # a float, say: rfc8785 writes it
            return None
        data = record["data"]
        if type(data) is dict and sum(map(_CONTAINERS.__contains__, map(type, members))) == 1:
            try:   # most records: their data is the one container, an object of plain answers
                if not "".join(data).isascii():
                    return None
            except TypeError:   # a key that is not text
                return None
            if not set(map(type, data.values())) <= _SCALARS and not _plain_within(data, 2):
                return None
        elif not _plain_within(record, 1):
            return None
    try:
        raw = orjson.dumps(record, option=_OPTIONS)
    except orjson.JSONEncodeError:   # a whole number beyond 53 bits, a lone surrogate: rfc8785 decides
        return None
    return raw if len(raw) <= _SURE else None


def take(record: Any) -> Taken:
    """The shape refusal, canonical JSON and hash of one sent record: exactly ``check_record_shape(record)``,
    then (when it passed) ``canonical_record(record)`` (None where that raises ValueError) and its hash."""
    raw = _plain_envelope(record)
    if raw is None:
        refused = check_record_shape(record)
        if refused is not None:
            return Taken(refused, None, None)
        try:
            raw = canonical_record(record)
        except ValueError:   # not canonical JSON (rfc8785's refusals): left to the checks under the lock
            return Taken(None, None, None)
    return Taken(None, raw, hash_of_canonical(raw))
