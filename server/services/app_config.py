"""``GET /api/v1/app/config`` (issue 24): everything the participant's app needs to show and check its diaries,
read for the participant its credential names, and nothing of anyone else.

The diaries are the study file's ``[home]`` diaries, each with the instrument file's items as asked of the
participant's arm, a JSON Schema (2020-12) of the entry's ``data`` generated from ``shared/``
(``shared.json_schema``) and the rules a schema cannot state (``rules``, checked by the server). ``drugs`` are
the participant's arm's drugs only. Once the participant has a disposition, ``last_diary_date`` is its date (the
server takes no entry about a later day); a participant who withdrew consent gets no config at all
(``app.participant_withdrawn``, 403: the app then stops and says the phone may no longer send the diary).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from server.services.devices import Device
from server.services.sync_home import participant_end
from server.storage import home_entries
from server.storage import participants as participant_store
from shared.errors import AppActivationRefused, AppParticipantWithdrawn
from shared.home import withdrawn_problem, withdrew_consent
from shared.instruments.model import Instrument
from shared.json_schema import answers_schema, envelope_schema, server_rules
from shared.site_time import site_today, site_zone
from shared.study.model import Study
from shared.sync.protocol import PROTOCOL_VERSION


def _text(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


def _at_least_one(inst: Instrument, drugs: frozenset[str]) -> dict[str, Any] | None:
    """The instrument's "answer at least one of these so" rule over the items asked of the arm (None: no rule);
    the app shows its message beside the first of them (the schema holds the rule itself)."""
    rule = inst.at_least_one
    items = rule.asked(tuple(it.id for it in inst.items_for(drugs))) if rule is not None else ()
    if rule is None or not items:
        return None
    return {"items": list(items), "value": rule.value, "message": rule.message.model_dump()}


def app_config(conn: Connection, study: Study, device: Device) -> dict[str, Any]:
    """The configuration of the participant app ``device`` (an authenticated app device)."""
    assert device.participant_id is not None and device.enrolled_at is not None
    pid = device.participant_id
    row = participant_store.details(conn, pid)
    if row is None:   # a randomised participant got the code; a randomisation is never removed
        raise AppActivationRefused(f"Participant {pid} is not randomised on this server.")
    ended = participant_end(conn, pid)
    if ended is not None and withdrew_consent(ended):
        raise AppParticipantWithdrawn([withdrawn_problem(pid, ended)], context="app's request")
    arm = study.arm(row["arm"])
    drugs = arm.drugs
    activated = datetime.fromisoformat(device.enrolled_at).astimezone(site_zone(study, device.site_id)).date()
    consent = date.fromisoformat(row["consent_date"]) if row["consent_date"] else study.study.start_date
    roles = {i.id: list(i.roles) for i in study.instruments}
    diaries = []
    for d in study.home.diaries:
        inst = study.instrument(d.instrument)
        diaries.append({
            "instrument_id": inst.id, "version": inst.version, "role": (roles.get(inst.id) or [None])[0],
            "roles": roles.get(inst.id, []), "schedule": d.schedule, "title": inst.title.model_dump(),
            "short_title": inst.short.model_dump(),
            "instructions": inst.instructions.model_dump() if inst.instructions else None,
            "items": [it.model_dump(mode="json", exclude_none=True) for it in inst.items_for(drugs)],
            "schema": answers_schema(inst, drugs), "rules": server_rules(inst, d.schedule),
            "at_least_one": _at_least_one(inst, drugs)})
    return {
        "protocol_version": PROTOCOL_VERSION, "study_id": study.study.id, "study_version": study.study.version,
        "participant_id": pid, "site_id": device.site_id, "device_id": device.device_id,
        "timezone": study.site(device.site_id).timezone, "today": site_today(study, device.site_id).isoformat(),
        "earliest_diary_date": max(consent, activated).isoformat(),
        "last_diary_date": ended.day.isoformat() if ended is not None else None,
        "drugs": [{"id": t.drug, "name": _text(study.drug(t.drug).label, study.drug(t.drug).label_zh)}
                  for t in arm.treatments],
        "diaries": diaries,
        "envelope_schema": envelope_schema(study_id=study.study.id, site_id=device.site_id, participant_id=pid,
                                           device_id=device.device_id, diaries=list(study.home.diaries)),
        "entered": home_entries.entered_of_participant(conn, pid),
    }
