"""Read models for the admin pages: enrolment against target, visit status, device activity, participants, AEs.

Every read model takes the viewer's sites and never returns a participant of another
site: the scoping is done in SQL by ``server.storage.dashboard``, once, not in the pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from server.services.exposure import dosing_view
from server.services.home_diary import missed_by_participant
from server.storage import adverse_events as ae_store
from server.storage import dashboard as stored
from server.storage.devices import devices_of_sites
from server.storage.paging import Page, PageRequest
from shared.deviations import MISSED_KIND, missable_visits, visit_window
from shared.disposition import disposition_of
from shared.errors import NotFound
from shared.monitoring import kiosk_silent
from shared.screening import SCREENING_KIND
from shared.site_time import site_local_date, site_local_iso_date
from shared.study.model import Study


@dataclass(frozen=True)
class VisitState:
    visit_id: str
    label: str
    label_zh: str
    expected: date | None
    window_end: date | None
    done_on: str | None
    status: str             # done | overdue | due | upcoming | missed | ended | not_applicable
    out_of_window: bool = False   # done, but the first record lies outside the study file's window


def _day(iso: str) -> date:
    return date.fromisoformat(iso[:10])


def _current(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Newest revision of each record among ``rows`` (body parsed), in order of measurement.

    ``measured_at`` is the ``collected_at`` of revision 1: a correction is stamped
    with its own time, but the participant answered at the first one.
    """
    newest: dict[str, dict[str, Any]] = {}
    measured: dict[str, tuple[int, str]] = {}
    for r in rows:
        body = json.loads(r.body)
        body["received_at"] = r.received_at
        first = measured.get(r.record_id)
        if first is None or body["revision"] < first[0]:
            measured[r.record_id] = (body["revision"], body["collected_at"])
        prev = newest.get(r.record_id)
        if prev is None or prev["revision"] < body["revision"]:
            newest[r.record_id] = body
    for rid, body in newest.items():
        body["measured_at"] = measured[rid][1]
    return sorted(newest.values(), key=lambda b: (b["measured_at"], b["record_id"]))


def current_revisions(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Newest revision of each record among rows of record_id, body and received_at (see ``_current``)."""
    return _current(rows)


def enrolment_by_arm(conn: Connection, study: Study, sites: Iterable[str]) -> list[dict[str, Any]]:
    """Participants enrolled per arm at these sites, beside the arm's target."""
    counts = stored.arm_counts(conn, sites)
    return [{"arm": a.code, "name": a.name, "name_zh": a.name_zh, "target": a.target,
             "enrolled": int(counts.get(a.code, 0))} for a in study.arms]


def visit_timeline(study: Study, recs: list[dict[str, Any]], enrolled_at: str, today: date) -> list[VisitState]:
    """Each scheduled visit: expected date from baseline, window, and done/overdue/due/upcoming; "missed" when
    staff recorded it so, "ended" (never due or overdue) once the participant has a disposition."""
    done: dict[str, str] = {}
    screening = study.visit_with_role("screening")
    for r in recs:
        if r.get("visit_id") and r["kind"] == "instrument_response":
            done.setdefault(r["visit_id"], site_local_iso_date(r["measured_at"], study, r.get("site_id")))
        elif r["kind"] == SCREENING_KIND and screening is not None:   # the screening log records that visit
            day = (r.get("data") or {}).get("screening_date")
            done[screening.id] = min(filter(None, (done.get(screening.id), day or site_local_iso_date(
                r["measured_at"], study, r.get("site_id")))))
    missed = {r["visit_id"] for r in recs if r["kind"] == MISSED_KIND}
    ended = disposition_of(recs) is not None
    first = study.visit_with_role("baseline")
    baseline = _day(done[first.id]) if first and first.id in done else (
        site_local_date(enrolled_at, study, recs[0].get("site_id") if recs else None) or _day(enrolled_at))
    judged = {v.id for v in missable_visits(study)} if first and first.id in done else set()
    out = []
    for v in study.scheduled_visits:
        expected = baseline + timedelta(days=v.day or 0)
        end = expected + timedelta(days=v.window_after)
        if v.id in done:
            status = "done"
        elif (v.day or 0) < 0:
            status = "not_applicable"
        elif v.id in missed:
            status = "missed"
        elif ended:
            status = "ended"
        elif today > end:
            status = "overdue"
        elif today >= expected - timedelta(days=v.window_before):
            status = "due"
        else:
            status = "upcoming"
        start, last = visit_window(v, baseline)
        late = v.id in judged and v.id in done and not start <= _day(done[v.id]) <= last
        out.append(VisitState(v.id, v.label, v.label_zh, expected, end, done.get(v.id), status, late))
    return out


def _records_of(conn: Connection, participant_ids: list[str],
                kind: str | None = None) -> dict[str, list[dict[str, Any]]]:
    by: dict[str, list[Any]] = {p: [] for p in participant_ids}
    for r in stored.revisions_of_participants(conn, participant_ids, kind=kind):
        by[r.participant_id].append(r)
    return {p: _current(rows) for p, rows in by.items()}


def current_records_of(conn: Connection, participant_ids: list[str], *,
                       kind: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The current revision of every record (of ``kind``, when given: a record keeps its kind in every
    revision) of these participants (body, ``measured_at``), by participant."""
    return _records_of(conn, participant_ids, kind)


# The dashboard's counts (``server.services.cohorts``) need every participant's current records and visit timeline
# on every request: parsing every body and judging every visit again was most of a /dashboard request (~120 ms of
# CPU at 400 participants, issue 25 point 2). A stored revision never changes in place (a correction is a new
# revision, audited in the transaction that stores it), so a participant's (record id, revision, content hash,
# received_at) of every revision names their current records whole: each process keeps, per database and
# participant, what it computed of them under that key and reads the bodies of a participant only when the key
# changed (a new record or a correction; a restored database whose rows differ too). The timeline is kept beside
# them for one (study, day, enrolment time). Callers only read what they get.
MAX_PARTICIPANTS_KEPT = 20_000


@dataclass
class _KeptParticipant:
    revisions: tuple[tuple[Any, ...], ...]        # sorted (record id, revision, content hash, received_at)
    records: list[dict[str, Any]]                 # ``_current`` of those revisions
    timeline: tuple[Study, date, str, list[VisitState]] | None = None   # (study, today, enrolled_at, states)


_kept: dict[tuple[str, str], _KeptParticipant] = {}


def current_records_kept(conn: Connection, participant_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """``current_records_of`` (every kind) for these participants, from what this process keeps of those whose
    revisions did not change; the lists are shared between requests: read them, never change them."""
    db = str(conn.engine.url)
    keys: dict[str, list[tuple[Any, ...]]] = {p: [] for p in participant_ids}
    for pid, *revision in stored.revision_keys_of_participants(conn, participant_ids):
        keys[pid].append(tuple(revision))
    out: dict[str, list[dict[str, Any]]] = {}
    changed = []
    for pid, revisions in keys.items():
        kept = _kept.get((db, pid))
        if kept is not None and kept.revisions == tuple(sorted(revisions)):
            out[pid] = kept.records
        else:
            changed.append(pid)
    if changed:
        rows: dict[str, list[Any]] = {p: [] for p in changed}
        for r in stored.revisions_of_participants(conn, changed):
            rows[r.participant_id].append(r)
        if len(_kept) + len(changed) > MAX_PARTICIPANTS_KEPT:
            _kept.clear()
        for pid, mine in rows.items():
            # the key from the very rows read here, not from the key query above: never a key for other rows
            revisions = tuple(sorted((r.record_id, r.revision, r.content_hash, r.received_at) for r in mine))
            out[pid] = _current(mine)
            _kept[(db, pid)] = _KeptParticipant(revisions, out[pid])
    return out


def timeline_kept(conn: Connection, study: Study, participant_id: str, recs: list[dict[str, Any]],
                  enrolled_at: str, today: date) -> list[VisitState]:
    """``visit_timeline`` of one participant whose ``recs`` came from ``current_records_kept``: kept beside
    them for this study, day and enrolment time (computed afresh for any other list)."""
    kept = _kept.get((str(conn.engine.url), participant_id))
    if kept is None or kept.records is not recs:
        return visit_timeline(study, recs, enrolled_at, today)
    held = kept.timeline
    if held is not None and held[0] is study and held[1] == today and held[2] == enrolled_at:
        return held[3]
    states = visit_timeline(study, recs, enrolled_at, today)
    kept.timeline = (study, today, enrolled_at, states)
    return states


def visit_summary(conn: Connection, study: Study, sites: Iterable[str], today: date) -> list[dict[str, Any]]:
    """Per scheduled visit: how many participants are done, overdue, due now."""
    people = stored.enrolment_dates(conn, sites)
    recs = _records_of(conn, [pid for pid, _ in people])
    rows = {v.id: {"visit_id": v.id, "label": v.label, "label_zh": v.label_zh, "done": 0, "overdue": 0, "due": 0}
            for v in study.scheduled_visits}
    for pid, enrolled_at in people:
        for state in visit_timeline(study, recs[pid], enrolled_at, today):
            if state.status in ("done", "overdue", "due"):
                rows[state.visit_id][state.status] += 1
    return list(rows.values())


def device_activity(conn: Connection, sites: Iterable[str]) -> list[dict[str, Any]]:
    """Kiosks of these sites with their last sync (``last_seen_at``), newest first."""
    return devices_of_sites(conn, sites)


def silent_kiosks(conn: Connection, study: Study, sites: Iterable[str], now: datetime,
                  devices: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Kiosks of these sites silent for longer than the study file's ``[monitoring] kiosk_silent_days`` at
    ``now``, with their last sync (None: never synced), longest silent first (``shared.monitoring``);
    ``devices``: ``device_activity`` of these sites when the caller has it already (read once per page)."""
    found = [d for d in (devices_of_sites(conn, sites) if devices is None else devices)
             if d["kind"] == "kiosk"   # a participant's phone (issue 24) is not a kiosk that should sync
             and kiosk_silent(last_seen_at=d["last_seen_at"], enrolled_at=d["enrolled_at"],
                             revoked_at=d["revoked_at"], now=now, settings=study.monitoring)]
    return sorted(found, key=lambda d: (d["last_seen_at"] is not None, d["last_seen_at"] or ""))


def list_participants(conn: Connection, sites: Iterable[str], search: str = "") -> list[dict[str, Any]]:
    """Participants of these sites whose id contains ``search``."""
    return stored.participants_of(conn, sites, search)


def participant_detail(conn: Connection, study: Study, participant_id: str, sites: Iterable[str],
                       today: date) -> dict[str, Any]:
    """Timeline, the patient global and patient index scores over time, AEs and every current record of one
    participant of these sites (``vas`` and ``index``: the first score of the instruments with the roles
    patient_global and patient_index; ``index_instrument`` names the latter).

    Raises NotFound for an unknown participant and for one of another site (never says which).
    """
    row = stored.participant(conn, participant_id, sites)
    if row is None:
        raise NotFound(f"No participant {participant_id!r} at your site(s).")
    recs = _records_of(conn, [participant_id])[participant_id]
    def series(role: str) -> list[dict[str, Any]]:
        inst = study.instrument_with_role(role)
        if inst is None or not inst.scores:
            return []
        score = inst.scores[0]
        return [{"visit_id": r["visit_id"], "date": site_local_iso_date(r["measured_at"], study, r.get("site_id")),
                 "value": score.compute(r["data"])}
                for r in recs if r.get("instrument_id") == inst.id and score.compute(r["data"]) is not None
                and study.visit(r["visit_id"]).is_timepoint]

    return {
        "participant": row,
        "timeline": visit_timeline(study, recs, row["enrolled_at"], today),
        "vas": series("patient_global"),
        "index": series("patient_index"),
        "index_instrument": study.instrument_with_role("patient_index"),
        "adverse_events": [r for r in recs if r["kind"] == "adverse_event"],
        "records": recs,
        "dosing": dosing_view(study, row["arm"], recs),
        # issue 24: the days the participant's home diary was not filled in (None: no app)
        "missed_diary_days": missed_by_participant(conn, study, [row], {participant_id: recs}, today).get(
            participant_id),
    }


def current_record(conn: Connection, record_id: str, sites: Iterable[str]) -> dict[str, Any]:
    """The newest revision of one record of these sites; NotFound otherwise."""
    rows = stored.revisions_of_record(conn, record_id, sites)
    if not rows:
        raise NotFound(f"No record {record_id!r} at your site(s).")
    return _current(rows)[0]


def record_history(conn: Connection, record_id: str, sites: Iterable[str]) -> list[dict[str, Any]]:
    """Every revision of one record, oldest first (a correction never hides the earlier entry)."""
    return [{**json.loads(r.body), "received_at": r.received_at}
            for r in stored.revisions_of_record(conn, record_id, sites)]


def adverse_events(conn: Connection, sites: Iterable[str], *, serious: bool | None = None,
                   min_grade: int | None = None, arm: str | None = None) -> list[dict[str, Any]]:
    """Current AE reports of these sites, filtered; each carries the participant's arm."""
    sites = list(sites)
    arms = stored.arms_of(conn, sites)
    out = []
    for r in _current(stored.revisions_of_kind(conn, "adverse_event", sites)):
        d = r["data"]
        r["arm"] = arms.get(r["participant_id"])
        if serious is not None and bool(d.get("serious")) != serious:
            continue
        if min_grade is not None and int(d.get("grade") or 0) < min_grade:
            continue
        if arm and r["arm"] != arm:
            continue
        out.append(r)
    return out


def search_audit(conn: Connection, query: str = "", *, before_seq: int | None = None, limit: int = 50,
                 sites: Iterable[str] | None = None, actor: str | None = None) -> list[dict[str, Any]]:
    """Newest audit entries first, optionally only those whose actor, action, entity or values contain ``query``.

    With ``sites`` (a viewer who does not see every site) only entries that belong to those sites, and the
    viewer's own (``actor``), are returned: see ``server.storage.dashboard.search_audit``.
    """
    return stored.search_audit(conn, query, before_seq=before_seq, limit=limit, sites=sites, actor=actor)


def _ae_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [{**json.loads(r.body), "received_at": r.received_at, "arm": r.arm} for r in rows]


def serious_adverse_events(conn: Connection, sites: Iterable[str], *,
                           unreported_only: bool = False) -> list[dict[str, Any]]:
    """Current serious AE reports of these sites (not yet marked reported, with ``unreported_only``), selected
    in SQL, each carrying the participant's arm, as ``adverse_events`` gives them."""
    return _ae_rows(ae_store.current_serious(conn, sites, unreported_only=unreported_only))


def adverse_events_page(conn: Connection, sites: Iterable[str], req: PageRequest, *, serious: bool | None = None,
                        min_grade: int | None = None, arm: str | None = None) -> Page:
    """One page of current AE reports of these sites (filtered, sorted and paged in SQL), each carrying the
    participant's arm, as ``adverse_events`` gives them."""
    page = ae_store.page_of_adverse_events(conn, sites, req, serious=serious, min_grade=min_grade, arm=arm)
    return Page(_ae_rows(page.rows), req, page.has_next)
