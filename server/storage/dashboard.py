"""Queries behind the admin pages' read models: participants, their record revisions, AEs and the audit search.

Every query takes the viewer's sites and never returns a row of another site: site scoping is done in SQL,
here, once. Revisions come back as rows with ``record_id``, ``body`` (the stored JSON text) and
``received_at``; picking the newest revision is the caller's (``server.services.dashboard``) business.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, func, select

from server.storage import audit as audit_store
from server.storage.tables import (
    audit_log,
    devices,
    participants,
    records,
)


def arm_counts(conn: Connection, sites: Iterable[str]) -> dict[str, int]:
    """Participants enrolled per arm code at these sites (arms without anyone are absent)."""
    return {arm: int(n) for arm, n in conn.execute(
        select(participants.c.arm, func.count()).where(participants.c.site_id.in_(list(sites)))
        .group_by(participants.c.arm))}


def enrolment_dates(conn: Connection, sites: Iterable[str]) -> list[tuple[str, str]]:
    """(participant_id, enrolled_at) of every participant of these sites."""
    return [(r.participant_id, r.enrolled_at) for r in conn.execute(
        select(participants.c.participant_id, participants.c.enrolled_at)
        .where(participants.c.site_id.in_(list(sites))))]


def arms_of(conn: Connection, sites: Iterable[str]) -> dict[str, str]:
    """Arm code of each participant of these sites, by participant id."""
    return dict(conn.execute(select(participants.c.participant_id, participants.c.arm)  # type: ignore[arg-type]
                             .where(participants.c.site_id.in_(list(sites)))).all())


def participants_of(conn: Connection, sites: Iterable[str], search: str = "") -> list[dict[str, Any]]:
    """Participants of these sites (every column) whose id contains ``search`` (upper-cased), by id."""
    q = select(participants).where(participants.c.site_id.in_(list(sites)))
    if search:
        q = q.where(participants.c.participant_id.contains(search.strip().upper(), autoescape=True))
    return [dict(r._mapping) for r in conn.execute(q.order_by(participants.c.participant_id))]


def participant(conn: Connection, participant_id: str, sites: Iterable[str]) -> dict[str, Any] | None:
    """One participant of these sites (every column), or None when unknown or of another site."""
    row = conn.execute(select(participants).where(participants.c.participant_id == participant_id,
                                                  participants.c.site_id.in_(list(sites)))).first()
    return None if row is None else dict(row._mapping)


def revisions_of_participants(conn: Connection, participant_ids: list[str], *,
                              kind: str | None = None) -> list[Row[Any]]:
    """Every revision of every record (of ``kind``, when given) of these participants: rows of record_id,
    participant_id, body, received_at, revision, content_hash."""
    if not participant_ids:
        return []
    q = select(records.c.record_id, records.c.participant_id, records.c.body, records.c.received_at,
               records.c.revision, records.c.content_hash).where(records.c.participant_id.in_(participant_ids))
    if kind is not None:
        q = q.where(records.c.kind == kind)
    return list(conn.execute(q))


def revision_keys_of_participants(conn: Connection, participant_ids: list[str]) -> list[tuple[Any, ...]]:
    """(participant_id, record_id, revision, content_hash, received_at) of every revision of these participants'
    records, without bodies: what names a participant's records whole (``server.services.dashboard`` keeps what
    it computed of them per process and reads the bodies of a participant only when these changed)."""
    if not participant_ids:
        return []
    return [tuple(r) for r in conn.execute(
        select(records.c.participant_id, records.c.record_id, records.c.revision, records.c.content_hash,
               records.c.received_at).where(records.c.participant_id.in_(participant_ids)))]


def revisions_of_record(conn: Connection, record_id: str, sites: Iterable[str]) -> list[Row[Any]]:
    """Every revision of one record of these sites, oldest first: rows of record_id, body, received_at."""
    return list(conn.execute(select(records.c.record_id, records.c.body, records.c.received_at)
                             .where(records.c.record_id == record_id, records.c.site_id.in_(list(sites)))
                             .order_by(records.c.revision)))


def revisions_of_kind(conn: Connection, kind: str, sites: Iterable[str]) -> list[Row[Any]]:
    """Every revision of every record of ``kind`` at these sites: rows of record_id, body, received_at."""
    return list(conn.execute(select(records.c.record_id, records.c.body, records.c.received_at)
                             .where(records.c.kind == kind, records.c.site_id.in_(list(sites)))))


def search_audit(conn: Connection, query: str = "", *, before_seq: int | None = None, limit: int = 50,
                 sites: Iterable[str] | None = None, actor: str | None = None) -> list[dict[str, Any]]:
    """Newest audit entries first, optionally only those whose actor, action, entity or values contain ``query``;
    scoped to ``sites`` as ``server.storage.audit.visible`` says."""
    q = audit_store.visible(conn, select(audit_log), sites=sites, actor=actor, search=query)
    if before_seq is not None:
        q = q.where(audit_log.c.seq < before_seq)
    return [dict(r._mapping) for r in conn.execute(q.order_by(audit_log.c.seq.desc()).limit(limit))]


def app_devices_of(conn: Connection, participant_ids: list[str], app_kind: str) -> list[Row[Any]]:
    """Device id, participant id, activation (``enrolled_at``) and revocation time of every app device (kind
    ``app_kind``) of these participants (issue 24: the home diary's days), by participant and activation."""
    out: list[Row[Any]] = []
    for start in range(0, len(participant_ids), 500):
        out += conn.execute(select(devices.c.device_id, devices.c.participant_id, devices.c.enrolled_at,
                                   devices.c.revoked_at)
                            .where(devices.c.kind == app_kind,
                                   devices.c.participant_id.in_(participant_ids[start:start + 500]))
                            .order_by(devices.c.participant_id, devices.c.enrolled_at)).all()
    return out
