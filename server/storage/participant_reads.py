"""Reads of enrolled participants that services other than sync and corrections need.

Writing participants (enrolment, status changes) belongs with storing record revisions in
``server.storage.participants``; these reads never change a row.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from server.storage.tables import participants


def sites_of(conn: Connection, participant_ids: Iterable[str]) -> dict[str, str]:
    """Site of each of these participants that is enrolled (unknown ids are absent)."""
    ids = set(participant_ids)
    if not ids:
        return {}
    return {r.participant_id: r.site_id for r in conn.execute(
        select(participants.c.participant_id, participants.c.site_id).where(participants.c.participant_id.in_(ids)))}


def allocation_numbers(conn: Connection, site_id: str) -> set[int]:
    """Allocation numbers already given to participants of this site."""
    return set(conn.execute(select(participants.c.allocation_number)
                            .where(participants.c.site_id == site_id)).scalars())
