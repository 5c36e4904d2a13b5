"""Reads of home diary entries (issue 24): the ``records`` rows with a ``diary_date`` (an instrument response at
no visit, from a participant's app). Part of the records aggregate, kept apart so its queries are easy to find."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, exists, select

from server.storage.tables import records


def _newest() -> Any:
    newer = records.alias("newer")
    return ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision)


def entered_of_participant(conn: Connection, participant_id: str) -> list[dict[str, Any]]:
    """The participant's home entries, newest revision of each: instrument_id, diary_date, record_id, revision,
    by diary date and record."""
    c = records.c
    rows = conn.execute(select(c.instrument_id, c.diary_date, c.record_id, c.revision)
                        .where(c.participant_id == participant_id, c.diary_date.is_not(None), _newest())
                        .order_by(c.diary_date, c.record_id))
    return [dict(r._mapping) for r in rows]


def home_entries_of_site(conn: Connection, site_id: str) -> list[dict[str, Any]]:
    """Every home entry of a site's participants (participant_id, instrument_id, diary_date), one row per
    participant, instrument and date: what the kiosks' recall diary need not ask about again."""
    c = records.c
    rows = conn.execute(select(c.participant_id, c.instrument_id, c.diary_date).distinct()
                        .where(c.site_id == site_id, c.diary_date.is_not(None), c.revision == 1)
                        .order_by(c.participant_id, c.diary_date, c.instrument_id))
    return [dict(r._mapping) for r in rows]
