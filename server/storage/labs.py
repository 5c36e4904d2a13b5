"""Queries for imported laboratory results (one result per participant, visit and test)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select, tuple_

from server.storage.tables import lab_results


def visits_with_results(conn: Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (participant_id, visit_id) pairs already have a stored result."""
    keys = list(keys)
    if not keys:
        return set()
    return {(r.participant_id, r.visit_id) for r in conn.execute(
        select(lab_results.c.participant_id, lab_results.c.visit_id)
        .where(tuple_(lab_results.c.participant_id, lab_results.c.visit_id).in_(keys)))}


def add_results(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert lab results (dicts of every column) in one statement."""
    if rows:
        conn.execute(insert(lab_results), rows)


def of_participant(conn: Connection, participant_id: str) -> list[dict[str, Any]]:
    """Every lab result of one participant, by sample date and test (every column)."""
    return [dict(r._mapping) for r in conn.execute(
        select(lab_results).where(lab_results.c.participant_id == participant_id)
        .order_by(lab_results.c.sample_date, lab_results.c.test_code))]
