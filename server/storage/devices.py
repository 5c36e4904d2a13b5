"""Queries for devices (kiosks and participants' phones) and their one-time codes: kiosk enrolment codes and app
activation codes (issue 24). Only digests of codes and tokens are stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from server.storage.paging import Page, PageRequest, Sorts, fetch_page
from server.storage.tables import app_activation_codes, devices, enrolment_codes

KIOSK = "kiosk"
PARTICIPANT_APP = "participant_app"
_LISTED = (devices.c.device_id, devices.c.site_id, devices.c.label, devices.c.enrolled_at, devices.c.revoked_at,
           devices.c.last_seen_at, devices.c.kind, devices.c.participant_id)


def add_enrolment_code(conn: Connection, *, code_digest: str, site_id: str, created_by: str, created_at: str,
                       expires_at: str) -> None:
    """Store a new, unused enrolment code by its digest."""
    conn.execute(insert(enrolment_codes).values(code_digest=code_digest, site_id=site_id, created_by=created_by,
                                                created_at=created_at, expires_at=expires_at))


ENROLMENT, ACTIVATION = "enrolment", "activation"   # which one-time codes: a kiosk's, a participant's phone's
_CODES = {ENROLMENT: enrolment_codes, ACTIVATION: app_activation_codes}


def one_time_code(conn: Connection, which: str, code_digest: str) -> dict[str, Any] | None:
    """The one-time code of kind ``which`` (ENROLMENT or ACTIVATION) with this digest (every column), or None."""
    table = _CODES[which]
    row = conn.execute(select(table).where(table.c.code_digest == code_digest)).first()
    return None if row is None else dict(row._mapping)


def claim_one_time_code(conn: Connection, which: str, code_digest: str, *, device_id: str, used_at: str) -> bool:
    """Mark an unused code of kind ``which`` used by ``device_id``; False when another transaction claimed it
    first."""
    table = _CODES[which]
    return conn.execute(update(table).where(table.c.code_digest == code_digest, table.c.used_at.is_(None))
                        .values(used_at=used_at, device_id=device_id)).rowcount == 1


def add_device(conn: Connection, *, device_id: str, site_id: str, label: str, token_digest: str,
               enrolled_at: str, participant_id: str | None = None) -> None:
    """Store a newly enrolled device with the digest of its credential: a kiosk, or with ``participant_id`` the
    participant's phone (kind ``participant_app``)."""
    conn.execute(insert(devices).values(device_id=device_id, site_id=site_id, label=label,
                                        token_digest=token_digest, enrolled_at=enrolled_at,
                                        kind=KIOSK if participant_id is None else PARTICIPANT_APP,
                                        participant_id=participant_id))


@dataclass(frozen=True)
class AppDevice:
    """A participant's phone (issue 24): whose it is and when it was activated."""

    device_id: str
    participant_id: str
    site_id: str
    activated_at: str


def app_device(conn: Connection, device_id: str) -> AppDevice | None:
    """The participant app behind ``device_id``, or None when it is a kiosk (or no device)."""
    row = conn.execute(select(devices.c.device_id, devices.c.participant_id, devices.c.site_id,
                              devices.c.enrolled_at)
                       .where(devices.c.device_id == device_id, devices.c.kind == PARTICIPANT_APP)).first()
    return None if row is None else AppDevice(row.device_id, row.participant_id, row.site_id, row.enrolled_at)


def app_device_ids(conn: Connection, device_ids: Iterable[str]) -> set[str]:
    """Which of these devices are participants' apps (the rest are kiosks): a record's source is ``home`` when
    the device that sent it is one, ``clinic`` otherwise."""
    ids = list(set(device_ids))
    if not ids:
        return set()
    return set(conn.execute(select(devices.c.device_id).where(devices.c.device_id.in_(ids),
                                                              devices.c.kind == PARTICIPANT_APP)).scalars())


def apps_of_participant(conn: Connection, participant_id: str) -> list[dict[str, Any]]:
    """The participant's app devices (no credential digest), oldest first."""
    return [dict(r._mapping) for r in conn.execute(
        select(*_LISTED).where(devices.c.participant_id == participant_id).order_by(devices.c.enrolled_at))]


def add_activation_code(conn: Connection, *, code_digest: str, participant_id: str, site_id: str,
                        created_by: str, created_at: str, expires_at: str) -> None:
    """Store a new, unused app activation code by its digest."""
    conn.execute(insert(app_activation_codes).values(
        code_digest=code_digest, participant_id=participant_id, site_id=site_id, created_by=created_by,
        created_at=created_at, expires_at=expires_at))


def void_unused_activation_codes(conn: Connection, participant_id: str, at: str) -> int:
    """Let every unused, unexpired activation code of the participant expire ``at`` (a newer code replaces
    them); returns how many."""
    c = app_activation_codes.c
    return conn.execute(update(app_activation_codes).where(
        c.participant_id == participant_id, c.used_at.is_(None), c.expires_at > at).values(expires_at=at)).rowcount


def device_by_token(conn: Connection, token_digest: str) -> dict[str, Any] | None:
    """The device whose credential has this digest (every column), or None."""
    row = conn.execute(_BY_TOKEN, {"digest": token_digest}).first()
    return None if row is None else dict(row._mapping)


_BY_TOKEN = select(devices).where(devices.c.token_digest == bindparam("digest"))   # every request of a device


def device(conn: Connection, device_id: str) -> dict[str, Any] | None:
    """One device (every column), or None."""
    row = conn.execute(select(devices).where(devices.c.device_id == device_id)).first()
    return None if row is None else dict(row._mapping)


def mark_seen(conn: Connection, device_id: str, at: str) -> bool:
    """Remember when the device last synced, unless it is revoked (or unknown): False then, and nothing changes."""
    return conn.execute(_MARK_SEEN, {"seen_device": device_id, "seen_at": at}).rowcount == 1


# every sync, built once (building it and working out its cache key costs more than running it)
_MARK_SEEN = (update(devices).where(devices.c.device_id == bindparam("seen_device"), devices.c.revoked_at.is_(None))
              .values(last_seen_at=bindparam("seen_at")))


def mark_revoked(conn: Connection, device_id: str, at: str) -> None:
    """Revoke the device from ``at`` on."""
    conn.execute(update(devices).where(devices.c.device_id == device_id).values(revoked_at=at))


def all_devices(conn: Connection) -> list[dict[str, Any]]:
    """Every device (no credential digest), in order of enrolment."""
    return [dict(r._mapping) for r in conn.execute(select(*_LISTED).order_by(devices.c.enrolled_at))]


def devices_of_sites(conn: Connection, sites: Iterable[str]) -> list[dict[str, Any]]:
    """Devices of these sites (no credential digest), the most recently synced first, never-synced last."""
    return [dict(r._mapping) for r in conn.execute(
        select(*_LISTED).where(devices.c.site_id.in_(list(sites)))
        .order_by(devices.c.last_seen_at.desc().nulls_last(), devices.c.device_id))]


# --- the devices table of the admin pages (issue 23): searched, sorted and paged in SQL -----------------------
DEVICE_SORTS: Sorts = {"device_id": devices.c.device_id, "site_id": devices.c.site_id, "label": devices.c.label,
                       "enrolled_at": devices.c.enrolled_at, "last_seen_at": devices.c.last_seen_at,
                       "revoked_at": devices.c.revoked_at, "kind": devices.c.kind,
                       "participant_id": devices.c.participant_id}


def page_of_devices(conn: Connection, sites: Iterable[str], req: PageRequest) -> Page:
    """One page of the devices of these sites (no credential digest); ``req.q`` matches the id, the label or
    the participant of a phone."""
    q = select(*_LISTED).where(devices.c.site_id.in_(list(sites)))
    if req.q:
        q = q.where(or_(devices.c.device_id.contains(req.q, autoescape=True),
                        func.lower(devices.c.label).contains(req.q.lower(), autoescape=True),
                        devices.c.participant_id.contains(req.q.upper(), autoescape=True)))
    rows, more = fetch_page(conn, q, DEVICE_SORTS, [devices.c.device_id], req)
    return Page([dict(r._mapping) for r in rows], req, more)
