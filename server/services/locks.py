"""Freezing participants and locking the study (issue 19): who may change what, from the next request on.

A data manager freezes a participant (nothing of theirs changes until it is unfrozen with a reason) and
locks the study once the checklist holds: every casebook (screen failures' included) signed by an investigator
with a signature that still holds, no sync conflict left open, every data query closed. Every freeze, lock and
unlock is audited beside its change; the state is in the ``locks`` table, so a command run while the server
serves applies from its next request. The refusal itself is a storage rule (``shared.locks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from server.services import signatures as signature_service
from server.services.audit import AuditEntry, append
from server.storage import locks as lock_store
from server.storage import participants as participant_store
from server.storage import queries as query_store
from server.storage import records as record_store
from server.storage.export_reads import enrolled_participants, screened_not_randomised
from shared.errors import LockRefused, NotFound
from shared.locks import PARTICIPANT, STUDY, Lock
from shared.queries import UNRESOLVED
from shared.records import utc_now

MAX_REASON = 1000


@dataclass(frozen=True)
class OpenItem:
    """One thing the lock checklist finds open: what (``kind``), about whom, and what to do."""

    kind: str                 # casebook_unsigned, casebook_broken, sync_conflict, query_open
    participant_id: str | None
    detail: str


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text or len(text) > MAX_REASON or "\x00" in text:
        raise LockRefused(f"reason: give why (1 to {MAX_REASON} characters); nothing was changed.",
                          details={"field": "reason", "value": (reason or "")[:40]})
    return text


def _known(conn: Connection, participant_id: str) -> None:
    if participant_id not in participant_store.enrolled(conn, [participant_id]):
        raise NotFound(f"No participant {participant_id!r} on the server.")


def freeze_participant(conn: Connection, participant_id: str, *, reason: str, actor: str) -> Lock:
    """Freeze one participant; raises LockRefused (no reason, already frozen) or NotFound."""
    why = _reason(reason)
    _known(conn, participant_id)
    held = lock_store.find(conn, PARTICIPANT, participant_id)
    if held is not None:
        raise LockRefused(f"Participant {participant_id} is already frozen (since {held.locked_at}, {held.reason}).")
    lock = Lock(PARTICIPANT, participant_id, utc_now(), actor, why)
    lock_store.add(conn, lock)
    append(conn, AuditEntry(actor=actor, action="participant.freeze", entity_type="participant",
                            entity_id=participant_id, new={"frozen": True}, reason=why))
    return lock


def unfreeze_participant(conn: Connection, participant_id: str, *, reason: str, actor: str) -> None:
    """Unfreeze one participant (audited with the reason); raises LockRefused (no reason, not frozen)."""
    why = _reason(reason)
    held = lock_store.find(conn, PARTICIPANT, participant_id)
    if held is None:
        raise LockRefused(f"Participant {participant_id} is not frozen; nothing was changed.")
    lock_store.remove(conn, PARTICIPANT, participant_id)
    append(conn, AuditEntry(actor=actor, action="participant.unfreeze", entity_type="participant",
                            entity_id=participant_id, old={"frozen": True, "since": held.locked_at,
                                                           "by": held.locked_by, "reason": held.reason},
                            new={"frozen": False}, reason=why))


def checklist(conn: Connection) -> list[OpenItem]:
    """Everything that keeps the study from being locked (empty: it may be locked)."""
    open_items: list[OpenItem] = []
    # never randomised (screen failures, pending, eligible who never came back) have casebooks too
    outcome = {p["participant_id"]: p["status"] for p in screened_not_randomised(conn)}
    people = [*enrolled_participants(conn), *({"participant_id": pid} for pid in outcome)]
    for p in sorted(people, key=lambda p: p["participant_id"]):
        pid = p["participant_id"]
        views = signature_service.signature_views(conn, pid)
        books = [v for v in views if v["scope"] == "casebook" and v["current"]]
        if not books:
            never = f" (screened, {outcome[pid].replace('_', ' ')}, never randomised)" if pid in outcome else ""
            open_items.append(OpenItem("casebook_unsigned", pid, f"the casebook of {pid}{never} is not signed"))
        elif not books[-1]["verdict"].holds:
            open_items.append(OpenItem("casebook_broken", pid, f"the casebook signature of {pid} no longer holds "
                                       "(data changed after signing): an investigator signs again"))
    for q in query_store.every_query(conn):  # every data query closed (issue 19)
        if q.state in UNRESOLVED:
            open_items.append(OpenItem("query_open", q.participant_id, f"data query {q.query_id} on {q.field} of "
                                       f"{q.target} {q.target_id} is {q.state}: close it first"))
    for c in record_store.open_conflicts(conn):
        open_items.append(OpenItem("sync_conflict", None, f"record {c.record_id} revision {c.revision} from "
                                   f"device {c.device_id} is an unresolved sync conflict"))
    return open_items


def lock_study(conn: Connection, *, reason: str, actor: str) -> Lock:
    """Lock the study; raises LockRefused listing every open item of the checklist, or when already locked."""
    why = _reason(reason)
    held = lock_store.study_lock(conn)
    if held is not None:
        raise LockRefused(f"The study is already locked (since {held.locked_at}, {held.reason}).")
    open_items = checklist(conn)
    if open_items:
        raise LockRefused(f"The study cannot be locked while {len(open_items)} item(s) are open: "
                          + "; ".join(i.detail for i in open_items),
                          details={"open": [i.__dict__ for i in open_items]})
    lock = Lock(STUDY, "", utc_now(), actor, why)
    lock_store.add(conn, lock)
    append(conn, AuditEntry(actor=actor, action="study.lock", entity_type="study", entity_id="study",
                            new={"locked": True}, reason=why))
    return lock


def unlock_study(conn: Connection, *, reason: str, actor: str) -> None:
    """Unlock the study (audited with the reason); raises LockRefused when it is not locked or no reason."""
    why = _reason(reason)
    held = lock_store.study_lock(conn)
    if held is None:
        raise LockRefused("The study is not locked; nothing was changed.")
    lock_store.remove(conn, STUDY)
    append(conn, AuditEntry(actor=actor, action="study.unlock", entity_type="study", entity_id="study",
                            old={"locked": True, "since": held.locked_at, "by": held.locked_by,
                                 "reason": held.reason}, new={"locked": False}, reason=why))


def lock_state(conn: Connection, participant_id: str | None = None) -> dict[str, Any]:
    """The study lock and (for a participant) their freeze, for pages and casebooks."""
    return {"study": lock_store.study_lock(conn),
            "participant": lock_store.find(conn, PARTICIPANT, participant_id) if participant_id else None}


def frozen_participants(conn: Connection) -> list[Lock]:
    """Every frozen participant with who froze them, when and why."""
    return lock_store.every_frozen(conn)
