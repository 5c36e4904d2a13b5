"""Queries of the adverse-event list of the admin pages (issue 23): the current revision of each AE report of
the viewer's sites, filtered (serious, grade, arm, participant or term), sorted and paged in SQL.

The current revision is the one no newer revision of the same record follows (the primary key serves that
look-up); the AE's fields (grade, onset, term) are read from the stored JSON body with the database's own JSON
functions, so a million records never come into Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Integer, cast, exists, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB as JSON_PG
from sqlalchemy.sql.elements import ColumnElement

from server.storage.paging import Page, PageRequest, Sorts, fetch_page
from server.storage.tables import participants, records, sae_reports

AE_KIND = "adverse_event"


def body_field(conn: Connection, name: str) -> ColumnElement[Any]:
    """``body.data.<name>`` as text, on SQLite (json_extract) and PostgreSQL (->>)."""
    if conn.dialect.name == "postgresql":
        return records.c.body.cast(JSON_PG)["data"][name].astext  # type: ignore[no-any-return]
    return func.json_extract(records.c.body, f"$.data.{name}")


def sorts(conn: Connection) -> Sorts:
    """The columns the AE table sorts by (the whitelist the page checks ``sort`` against)."""
    return {"participant_id": records.c.participant_id, "arm": participants.c.arm,
            "grade": cast(body_field(conn, "grade"), Integer), "serious": records.c.serious,
            "onset_date": body_field(conn, "onset_date"), "outcome": body_field(conn, "outcome"),
            "term": body_field(conn, "term"), "received_at": records.c.received_at}


SORT_NAMES = ("participant_id", "arm", "grade", "serious", "onset_date", "outcome", "term", "received_at")


def page_of_adverse_events(conn: Connection, sites: Iterable[str], req: PageRequest, *, serious: bool | None = None,
                           min_grade: int | None = None, arm: str | None = None) -> Page:
    """One page of current AE reports of these sites: rows of record_id, participant_id, site_id, body,
    received_at and the participant's arm. ``req.q`` matches the participant id or the term."""
    newer = records.alias("newer")
    q = (select(records.c.record_id, records.c.participant_id, records.c.site_id, records.c.body,
                records.c.received_at, participants.c.arm)
         .select_from(records.outerjoin(participants, participants.c.participant_id == records.c.participant_id))
         .where(records.c.kind == AE_KIND, records.c.site_id.in_(list(sites)),
                ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision)))
    if serious is not None:
        q = q.where(records.c.serious.is_(serious))
    if min_grade is not None:
        q = q.where(cast(body_field(conn, "grade"), Integer) >= min_grade)
    if arm:
        q = q.where(participants.c.arm == arm)
    if req.q:
        q = q.where(or_(records.c.participant_id.contains(req.q.upper(), autoescape=True),
                        *(func.lower(body_field(conn, f)).contains(req.q.lower(), autoescape=True)
                          for f in ("term", "term_en"))))
    rows, more = fetch_page(conn, q, sorts(conn), [records.c.record_id], req)
    return Page(list(rows), req, more)


def current_serious(conn: Connection, sites: Iterable[str], *, unreported_only: bool = False) -> list[Any]:
    """Current serious AE reports of these sites (``unreported_only``: not yet marked reported to the sponsor),
    rows as ``page_of_adverse_events`` gives them: what the SAE alerts and the SUSAR list review."""
    newer = records.alias("newer")
    q = (select(records.c.record_id, records.c.participant_id, records.c.site_id, records.c.body,
                records.c.received_at, participants.c.arm)
         .select_from(records.outerjoin(participants, participants.c.participant_id == records.c.participant_id))
         .where(records.c.kind == AE_KIND, records.c.serious.is_(True), records.c.site_id.in_(list(sites)),
                ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision)))
    if unreported_only:
        q = q.where(~exists().where(sae_reports.c.record_id == records.c.record_id))
    return list(conn.execute(q.order_by(records.c.received_at, records.c.record_id)))
