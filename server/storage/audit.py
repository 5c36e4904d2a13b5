"""Queries of the append-only audit chain: its entries (``audit_log``) and the head row that each append moves.

The head row is read (and locked FOR UPDATE) with ``server.storage.checkpoints.head``; the hashes are the
service's business (``server.services.audit``): these functions only store and stream what it computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, insert, or_, select, update

from server.storage.bulk import insert_rows
from server.storage.paging import Page, PageRequest, Sorts, fetch_page
from server.storage.tables import (
    allocation_lists,
    audit_head,
    audit_log,
    devices,
    lab_results,
    queries,
    records,
    users,
)


def start_chain(conn: Connection, genesis: str) -> None:
    """Create the head row of an empty chain (seq 0, the genesis hash)."""
    conn.execute(insert(audit_head).values(id=1, seq=0, entry_hash=genesis))


ENTRY_COLUMNS = ("seq", "at", "actor", "action", "entity_type", "entity_id", "old", "new", "reason", "prev_hash",
                 "entry_hash")


def add_entries(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert chained entries (tuples of every column, in ``ENTRY_COLUMNS`` order) with one driver
    executemany (COPY on PostgreSQL)."""
    insert_rows(conn, audit_log, ENTRY_COLUMNS, rows)


# built once: every writing transaction moves the head (a statement built per call costs more than running it)
_MOVE_HEAD = (update(audit_head).where(audit_head.c.id == 1)
              .values(seq=bindparam("head_seq"), entry_hash=bindparam("head_hash")))


def move_head(conn: Connection, seq: int, entry_hash: str) -> None:
    """Point the head row at the newest entry."""
    conn.execute(_MOVE_HEAD, {"head_seq": seq, "head_hash": entry_hash})


def entries(conn: Connection, batch: int = 5000) -> Iterator[Mapping[str, Any]]:
    """Every entry in chain order, streamed (the option is set on the statement: set on the connection it
    would make every later statement on that connection ask for a server-side cursor on PostgreSQL)."""
    for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)
                            .execution_options(stream_results=True, yield_per=batch)):
        yield row._mapping


def entries_about(conn: Connection, entity_ids: set[str], batch: int = 500) -> list[Mapping[str, Any]]:
    """The entries whose entity is one of ``entity_ids`` (a participant, its record revisions ``id#n``, its
    signatures), in chain order: a participant's audit trail for the casebook."""
    ids = sorted(entity_ids)
    out: list[Mapping[str, Any]] = []
    for i in range(0, len(ids), batch):
        out += [r._mapping for r in conn.execute(select(audit_log).where(audit_log.c.entity_id.in_(ids[i:i + batch])))]
    return sorted(out, key=lambda r: r["seq"])


def newest_about(conn: Connection, entity_type: str, entity_id: str,
                 actions: tuple[str, ...]) -> Mapping[str, Any] | None:
    """The newest entry of one of ``actions`` about one entity (e.g. who last set an account's password)."""
    row = conn.execute(select(audit_log).where(audit_log.c.entity_type == entity_type,
                                               audit_log.c.entity_id == entity_id, audit_log.c.action.in_(actions))
                       .order_by(audit_log.c.seq.desc()).limit(1)).first()
    return None if row is None else row._mapping


def newest_by_entity(conn: Connection, entity_type: str, actions: tuple[str, ...]) -> dict[str, Mapping[str, Any]]:
    """Entity id -> the newest entry of one of ``actions`` about it (``newest_about`` for every entity of the
    kind in one read: an export asks it for each AE)."""
    q = (select(audit_log).where(audit_log.c.entity_type == entity_type, audit_log.c.action.in_(actions))
         .order_by(audit_log.c.seq))
    return {row.entity_id: row._mapping for row in conn.execute(q)}


# --- the audit table of the admin pages (issue 23): scoped, searched, sorted and paged in SQL ------------------
AUDIT_SORTS: Sorts = {"seq": audit_log.c.seq, "actor": audit_log.c.actor, "action": audit_log.c.action,
                      "entity_type": audit_log.c.entity_type}


def _accounts_within(conn: Connection, sites: set[str]) -> list[str]:
    """User names all of whose sites are among ``sites`` (the ``sites`` column is comma-separated)."""
    return [name for name, theirs in conn.execute(select(users.c.username, users.c.sites))
            if set(filter(None, theirs.split(","))) <= sites]


def visible(conn: Connection, q: Select[Any], *, sites: Iterable[str] | None = None, actor: str | None = None,
            search: str = "") -> Select[Any]:
    """``q`` (a select over audit_log) limited to the entries a viewer of ``sites`` may see and, with
    ``search``, to those whose actor, action, entity, values or reason contain it.

    With ``sites`` (a viewer who does not see every site) only entries shown to belong to those sites are
    kept, whatever their kind (default deny): records, devices (and their grants), sites, allocation lists,
    lab results and queries of those sites, accounts all of whose sites are among them, and the viewer's own
    actions (``actor``). Entries of any other kind (study-wide exports, lab files, sign-ins under unknown
    names, kinds added later) are for study-wide viewers only.
    """
    if sites is not None:
        sites = set(sites)
        kind, entity = audit_log.c.entity_type, audit_log.c.entity_id
        q = q.where(or_(
            and_(kind == "record", func.substr(entity, 1, 36).in_(
                select(records.c.record_id).where(records.c.site_id.in_(sites)))),
            and_(kind == "device", entity.in_(select(devices.c.device_id).where(devices.c.site_id.in_(sites)))),
            and_(kind == "site", entity.in_(sites)),
            and_(kind == "allocation_list", entity.in_(
                select(allocation_lists.c.list_id).where(allocation_lists.c.site_id.in_(sites)))),
            and_(kind == "lab_result", entity.in_(
                select(lab_results.c.result_id).where(lab_results.c.site_id.in_(sites)))),
            and_(kind == "user", entity.in_(_accounts_within(conn, sites))),
            and_(kind == "query", entity.in_(select(queries.c.query_id).where(queries.c.site_id.in_(sites)))),
            audit_log.c.actor == (actor or "")))
    if search:
        pattern = f"%{search.strip()}%"
        q = q.where(or_(*(c.ilike(pattern) for c in (audit_log.c.actor, audit_log.c.action, audit_log.c.entity_id,
                                                      audit_log.c.old, audit_log.c.new, audit_log.c.reason))))
    return q


def page_of_entries(conn: Connection, req: PageRequest, *, sites: Iterable[str] | None = None,
                    actor: str | None = None, before_seq: int | None = None) -> Page:
    """One page of the audit entries a viewer may see (``visible``), searched by ``req.q``, sorted by
    ``req.sort``; ``before_seq``: only entries older than that one (the fast way to walk back a long chain)."""
    q = visible(conn, select(audit_log), sites=sites, actor=actor, search=req.q)
    if before_seq is not None:
        q = q.where(audit_log.c.seq < before_seq)
    rows, more = fetch_page(conn, q, AUDIT_SORTS, [audit_log.c.seq], req)
    return Page([dict(r._mapping) for r in rows], req, more)


def newest_changing(conn: Connection, ignored_prefixes: tuple[str, ...],
                    until: str | None = None) -> Mapping[str, Any] | None:
    """The newest entry whose action starts with none of ``ignored_prefixes`` (e.g. exports, sign-ins), at or
    before the UTC time ``until`` (ISO text; None: any): what the data of a data cut last changed with."""
    query = select(audit_log).where(*(audit_log.c.action.notlike(f"{p}%") for p in ignored_prefixes))
    if until is not None:
        query = query.where(audit_log.c.at <= until)
    row = conn.execute(query.order_by(audit_log.c.seq.desc()).limit(1)).first()
    return None if row is None else row._mapping
