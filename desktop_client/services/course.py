"""The course of a participant's study as staff record it in nurse mode: disposition (completed or
discontinued), missed visits with their reason, and protocol deviations. Rules in shared/disposition.py and
shared/deviations.py; one disposition per participant and one missed-visit record per visit
(shared/submissions.py): a change is a correction of that record, with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared import deviations
from shared import disposition as dispositions
from shared.disposition import Disposition
from shared.records import new_record
from shared.validation import validate_record


def _status_of(participant_id: str, data: Mapping[str, Any]) -> Any:
    """Write the participant's disposition status in the same transaction (the kiosk stops offering them)."""
    def write(conn: Any) -> None:
        conn.execute("UPDATE participants SET status = ? WHERE participant_id = ?", (data["status"], participant_id))
    return write


def _save_new(station: Station, participant_id: str, kind: str, data: Mapping[str, Any], *, actor: str,
              visit_id: str | None = None, extra: Any = None) -> dict[str, Any]:
    record = new_record(kind=kind, study_id=station.study.study.id, study_version=station.study.study.version,
                        site_id=station.site_id, participant_id=participant_id, data=data, entered_by=actor,
                        device_id=station.device_id, visit_id=visit_id, timezone=station.site_timezone)
    validate_record(record, station.study, arm_code=station.participant_arm(participant_id),
                    consent_date=station.participant_consent(participant_id))
    recording.refuse_second_submission(station, record)
    store_records.save_record(station.store, record, actor=actor, extra=extra)
    return record


def disposition_data(status: str, day: date, reason: str | None = None,
                     reason_text: str | None = None) -> dict[str, Any]:
    """The ``data`` of a disposition record (what the nurse form fills in)."""
    text = (reason_text or "").strip() or None
    return {"status": status, "date": day.isoformat(), "reason": reason, "reason_text": text}


def record_disposition(station: Station, participant_id: str, data: Mapping[str, Any], *, actor: str,
                       correction_reason: str | None = None) -> dict[str, Any]:
    """Save the participant's disposition; when one exists already, a correction of it (``correction_reason``
    required: without it RecordAlreadySubmitted names the existing record). Raises RecordInvalid."""
    existing = current_disposition_record(station, participant_id)
    if existing is not None and correction_reason:
        saved = recording.correct_record(station, existing["record_id"], data=data, reason=correction_reason,
                                         actor=actor)
        with station.store.transaction() as conn:
            _status_of(participant_id, saved["data"])(conn)
        return saved
    return _save_new(station, participant_id, dispositions.KIND, data, actor=actor,
                     extra=_status_of(participant_id, data))


def current_disposition_record(station: Station, participant_id: str) -> dict[str, Any] | None:
    """The newest revision of the participant's disposition record on this station, if any."""
    found = store_records.records_of(station.store, participant_id, kind=dispositions.KIND)
    return found[-1] if found else None


def disposition_of(station: Station, participant_id: str) -> Disposition | None:
    """The participant's disposition as this station knows it (None: on study)."""
    return dispositions.disposition_of(store_records.records_of(station.store, participant_id,
                                                                kind=dispositions.KIND))


def record_visit_missed(station: Station, participant_id: str, visit_id: str, reason: str, *,
                        actor: str) -> dict[str, Any]:
    """Record that a scheduled visit did not take place, and why (a protocol deviation by rule)."""
    return _save_new(station, participant_id, deviations.MISSED_KIND, {"reason": reason.strip()}, actor=actor,
                     visit_id=visit_id)


def record_deviation(station: Station, participant_id: str, *, category: str, description: str, day: date,
                     severity: str, actor: str, visit_id: str | None = None) -> dict[str, Any]:
    """Record a protocol deviation staff observed (any number per participant)."""
    data = {"category": category, "description": description.strip(), "date": day.isoformat(),
            "severity": severity}
    return _save_new(station, participant_id, deviations.KIND, data, actor=actor, visit_id=visit_id)


def deviations_of(station: Station, participant_id: str) -> list[dict[str, Any]]:
    """The staff-recorded deviations of a participant on this station, oldest first."""
    return store_records.records_of(station.store, participant_id, kind=deviations.KIND)


def missed_visits_of(station: Station, participant_id: str) -> dict[str, str]:
    """visit id -> the reason staff gave, for each visit recorded as missed on this station."""
    return {r["visit_id"]: r["data"].get("reason") or "" for r in
            store_records.records_of(station.store, participant_id, kind=deviations.MISSED_KIND)}
