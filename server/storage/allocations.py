"""Queries for the signed per-site allocation lists and the blocks of them granted to each kiosk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select

from server.storage.tables import allocation_grants, allocation_lists


def last_number_and_block(conn: Connection, site_id: str) -> tuple[int, int]:
    """Highest allocation number and block in this site's lists (0, 0 before the first list)."""
    row = conn.execute(select(func.max(allocation_lists.c.last_number), func.max(allocation_lists.c.last_block))
                       .where(allocation_lists.c.site_id == site_id)).one()
    return int(row[0] or 0), int(row[1] or 0)


def add_list(conn: Connection, *, list_id: str, site_id: str, signed: str, first_block: int, last_block: int,
             last_number: int, created_at: str) -> None:
    """Store a newly signed list (``signed`` is its JSON text)."""
    conn.execute(insert(allocation_lists).values(list_id=list_id, site_id=site_id, signed=signed,
                                                 first_block=first_block, last_block=last_block,
                                                 last_number=last_number, created_at=created_at))


def signed_lists(conn: Connection, site_id: str) -> list[tuple[str, str]]:
    """(list_id, signed JSON text) of every list of this site, in block order."""
    return [(r.list_id, r.signed) for r in conn.execute(
        select(allocation_lists.c.list_id, allocation_lists.c.signed).where(allocation_lists.c.site_id == site_id)
        .order_by(allocation_lists.c.first_block))]


def list_ids(conn: Connection, site_id: str) -> list[str]:
    """Ids of this site's lists, in block order (``signed_of`` reads their text when it is needed)."""
    return list(conn.execute(_LIST_IDS, {"site_id": site_id}).scalars())


# read by every sync (its top-up), built once: building them and their cache keys costs more than running them
_LIST_IDS = (select(allocation_lists.c.list_id).where(allocation_lists.c.site_id == bindparam("site_id"))
             .order_by(allocation_lists.c.first_block))
_DEVICE_BLOCKS = select(allocation_grants.c.block).where(allocation_grants.c.site_id == bindparam("site_id"),
                                                         allocation_grants.c.device_id == bindparam("device_id"))


def signed_of(conn: Connection, list_ids: list[str]) -> dict[str, str]:
    """The signed JSON text of these lists, by id."""
    out: dict[str, str] = {}
    for start in range(0, len(list_ids), 500):
        for list_id, signed in conn.execute(select(allocation_lists.c.list_id, allocation_lists.c.signed)
                                            .where(allocation_lists.c.list_id.in_(list_ids[start:start + 500]))):
            out[list_id] = signed
    return out


def granted_blocks(conn: Connection, site_id: str, device_id: str | None = None) -> list[int]:
    """Blocks of this site granted so far (to ``device_id`` only, when given)."""
    if device_id is not None:
        return list(conn.execute(_DEVICE_BLOCKS, {"site_id": site_id, "device_id": device_id}).scalars())
    return list(conn.execute(select(allocation_grants.c.block).where(allocation_grants.c.site_id == site_id))
                .scalars())


def add_grants(conn: Connection, grants: list[dict[str, Any]]) -> None:
    """Grant blocks to a device, one row of ``grants`` (site_id, block, list_id, device_id, granted_at) each, in one
    statement (a block is granted once: a second grant raises IntegrityError)."""
    if grants:
        conn.execute(insert(allocation_grants), grants)


def grantee(conn: Connection, site_id: str, block: int) -> str | None:
    """The device this block of the site was granted to, or None."""
    return conn.execute(select(allocation_grants.c.device_id).where(
        allocation_grants.c.site_id == site_id, allocation_grants.c.block == block)).scalar_one_or_none()
