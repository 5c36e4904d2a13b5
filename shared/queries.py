"""Data queries: the states a query goes through, who may move it, and the kiosk's answer record.

A query asks about one field of one record (or of one lab result). It is raised by a monitor or data manager
(or by a rule: ``shared/query_rules.py``), answered by the site's staff (on the web or in nurse mode, where the
answer is a ``query_response`` record that syncs back like any record) and closed or re-opened by a monitor or
data manager::

    open ──answer──► answered ──close──► closed ──reopen──► reopened ──answer──► answered …
      └────────────close────────────────►┘   (a rule query is closed by the rule when its condition goes away)

Every step adds a message to the query's thread and an audit entry beside it (server/services/queries.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.errors import FieldProblem, QueryStateRefused
from shared.values import problem

OPEN, ANSWERED, CLOSED, REOPENED = "open", "answered", "closed", "reopened"
STATES = (OPEN, ANSWERED, CLOSED, REOPENED)
UNRESOLVED = (OPEN, ANSWERED, REOPENED)          # counted as open work on the pages
KIND = "query_response"                          # the record kind a kiosk answers with
MAX_MESSAGE = 2000

RAISE, ANSWER, CLOSE, REOPEN = "raise", "answer", "close", "reopen"
# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    ANSWER: ((OPEN, ANSWERED, REOPENED), ANSWERED),
    CLOSE: ((OPEN, ANSWERED, REOPENED), CLOSED),
    REOPEN: ((CLOSED,), REOPENED),
}
# action -> staff roles that may take it (the server's permissions are built from this one table)
ROLES: dict[str, frozenset[str]] = {
    RAISE: frozenset({"monitor", "data_manager"}),
    CLOSE: frozenset({"monitor", "data_manager"}),
    REOPEN: frozenset({"monitor", "data_manager"}),
    ANSWER: frozenset({"nurse", "investigator"}),
}


def next_state(query_id: str, state: str, action: str) -> str:
    """The state ``action`` leads to from ``state``. Raises QueryStateRefused naming the state and the rule."""
    starts, target = TRANSITIONS[action]
    if state not in starts:
        raise QueryStateRefused(
            f"state: query {query_id} is {state}; to {action} it, it must be {' or '.join(starts)}. "
            "Reload the query to see what changed.",
            details={"field": "state", "value": state, "allowed": list(starts), "action": action})
    return target


def check_message(text: Any, field: str = "message", *, required: bool = True) -> list[FieldProblem]:
    """A message of a query's thread: text of 1 to MAX_MESSAGE characters (may be empty when not required)."""
    allowed = f"text of {'1' if required else '0'} to {MAX_MESSAGE} characters"
    if not isinstance(text, str):
        return [problem(field, text, allowed, "must be text")]
    if required and not text.strip():
        return [problem(field, text, allowed, "is required")]
    if len(text) > MAX_MESSAGE:
        return [problem(field, text[:40] + "…", allowed, "is too long")]
    return []


def validate_query_response(data: Any) -> list[FieldProblem]:
    """The ``data`` of a ``query_response`` record: ``{"query_id": <uuid>, "message": <text>}``."""
    if not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object with query_id and message", "data: must be an object")]
    problems = [FieldProblem(f"data.{k}", data[k], "query_id, message", f"data.{k}: is not a field of an answer")
                for k in data if k not in ("query_id", "message")]
    qid = data.get("query_id")
    if not isinstance(qid, str) or not 1 <= len(qid) <= 36:
        problems.append(problem("data.query_id", qid, "the id of a query sent to this kiosk", "is not a query id"))
    return problems + check_message(data.get("message"), "data.message")
