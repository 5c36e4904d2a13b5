"""Data queries: raise, answer, close and re-open, each step a thread message with its audit entry beside it.

People act through the web (``server/web/queries.py``) with their roles checked here; a kiosk's answer arrives as
a ``query_response`` record in a sync batch (``check_kiosk_answer`` before it is stored, ``apply_kiosk_answers``
in the same transaction after); the job runner keeps rule-raised queries in step with the rules
(``server/services/query_rules.py``). Every refusal names the field, the value and the rule.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from server.services.audit import AuditEntry, append
from server.services.auth import Staff
from server.services.dashboard import current_record
from server.storage import locks as lock_store
from server.storage import queries as stored
from server.storage.paging import Page, PageRequest
from shared.errors import FieldProblem, InvalidInput, NotFound, RecordQueryUnknown
from shared.locks import review_refusal
from shared.queries import (
    ANSWER,
    CLOSE,
    CLOSED,
    OPEN,
    RAISE,
    REOPEN,
    TRANSITIONS,
    UNRESOLVED,
    check_message,
    next_state,
)
from shared.query_rules import RECORD
from shared.records import utc_now

SYSTEM = "system:rules"          # the author of rule-raised steps
MAX_TO_KIOSK = 500               # unresolved queries a kiosk is sent per sync (oldest first)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _refuse(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems),
                           details={"problems": [p.as_dict() for p in problems]})


def refuse_while_locked(conn: Connection, act: str) -> None:
    """StudyLocked when the study is locked: no review act then (a frozen participant is still reviewed)."""
    refusal = review_refusal(act, study_lock=lock_store.study_lock(conn))
    if refusal is not None:
        raise refusal


def step(conn: Connection, query: Any, action: str, actor: str, text: str, *,
          text_zh: str | None = None, source_record_id: str | None = None, at: str | None = None,
          state: str | None = None) -> str:
    """One step: the message, the new state and the audit entry, in the caller's transaction; the new state."""
    at = at or utc_now()
    old = query["state"] if isinstance(query, Mapping) else query.state
    qid = query["query_id"] if isinstance(query, Mapping) else query.query_id
    new = state or (TRANSITIONS[action][1] if action in TRANSITIONS else old)
    stored.add_message(conn, {"query_id": qid, "at": at, "author": actor, "action": action, "text": text,
                              "text_zh": text_zh, "source_record_id": source_record_id})
    if new != old:
        stored.set_state(conn, qid, new, at, closed_by=actor if new == CLOSED else None)
    append(conn, AuditEntry(actor=actor, action=f"query.{action}", entity_type="query", entity_id=qid,
                            old={"state": old}, new={"state": new, "message": text}))
    return new


def new_query(conn: Connection, *, site_id: str, participant_id: str, target: str, target_id: str, revision: int,
              field: str, value: Any, actor: str, text: str, text_zh: str | None = None,
              rule: str | None = None, rule_key: str | None = None, at: str | None = None) -> str:
    """Store a new open query with its first message and audit entry; returns its id."""
    at = at or utc_now()
    qid = str(uuid.uuid4())
    row = {"query_id": qid, "site_id": site_id, "participant_id": participant_id, "target": target,
           "target_id": target_id, "revision": revision, "field": field, "value": _json(value), "state": OPEN,
           "rule": rule, "rule_key": rule_key, "raised_by": actor, "raised_at": at, "updated_at": at,
           "closed_by": None}
    stored.add_query(conn, row)
    stored.add_message(conn, {"query_id": qid, "at": at, "author": actor, "action": RAISE, "text": text,
                              "text_zh": text_zh, "source_record_id": None})
    append(conn, AuditEntry(actor=actor, action="query.raise", entity_type="query", entity_id=qid,
                            new={"state": OPEN, "record": f"{target_id}#{revision}", "field": field,
                                 "value": value, "rule": rule, "message": text}))
    return qid


def raise_query(conn: Connection, staff: Staff, record_id: str, field: str, message: str) -> str:
    """A monitor or data manager questions one field of the newest revision of one record of their sites.

    Raises Forbidden (role), NotFound (record not at their sites), StudyLocked or InvalidInput naming the field
    and message.
    """
    staff.require("query.raise")
    rec = current_record(conn, record_id, staff.sites)
    refuse_while_locked(conn, "data query")
    data = rec.get("data") if isinstance(rec.get("data"), dict) else {}
    fields = sorted(data)
    if field not in data:
        _refuse([FieldProblem("field", field, ", ".join(fields) or "(the record has no fields)",
                              f"field: {field!r} is not a field of record {record_id} (its fields: "
                              f"{', '.join(fields)}); a query is about one field of the record")])
    _refuse(check_message(message))
    return new_query(conn, site_id=rec["site_id"], participant_id=rec["participant_id"], target=RECORD,
                     target_id=record_id, revision=rec["revision"], field=field, value=data.get(field),
                     actor=staff.actor, text=message.strip())


def _mine(conn: Connection, staff: Staff, query_id: str) -> Any:
    row = stored.find(conn, query_id, staff.sites)
    if row is None:
        raise NotFound(f"No query {query_id!r} at your site(s).")
    return row


def act(conn: Connection, staff: Staff, query_id: str, action: str, message: str) -> str:
    """A person answers, closes or re-opens a query of their sites; returns the new state.

    Answering needs a site role (nurse, investigator), closing and re-opening a monitor or data manager; a
    message is required to answer and to re-open (a close may go without). Raises Forbidden, NotFound,
    QueryStateRefused (the state does not allow the step), StudyLocked or InvalidInput (the message).
    """
    if action not in (ANSWER, CLOSE, REOPEN):
        _refuse([FieldProblem("action", action, "answer, close or reopen", f"action: {action!r} is not a step")])
    staff.require(f"query.{action}")
    row = _mine(conn, staff, query_id)
    refuse_while_locked(conn, "data query")
    next_state(query_id, row.state, action)
    _refuse(check_message(message, required=action != CLOSE))
    return step(conn, row, action, staff.actor, message.strip() or "—")


# ---- the kiosk's answers (records of kind query_response) --------------------------------------------------------

def check_kiosk_answer(conn: Connection, rec: Mapping[str, Any]) -> RecordQueryUnknown | None:
    """Whether a kiosk's answer names a query of the record's participant and site; None when it does."""
    if rec.get("kind") != "query_response":
        return None
    qid = rec["data"]["query_id"]
    row = stored.find(conn, qid, [rec["site_id"]])
    if row is None or row.participant_id != rec["participant_id"]:
        return RecordQueryUnknown([FieldProblem(
            "data.query_id", qid, f"a query of participant {rec['participant_id']} sent to this kiosk",
            f"data.query_id: the server holds no query {qid} of participant {rec['participant_id']} at site "
            f"{rec['site_id']}")])
    return None


def apply_kiosk_answers(conn: Connection, device_id: str, records: Iterable[Mapping[str, Any]]) -> int:
    """Add each newly stored kiosk answer to its query's thread, in the sync's transaction; returns how many.

    An answer to an open, answered or re-opened query makes it ``answered``; one that reaches a query closed in
    the meantime joins the thread and leaves it closed (the monitor reads it and may re-open). A record already
    in a thread (a retried sync) is skipped, so nothing is added twice.
    """
    recs = [r for r in records if r.get("kind") == "query_response"]
    keys = {f"{r['record_id']}#{r['revision']}": r for r in recs}
    done = stored.answered_by_record(conn, keys)
    found = stored.many(conn, {r["data"]["query_id"] for r in recs})
    states = {qid: row.state for qid, row in found.items()}
    n = 0
    for key, rec in keys.items():
        qid = rec["data"]["query_id"]
        if key in done or qid not in states:
            continue
        query = {"query_id": qid, "state": states[qid]}
        states[qid] = step(conn, query, ANSWER, f"{rec['entered_by']} via device:{device_id}",
                            rec["data"]["message"].strip(), source_record_id=key,
                            state=CLOSED if states[qid] == CLOSED else None)
        n += 1
    return n


def for_kiosk(conn: Connection, site_id: str) -> list[dict[str, Any]]:
    """The unresolved queries of a site with their threads: what the sync answer carries to its kiosks."""
    rows = stored.of_sites(conn, [site_id], states=UNRESOLVED)[:MAX_TO_KIOSK]
    threads = stored.messages_of(conn, [r.query_id for r in rows])
    return [{"query_id": r.query_id, "participant_id": r.participant_id, "target": r.target,
             "target_id": r.target_id, "revision": r.revision, "field": r.field, "value": json.loads(r.value or
                                                                                                  "null"),
             "state": r.state, "rule": r.rule, "raised_at": r.raised_at,
             "messages": [{"at": m.at, "author": m.author, "action": m.action, "text": m.text,
                           "text_zh": m.text_zh} for m in threads[r.query_id]]} for r in rows]


# ---- read models for the pages --------------------------------------------------------------------------------

def _age_days(raised_at: str, now: datetime) -> int:
    return max(0, (now - datetime.fromisoformat(raised_at.replace("Z", "+00:00"))).days)


def _view(rows: list[Any], threads: dict[str, list[Any]], now: datetime) -> list[dict[str, Any]]:
    return [{**r._mapping, "value": json.loads(r.value or "null"), "age_days": _age_days(r.raised_at, now),
             "messages": [dict(m._mapping) for m in threads.get(r.query_id, [])]} for r in rows]


def queries_of(conn: Connection, sites: Iterable[str], *, participant_id: str | None = None,
               target_id: str | None = None, states: Iterable[str] | None = None,
               now: datetime | None = None) -> list[dict[str, Any]]:
    """Queries of these sites (of one participant or record, in some states) with their threads and ages."""
    rows = stored.of_sites(conn, sites, participant_id=participant_id, target_id=target_id, states=states)
    return _view(rows, stored.messages_of(conn, [r.query_id for r in rows]), now or datetime.now(UTC))


def query_detail(conn: Connection, sites: Iterable[str], query_id: str) -> dict[str, Any]:
    """One query of these sites with its thread; NotFound otherwise."""
    row = stored.find(conn, query_id, sites)
    if row is None:
        raise NotFound(f"No query {query_id!r} at your site(s).")
    return _view([row], stored.messages_of(conn, [query_id]), datetime.now(UTC))[0]


def summary(conn: Connection, sites: Iterable[str], now: datetime | None = None) -> dict[str, Any]:
    """For the dashboard: queries per state, how many are unresolved, and the oldest unresolved one's age."""
    counts = stored.state_counts(conn, sites)
    now = now or datetime.now(UTC)
    oldest = min((o for s, (_n, o) in counts.items() if s in UNRESOLVED and o), default=None)
    return {"by_state": {s: counts.get(s, (0, None))[0] for s in (*UNRESOLVED, CLOSED)},
            "unresolved": sum(counts.get(s, (0, None))[0] for s in UNRESOLVED),
            "oldest_days": None if oldest is None else _age_days(oldest, now)}


def unresolved_by_record(queries: list[dict[str, Any]]) -> dict[str, int]:
    """How many unresolved queries each record has (for the participant page's table)."""
    out: dict[str, int] = {}
    for q in queries:
        if q["state"] in UNRESOLVED:
            out[q["target_id"]] = out.get(q["target_id"], 0) + 1
    return out


def queries_page(conn: Connection, sites: Iterable[str], req: PageRequest, *, states: Iterable[str] | None = None,
                 now: datetime | None = None) -> Page:
    """One page of the queries of these sites (sorted and paged in SQL) with their threads and ages."""
    page = stored.page_of_queries(conn, sites, req, states=states)
    views = _view(page.rows, stored.messages_of(conn, [r.query_id for r in page.rows]), now or datetime.now(UTC))
    return Page(views, req, page.has_next)


def messages_in_chinese(conn: Connection, entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """English text -> Chinese text of the messages of the queries these audit entries are about, for those a
    rule wrote in both languages: the audit page in Chinese shows a rule's message as the site reads it."""
    ids = {str(e["entity_id"]) for e in entries if e.get("entity_type") == "query"}
    return {m.text: m.text_zh for thread in stored.messages_of(conn, ids).values() for m in thread
            if m.text_zh} if ids else {}
