"""Streaming reads of the current (newest) revision of stored records, shared by every export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, and_, func, select

from server.storage.tables import participants, records


def current_records(conn: Connection, *, kind: str, instrument_id: str | None = None,
                    site_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Newest revision of each record of ``kind`` (and instrument), ordered by participant and time."""
    newest = (select(records.c.record_id, func.max(records.c.revision).label("revision"))
              .group_by(records.c.record_id).subquery())
    q = (select(records.c.body, records.c.received_at)
         .join(newest, and_(newest.c.record_id == records.c.record_id, newest.c.revision == records.c.revision))
         .where(records.c.kind == kind))
    if instrument_id:
        q = q.where(records.c.instrument_id == instrument_id)
    if site_id:
        q = q.where(records.c.site_id == site_id)
    q = q.order_by(records.c.participant_id, records.c.collected_at, records.c.record_id)
    for row in conn.execution_options(stream_results=True, yield_per=1000).execute(q):
        body = json.loads(row.body)
        body["received_at"] = row.received_at
        yield body


def enrolled_participants(conn: Connection, site_id: str | None = None) -> Iterator[dict[str, Any]]:
    q = select(participants).order_by(participants.c.participant_id)
    if site_id:
        q = q.where(participants.c.site_id == site_id)
    for row in conn.execution_options(stream_results=True, yield_per=1000).execute(q):
        yield dict(row._mapping)
