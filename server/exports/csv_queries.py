"""CSV tables of data queries (issue 19): queries.csv (one row per query, its state and age) and
query_messages.csv (every step of every thread), and the SDV status of each record for the record files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from server.exports.current import ExportScope
from server.services.sdv import NOT_VERIFIED, status
from server.storage import queries as query_store
from shared.queries import STATES

QUERY_COLUMNS = ["query_id", "participant_id", "site_id", "query_target", "query_target_id", "revision",
                 "query_field", "query_value", "query_state", "query_rule", "query_raised_by", "query_raised_at",
                 "query_updated_at", "query_closed_by", "query_age_days", "query_messages"]
MESSAGE_COLUMNS = ["query_id", "participant_id", "site_id", "message_at", "message_author", "message_action",
                   "message_text", "message_text_zh"]
SDV_COLUMN = "sdv_status"
COLUMNS: dict[str, tuple[str, str, str]] = {
    "query_id": ("data query id", "text", "UUID"),
    "query_target": ("what the query is about", "code", "record, lab_result"),
    "query_target_id": ("id of the record (or lab result) questioned", "text", "UUID"),
    "query_field": ("field questioned (item of the record's data)", "code", ""),
    "query_value": ("value of the field when the query was raised", "text", "JSON"),
    "query_state": ("state of the query", "code", ", ".join(STATES)),
    "query_rule": ("rule that raised it", "code", "edit_check:<id> (study file) or a built-in rule; "
                   "empty: raised by a person"),
    "query_raised_by": ("who raised it", "text", "user:<name> or system:rules"),
    "query_raised_at": ("when it was raised", "datetime", "ISO 8601, UTC (Z)"),
    "query_updated_at": ("when its state last changed", "datetime", "ISO 8601, UTC (Z)"),
    "query_closed_by": ("who closed it last", "text", "user:<name>, system:rules; empty: never closed"),
    "query_age_days": ("days from raising to the export (unresolved) or to the last change", "integer", ""),
    "query_messages": ("messages in its thread", "integer", "1, 2, ..."),
    "message_at": ("time of the step", "datetime", "ISO 8601, UTC (Z)"),
    "message_author": ("who took the step", "text", "user:<name>, staff:<name> via device:<id>, system:rules"),
    "message_action": ("the step", "code", "raise, answer, close, reopen"),
    "message_text": ("message (English for rule messages)", "text", ""),
    "message_text_zh": ("rule message in Chinese", "text", "empty: a person's message"),
    SDV_COLUMN: ("source data verification of this revision by a monitor", "code",
                 "verified, changed (an earlier revision was verified), not_verified"),
}


def _days(start: str, end: datetime) -> int:
    return max(0, (end - datetime.fromisoformat(start.replace("Z", "+00:00"))).days)


def query_tables(conn: Connection, scope: ExportScope) -> tuple[list[list[Any]], list[list[Any]]]:
    """(queries.csv rows, query_messages.csv rows) of the export's site (every site when none)."""
    rows = list(query_store.every_query(conn, scope.site_id))
    threads = query_store.messages_of(conn, [r.query_id for r in rows])
    now = datetime.now(UTC)
    queries, messages = [], []
    for r in rows:
        end = datetime.fromisoformat(r.updated_at.replace("Z", "+00:00")) if r.state == "closed" else now
        queries.append([r.query_id, r.participant_id, r.site_id, r.target, r.target_id, r.revision, r.field,
                        json.dumps(json.loads(r.value or "null"), ensure_ascii=False), r.state, r.rule, r.raised_by,
                        r.raised_at, r.updated_at, r.closed_by, _days(r.raised_at, end), len(threads[r.query_id])])
        messages += [[r.query_id, r.participant_id, r.site_id, m.at, m.author, m.action, m.text, m.text_zh]
                     for m in threads[r.query_id]]
    return queries, messages


class SdvStatus:
    """The SDV status of each current record, from the marks read once per export."""

    def __init__(self, conn: Connection) -> None:
        self._marks = query_store.sdv_marks_of(conn)

    def of(self, rec: dict[str, Any]) -> str:
        mark = self._marks.get(rec["record_id"])
        return NOT_VERIFIED if mark is None else status(mark, rec["revision"])
