"""Participant freezes and the study lock as rules: which revision a lock refuses, and why (issue 19).

Pure: the storage path (``server.storage.records.store_revisions``) reads the locks in force and asks
``lock_refusal`` about each revision, so a kiosk's sync and a data manager's web correction meet the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import FieldProblem, ParticipantFrozen, RecordInvalid, StudyLocked

PARTICIPANT = "participant"
STUDY = "study"


@dataclass(frozen=True)
class Lock:
    """A freeze of one participant (scope participant, target its id) or the study lock (scope study)."""

    scope: str
    target: str
    locked_at: str
    locked_by: str
    reason: str


def lock_refusal(record: Mapping[str, Any], *, study_lock: Lock | None,
                 frozen: Lock | None) -> RecordInvalid | None:
    """The refusal of a new revision of ``record`` under the locks in force, or None when it may be stored."""
    pid = record.get("participant_id")
    if study_lock is not None:
        return StudyLocked([FieldProblem(
            "participant_id", pid, "no change while the study is locked",
            f"the study was locked on {study_lock.locked_at} by {study_lock.locked_by} ({study_lock.reason}); "
            "nothing is stored until a data manager unlocks it", code=StudyLocked.code)])
    if frozen is not None:
        return ParticipantFrozen([FieldProblem(
            "participant_id", pid, "a participant who is not frozen",
            f"participant {pid} was frozen on {frozen.locked_at} by {frozen.locked_by} ({frozen.reason}); a data "
            "manager must unfreeze them before any change", code=ParticipantFrozen.code)])
    return None


def review_refusal(act: str, *, study_lock: Lock | None) -> StudyLocked | None:
    """The refusal of a review act (``act``: a data query step, an SDV mark) under the locks in force, or None.

    A locked database takes no new query, answer, close, re-open or SDV mark (the checklist closed them all; a
    lock is the end of review). A frozen participant's data are still reviewed: a freeze stops changes of the
    data, not questions about them, as in the EDCs where a frozen form still takes queries and a locked one none.
    """
    if study_lock is None:
        return None
    return StudyLocked([FieldProblem(
        "study", "locked", "a study that is not locked",
        f"{act}: not allowed while the study is locked (since {study_lock.locked_at} by {study_lock.locked_by}, "
        f"{study_lock.reason}); a data manager unlocks it with a reason first", code=StudyLocked.code)],
        context=act)
