"""Queries of the data-query aggregate: queries, their threads of messages, and the SDV marks.

Every read that serves a viewer takes the viewer's sites and never returns a row of another site. Rule-raised
queries carry a unique ``rule_key`` (the database refuses a second one); kiosk answers carry their record id as
``source_record_id`` (unique too), so a retried sync never adds an answer twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, or_, select, update

from server.storage.paging import Page, PageRequest, Sorts, fetch_page
from server.storage.tables import queries, query_messages, sdv_marks


def add_query(conn: Connection, row: dict[str, Any]) -> None:
    """Insert one query (a dict of every column)."""
    conn.execute(insert(queries), row)


def add_message(conn: Connection, row: dict[str, Any]) -> None:
    """Append one message to a query's thread."""
    conn.execute(insert(query_messages), row)


def answered_by_record(conn: Connection, record_ids: Iterable[str]) -> set[str]:
    """Which of these kiosk answer records are already in a thread."""
    ids = list(record_ids)
    if not ids:
        return set()
    return set(conn.execute(select(query_messages.c.source_record_id)
                            .where(query_messages.c.source_record_id.in_(ids))).scalars())


def find(conn: Connection, query_id: str, sites: Iterable[str] | None = None) -> Row[Any] | None:
    """One query (of these sites, when given), or None."""
    q = select(queries).where(queries.c.query_id == query_id)
    if sites is not None:
        q = q.where(queries.c.site_id.in_(list(sites)))
    return conn.execute(q).first()


def many(conn: Connection, query_ids: Iterable[str]) -> dict[str, Row[Any]]:
    """Queries by id (any site: the caller checks ownership)."""
    ids = list(query_ids)
    if not ids:
        return {}
    return {r.query_id: r for r in conn.execute(select(queries).where(queries.c.query_id.in_(ids)))}


def set_state(conn: Connection, query_id: str, state: str, at: str, closed_by: str | None = None) -> None:
    """Move a query to ``state`` (``closed_by``: who closed it, kept until it is closed again)."""
    values: dict[str, Any] = {"state": state, "updated_at": at}
    if closed_by is not None:
        values["closed_by"] = closed_by
    conn.execute(update(queries).where(queries.c.query_id == query_id).values(**values))


def of_sites(conn: Connection, sites: Iterable[str], *, participant_id: str | None = None,
             target_id: str | None = None, states: Iterable[str] | None = None) -> list[Row[Any]]:
    """Queries of these sites, optionally of one participant, one record or in some states, oldest first."""
    sites = list(sites)
    if len(sites) == 1 and participant_id is None and target_id is None and states is not None:
        # every sync's answer (a site's open queries): the statement built once, its values bound
        return list(conn.execute(_OF_SITE_IN_STATES, {"site_id": sites[0], "states": list(states)}))
    q = select(queries).where(queries.c.site_id.in_(sites))
    if participant_id is not None:
        q = q.where(queries.c.participant_id == participant_id)
    if target_id is not None:
        q = q.where(queries.c.target_id == target_id)
    if states is not None:
        q = q.where(queries.c.state.in_(list(states)))
    return list(conn.execute(q.order_by(queries.c.raised_at, queries.c.query_id)))


_OF_SITE_IN_STATES = (select(queries).where(queries.c.site_id == bindparam("site_id"),
                                             queries.c.state.in_(bindparam("states", expanding=True)))
                      .order_by(queries.c.raised_at, queries.c.query_id))


def every_query(conn: Connection, site_id: str | None = None) -> Iterator[Row[Any]]:
    """Every query (of one site when given), by participant and time: what the exports write."""
    q = select(queries)
    if site_id is not None:
        q = q.where(queries.c.site_id == site_id)
    yield from conn.execute(q.order_by(queries.c.participant_id, queries.c.raised_at, queries.c.query_id))


def rule_queries(conn: Connection) -> dict[str, Row[Any]]:
    """Every rule-raised query by its rule key (what the job runner keeps in step with the findings)."""
    return {r.rule_key: r for r in conn.execute(select(queries).where(queries.c.rule_key.is_not(None)))}


def messages_of(conn: Connection, query_ids: Iterable[str]) -> dict[str, list[Row[Any]]]:
    """The thread of each query, oldest message first."""
    ids = list(query_ids)
    out: dict[str, list[Row[Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    for r in conn.execute(select(query_messages).where(query_messages.c.query_id.in_(ids))
                          .order_by(query_messages.c.id)):
        out[r.query_id].append(r)
    return out


def state_counts(conn: Connection, sites: Iterable[str]) -> dict[str, tuple[int, str | None]]:
    """Per state: how many queries of these sites, and the oldest one's raised_at."""
    return {state: (int(n), oldest) for state, n, oldest in conn.execute(
        select(queries.c.state, func.count(), func.min(queries.c.raised_at))
        .where(queries.c.site_id.in_(list(sites))).group_by(queries.c.state))}


# ---- source data verification ------------------------------------------------------------------------------------

def add_sdv_mark(conn: Connection, row: dict[str, Any]) -> None:
    """Record that a monitor verified one revision against the source."""
    conn.execute(insert(sdv_marks), row)


def sdv_mark(conn: Connection, record_id: str, revision: int) -> Row[Any] | None:
    return conn.execute(select(sdv_marks).where(sdv_marks.c.record_id == record_id,
                                                sdv_marks.c.revision == revision)).first()


def every_sdv_mark(conn: Connection) -> Iterator[Row[Any]]:
    """Every SDV mark (each verified revision), for the exports."""
    yield from conn.execute(select(sdv_marks).order_by(sdv_marks.c.record_id, sdv_marks.c.revision))


def sdv_marks_of(conn: Connection, record_ids: Iterable[str] | None = None) -> dict[str, Row[Any]]:
    """The newest verified revision of each record (of these records when given), by record id."""
    q = select(sdv_marks)
    if record_ids is not None:
        ids = list(record_ids)
        if not ids:
            return {}
        q = q.where(sdv_marks.c.record_id.in_(ids))
    out: dict[str, Row[Any]] = {}
    for r in conn.execute(q):
        if r.record_id not in out or out[r.record_id].revision < r.revision:
            out[r.record_id] = r
    return out


# --- the queries table of the admin pages (issue 23): filtered, sorted and paged in SQL -----------------------
QUERY_SORTS: Sorts = {"participant_id": queries.c.participant_id, "field": queries.c.field,
                      "state": queries.c.state, "raised_at": queries.c.raised_at, "updated_at": queries.c.updated_at}


def page_of_queries(conn: Connection, sites: Iterable[str], req: PageRequest, *,
                    states: Iterable[str] | None = None) -> Page:
    """One page of the queries of these sites (in ``states`` when given); ``req.q`` matches the participant id,
    the field or the rule."""
    q = select(queries).where(queries.c.site_id.in_(list(sites)))
    if states is not None:
        q = q.where(queries.c.state.in_(list(states)))
    if req.q:
        q = q.where(or_(queries.c.participant_id.contains(req.q.upper(), autoescape=True),
                        queries.c.field.contains(req.q, autoescape=True),
                        queries.c.rule.contains(req.q, autoescape=True)))
    rows, more = fetch_page(conn, q, QUERY_SORTS, [queries.c.query_id], req)
    return Page(list(rows), req, more)
