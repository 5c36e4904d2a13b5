"""Queries of the records aggregate: revisions, their conflicts and the corrections sent back to kiosks.

``store_revisions`` is the one way a revision enters the server, for a kiosk's sync and for a data manager's
correction alike: it keys revisions by (record id, revision), answers a retry ``already_stored``, keeps a
different copy of a stored revision aside as a conflict, refuses a revision that changes the record's
identity, skips a number, comes from another site or changes the randomisation (the rules are pure, in
``shared.records.check_next_revision``), refuses every new revision of a frozen participant or while the study
is locked (``shared.locks.lock_refusal``), and keeps the participants in line with their enrolment. Every body
is the record's canonical JSON (``shared.records.canonical_record``), the bytes its content hash covers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, exists, insert, or_, select, text, union_all

from server.storage import adverse_events as ae_store
from server.storage import locks as lock_store
from server.storage import participants as participant_store
from server.storage import screenings as screening_store
from server.storage.bulk import built, insert_rows, one_of, one_of_param, one_of_value
from server.storage.tables import corrections, records, sync_conflicts
from shared.errors import FieldProblem, RecordInvalid, RecordWrongSite
from shared.home import diary_date_of
from shared.locks import lock_refusal
from shared.records import check_next_revision
from shared.submissions import KEYED_KINDS, SubmissionKey, already_submitted
from shared.sync.protocol import ALREADY_STORED, CONFLICT, REJECTED, STORED


class Revision(NamedTuple):
    """One revision to store: the validated envelope, its hash and canonical body, and who sent it (a named
    tuple: one is made for every record of every sync)."""

    record: dict[str, Any]
    content_hash: str
    body: str
    device_id: str             # the kiosk that sent it (for a server correction: the record's kiosk)
    staff_id: str | None       # the verified staff account that entered it (None: the participant)
    sender_site: str | None    # the sending kiosk's site (None: a server-side correction, checked there)


class Outcome(NamedTuple):
    """What became of one revision."""

    status: str                          # stored, already_stored, conflict or rejected
    previous_data: Any = None            # stored: the data of the revision it follows (None for revision 1)
    stored_hash: str | None = None       # conflict: the hash already stored under that id and revision
    error: RecordInvalid | None = None  # rejected: the rule broken


_STORED_NEW = Outcome(STORED)   # a stored revision 1 (most outcomes): made once, as it holds nothing else


@dataclass(slots=True)
class _History:
    first: dict[str, Any] | None = None
    newest: int | None = None
    newest_body: str | None = None
    newest_data: Any = None
    hashes: dict[int, str] | None = None

    def data(self) -> Any:
        if self.newest_body is not None:
            self.newest_data, self.newest_body = json.loads(self.newest_body)["data"], None
        return self.newest_data


class Histories(dict[str, _History]):
    """What is stored of some records (their hashes by revision, revision 1's identity, the newest data), by
    record id: read once per sync under its write lock, for its retries and its store."""

    def stored_hash(self, record_id: str, revision: int) -> str | None:
        """The content hash stored under (record id, revision), None when that revision is not stored."""
        h = self.get(record_id)
        return None if h is None or h.hashes is None else h.hashes.get(revision)


def histories(conn: Connection, record_ids: set[str], study_id: str) -> Histories:
    """What is stored of these records (primary key reads), for ``store_revisions(history=…)``."""
    c = records.c
    out = Histories()
    if not record_ids:
        return out
    statement = built(conn, "records.histories", lambda dialect: select(
        c.record_id, c.revision, c.content_hash, c.kind, c.site_id, c.participant_id, c.visit_id, c.instrument_id,
        c.body).where(one_of_param(dialect, c.record_id, "ids")))
    for row in conn.execute(statement, {"ids": one_of_value(conn, record_ids)}).all():
        h = out.setdefault(row.record_id, _History(hashes={}))
        assert h.hashes is not None
        h.hashes[row.revision] = row.content_hash
        if row.revision == 1:
            h.first = {"study_id": study_id, "site_id": row.site_id, "participant_id": row.participant_id,
                       "kind": row.kind, "visit_id": row.visit_id, "instrument_id": row.instrument_id}
        if h.newest is None or row.revision > h.newest:
            h.newest, h.newest_body, h.newest_data = row.revision, row.body, None
    return out


def _wrong_site(rec: dict[str, Any], owner: str, sender: str) -> RecordWrongSite:
    return RecordWrongSite([FieldProblem("site_id", rec["site_id"], owner,
                                         f"site_id: record {rec['record_id']} belongs to site {owner}; a kiosk "
                                         f"of site {sender} cannot send revisions of it")])


_LOCK_SUBMISSIONS = text('SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest(CAST(:keys AS text[])) AS k '
                         'ORDER BY k COLLATE "C"')


def _submitted(conn: Connection, wanted_keys: list[SubmissionKey | None],
               key_of: Callable[[dict[str, Any]], SubmissionKey | None]) -> dict[SubmissionKey, str]:
    """The record id stored under each submission key of these new records (only those keys are read: the
    cost follows the batch, not how many records its participants already have)."""
    keys = set(wanted_keys)
    keys.discard(None)
    people = {k[0] for k in keys}
    if not people:
        return {}
    if conn.dialect.name == "postgresql":
        # READ COMMITTED: two kiosks' syncs would each miss the other's uncommitted record and both store one.
        # A lock per participant until commit (sorted: no deadlock) makes the second wait and see the first;
        # SQLite writers are already serialised by BEGIN IMMEDIATE.
        # All in one statement (one round trip, not one per participant): PostgreSQL takes the locks in the
        # ORDER BY's order, as it evaluates volatile output expressions after the sort.
        conn.execute(_LOCK_SUBMISSIONS, {"keys": [f"submission:{pid}" for pid in people]})
    per_visit = [k for k in keys if len(k) == 4]
    home = [k for k in keys if len(k) == 5]   # a daily home diary: (participant, kind, "", instrument, date)
    kinds = {k[1] for k in keys if len(k) == 2}
    params = {"people": one_of_value(conn, people), "kinds": sorted(kinds),
              "visits": sorted({k[2] for k in per_visit}), "days": sorted({k[4] for k in home})}
    statement = built(conn, f"records.submitted.{bool(kinds):d}{bool(per_visit):d}{bool(home):d}",
                      lambda dialect: _submitted_statement(dialect, bool(kinds), bool(per_visit), bool(home)))
    out: dict[SubmissionKey, str] = {}
    # the oldest holder of a key wins (as the store made them); sorted here, not by the database: an ORDER BY
    # over the union would have to gather every branch's rows first anyway
    for row in sorted(conn.execute(statement, params).all(), key=lambda r: (r.received_at, r.record_id)):
        found = dict(row._mapping)
        found["data"] = {"diary_date": found.pop("diary_date")}
        key = key_of(found)
        if key in keys:
            out.setdefault(key, row.record_id)
    return out


def _submitted_statement(dialect: str, kinds: bool, per_visit: bool, home: bool) -> Any:
    """The read of ``_submitted`` for the kinds of keys a batch has (one per participant, per visit, per diary
    day): one SELECT per kind of key, each of the batch's participants' records only, joined by UNION ALL.

    In one WHERE with an OR of the kinds, SQLite's planner (no statistics) took the index on (kind,
    received_at) and read every instrument response stored (~40 ms per batch at 10 000 records, growing with
    the store); it does so whenever a branch has an equality on the kind and the participant's index gives
    one column only. So each branch asks for what one of the participant's indexes finds, and may return more
    rows than the keys asked for: ``_submitted`` keeps those whose key is wanted. Values are bound: people
    (``one_of_value``), kinds, visits, days."""
    c = records.c

    def one_of(column: Any, name: str) -> Any:
        return column.in_(bindparam(name, expanding=True))

    def of_people(*wanted: Any) -> Any:
        return (select(c.record_id, c.participant_id, c.kind, c.visit_id, c.instrument_id, c.diary_date,
                       c.received_at)
                .where(one_of_param(dialect, c.participant_id, "people"), c.revision == 1, *wanted))

    branches = [of_people(one_of(c.kind, "kinds"))] if kinds else []   # (participant_id, kind)
    if per_visit:   # (participant_id, diary_date): a record at a visit has no diary date, whatever its kind
        branches.append(of_people(one_of(c.visit_id, "visits"), c.diary_date.is_(None)))
    if home:   # (participant_id, diary_date): only a home entry has one stored
        branches.append(of_people(one_of(c.diary_date, "days")))
    return branches[0] if len(branches) == 1 else union_all(*branches)


_COLUMNS = ("record_id", "revision", "kind", "site_id", "participant_id", "visit_id", "instrument_id",
            "instrument_version", "content_hash", "body", "device_id", "staff_id", "collected_at", "received_at",
            "serious", "diary_date")   # the stored columns of a revision, in the order store_revisions makes them


def store_revisions(conn: Connection, revisions: list[Revision], *, study_id: str, received_at: str,
                    submission_key: Callable[[dict[str, Any]], SubmissionKey | None] | None = None,
                    history: Histories | None = None) -> list[Outcome]:
    """Store each revision that may follow what is stored of its record, in the caller's transaction.

    Returns one Outcome per revision, in order; a rejected or conflicting revision stores nothing but its
    conflict copy. Revisions of one record in one call are taken in order (revision 1 then 2 is fine).
    With ``submission_key`` (``shared.submissions``), a new record whose key another record id already holds
    (stored, or earlier in this call) is refused ``record.already_submitted``, naming that record.
    ``history``: what ``histories`` read of (at least) these revisions' records in this transaction, if the
    caller has it (it is kept up to date with what is stored here); else it is read here.
    """
    if not revisions:
        return []
    if history is None:
        history = histories(conn, {r.record["record_id"] for r in revisions}, study_id)
    # each new record's submission key, worked out once (None: not keyed, a later revision, or no key asked for)
    keys_of = ([submission_key(r.record) if r.record["revision"] == 1 and r.record["kind"] in KEYED_KINDS else None
                for r in revisions] if submission_key else [None] * len(revisions))
    submitted = _submitted(conn, keys_of, submission_key) if submission_key else {}
    kept = _kept_conflicts(conn, [r for r in revisions
                                  if r.record["record_id"] in history])
    study_lock, frozen = lock_store.in_force(conn, {r.record["participant_id"] for r in revisions})
    out: list[Outcome] = []
    rows: list[tuple[Any, ...]] = []   # in _COLUMNS order, handed to the driver as they are
    adverse_events: list[dict[str, Any]] = []
    enrolled: list[dict[str, Any]] = []
    corrected_people: list[dict[str, Any]] = []
    dispositions: list[dict[str, Any]] = []
    screened: list[dict[str, Any]] = []
    randomised: list[dict[str, Any]] = []
    for rev, key in zip(revisions, keys_of, strict=True):
        rec = rev.record
        rid, number = rec["record_id"], rec["revision"]
        h = history.get(rid)
        if h is None:
            h = history[rid] = _History(hashes={})
        assert h.hashes is not None
        stored_hash = h.hashes.get(number)
        if stored_hash is not None:
            if stored_hash == rev.content_hash:
                out.append(Outcome(ALREADY_STORED))
                continue
            if (rid, number, rev.content_hash) not in kept:
                kept.add((rid, number, rev.content_hash))
                conn.execute(insert(sync_conflicts).values(
                    record_id=rid, revision=number, device_id=rev.device_id, received_hash=rev.content_hash,
                    stored_hash=stored_hash, body=rev.body, received_at=received_at))
            out.append(Outcome(CONFLICT, stored_hash=stored_hash))
            continue
        if rev.sender_site is not None and h.first is not None and h.first["site_id"] != rev.sender_site:
            out.append(Outcome(REJECTED, error=_wrong_site(rec, h.first["site_id"], rev.sender_site)))
            continue
        if study_lock is not None or frozen:   # most batches: no lock in force, no refusal to look for
            error = lock_refusal(rec, study_lock=study_lock, frozen=frozen.get(rec["participant_id"]))
            if error is not None:
                out.append(Outcome(REJECTED, error=error))
                continue
        previous = h.data() if h.newest is not None else None
        # a new record's revision 1 (most revisions) follows nothing: check_next_revision has nothing to refuse
        error = check_next_revision(rec, h.first, h.newest, previous) if h.newest is not None or number != 1 else None
        if error is None and key is not None and submitted.get(key, rid) != rid:
            error = already_submitted(rec, submitted[key])
        if error is not None:
            out.append(Outcome(REJECTED, error=error))
            continue
        if key is not None:
            submitted[key] = rid
        kind = rec["kind"]
        if number == 1:
            h.first = {"study_id": study_id, "site_id": rec.get("site_id"), "participant_id": rec.get("participant_id"),
                       "kind": kind, "visit_id": rec.get("visit_id"), "instrument_id": rec.get("instrument_id")}
        h.hashes[number] = rev.content_hash
        h.newest, h.newest_body, h.newest_data = number, None, rec["data"]
        visit_id = rec.get("visit_id")
        row = (rid, number, kind, rec["site_id"], rec["participant_id"], visit_id, rec.get("instrument_id"),
               rec.get("instrument_version"), rev.content_hash, rev.body, rev.device_id, rev.staff_id,
               rec["collected_at"], received_at, bool(kind == ae_store.AE_KIND and rec["data"].get("serious") is True),
               diary_date_of(rec) if visit_id is None else None)   # only a home entry (no visit) has a diary date
        rows.append(row)
        if kind == ae_store.AE_KIND:
            adverse_events.append(dict(zip(_COLUMNS, row, strict=True)))
        if kind == "enrolment":
            (enrolled if number == 1 else corrected_people).append(rec)
        elif kind == "disposition":
            dispositions.append(rec)
        elif kind == "screening":
            screened.append(rec)
        elif kind == "randomisation" and number == 1:
            randomised.append(rec)
        out.append(_STORED_NEW if previous is None else Outcome(STORED, previous_data=previous))
    insert_rows(conn, records, _COLUMNS, rows)
    ae_store.keep_current(conn, adverse_events)   # the AE list's columns of each report's current revision
    participant_store.enrol_from(conn, enrolled)
    screening_store.screen_from(conn, screened)
    participant_store.randomise_from(conn, randomised)
    for rec in sorted(corrected_people, key=lambda r: r["revision"]):
        participant_store.correct_from(conn, rec)
    for rec in sorted(dispositions, key=lambda r: r["revision"]):
        participant_store.set_status(conn, rec["participant_id"], rec["data"]["status"])
    return out


def current_of_participant(conn: Connection, participant_id: str) -> list[dict[str, Any]]:
    """The newest revision of every record of one participant (envelopes), in order of measurement."""
    newer = records.alias("newer")
    q = (select(records.c.body).where(
        records.c.participant_id == participant_id,
        ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision))
        .order_by(records.c.collected_at))
    return [json.loads(body) for body in conn.execute(q).scalars()]


def _kept_conflicts(conn: Connection, revisions: list[Revision]) -> set[tuple[str, int, str]]:
    """(record id, revision, received hash) of the conflicts already kept for these revisions."""
    if not revisions:
        return set()
    c = sync_conflicts.c
    return {(r.record_id, r.revision, r.received_hash) for r in conn.execute(
        select(c.record_id, c.revision, c.received_hash).where(
            one_of(conn, c.record_id, {r.record["record_id"] for r in revisions}))).all()}


def newest(conn: Connection, record_id: str, *, lock: bool = False) -> Any:
    """The newest revision of a record (revision, body, device_id, staff_id), locked for a correction on
    PostgreSQL when ``lock``; None when there is no such record."""
    q = (select(records.c.revision, records.c.body, records.c.device_id, records.c.staff_id)
         .where(records.c.record_id == record_id).order_by(records.c.revision.desc()).limit(1))
    return conn.execute(q.with_for_update() if lock else q).first()


def identities(conn: Connection, record_ids: set[str], batch: int = 500) -> dict[str, dict[str, Any]]:
    """Each record's fixed identity (kind, instrument id and version, participant; of revision 1), by id: what
    the audit page needs to name the fields of the revisions its entries are about."""
    c, ids, out = records.c, sorted(record_ids), {}
    for i in range(0, len(ids), batch):
        for r in conn.execute(select(c.record_id, c.kind, c.instrument_id, c.instrument_version, c.participant_id)
                              .where(c.record_id.in_(ids[i:i + batch]), c.revision == 1)):
            out[r.record_id] = dict(r._mapping)
    return out


def send_downstream(conn: Connection, *, site_id: str, record_id: str, revision: int, at: str) -> None:
    """List a server-made revision for the kiosks of its site (their next sync receives it)."""
    conn.execute(insert(corrections).values(site_id=site_id, record_id=record_id, revision=revision, created_at=at))


def corrections_after(conn: Connection, site_id: str, cursor: int, limit: int) -> list[Any]:
    """Up to ``limit`` corrections for ``site_id`` after ``cursor``, oldest first (seq, body, content_hash)."""
    return conn.execute(_CORRECTIONS_AFTER, {"site_id": site_id, "cursor": cursor, "limit": limit}).all()


# read by every sync, built once (building it and working out its cache key costs more than running it)
_CORRECTIONS_AFTER = (select(corrections.c.seq, records.c.body, records.c.content_hash)
                      .join(records, and_(records.c.record_id == corrections.c.record_id,
                                          records.c.revision == corrections.c.revision))
                      .where(corrections.c.site_id == bindparam("site_id"), corrections.c.seq > bindparam("cursor"))
                      .order_by(corrections.c.seq).limit(bindparam("limit")))


def current_of_participants(conn: Connection, *, instrument_id: str | tuple[str, ...] | None = None,
                            visit_id: str | None = None, participant_ids: list[str] | None = None,
                            site_id: str | None = None) -> list[dict[str, Any]]:
    """Newest revision of each instrument response of ``instrument_id`` (one id or several) or at ``visit_id``
    (either matches),
    for the given participants (or a site, or everyone), ordered by participant and time of measurement.

    The exposure reads (first-dose dates, compliance) need only the dosing diaries and the baseline forms.
    """
    return list(iter_current_of_participants(conn, instrument_id=instrument_id, visit_id=visit_id,
                                             participant_ids=participant_ids, site_id=site_id))


def iter_current_of_participants(conn: Connection, *, instrument_id: str | tuple[str, ...] | None = None,
                                 visit_id: str | None = None, participant_ids: list[str] | None = None,
                                 site_id: str | None = None) -> Iterator[dict[str, Any]]:
    """``current_of_participants`` streamed (participant by participant: memory stays flat for a whole study)."""
    newer = records.alias("newer")
    ids = (instrument_id,) if isinstance(instrument_id, str) else tuple(instrument_id or ())
    matches = ([records.c.instrument_id.in_(ids)] if ids else []) + (
        [records.c.visit_id == visit_id] if visit_id is not None else [])
    if not matches:
        return
    q = (select(records.c.body)
         .where(records.c.kind == "instrument_response", or_(*matches),
                ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision)))
    if participant_ids is not None:
        q = q.where(records.c.participant_id.in_(participant_ids))
    if site_id is not None:
        q = q.where(records.c.site_id == site_id)
    q = q.order_by(records.c.participant_id, records.c.collected_at, records.c.record_id)
    for row in conn.execute(q.execution_options(stream_results=True, yield_per=2000)):
        yield json.loads(row.body)


def open_conflicts(conn: Connection) -> list[Any]:
    """Conflicting copies no data manager has resolved yet (record_id, revision, device_id, received_at)."""
    c = sync_conflicts.c
    return conn.execute(select(c.record_id, c.revision, c.device_id, c.received_at)
                        .where(c.resolved_at.is_(None)).order_by(c.received_at)).all()


def revisions_of_participant(conn: Connection, participant_id: str) -> list[dict[str, Any]]:
    """Every stored revision of every record of one participant (body parsed, with ``received_at`` and
    ``content_hash``), by time of measurement, record and revision."""
    c = records.c
    out = []
    for r in conn.execute(select(c.body, c.received_at, c.content_hash).where(c.participant_id == participant_id)
                          .order_by(c.collected_at, c.record_id, c.revision)):
        body = json.loads(r.body)
        body.update(received_at=r.received_at, content_hash=r.content_hash)
        out.append(body)
    return out


def current_of_kind(conn: Connection, participant_id: str, kind: str) -> list[dict[str, Any]]:
    """The newest revision of each record of one ``kind`` of one participant (envelopes), e.g. their disposition:
    what a participant's phone may still send depends on it (issue 24)."""
    newer = records.alias("newer")
    q = (select(records.c.body).where(
        records.c.participant_id == participant_id, records.c.kind == kind,
        ~exists().where(newer.c.record_id == records.c.record_id, newer.c.revision > records.c.revision))
        .order_by(records.c.collected_at, records.c.record_id))
    return [json.loads(body) for body in conn.execute(q).scalars()]
