"""Queries for kiosk devices and their one-time enrolment codes (only digests of codes and tokens are stored)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from server.storage.paging import Page, PageRequest, Sorts, fetch_page
from server.storage.tables import devices, enrolment_codes

_LISTED = (devices.c.device_id, devices.c.site_id, devices.c.label, devices.c.enrolled_at, devices.c.revoked_at,
           devices.c.last_seen_at)


def add_enrolment_code(conn: Connection, *, code_digest: str, site_id: str, created_by: str, created_at: str,
                       expires_at: str) -> None:
    """Store a new, unused enrolment code by its digest."""
    conn.execute(insert(enrolment_codes).values(code_digest=code_digest, site_id=site_id, created_by=created_by,
                                                created_at=created_at, expires_at=expires_at))


def enrolment_code(conn: Connection, code_digest: str) -> dict[str, Any] | None:
    """The enrolment code with this digest (every column), or None."""
    row = conn.execute(select(enrolment_codes).where(enrolment_codes.c.code_digest == code_digest)).first()
    return None if row is None else dict(row._mapping)


def claim_enrolment_code(conn: Connection, code_digest: str, *, device_id: str, used_at: str) -> bool:
    """Mark an unused code used by ``device_id``; False when another transaction claimed it first."""
    return conn.execute(update(enrolment_codes).where(enrolment_codes.c.code_digest == code_digest,
                                                      enrolment_codes.c.used_at.is_(None))
                        .values(used_at=used_at, device_id=device_id)).rowcount == 1


def add_device(conn: Connection, *, device_id: str, site_id: str, label: str, token_digest: str,
               enrolled_at: str) -> None:
    """Store a newly enrolled kiosk with the digest of its credential."""
    conn.execute(insert(devices).values(device_id=device_id, site_id=site_id, label=label,
                                        token_digest=token_digest, enrolled_at=enrolled_at))


def device_by_token(conn: Connection, token_digest: str) -> dict[str, Any] | None:
    """The device whose credential has this digest (every column), or None."""
    row = conn.execute(select(devices).where(devices.c.token_digest == token_digest)).first()
    return None if row is None else dict(row._mapping)


def device(conn: Connection, device_id: str) -> dict[str, Any] | None:
    """One device (every column), or None."""
    row = conn.execute(select(devices).where(devices.c.device_id == device_id)).first()
    return None if row is None else dict(row._mapping)


def mark_seen(conn: Connection, device_id: str, at: str) -> None:
    """Remember when the device last synced."""
    conn.execute(update(devices).where(devices.c.device_id == device_id).values(last_seen_at=at))


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
                       "revoked_at": devices.c.revoked_at}


def page_of_devices(conn: Connection, sites: Iterable[str], req: PageRequest) -> Page:
    """One page of the devices of these sites (no credential digest); ``req.q`` matches the id or label."""
    q = select(*_LISTED).where(devices.c.site_id.in_(list(sites)))
    if req.q:
        q = q.where(or_(devices.c.device_id.contains(req.q, autoescape=True),
                        func.lower(devices.c.label).contains(req.q.lower(), autoescape=True)))
    rows, more = fetch_page(conn, q, DEVICE_SORTS, [devices.c.device_id], req)
    return Page([dict(r._mapping) for r in rows], req, more)
