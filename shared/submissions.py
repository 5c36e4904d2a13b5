"""One submission per participant × visit × instrument (and one disposition per participant, one "visit
missed" per visit): a second record with a new record id is refused, naming the record that exists; a change
is a correction (a new revision of that record, with a reason).

A daily home diary (issue 24, ``shared/home.py``) has one entry per participant × instrument × diary date.

Unscheduled visits (``scheduled = false`` or the role ``unscheduled``) may happen any number of times, so
their records have no submission key. The kiosk checks the records it holds; the server, which holds every
kiosk's records, is the authority (``server.storage.records.store_revisions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.errors import FieldProblem, RecordAlreadySubmitted
from shared.home import DIARY_DATE, home_submission_key, is_home_entry
from shared.study.model import Study

SubmissionKey = tuple[str, ...]
ONE_PER_VISIT = ("instrument_response", "visit_missed")
ONE_PER_PARTICIPANT = ("disposition",)
KEYED_KINDS = ONE_PER_VISIT + ONE_PER_PARTICIPANT


def repeatable_visit(study: Study, visit_id: Any) -> bool:
    """True for a visit that may take place any number of times (unscheduled)."""
    try:
        visit = study.visit(visit_id) if isinstance(visit_id, str) else None
    except KeyError:
        return False
    return visit is not None and (not visit.scheduled or "unscheduled" in visit.roles)


def submission_key(record: Mapping[str, Any], study: Study) -> SubmissionKey | None:
    """What may exist only once for this record: None when any number may exist."""
    kind = record.get("kind")
    pid = str(record.get("participant_id"))
    if kind in ONE_PER_PARTICIPANT:
        return (pid, kind)
    if is_home_entry(record):   # issue 24: (participant, kind, "", instrument, diary date) for a daily diary
        return home_submission_key(record, study)
    if kind not in ONE_PER_VISIT or repeatable_visit(study, record.get("visit_id")):
        return None
    return (pid, kind, str(record.get("visit_id")), str(record.get("instrument_id") or ""))


def already_submitted(record: Mapping[str, Any], existing_record_id: str) -> RecordAlreadySubmitted:
    """The refusal of ``record``: ``existing_record_id`` holds the same participant, visit and instrument."""
    kind = record.get("kind")
    what = {"instrument_response": f"{record.get('instrument_id')} at visit {record.get('visit_id')}",
            "visit_missed": f"a missed-visit record for visit {record.get('visit_id')}",
            "disposition": "a disposition"}.get(str(kind), str(kind))
    if is_home_entry(record):
        data = record.get("data")
        what = (f"a {record.get('instrument_id')} home entry for diary date "
                f"{data.get(DIARY_DATE) if isinstance(data, Mapping) else None}")
    return RecordAlreadySubmitted([FieldProblem(
        "record_id", record.get("record_id"), f"{existing_record_id} (correct it with a new revision)",
        f"record_id: participant {record.get('participant_id')} already has {what} in record "
        f"{existing_record_id}; correct that record (a new revision with a reason) instead of sending a "
        "second one", "record.already_submitted", {"existing_record_id": existing_record_id})],
        existing_record_id=existing_record_id)
