"""Streaming reads for the exports: the current (newest) revision of stored records, participants, lab results.

Every read takes a scope (site, collected-at date range) so each format filters the same way, and streams in
batches so memory does not grow with the study. ``server.exports.current`` is the exports' face of this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, Select, bindparam, exists, func, select

from server.storage.labs import newest_only
from server.storage.tables import devices, lab_results, participants, records, screenings
from shared.home_entries import record_source

BATCH = 1000


class Scope(Protocol):
    """Which data a read covers: one site or all, and records collected from/to a date (inclusive)."""

    @property
    def site_id(self) -> str | None: ...

    @property
    def date_from(self) -> date | None: ...

    @property
    def date_to(self) -> date | None: ...


PROGRESS_OPTION = "trialpro_export_progress"   # a callable(rows) set on the export's reading connection


def load_body(text: str) -> dict[str, Any]:
    """A stored body as a dict: orjson (a few times faster than json, the same values) for the usual body,
    the standard library for what orjson refuses and json.dumps may have written (NaN, lone surrogates, ints
    beyond 64 bits), so every stored body still reads as before."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _stream(conn: Connection, q: Select) -> Iterator[Any]:
    # Options on the statement, not on the connection: Connection.execution_options() changes the
    # connection in place, and every later statement (even an INSERT) would then ask for a server-side cursor.
    rows = iter(conn.execute(q.execution_options(stream_results=True, yield_per=BATCH)))
    tick = conn.get_execution_options().get(PROGRESS_OPTION)
    return rows if tick is None else _counted(rows, tick)


def _counted(rows: Iterator[Any], tick: Any) -> Iterator[Any]:
    """Tell ``tick`` how many rows went by, every ``BATCH`` rows and at the end (the export's progress bar)."""
    n = 0
    for row in rows:
        yield row
        n += 1
        if n == BATCH:
            tick(n)
            n = 0
    if n:
        tick(n)


def rows_in_scope(conn: Connection, scope: Scope) -> int:
    """How many rows an export of ``scope`` reads once: newest records, lab results and participants in it."""
    recs = select(func.count()).select_from(records).where(_is_newest())
    if scope.site_id:
        recs = recs.where(records.c.site_id == scope.site_id)
    labs = select(func.count()).select_from(lab_results).where(newest_only())
    people = select(func.count()).select_from(participants)
    if scope.site_id:
        labs = labs.where(lab_results.c.site_id == scope.site_id)
        people = people.where(participants.c.site_id == scope.site_id)
    return sum(int(conn.execute(_in_range(q, col, scope, iso_date=iso)).scalar_one())
               for q, col, iso in ((recs, records.c.collected_at, False), (labs, lab_results.c.sample_date, True)))\
        + int(conn.execute(people).scalar_one())


def _in_range(q: Select, column: Any, scope: Scope, *, iso_date: bool = False) -> Select:
    # collected_at is ISO 8601 UTC text, so text comparison orders it correctly.
    if scope.date_from:
        q = q.where(column >= scope.date_from.isoformat())
    if scope.date_to:
        q = q.where(column <= scope.date_to.isoformat() if iso_date
                    else column < (scope.date_to + timedelta(days=1)).isoformat())
    return q


def _is_newest() -> Any:
    """No later revision of the same record exists: an anti-join both databases run on the primary key."""
    newer = records.alias("newer")
    return ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision)


def current_records(conn: Connection, scope: Scope, *, kind: str | None = None, instrument_id: str | None = None,
                    with_arm: bool = False) -> Iterator[dict[str, Any]]:
    """Newest revision of each record of ``kind`` (all kinds when None), ordered by participant and time.

    Each body gets ``received_at`` (first stored time of this revision), ``staff_id`` (the staff account
    the server verified as having entered it; None: the participant) and ``source`` (``home`` from a
    participant's app, ``clinic`` otherwise: from the device kind the server stored) added, and ``arm`` when
    asked.
    """
    q = (select(records.c.body, records.c.received_at, records.c.staff_id, devices.c.kind.label("device_kind"),
                *([participants.c.arm] if with_arm else []))
         .select_from(records).outerjoin(devices, devices.c.device_id == records.c.device_id)
         .where(_is_newest()))
    if with_arm:
        q = q.outerjoin(participants, participants.c.participant_id == records.c.participant_id)
    if kind:
        q = q.where(records.c.kind == kind)
    if instrument_id:
        q = q.where(records.c.instrument_id == instrument_id)
    if scope.site_id:
        q = q.where(records.c.site_id == scope.site_id)
    q = _in_range(q, records.c.collected_at, scope)
    q = q.order_by(records.c.participant_id, records.c.collected_at, records.c.record_id)
    for row in _stream(conn, q):
        body = load_body(row.body)
        body["received_at"] = row.received_at
        body["staff_id"] = row.staff_id
        body["source"] = record_source(row.device_kind)
        if with_arm:
            body["arm"] = row.arm
        yield body


def record_index(conn: Connection, scope: Scope, *, kind: str) -> Iterator[Any]:
    """Newest revisions of ``kind`` as table columns only (no JSON body), ordered by participant and visit.

    Rows have record_id, participant_id, site_id, visit_id, instrument_id, collected_at: enough for
    per-visit summaries without one round trip per participant.
    """
    q = (select(records.c.record_id, records.c.participant_id, records.c.site_id, records.c.visit_id,
                records.c.instrument_id, records.c.collected_at)
         .where(records.c.kind == kind, _is_newest()))
    if scope.site_id:
        q = q.where(records.c.site_id == scope.site_id)
    q = _in_range(q, records.c.collected_at, scope).order_by(records.c.participant_id, records.c.visit_id,
                                                              records.c.collected_at)
    return _stream(conn, q)


def enrolled_participants(conn: Connection, site_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Every enrolled participant (of one site), by id. Not date-filtered: who is in the study is context."""
    q = select(participants).order_by(participants.c.participant_id)
    if site_id:
        q = q.where(participants.c.site_id == site_id)
    for row in _stream(conn, q):
        yield dict(row._mapping)


def screened_not_randomised(conn: Connection, site_id: str | None = None) -> list[dict[str, Any]]:
    """People screened and not randomised (screen failures, pending, eligible not yet randomised), in the shape
    of a participant row with no arm: ``status`` is the screening outcome, ``enrolled_at`` is empty."""
    c = screenings.c
    q = (select(c.participant_id, c.site_id, c.outcome, c.sex, c.birth_year_month, c.consent_date)
         .where(~exists().where(participants.c.participant_id == c.participant_id)).order_by(c.participant_id))
    if site_id:
        q = q.where(c.site_id == site_id)
    return [{"participant_id": r.participant_id, "site_id": r.site_id, "arm": None, "status": r.outcome,
             "enrolled_at": None, "enrolment_record_id": None, "allocation_number": None,
             "year_of_birth": int(r.birth_year_month[:4]), "sex": r.sex, "consent_date": r.consent_date}
            for r in conn.execute(q)]


def lab_values(conn: Connection, scope: Scope) -> Iterator[dict[str, Any]]:
    """Imported lab results (newest revision), by participant and sample date, filtered on sample date."""
    q = select(lab_results).where(newest_only())
    if scope.site_id:
        q = q.where(lab_results.c.site_id == scope.site_id)
    q = _in_range(q, lab_results.c.sample_date, scope, iso_date=True)
    q = q.order_by(lab_results.c.participant_id, lab_results.c.sample_date, lab_results.c.test_code)
    for row in _stream(conn, q):
        yield dict(row._mapping)


def participants_with_data(conn: Connection, scope: Scope, *, every_revision: bool = False,
                           screened: bool = False) -> Iterator[
        tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    """Each enrolled participant in turn with the current records and the lab results within the scope
    (with ``screened``, also everyone screened and not randomised, in participant id order: SDTM's DM). Each
    record body gets ``received_at`` and ``source`` (as ``current_records``).

    With ``every_revision`` the records are every stored revision (by time of measurement, record, revision),
    for an archive. Memory holds one participant at a time. Two indexed look-ups per participant (records by
    participant_id, lab results by participant_id), each statement built once and re-executed with a bound id.
    """
    rq = (select(records.c.body, records.c.received_at, devices.c.kind.label("device_kind")).select_from(records)
          .outerjoin(devices, devices.c.device_id == records.c.device_id)
          .where(records.c.participant_id == bindparam("pid")))
    if not every_revision:
        rq = rq.where(_is_newest())
    rq = _in_range(rq, records.c.collected_at, scope).order_by(records.c.collected_at, records.c.record_id,
                                                               records.c.revision)
    lq = select(lab_results).where(lab_results.c.participant_id == bindparam("pid"))
    if not every_revision:
        lq = lq.where(newest_only())
    lq = _in_range(lq,
                   lab_results.c.sample_date, scope, iso_date=True).order_by(lab_results.c.sample_date,
                                                                             lab_results.c.test_code,
                                                                             lab_results.c.revision)
    people: Iterator[dict[str, Any]] | list[dict[str, Any]] = enrolled_participants(conn, scope.site_id)
    if screened:
        people = sorted([*people, *screened_not_randomised(conn, scope.site_id)], key=lambda p: p["participant_id"])
    for p in people:
        pid = {"pid": p["participant_id"]}
        recs = []
        for row in conn.execute(rq, pid):
            body = load_body(row.body)
            body["received_at"] = row.received_at
            body["source"] = record_source(row.device_kind)   # from the stored device kind, never the envelope
            recs.append(body)
        labs = [dict(r._mapping) for r in conn.execute(lq, pid)]
        yield p, recs, labs
