"""Streaming reads for the exports: the current (newest) revision of stored records, participants, lab results.

Every read takes a scope (site, collected-at date range) so each format filters the same way, and streams in
batches so memory does not grow with the study. ``server.exports.current`` is the exports' face of this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from operator import attrgetter, itemgetter
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, Select, exists, func, select, text, true

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


def _stream(conn: Connection, q: Select, skip: Callable[[Any], bool] | None = None) -> Iterator[Any]:
    """The rows of ``q`` in batches, less those ``skip`` says (not counted in the export's progress either)."""
    # Options on the statement, not on the connection: Connection.execution_options() changes the
    # connection in place, and every later statement (even an INSERT) would then ask for a server-side cursor.
    rows: Iterator[Any] = iter(conn.execute(q.execution_options(stream_results=True, yield_per=BATCH)))
    if skip is not None:
        rows = (row for row in rows if not skip(row))
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


def _older_revisions(conn: Connection) -> tuple[Any, Callable[[Any], bool] | None]:
    """How a streamed read keeps only the newest revision of each record: (a WHERE term, a test of a row that
    ends with record_id and revision: True for an older revision; None when no row is older).

    PostgreSQL runs the anti-join ``_is_newest`` as one hash anti-join. SQLite runs it as an index search per
    row (half the cost of reading the rows): there the records with more than one revision are read first
    (a scan of the primary key, inside the same transaction and so the same snapshot: ``reading`` and the
    engine's BEGIN) and a row is passed over when a newer revision of its record exists, the same rows.

    That read scans the table itself (NOT INDEXED), in file order: the primary key's index is ordered by random
    record ids, and scanning it reads its pages in random order, one disk read each when the page cache is cold
    (issue 25: most of the CSV export's wait on a slow disk); the table scan reads ahead, costs the same CPU,
    and leaves the pages the export reads next in the cache."""
    if conn.dialect.name != "sqlite":
        return _is_newest(), None
    # SQLite's own words (this is its path only): SQLAlchemy renders no table hint for SQLite
    q = text(f"SELECT record_id, max(revision) FROM {records.name} NOT INDEXED WHERE revision > 1 GROUP BY record_id")
    corrected: dict[str, int] = {rid: rev for rid, rev in conn.execute(q)}
    if not corrected:
        return true(), None
    # rows of such reads end with record_id, revision
    return true(), lambda row: row[-1] < corrected.get(row[-2], row[-1])


def current_records(conn: Connection, scope: Scope, *, kind: str | None = None, instrument_id: str | None = None,
                    with_arm: bool = False) -> Iterator[dict[str, Any]]:
    """Newest revision of each record of ``kind`` (all kinds when None), ordered by participant and time.

    Each body gets ``received_at`` (first stored time of this revision), ``staff_id`` (the staff account
    the server verified as having entered it; None: the participant) and ``source`` (``home`` from a
    participant's app, ``clinic`` otherwise: from the device kind the server stored) added, and ``arm`` when
    asked.
    """
    newest, older = _older_revisions(conn)
    q = (select(records.c.body, records.c.received_at, records.c.staff_id, devices.c.kind.label("device_kind"),
                *([participants.c.arm] if with_arm else []), records.c.record_id, records.c.revision)
         .select_from(records).outerjoin(devices, devices.c.device_id == records.c.device_id)
         .where(newest))
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
    for row in _stream(conn, q, older):   # by position: a row's attribute look-up costs as much as its parse
        body = load_body(row[0])
        body["received_at"] = row[1]
        body["staff_id"] = row[2]
        body["source"] = record_source(row[3])
        if with_arm:
            body["arm"] = row[4]
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
    (with ``screened``, also everyone screened and not randomised), in participant id order (code points, on
    both databases: SDTM's DM and every format list people alike). Each record body gets ``received_at`` and
    ``source`` (as ``current_records``).

    With ``every_revision`` the records are every stored revision (by time of measurement, record, revision),
    for an archive. Memory holds one participant at a time: the records and the lab results are two streamed
    reads in participant order, merged with the participants (not two statements per participant: at 10 000
    participants those round trips were most of the read).
    """
    people = list(enrolled_participants(conn, scope.site_id))
    if screened:
        people += screened_not_randomised(conn, scope.site_id)
    people.sort(key=_participant_key)
    rq = (select(records.c.participant_id, records.c.body, records.c.received_at, devices.c.kind,
                 records.c.record_id, records.c.revision)
          .select_from(records).outerjoin(devices, devices.c.device_id == records.c.device_id))
    newest, older = _older_revisions(conn) if not every_revision else (true(), None)
    rq = rq.where(newest)
    lq = select(lab_results)
    if not every_revision:
        lq = lq.where(newest_only())
    if scope.site_id:   # the people of the site: records and results follow their participant, not a column
        rq = rq.where(records.c.participant_id.in_(_people_of_site(scope.site_id, screened)))
        lq = lq.where(lab_results.c.participant_id.in_(_people_of_site(scope.site_id, screened)))
    by_id = _in_code_point_order(conn)
    rq = _in_range(rq, records.c.collected_at, scope).order_by(by_id(records.c.participant_id),
                                                               records.c.collected_at, records.c.record_id,
                                                               records.c.revision)
    lq = _in_range(lq, lab_results.c.sample_date, scope, iso_date=True).order_by(
        by_id(lab_results.c.participant_id), lab_results.c.sample_date, lab_results.c.test_code,
        lab_results.c.revision)
    recs = _Grouped(_stream(conn, rq, older), itemgetter(0), _record_body)
    labs = _Grouped(_stream(conn, lq), attrgetter("participant_id"), _lab_row)
    for p in people:
        pid = p["participant_id"]
        yield p, recs.take(pid), labs.take(pid)


def _participant_key(p: dict[str, Any]) -> str:
    return p["participant_id"]


def _record_body(row: Any) -> dict[str, Any]:
    body = load_body(row[1])
    body["received_at"] = row[2]
    body["source"] = record_source(row[3])   # from the stored device kind, never the envelope
    return body


def _lab_row(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def _people_of_site(site_id: str, screened: bool) -> Any:
    q = select(participants.c.participant_id).where(participants.c.site_id == site_id)
    if screened:
        q = q.union_all(select(screenings.c.participant_id).where(screenings.c.site_id == site_id))
    return q


def _in_code_point_order(conn: Connection) -> Any:
    """An ORDER BY term for participant ids in code point order (Python's ``sorted``): SQLite compares text
    so already; PostgreSQL's database collation may not (en_US ignores hyphens), so it is told "C"."""
    if conn.dialect.name == "postgresql":
        return lambda column: column.collate("C")
    return lambda column: column


class _Grouped:
    """Rows of a stream ordered by participant id (``key``), handed out a participant at a time as ``make``
    turns them; rows of participants never asked for (not in the export) are passed over."""

    def __init__(self, rows: Iterator[Any], key: Callable[[Any], str], make: Callable[[Any], Any]) -> None:
        self._rows, self._key, self._make = rows, key, make
        self._head: Any = next(self._rows, None)

    def take(self, pid: str) -> list[Any]:
        """Every row of ``pid`` (asked in code point order of ids, each once)."""
        head, key, out = self._head, self._key, []
        while head is not None and key(head) < pid:    # someone not in the export
            head = next(self._rows, None)
        while head is not None and key(head) == pid:
            out.append(self._make(head))
            head = next(self._rows, None)
        self._head = head
        return out
