"""The clinical record staff keep in nurse mode: concomitant medication, medical history, vital signs and
pregnancy tests. Plain Python, no Qt: build the body, validate it with shared/ (the server checks it again),
save it with its audit entry and outbox row in one transaction; a correction is a new revision with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from desktop_client.services import recording
from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared.clinical_record import CLINICAL_KINDS, VISIT_KINDS
from shared.conmed import medication_exclusion
from shared.pregnancy import pregnancy_requirement, pregnancy_test_visits
from shared.records import new_record
from shared.validation import validate_record
from shared.vital_signs import vital_signs_visits


def record_entry(station: Station, participant_id: str, kind: str, data: Mapping[str, Any], *, actor: str,
                 visit_id: str | None = None) -> dict[str, Any]:
    """Validate and save a new entry of ``kind``; returns it after COMMIT. Raises RecordInvalid (or
    RecordTimeImplausible) naming every refused field; nothing is saved then."""
    if kind not in CLINICAL_KINDS:
        raise ValueError(f"{kind!r} is not a clinical-record kind")
    record = new_record(kind=kind, study_id=station.study.study.id, study_version=station.study.study.version,
                        site_id=station.site_id, participant_id=participant_id, data=dict(data), entered_by=actor,
                        device_id=station.device_id, visit_id=visit_id if kind in VISIT_KINDS else None,
                        timezone=station.site_timezone)
    validate_record(record, station.study, arm_code=station.participant_arm(participant_id),
                    consent_date=station.participant_consent(participant_id))
    store_records.save_record(station.store, record, actor=actor)
    return record


def correct_entry(station: Station, record_id: str, data: Mapping[str, Any], *, reason: str,
                  actor: str) -> dict[str, Any]:
    """Save a corrected revision of an entry with the reason; the earlier values stay in the audit."""
    return recording.correct_record(station, record_id, data=data, reason=reason, actor=actor)


def entries_of(station: Station, participant_id: str, kind: str) -> list[dict[str, Any]]:
    """The newest revision of every entry of ``kind`` of a participant, oldest first."""
    return store_records.records_of(station.store, participant_id, kind=kind)


def visits_for(station: Station, kind: str) -> list[str]:
    """The visit ids the study file takes ``kind`` at (empty for kinds that belong to no visit)."""
    if kind == "vital_signs":
        return vital_signs_visits(station.study)
    if kind == "pregnancy_test":
        return pregnancy_test_visits(station.study)
    return []


def medication_exclusion_of(station: Station, participant_id: str,
                            screening_date: date | None) -> tuple[str, str, dict[str, Any]] | None:
    """The study's medication exclusion assessed on what this kiosk holds of the participant."""
    return medication_exclusion(station.study, [r["data"] for r in entries_of(station, participant_id,
                                                                             "concomitant_medication")],
                                screening_date)


def pregnancy_requirement_of(station: Station, participant_id: str, *, childbearing_potential: bool | None,
                             first_dose: date | None) -> tuple[str, str, dict[str, Any]] | None:
    """The pregnancy-test requirement for randomisation, on what this kiosk holds of the participant."""
    tests = [r["data"] for r in entries_of(station, participant_id, "pregnancy_test")]
    return pregnancy_requirement(station.study, childbearing_potential=childbearing_potential, tests=tests,
                                 first_dose=first_dose)
