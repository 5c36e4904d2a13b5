"""Sync protocol v1: what a kiosk sends, what the server answers (see docs/sync-protocol.md).

Request  ``POST /api/v1/sync``  (``Authorization: Bearer <device token>``)::

    {"protocol_version": 1, "study_version": "1.0.0", "corrections_cursor": 0,
     "labs_cursor": 0,                       # optional: the last lab-result revision (seq) the kiosk holds
     "allocation_blocks": [1, 4],            # optional: blocks whose entries the kiosk already holds
     "records": [{"record": {<envelope>}, "content_hash": "sha256:..."}, ...]}

Answer ``200``::

    {"protocol_version": 1,
     "results": [{"record_id", "revision", "status", "reason", "problems"}],
     "downstream": {"study_version", "participants", "staff", "allocation",
                    "corrections", "corrections_cursor", "more_corrections",
                    "labs", "labs_cursor", "more_labs",   # lab-result revisions of the site after labs_cursor
                    "audit_head"}}          # the newest signed audit checkpoint (kiosks keep it: witness)

``status`` is one of ``stored`` (new), ``already_stored`` (same id, revision and hash:
an idempotent retry), ``conflict`` (same id and revision, different hash: kept aside
for a data manager) or ``rejected`` (a rule broken: ``code`` names it, ``rule`` states it;
the codes are those of ``shared.errors.RecordInvalid`` and its subclasses). The kiosk removes a record
from its outbox only on ``stored`` or ``already_stored`` for exactly that id and revision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from shared.errors import FieldProblem, ProtocolMismatch, RecordUnprocessable, StudyMismatch, SyncRequestInvalid

PROTOCOL_VERSION = 1
MAX_BATCH_RECORDS = 500
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_ALLOCATION_BLOCKS = 10_000
MAX_WHOLE_NUMBER = 2**53 - 1  # largest integer every JSON reader (and RFC 8785) handles exactly
MAX_REVISION = 2**31 - 1      # fits the servers' INTEGER column on SQLite and PostgreSQL
MAX_RECORD_DEPTH = 10         # the envelope is 1, its data 2; no answer of any instrument nests deeper than 4
MAX_RECORD_VALUES = 10_000    # values (objects, lists and scalars) in one record
MAX_RECORD_TEXT = 64 * 1024   # characters of text (keys and strings) in one record

STORED = "stored"
ALREADY_STORED = "already_stored"
CONFLICT = "conflict"
REJECTED = "rejected"
ACKNOWLEDGED = (STORED, ALREADY_STORED)


class SyncItem(NamedTuple):
    """One record as sent: the envelope and the hash the kiosk computed over it (a named tuple: one is made
    per sent record, at a third of a frozen dataclass's cost)."""

    record: Any
    content_hash: Any


@dataclass(frozen=True)
class SyncRequest:
    study_version: str
    corrections_cursor: int
    items: list[SyncItem]
    allocation_blocks: frozenset[int] | None = None  # None: the kiosk holds no allocation lists yet
    study_id: str | None = None                      # None: a kiosk of the first release (version only)
    labs_cursor: int = 0                             # lab-result revisions the kiosk holds (seq); 0: none
    state_cursor: int | None = None                  # the site's state the kiosk holds (audit seq); None: an
                                                     # older kiosk that asks for none (issue 22)


def build_request(*, study_version: str, corrections_cursor: int, items: list[tuple[Mapping[str, Any], str]],
                  allocation_blocks: list[int] | None = None, study_id: str | None = None,
                  labs_cursor: int | None = None, state_cursor: int | None = None) -> dict[str, Any]:
    """The JSON body of a sync request (``allocation_blocks``: blocks the kiosk already holds entries of)."""
    body: dict[str, Any] = {"protocol_version": PROTOCOL_VERSION, "study_version": study_version,
                            "corrections_cursor": corrections_cursor,
                            "records": [{"record": dict(r), "content_hash": h} for r, h in items]}
    if study_id is not None:
        body["study_id"] = study_id
    if allocation_blocks is not None:
        body["allocation_blocks"] = sorted(allocation_blocks)
    if labs_cursor is not None:
        body["labs_cursor"] = labs_cursor
    if state_cursor is not None:
        body["state_cursor"] = state_cursor
    return body


_ITEM_FIELDS = frozenset({"record", "content_hash"})
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
_JSON_TYPES = _JSON_SCALARS | {dict, list}


def check_record_shape(record: Any) -> RecordUnprocessable | None:
    """Whether one sent record is a JSON object the server can look into safely, or why not.

    Walks the record without recursion, so even a record nested thousands deep costs a bounded walk; such a
    record is rejected on its own (the rest of its batch is stored)."""
    if type(record) is not dict and not isinstance(record, Mapping):
        return RecordUnprocessable([FieldProblem("record", _shown(record), "a JSON object (the record envelope)",
                                                 "record: must be a JSON object")])
    values = text = 0
    stack: list[tuple[Any, int]] = [(record, 1)]
    while stack:  # only containers are pushed; their scalars are counted a container at a time
        value, depth = stack.pop()
        if depth > MAX_RECORD_DEPTH:
            return _unprocessable(f"nests deeper than {MAX_RECORD_DEPTH} levels",
                                  f"at most {MAX_RECORD_DEPTH} levels of objects and lists")
        if type(value) is dict:
            text += sum(map(len, value))
            members: Any = value.values()
        else:
            members = value
        values += len(members) + 1
        types = set(map(type, members))
        if not types <= _JSON_SCALARS:
            if not types <= _JSON_TYPES:
                bad = next(t for t in types if t not in _JSON_TYPES)
                return _unprocessable(f"holds a value of type {bad.__name__}", "JSON values only")
            stack.extend((v, depth + 1) for v in members if type(v) is dict or type(v) is list)
        if str in types:
            text += sum([len(v) for v in members if type(v) is str])
        if values > MAX_RECORD_VALUES:
            return _unprocessable(f"holds more than {MAX_RECORD_VALUES} values", f"at most {MAX_RECORD_VALUES}")
        if text > MAX_RECORD_TEXT:
            return _unprocessable(f"holds more than {MAX_RECORD_TEXT} characters of text",
                                  f"at most {MAX_RECORD_TEXT} characters")
    return None


def _unprocessable(why: str, allowed: str) -> RecordUnprocessable:
    return RecordUnprocessable([FieldProblem("record", "<record>", allowed,
                                             f"record: {why}; the server cannot process it")])


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_request(payload: Any) -> SyncRequest:
    """Check the outer shape of a sync request; record contents are validated one by one later."""
    if not isinstance(payload, Mapping):
        raise SyncRequestInvalid("The sync request body must be a JSON object; update the kiosk software.")
    version = payload.get("protocol_version")
    if version != PROTOCOL_VERSION:
        raise ProtocolMismatch(f"This server speaks sync protocol {PROTOCOL_VERSION}, the kiosk sent "
                               f"{_shown(version)!r}; update the kiosk software.",
                               details={"supported": [PROTOCOL_VERSION], "received": _shown(version)})
    records = payload.get("records")
    if not isinstance(records, list):
        raise SyncRequestInvalid("'records' must be a list of {record, content_hash} objects.")
    if len(records) > MAX_BATCH_RECORDS:
        raise SyncRequestInvalid(f"A batch holds at most {MAX_BATCH_RECORDS} records; this one has "
                                 f"{len(records)}. Send smaller batches.",
                                 details={"max_records": MAX_BATCH_RECORDS})
    cursor = payload.get("corrections_cursor", 0)
    if not _whole(cursor) or not 0 <= cursor <= MAX_WHOLE_NUMBER:
        raise SyncRequestInvalid(f"'corrections_cursor' must be a whole number from 0 to {MAX_WHOLE_NUMBER}: "
                                 "send the cursor of the last answer.",
                                 details={"field": "corrections_cursor", "value": _shown(cursor)})
    labs_cursor = payload.get("labs_cursor", 0)
    if not _whole(labs_cursor) or not 0 <= labs_cursor <= MAX_WHOLE_NUMBER:
        raise SyncRequestInvalid(f"'labs_cursor' must be a whole number from 0 to {MAX_WHOLE_NUMBER}: send the "
                                 "labs_cursor of the last answer, or leave it out.",
                                 details={"field": "labs_cursor", "value": _shown(labs_cursor)})
    state_cursor = payload.get("state_cursor")
    if state_cursor is not None and (not _whole(state_cursor) or not 0 <= state_cursor <= MAX_WHOLE_NUMBER):
        raise SyncRequestInvalid(f"'state_cursor' must be a whole number from 0 to {MAX_WHOLE_NUMBER}: send the "
                                 "state_cursor of the last answer (0 the first time), or leave it out.",
                                 details={"field": "state_cursor", "value": _shown(state_cursor)})
    blocks = payload.get("allocation_blocks")
    if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_ALLOCATION_BLOCKS
                               or not all(_whole(b) and 0 <= b <= MAX_WHOLE_NUMBER for b in blocks)):
        raise SyncRequestInvalid("'allocation_blocks' must be a list of whole numbers >= 0 (the allocation "
                                 "blocks whose entries the kiosk holds), or left out.",
                                 details={"field": "allocation_blocks"})
    study_version = payload.get("study_version")
    if not isinstance(study_version, str):
        raise SyncRequestInvalid("'study_version' must be the study file version the kiosk holds (a string).",
                                 details={"field": "study_version", "value": _shown(study_version)})
    study_id = payload.get("study_id")
    if study_id is not None and not isinstance(study_id, str):
        raise SyncRequestInvalid("'study_id' must be the id of the study the kiosk runs (a string), or left out.",
                                 details={"field": "study_id", "value": _shown(study_id)})
    items = []
    for i, entry in enumerate(records):
        if not isinstance(entry, Mapping) or entry.keys() != _ITEM_FIELDS:
            raise SyncRequestInvalid(f"records[{i}] must be an object with exactly 'record' and "
                                     "'content_hash'.", details={"index": i})
        items.append(SyncItem(entry["record"], entry["content_hash"]))
    return SyncRequest(study_version=study_version, corrections_cursor=cursor, items=items,
                       allocation_blocks=None if blocks is None else frozenset(blocks), study_id=study_id,
                       labs_cursor=labs_cursor, state_cursor=state_cursor)


def check_same_study(study_id: Any, study_version: Any, *, server_id: str, server_version: str,
                     step: str) -> None:
    """Refuse a kiosk that runs another study or study version than the server (``step``: enrolment or sync).

    A value left out (None) is not compared: kiosks of the first release send no study id.
    Raises StudyMismatch naming both studies and what to do.
    """
    theirs = (server_id if study_id is None else study_id, server_version if study_version is None else study_version)
    if theirs == (server_id, server_version):
        return
    raise StudyMismatch(
        f"{step.capitalize()} refused: this kiosk runs study {_shown(theirs[0])} version {_shown(theirs[1])}, "
        f"the server holds study {server_id} version {server_version}. Start the kiosk with the server's study "
        "file (trialpro-client --study FILE) in a new data folder; nothing was enrolled or stored.",
        details={"kiosk": [_shown(theirs[0]), _shown(theirs[1])], "server": [server_id, server_version],
                 "step": step})


def _shown(value: Any) -> Any:
    """A refused value as it may be echoed back: scalars as they are, anything else by its type."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value[:100]
    return f"<{type(value).__name__}>"
