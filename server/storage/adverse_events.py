"""Queries of the adverse-event list of the admin pages (issue 23): the current revision of each AE report of
the viewer's sites, filtered (serious, grade, arm, participant or term), sorted and paged in SQL.

The list reads ``current_adverse_events``: one narrow row per AE report holding its current revision's grade,
onset, outcome, terms and seriousness as plain columns, written by ``store_revisions`` beside the revision
(``keep_current``). So a page at a million records sorts a few thousand small rows and reads the JSON bodies of
its 50 rows only, never every AE body's JSON nor a newer-revision look-up per report (issue 25 point 4).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, exists, func, insert, or_, select
from sqlalchemy.engine import Row

from server.storage.paging import Page, PageRequest, Sorts, fetch_page
from server.storage.tables import current_adverse_events as cae
from server.storage.tables import participants, records, sae_reports

AE_KIND = "adverse_event"
TEXT_FIELDS = ("onset_date", "outcome", "term", "term_en")


def list_columns(data: dict[str, Any]) -> dict[str, Any]:
    """The list's columns taken from one AE revision's ``data``: the grade when it is a whole number, the text
    fields when they are text (anything else is NULL, sorted last)."""
    grade = data.get("grade")
    return {"grade": grade if isinstance(grade, int) and not isinstance(grade, bool) else None,
            **{f: data[f] if isinstance(data.get(f), str) else None for f in TEXT_FIELDS}}


def keep_current(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Make the list rows of the AE revisions among these just-stored ``records`` rows the current ones of their
    reports (the highest revision of each wins), in the caller's transaction."""
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["kind"] == AE_KIND and row["revision"] >= newest.get(row["record_id"], {"revision": 0})["revision"]:
            newest[row["record_id"]] = row
    if not newest:
        return
    conn.execute(delete(cae).where(cae.c.record_id.in_(list(newest))))
    conn.execute(insert(cae), [
        {"record_id": rid, "revision": r["revision"], "site_id": r["site_id"], "participant_id": r["participant_id"],
         "received_at": r["received_at"], "serious": r["serious"],
         **list_columns(json.loads(r["body"]).get("data") or {})}
        for rid, r in newest.items()])


def sorts() -> Sorts:
    """The columns the AE table sorts by (the whitelist the page checks ``sort`` against)."""
    return {"participant_id": cae.c.participant_id, "arm": participants.c.arm, "grade": cae.c.grade,
            "serious": cae.c.serious, "onset_date": cae.c.onset_date, "outcome": cae.c.outcome,
            "term": cae.c.term, "received_at": cae.c.received_at}


SORT_NAMES = ("participant_id", "arm", "grade", "serious", "onset_date", "outcome", "term", "received_at")


class ListedAdverseEvent(NamedTuple):
    """One row of the AE list: the current revision's body, when it was received, the participant's arm."""

    record_id: str
    participant_id: str
    site_id: str
    body: str
    received_at: str
    arm: str | None


def _with_bodies(conn: Connection, rows: list[Row[Any]]) -> list[ListedAdverseEvent]:
    """These list rows, in order, each with its current revision's body (read by primary key) and the
    participant's arm (the rows' own ``arm`` when the query joined participants, else read for these rows)."""
    wanted = {(r.record_id, r.revision) for r in rows}
    ids = sorted({r.record_id for r in rows})
    bodies: dict[tuple[str, int], str] = {}
    for at in range(0, len(ids), 500):   # bound parameters per statement stay far below SQLite's limit
        # record_id IN (...) is a primary-key prefix look-up on both databases (a (record_id, revision) IN
        # (VALUES ...) is not, on SQLite: it scans the table); the few older revisions are dropped here.
        for b in conn.execute(select(records.c.record_id, records.c.revision, records.c.body)
                              .where(records.c.record_id.in_(ids[at:at + 500]))):
            if (b.record_id, b.revision) in wanted:
                bodies[(b.record_id, b.revision)] = b.body
    arms = ({r.participant_id: r.arm for r in rows} if rows and "arm" in rows[0]._fields
            else _arms(conn, {r.participant_id for r in rows}))
    return [ListedAdverseEvent(r.record_id, r.participant_id, r.site_id, bodies[(r.record_id, r.revision)],
                               r.received_at, arms.get(r.participant_id)) for r in rows]


def _arms(conn: Connection, participant_ids: set[str]) -> dict[str, str | None]:
    """The arm of each of these participants (by primary key; a participant not enrolled is absent)."""
    ids = sorted(participant_ids)
    out: dict[str, str | None] = {}
    for at in range(0, len(ids), 500):
        out.update({r.participant_id: r.arm for r in conn.execute(
            select(participants.c.participant_id, participants.c.arm)
            .where(participants.c.participant_id.in_(ids[at:at + 500])))})
    return out


_COLUMNS = (cae.c.record_id, cae.c.revision, cae.c.participant_id, cae.c.site_id, cae.c.received_at)


def _listed(sites: Iterable[str], *, with_arm: bool = False) -> Any:
    """The current AE reports of these sites; ``with_arm``: joined to participants (for a filter or a sort by
    arm). Without it the query reads the narrow AE rows alone, so PostgreSQL need not hash every participant
    for a page of 50, and ``_with_bodies`` reads the page's arms by primary key."""
    if not with_arm:
        return select(*_COLUMNS).where(cae.c.site_id.in_(list(sites)))
    return (select(*_COLUMNS, participants.c.arm)
            .select_from(cae.outerjoin(participants, participants.c.participant_id == cae.c.participant_id))
            .where(cae.c.site_id.in_(list(sites))))


def page_of_adverse_events(conn: Connection, sites: Iterable[str], req: PageRequest, *, serious: bool | None = None,
                           min_grade: int | None = None, arm: str | None = None) -> Page:
    """One page of current AE reports of these sites: rows with record_id, participant_id, site_id, body,
    received_at and the participant's arm. ``req.q`` matches the participant id or the term."""
    q = _listed(sites, with_arm=bool(arm) or req.sort == "arm")
    if serious is not None:
        q = q.where(cae.c.serious.is_(serious))
    if min_grade is not None:
        q = q.where(cae.c.grade >= min_grade)
    if arm:
        q = q.where(participants.c.arm == arm)
    if req.q:
        q = q.where(or_(cae.c.participant_id.contains(req.q.upper(), autoescape=True),
                        *(func.lower(cae.c[f]).contains(req.q.lower(), autoescape=True)
                          for f in ("term", "term_en"))))
    rows, more = fetch_page(conn, q, sorts(), [cae.c.record_id], req)
    return Page(_with_bodies(conn, rows), req, more)


def current_serious(conn: Connection, sites: Iterable[str], *,
                    unreported_only: bool = False) -> list[ListedAdverseEvent]:
    """Current serious AE reports of these sites (``unreported_only``: not yet marked reported to the sponsor),
    rows as ``page_of_adverse_events`` gives them, oldest received first: what the SAE alerts and the SUSAR
    list review."""
    q = _listed(sites).where(cae.c.serious.is_(True))
    if unreported_only:
        q = q.where(~exists().where(sae_reports.c.record_id == cae.c.record_id))
    return _with_bodies(conn, list(conn.execute(q.order_by(cae.c.received_at, cae.c.record_id))))
