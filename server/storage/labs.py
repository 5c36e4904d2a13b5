"""Queries for imported laboratory results: every revision kept, the newest one current (one aggregate)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, exists, insert, select, tuple_
from sqlalchemy.orm import aliased

from server.storage.tables import lab_results, participants

_newer = aliased(lab_results)


def newest_only() -> Any:
    """A condition keeping only the newest revision of each result (for every read of current values)."""
    return ~exists().where(and_(_newer.c.result_id == lab_results.c.result_id,
                                _newer.c.revision > lab_results.c.revision))


def current_by_key(conn: Connection, keys: Iterable[tuple[str, str, str, str]]) -> dict[tuple[str, str, str, str], Row]:
    """The current revision of each stored result with one of these (participant, visit, test, sample date)."""
    keys = list(keys)
    if not keys:
        return {}
    key = tuple_(lab_results.c.participant_id, lab_results.c.visit_id, lab_results.c.test_code,
                 lab_results.c.sample_date)
    found: dict[tuple[str, str, str, str], Row] = {}
    for start in range(0, len(keys), 500):
        for r in conn.execute(select(lab_results).where(key.in_(keys[start:start + 500])).where(newest_only())):
            found[(r.participant_id, r.visit_id, r.test_code, r.sample_date)] = r
    return found


def add_results(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert lab result revisions (dicts of every column but seq) in one statement."""
    if rows:
        conn.execute(insert(lab_results), rows)


def of_participant(conn: Connection, participant_id: str) -> list[dict[str, Any]]:
    """Every revision of every lab result of one participant, by sample date, test and revision (every column)."""
    return [dict(r._mapping) for r in conn.execute(
        select(lab_results).where(lab_results.c.participant_id == participant_id)
        .order_by(lab_results.c.sample_date, lab_results.c.test_code, lab_results.c.revision))]


def current_of_participant(conn: Connection, participant_id: str) -> list[Row]:
    """The current revision of every result of one participant, by sample date and test."""
    return list(conn.execute(select(lab_results).where(lab_results.c.participant_id == participant_id)
                             .where(newest_only())
                             .order_by(lab_results.c.sample_date, lab_results.c.test_code)))


def revisions_of(conn: Connection, result_id: str) -> list[Row]:
    """Every revision of one result, oldest first (what a correction replaced stays visible)."""
    return list(conn.execute(select(lab_results).where(lab_results.c.result_id == result_id)
                             .order_by(lab_results.c.revision)))


def of_site_after(conn: Connection, site_id: str, cursor: int, limit: int) -> list[Row]:
    """The revisions stored for a site after ``cursor`` (seq), oldest first, each with the participant's sex
    (for the normal range): the kiosk's downstream."""
    return list(conn.execute(_OF_SITE_AFTER, {"site_id": site_id, "cursor": cursor, "limit": limit}))


# read by every sync (its answer), built once: building it and its cache key costs more than running it
_OF_SITE_AFTER = (select(lab_results, participants.c.sex)
                  .join(participants, participants.c.participant_id == lab_results.c.participant_id)
                  .where(lab_results.c.site_id == bindparam("site_id"), lab_results.c.seq > bindparam("cursor"))
                  .order_by(lab_results.c.seq).limit(bindparam("limit")))
