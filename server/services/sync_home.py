"""What a sync from a participant's phone may carry and what it gets back (issue 24).

``home_scope`` runs first for every sent record, before validation: an app sends its own participant's home
diary entries only (``shared.home.check_app_scope``), dated no earlier than the day it was activated and, once
the participant has a disposition, as ``shared.home.after_disposition`` allows; a kiosk sends no home diary
entry. ``app_downstream`` is the whole answer a phone gets beside its per-record results: the study version and
the participant's own entries, never staff accounts, allocation blocks, queries or site state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from server.services.devices import Device
from server.storage import home_entries
from server.storage import records as record_store
from shared.disposition import KIND as DISPOSITION
from shared.disposition import Disposition, disposition_of
from shared.errors import AppRecordIdTaken, HomeEntryNotFromApp, RecordInvalid, RecordTimeImplausible
from shared.home import (
    after_disposition,
    check_app_scope,
    diary_date_before_activation,
    home_diary,
    is_home_entry,
)
from shared.site_time import site_zone
from shared.study.model import Study
from shared.values import problem


def participant_end(conn: Connection, participant_id: str) -> Disposition | None:
    """The participant's disposition as the server holds it (None: still on study)."""
    return disposition_of(record_store.current_of_kind(conn, participant_id, DISPOSITION))


def home_scope(conn: Connection, study: Study, device: Device, rec: Any) -> RecordInvalid | None:
    """The refusal of a record outside what ``device`` may send; None when it may send it."""
    if type(rec) is not dict and not isinstance(rec, Mapping):   # dict first: no ABC check per record
        return None
    if device.is_app:
        assert device.participant_id is not None and device.enrolled_at is not None
        refused = check_app_scope(rec, study, participant_id=device.participant_id, device_id=device.device_id)
        if refused is None:
            refused = _someone_elses_record(conn, rec, device.participant_id)
        if refused is None:
            refused = after_disposition(rec, participant_end(conn, device.participant_id))
        if refused is not None:
            return refused
        activated = datetime.fromisoformat(device.enrolled_at).astimezone(site_zone(study, device.site_id)).date()
        early = diary_date_before_activation(rec, activated)
        return RecordTimeImplausible([early]) if early is not None else None
    if is_home_entry(rec) and home_diary(study, rec) is not None:
        return HomeEntryNotFromApp([problem("device_id", rec.get("device_id"), "a participant's app",
                                            "is a kiosk; a home diary entry (visit_id null) comes from the "
                                            "participant's own app", "app.home_entry_not_from_app")])
    return None


def _someone_elses_record(conn: Connection, rec: Mapping[str, Any], participant_id: str) -> RecordInvalid | None:
    """A record id the server holds for another participant, refused before the store looks at it: the phone
    learns nothing of that record (no kind, no participant; no conflict kept aside from it)."""
    record_id = rec.get("record_id")
    if not isinstance(record_id, str):
        return None
    owner = record_store.identities(conn, {record_id}).get(record_id)
    if owner is None or owner["participant_id"] == participant_id:
        return None
    return AppRecordIdTaken([problem("record_id", record_id, "a new record id made on the phone, or one of this "
                                     "participant's own entries", "is not an id this phone may use: make a new "
                                     "record id for a new entry", "app.record_id_taken")])


def app_downstream(conn: Connection, study: Study, device: Device) -> dict[str, Any]:
    """What a phone gets back: the study version and its participant's home entries (newest revisions)."""
    assert device.participant_id is not None
    return {"study_version": study.study.version, "participant_id": device.participant_id,
            "entered": home_entries.entered_of_participant(conn, device.participant_id)}
