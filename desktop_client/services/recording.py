"""Recording what participants and clinicians enter: validate with shared/, save in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop_client.services.station import Station
from desktop_client.store import records as store_records
from shared.instruments import get_instrument
from shared.records import corrected, new_record
from shared.submissions import already_submitted, submission_key
from shared.validation import validate_record

PARTICIPANT = "participant"  # the respondent of the instruments the kiosk asks


def build_instrument_record(station: Station, *, participant_id: str, visit_id: str, instrument_id: str,
                            answers: Mapping[str, Any], entered_by: str,
                            language: str | None = None) -> dict[str, Any]:
    """A validated, unsaved record of one instrument's answers, at the version the study file names (the newest
    installed one for an instrument the study does not use). Raises RecordInvalid."""
    try:
        instrument = station.study.instrument(instrument_id)
    except KeyError:
        instrument = get_instrument(instrument_id)
    record = new_record(kind="instrument_response", study_id=station.study.study.id,
                        study_version=station.study.study.version, site_id=station.site_id,
                        participant_id=participant_id, data=answers, entered_by=entered_by,
                        device_id=station.device_id, visit_id=visit_id, instrument_id=instrument.id,
                        instrument_version=instrument.version, language=language,
                        timezone=station.site_timezone)
    validate_record(record, station.study, arm_code=station.participant_arm(participant_id),
                    consent_date=station.participant_consent(participant_id))
    return record


def existing_submission(station: Station, record: Mapping[str, Any]) -> str | None:
    """The id of the record this station holds under the same submission key (participant × visit ×
    instrument, missed visit, disposition: ``shared.submissions``), None when there is none.

    The station knows only its own records and those sent back to it: the server checks again for all."""
    key = submission_key(record, station.study)
    if key is None:
        return None
    for other in store_records.records_of(station.store, record["participant_id"], kind=record["kind"]):
        if other["record_id"] != record["record_id"] and submission_key(other, station.study) == key:
            return str(other["record_id"])
    return None


def refuse_second_submission(station: Station, record: Mapping[str, Any]) -> None:
    """Raise RecordAlreadySubmitted (naming the existing record) when this station holds one already."""
    existing = existing_submission(station, record)
    if existing is not None:
        raise already_submitted(record, existing)


def record_instrument(station: Station, *, participant_id: str, visit_id: str, instrument_id: str,
                      answers: Mapping[str, Any], entered_by: str) -> dict[str, Any]:
    """Validate and save one instrument response; returns the saved record after COMMIT.

    Raises RecordAlreadySubmitted when the participant has this instrument at this visit already."""
    record = build_instrument_record(station, participant_id=participant_id, visit_id=visit_id,
                                     instrument_id=instrument_id, answers=answers, entered_by=entered_by)
    refuse_second_submission(station, record)
    store_records.save_record(station.store, record, actor=entered_by)
    return record


def record_vas(station: Station, *, participant_id: str, visit_id: str, vas_mm: int,
               entered_by: str = "participant") -> dict[str, Any]:
    """Record the patient global assessment (role patient_global: mm on the 100 mm line, its one item)."""
    inst = station.study.instrument_with_role("patient_global")
    if inst is None:
        raise KeyError("the study has no instrument with the role patient_global")
    return record_instrument(station, participant_id=participant_id, visit_id=visit_id,
                             instrument_id=inst.id, answers={inst.items[0].id: vas_mm}, entered_by=entered_by)


def submit_visit(station: Station, *, participant_id: str, visit_id: str,
                 answers_by_instrument: Mapping[str, Mapping[str, Any]], entered_by: str,
                 language: str | None = None, correction_reason: str | None = None) -> list[dict[str, Any]]:
    """Validate every instrument of a kiosk submission, then save them all in ONE transaction.

    ``language`` is the language the participant read the questions in (wording changes answers, so it
    is kept with each record and exported). An instrument this station already holds for the participant
    and visit is refused (RecordAlreadySubmitted, naming that record) unless ``correction_reason`` is given:
    then its answers become the next revision of that record, with the reason.
    """
    recs = []
    for inst_id, answers in answers_by_instrument.items():
        rec = build_instrument_record(station, participant_id=participant_id, visit_id=visit_id,
                                      instrument_id=inst_id, answers=answers, entered_by=entered_by,
                                      language=language)
        existing = existing_submission(station, rec)
        if existing is not None:
            if not correction_reason:
                raise already_submitted(rec, existing)
            rec = corrected(store_records.latest(station.store, existing), data=answers,
                            reason=correction_reason, entered_by=entered_by)
            rec.update(device_id=station.device_id, language=language)
            validate_record(rec, station.study, arm_code=station.participant_arm(participant_id),
                            consent_date=station.participant_consent(participant_id))
        recs.append(rec)
    store_records.save_records(station.store, recs, actor=entered_by)
    return recs


def correct_record(station: Station, record_id: str, *, data: Mapping[str, Any], reason: str,
                   actor: str, priority: int = store_records.PRIORITY_NORMAL) -> dict[str, Any]:
    """Save a corrected revision with a reason; the old value stays in the audit.

    ``priority`` orders the outbox (a correction of a serious adverse event is sent first)."""
    def check(record: dict[str, Any]) -> None:
        record["device_id"] = station.device_id
        pid = record["participant_id"]
        validate_record(record, station.study, arm_code=station.participant_arm(pid),
                        consent_date=None if record["kind"] in ("enrolment", "screening")
                        else station.participant_consent(pid))

    return store_records.save_correction(station.store, record_id, data=data, reason=reason, actor=actor,
                                         validate=check, priority=priority)


def answered_visits(station: Station, participant_id: str) -> set[str]:
    """Visit ids at which this participant already submitted kiosk answers on this station."""
    return {r["visit_id"] for r in store_records.records_of(station.store, participant_id,
                                                              kind="instrument_response")
            if r.get("visit_id") and get_instrument(r["instrument_id"]).respondent == PARTICIPANT}
