"""Reads of a site's state for its kiosks (issue 22): which records of the site changed after a position of the
audit chain, or the site's current records as a whole.

The position is the audit chain's sequence number. Every stored revision gets its audit entry
(``entity_type`` ``record``, ``entity_id`` ``<record_id>#<revision>``) in the transaction that stores it, under
the chain head's lock, so sequence numbers follow commit order: a kiosk that holds everything up to position P
misses nothing by asking for what came after P (a table's own autoincrement would not promise that on
PostgreSQL, where two transactions can commit out of the order they drew their numbers).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

from sqlalchemy import Connection, Row, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from server.storage.tables import audit_log, devices, records
from shared.values import ascii_digits

STATE_KINDS = ("instrument_response", "adverse_event")   # what a nurse overview needs of other kiosks' work
_newer = aliased(records)
# no body: a stored revision never changes, so services.site_state keeps what it needs of one per process and
# asks for the bodies (``bodies``) of the revisions it has not seen yet only
_COLUMNS = (records.c.record_id, records.c.revision, records.c.kind, records.c.participant_id, records.c.visit_id,
            records.c.instrument_id, records.c.instrument_version, records.c.collected_at,
            records.c.content_hash,   # what the summary cache keys on (services.site_state)
            devices.c.kind.label("device_kind"))    # issue 24: a participant's app makes home entries
_FROM = records.outerjoin(devices, devices.c.device_id == records.c.device_id)
# a read row as a plain named tuple: services.site_state keeps thousands and reads their fields on every sync
# (a SQLAlchemy Row's named field costs ~2 us, a named tuple's ~0.05)
StateRow = namedtuple("StateRow", [c.key for c in _COLUMNS])  # type: ignore[misc]


def position(conn: Connection) -> int:
    """The newest audit sequence number (0 for an empty chain): the cursor of an answer built now."""
    return int(conn.execute(select(func.coalesce(func.max(audit_log.c.seq), 0))).scalar_one())


def head(conn: Connection) -> tuple[int, str | None]:
    """(``position``, the entry hash of the entry there; None for an empty chain): the hash names the whole
    chain up to the position, so a copy of the state kept at it can be told apart from another database's."""
    row = conn.execute(_HEAD).first()
    return (0, None) if row is None else (int(row.seq), row.entry_hash)


def entry_hash_at(conn: Connection, seq: int) -> str | None:
    """The entry hash of audit entry ``seq`` (None when there is none)."""
    return conn.execute(_HASH_AT, {"seq": seq}).scalar_one_or_none()


# every sync reads them: built once
_HEAD = select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
_HASH_AT = select(audit_log.c.entry_hash).where(audit_log.c.seq == bindparam("seq"))


def changed_after(conn: Connection, cursor: int, limit: int) -> list[tuple[str, int]] | None:
    """(record id, revision) of every revision audited after ``cursor``, oldest first, of any site; None when
    more than ``limit`` entries of records came after it (the caller sends the whole state instead)."""
    ids = conn.execute(select(audit_log.c.entity_id)
                       .where(audit_log.c.seq > cursor, audit_log.c.entity_type == "record")
                       .order_by(audit_log.c.seq).limit(limit + 1)).scalars().all()
    if len(ids) > limit:
        return None
    keys = []
    for entity in ids:
        record_id, _, revision = entity.rpartition("#")
        if record_id and ascii_digits(revision):
            keys.append((record_id, int(revision)))
    return keys


def revisions_of_site(conn: Connection, site_id: str, keys: Iterable[tuple[str, int]]) -> list[StateRow]:
    """Those revisions that are records of ``site_id`` and of a kind the kiosks keep (other sites' never), without
    their bodies (``bodies``)."""
    wanted = set(keys)
    found: list[StateRow] = []
    ids = sorted({record_id for record_id, _ in wanted})
    for start in range(0, len(ids), 500):
        q = select(*_COLUMNS).select_from(_FROM).where(records.c.record_id.in_(ids[start:start + 500]),
                                                       records.c.site_id == site_id, records.c.kind.in_(STATE_KINDS))
        found += [StateRow._make(r) for r in conn.execute(q) if (r.record_id, r.revision) in wanted]
    return sorted(found, key=lambda r: (r.record_id, r.revision))


def bodies(conn: Connection, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The stored JSON body of each of these revisions, by (record id, revision)."""
    wanted = set(keys)
    found: dict[tuple[str, int], str] = {}
    ids = sorted({record_id for record_id, _ in wanted})
    for start in range(0, len(ids), 500):
        q = select(records.c.record_id, records.c.revision, records.c.body).where(
            records.c.record_id.in_(ids[start:start + 500]))
        found.update({(r.record_id, r.revision): r.body for r in conn.execute(q)
                      if (r.record_id, r.revision) in wanted})
    return found


def current_of_site(conn: Connection, site_id: str) -> list[StateRow]:
    """The newest revision of every record of ``site_id`` of a kind the kiosks keep, by participant and time
    (without their bodies: ``bodies``)."""
    newer = exists().where(_newer.c.record_id == records.c.record_id, _newer.c.revision > records.c.revision)
    q = (select(*_COLUMNS).select_from(_FROM)
         .where(records.c.site_id == site_id, records.c.kind.in_(STATE_KINDS), ~newer)
         .order_by(records.c.participant_id, records.c.collected_at, records.c.record_id))
    return [StateRow._make(r) for r in conn.execute(q)]


def home_diaries_of_site(conn: Connection, site_id: str, app_kind: str) -> list[Row]:
    """Participant id, activation time (``enrolled_at``) and revocation time of every app device of ``site_id``
    (device kind ``app_kind``), oldest first: where each participant's home diary starts and ends."""
    return list(conn.execute(select(devices.c.participant_id, devices.c.enrolled_at, devices.c.revoked_at)
                             .where(devices.c.site_id == site_id, devices.c.kind == app_kind,
                                    devices.c.participant_id.is_not(None))
                             .order_by(devices.c.participant_id, devices.c.enrolled_at)))
