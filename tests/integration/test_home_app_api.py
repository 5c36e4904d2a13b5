"""The participant app's server side over real HTTP on SQLite and PostgreSQL (issue 24): activation once only,
expiry, rate limit, the config of the credential's participant, home entries synced exactly once and nothing
outside the credential's scope, revocation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select, update

from desktop_client.services import recording
from desktop_client.store import station as station_settings
from server.services import devices as device_service
from server.services import home_app
from server.storage.tables import app_activation_codes, audit_log, devices, participants, records, sync_conflicts
from shared.errors import AppActivationRefused
from shared.records import corrected, new_record, record_hash
from shared.site_time import site_today
from shared.sync.protocol import build_request
from tests.factories import enrol_participant, enrolled_station, screen_participant
from tests.live_server import ThreadServer


@pytest.fixture
def clinic(tmp_path: Path, server: ThreadServer) -> Iterator[dict[str, Any]]:
    """A kiosk with two randomised participants (A and B) and one only screened, synced to the server."""
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    a, b = enrol_participant(station), enrol_participant(station)
    screened = screen_participant(station)
    engine.sync()
    yield {"station": station, "engine": engine, "a": a, "b": b, "screened": screened}
    engine.close()
    station.store.close()


def _code(server: ThreadServer, pid: str) -> str:
    with server.ctx.engine.begin() as conn:
        return home_app.create_code(conn, server.ctx.study, participant_id=pid, actor="staff:nurse.a").code


def _activate(server: ThreadServer, code: str, label: Any = "phone") -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/app/activate", json={"code": code, "label": label}, timeout=30)


def _phone(server: ThreadServer, pid: str) -> dict[str, Any]:
    resp = _activate(server, _code(server, pid))
    assert resp.status_code == 201, resp.text
    return resp.json()


def _entry(server: ThreadServer, phone: dict[str, Any], *, instrument: str = "home_dosing",
           data: dict[str, Any] | None = None, **change: Any) -> dict[str, Any]:
    study = server.ctx.study
    site = study.site(phone["site_id"])
    version = study.home.diary(instrument).version if study.home.diary(instrument) else "1.0"
    rec = new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                     site_id=phone["site_id"], participant_id=phone["participant_id"], data={},
                     entered_by="participant", device_id=phone["device_id"], instrument_id=instrument,
                     instrument_version=version, language="zh", timezone=site.timezone)
    rec["data"] = data if data is not None else _doses(server, phone)
    rec.update(change)
    return rec


def _doses(server: ThreadServer, phone: dict[str, Any], day: str | None = None) -> dict[str, Any]:
    with server.ctx.engine.connect() as conn:
        arm = conn.execute(select(participants.c.arm).where(
            participants.c.participant_id == phone["participant_id"])).scalar_one()
    drugs = sorted(server.ctx.study.arm(arm).drugs)
    doses = {d: {"taken": True, "time_taken": "08:00"} for d in drugs}
    return {"diary_date": day or site_today(server.ctx.study).isoformat(), "doses": doses}


def _sync(server: ThreadServer, token: str, recs: list[dict[str, Any]]) -> httpx.Response:
    body = build_request(study_version=server.ctx.study.study.version, corrections_cursor=0,
                         items=[(r, record_hash(r)) for r in recs])
    return httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(body), timeout=30,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def _stored(server: ThreadServer, record_id: str) -> int:
    with server.ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(records)
                            .where(records.c.record_id == record_id)).scalar_one()


def test_an_activation_code_works_once_and_the_server_keeps_no_secret(clinic: dict, server: ThreadServer) -> None:
    code = _code(server, clinic["a"])
    first = _activate(server, code.lower().replace("-", " "))   # typed forgivingly, like a kiosk code
    assert first.status_code == 201, first.text
    phone = first.json()
    assert phone["participant_id"] == clinic["a"] and phone["site_id"] == "PKU"
    assert phone["study_id"] == server.ctx.study.study.id and phone["timezone"] == "Asia/Shanghai"
    assert len(phone["device_secret"]) == 43 and phone["token"]
    again = _activate(server, code)
    assert again.status_code == 403 and again.json()["code"] == "app.activation_code_invalid"
    with server.ctx.engine.connect() as conn:
        row = conn.execute(select(devices).where(devices.c.device_id == phone["device_id"])).one()
        dump = json.dumps([list(r) for r in conn.execute(select(audit_log)).all()] +
                          [list(r) for r in conn.execute(select(app_activation_codes)).all()], default=str)
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert row.kind == "participant_app" and row.participant_id == clinic["a"]
    assert phone["token"] not in str(list(row)) and phone["device_secret"] not in dump and code not in dump
    assert {"app.code_create", "app.activate"} <= set(actions)


def test_an_expired_code_is_refused_and_so_is_a_participant_off_study(clinic: dict, server: ThreadServer) -> None:
    code = _code(server, clinic["a"])
    with server.ctx.engine.begin() as conn:
        conn.execute(update(app_activation_codes).values(expires_at="2020-01-01T00:00:00.000Z"))
    resp = _activate(server, code)
    assert resp.status_code == 403 and resp.json()["code"] == "app.activation_code_invalid"
    with pytest.raises(AppActivationRefused, match="not randomised"):
        _code(server, clinic["screened"])
    code = _code(server, clinic["b"])
    with server.ctx.engine.begin() as conn:   # discontinued between the code and the phone
        conn.execute(update(participants).where(participants.c.participant_id == clinic["b"])
                     .values(status="discontinued"))
    resp = _activate(server, code)
    assert resp.status_code == 409 and resp.json()["code"] == "app.activation_refused"
    assert "still on study" in resp.json()["detail"]


def test_activation_is_rate_limited_like_kiosk_enrolment(clinic: dict, server: ThreadServer) -> None:
    code = _code(server, clinic["a"])
    wrong = "0000-0000-0000-0000"
    statuses = [_activate(server, wrong).status_code for _ in range(device_service.MAX_FAILURES_PER_CODE)]
    assert statuses == [403] * device_service.MAX_FAILURES_PER_CODE
    limited = _activate(server, wrong)
    assert limited.status_code == 429 and limited.json()["code"] == "app.activation_rate_limited"
    for n in range(home_app.MAX_FAILURES_PER_ADDRESS):
        _activate(server, f"0000-0000-0000-{n:04d}")
    assert _activate(server, code).status_code == 429   # this address is blocked, even with a good code
    kiosk = httpx.post(f"{server.url}/api/v1/devices/enrol", json={"code": "0000-0000-0002-0000", "label": "room 3"},
                       timeout=30)
    assert kiosk.status_code == 403   # kiosk enrolment counts on its own: refused as a bad code, not blocked


def test_junk_codes_are_refused_in_the_phones_words_and_block_nobody(clinic: dict, server: ThreadServer) -> None:
    """A malformed code is refused before it counts (anyone behind a hospital's NAT could otherwise block every
    activation); the phone's address allows more failures than a kiosk's; the words are the phone's."""
    assert home_app.MAX_FAILURES_PER_ADDRESS > device_service.MAX_FAILURES_PER_ADDRESS
    for junk in ["1234", "x" * 30, "0000-0000-0000-000U"] * 10:
        resp = _activate(server, junk)
        assert resp.status_code == 422 and resp.json()["code"] == "app.activation_code_malformed"
        assert "kiosk" not in resp.json()["detail"] and "trialpro-server" not in resp.json()["detail"]
        assert "clinic gave you" in resp.json()["detail"]
    for n in range(device_service.MAX_FAILURES_PER_ADDRESS):   # as many bad codes as would block a kiosk
        assert _activate(server, f"0000-0000-0001-{n:04d}").status_code == 403
    assert _activate(server, _code(server, clinic["a"])).status_code == 201


def test_the_app_addresses_speak_to_a_phone_not_a_kiosk(clinic: dict, server: ThreadServer) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        resp = httpx.get(f"{server.url}/api/v1/app/config", headers=headers, timeout=30)
        assert resp.status_code == 401 and resp.json()["code"] == "app.credential_required"
        assert "kiosk" not in resp.json()["detail"] and "activate the app" in resp.json()["detail"]


def test_the_config_holds_the_participants_arm_drugs_and_schemas_only(clinic: dict, server: ThreadServer) -> None:
    phone = _phone(server, clinic["a"])
    resp = httpx.get(f"{server.url}/api/v1/app/config", headers={"Authorization": f"Bearer {phone['token']}"},
                     timeout=30)
    assert resp.status_code == 200, resp.text
    config = resp.json()
    study = server.ctx.study
    with server.ctx.engine.connect() as conn:
        arm = conn.execute(select(participants.c.arm).where(participants.c.participant_id == clinic["a"])).scalar_one()
    assert sorted(d["id"] for d in config["drugs"]) == sorted(study.arm(arm).drugs)
    assert config["participant_id"] == clinic["a"] and config["today"] == site_today(study).isoformat()
    assert [(d["instrument_id"], d["schedule"]) for d in config["diaries"]] == [
        (d.instrument, d.schedule) for d in study.home.diaries]
    dosing = config["diaries"][0]
    assert dosing["role"] == "home_dosing" and dosing["title"]["zh"] and dosing["items"][0]["choices"]
    doses = dosing["schema"]["properties"]["doses"]
    assert sorted(doses["required"]) == sorted(study.arm(arm).drugs) and doses["additionalProperties"] is False
    for diary in config["diaries"]:
        Draft202012Validator.check_schema(diary["schema"])
    rec = _entry(server, phone)
    assert Draft202012Validator(config["envelope_schema"]).is_valid(rec)
    assert Draft202012Validator(dosing["schema"], format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(
        rec["data"])
    assert config["entered"] == []
    kiosk_token = station_settings.get(clinic["station"].store, station_settings.DEVICE_TOKEN)
    as_kiosk = httpx.get(f"{server.url}/api/v1/app/config", headers={"Authorization": f"Bearer {kiosk_token}"},
                         timeout=30)
    assert as_kiosk.status_code == 403 and as_kiosk.json()["code"] == "auth.forbidden"
    assert httpx.get(f"{server.url}/api/v1/app/config", timeout=30).status_code == 401


def test_a_home_entry_is_stored_once_and_a_retry_is_already_stored(clinic: dict, server: ThreadServer) -> None:
    phone = _phone(server, clinic["a"])
    rec = _entry(server, phone)
    answer = _sync(server, phone["token"], [rec]).json()
    assert answer["results"][0]["status"] == "stored", answer
    assert set(answer["downstream"]) == {"study_version", "participant_id", "entered"}   # nothing of the site
    assert answer["downstream"]["entered"] == [{"instrument_id": "home_dosing", "diary_date": rec["data"]["diary_date"],
                                                "record_id": rec["record_id"], "revision": 1}]
    again = _sync(server, phone["token"], [rec]).json()
    assert again["results"][0]["status"] == "already_stored" and _stored(server, rec["record_id"]) == 1
    second = _entry(server, phone)   # another record for the same day of a daily diary
    (result,) = _sync(server, phone["token"], [second]).json()["results"]
    assert result["status"] == "rejected" and result["code"] == "record.already_submitted"
    assert result["existing_record_id"] == rec["record_id"] and _stored(server, second["record_id"]) == 0
    fixed = corrected(rec, data={**rec["data"], "doses": {d: {"taken": False, "missed_reason": "forgot"}
                                                          for d in rec["data"]["doses"]}},
                      reason="I did not take it after all", entered_by="participant")
    answer = _sync(server, phone["token"], [fixed]).json()   # a correction of that day: revision 2
    assert answer["results"][0]["status"] == "stored", answer
    assert answer["downstream"]["entered"][0]["revision"] == 2 and _stored(server, rec["record_id"]) == 2
    with server.ctx.engine.connect() as conn:
        diary_date, device_id = conn.execute(select(records.c.diary_date, records.c.device_id)
                                             .where(records.c.record_id == rec["record_id"],
                                                    records.c.revision == 1)).one()
    assert diary_date == rec["data"]["diary_date"] and device_id == phone["device_id"]


def _rejected(server: ThreadServer, phone: dict[str, Any], rec: dict[str, Any]) -> dict[str, Any]:
    (result,) = _sync(server, phone["token"], [rec]).json()["results"]
    assert result["status"] == "rejected", result
    assert _stored(server, rec["record_id"]) == 0
    return result


def test_a_credential_of_one_participant_cannot_write_another_or_anything_but_home_diaries(
        clinic: dict, server: ThreadServer) -> None:
    phone = _phone(server, clinic["a"])
    other = {**phone, "participant_id": clinic["b"]}
    result = _rejected(server, phone, _entry(server, other, data=_doses(server, other)))
    assert result["code"] == "app.participant_mismatch"
    (p,) = result["problems"]
    assert (p["field"], p["value"], p["allowed"]) == ("participant_id", clinic["b"], clinic["a"])
    kiosk_form = recording.build_instrument_record(clinic["station"], participant_id=clinic["a"],
                                                   visit_id="baseline", instrument_id="patient_global_vas",
                                                   answers={"activity": 40}, entered_by="participant")
    kiosk_form["device_id"] = phone["device_id"]
    result = _rejected(server, phone, kiosk_form)
    assert result["code"] == "app.instrument_not_home" and result["problems"][0]["field"] == "instrument_id"
    assert result["problems"][0]["value"] == "patient_global_vas" and result["rule"]
    for change, field, code in (({"device_id": "dev-someone-else"}, "device_id", "record.wrong_device"),
                                ({"entered_by": "staff:nurse.a"}, "entered_by", "app.entered_by_not_participant"),
                                ({"visit_id": "week2"}, "visit_id", "app.instrument_not_home")):
        result = _rejected(server, phone, _entry(server, phone, **change))
        assert result["code"] == code and result["problems"][0]["field"] == field, result
        assert result["problems"][0]["value"] == change[field]


def test_a_diary_date_before_activation_or_in_the_future_is_refused(clinic: dict, server: ThreadServer) -> None:
    phone = _phone(server, clinic["a"])
    today = site_today(server.ctx.study)
    for day, code in ((today - timedelta(days=1), "home.diary_date_too_early"),
                      (today + timedelta(days=1), "home.diary_date_future")):
        result = _rejected(server, phone, _entry(server, phone, data=_doses(server, phone, day.isoformat())))
        assert result["code"] == "record.time_implausible"
        assert [(p["field"], p["code"]) for p in result["problems"]] == [("data.diary_date", code)]


def test_symptoms_at_home_any_number_and_a_kiosk_sends_no_home_entry(clinic: dict, server: ThreadServer) -> None:
    phone = _phone(server, clinic["a"])
    study = server.ctx.study
    when_occurs = next(d for d in study.home.diaries if d.schedule == "when_occurs")
    with server.ctx.engine.connect() as conn:
        arm = conn.execute(select(participants.c.arm).where(participants.c.participant_id == clinic["a"])).scalar_one()
    asked = study.instrument(when_occurs.instrument).items_for(study.arm(arm).drugs)
    flag = next(it for it in asked if it.response.value == "boolean")   # one symptom, with its severity
    severity = next(it for it in asked if it.required_if and it.required_if.item_id == flag.id)
    answers = {flag.id: True, severity.id: severity.choices[0].code}
    day = site_today(study).isoformat()
    recs = [_entry(server, phone, instrument=when_occurs.instrument, data={"diary_date": day, **answers})
            for _ in range(2)]
    assert [r["status"] for r in _sync(server, phone["token"], recs).json()["results"]] == ["stored", "stored"]
    kiosk_token = station_settings.get(clinic["station"].store, station_settings.DEVICE_TOKEN)
    from_kiosk = _entry(server, phone, device_id=clinic["station"].device_id)
    (result,) = _sync(server, kiosk_token, [from_kiosk]).json()["results"]
    assert result["status"] == "rejected" and result["code"] == "app.home_entry_not_from_app"


def test_a_phone_entry_with_a_character_xml_cannot_carry_is_refused_alone(clinic: dict, server: ThreadServer) -> None:
    """The phone path keeps the kiosk's rule: the entry is refused naming field, escaped value and rule; the
    other entry of the batch is stored."""
    phone = _phone(server, clinic["a"])
    doses = _doses(server, phone)
    doses["doses"] = {d: {"taken": False, "missed_reason": "forgot\x1b"} for d in doses["doses"]}
    bell = _entry(server, phone, data=doses)
    study = server.ctx.study
    when_occurs = next(d for d in study.home.diaries if d.schedule == "when_occurs")
    with server.ctx.engine.connect() as conn:
        arm = conn.execute(select(participants.c.arm).where(participants.c.participant_id == clinic["a"])).scalar_one()
    asked = study.instrument(when_occurs.instrument).items_for(study.arm(arm).drugs)
    flag = next(it for it in asked if it.response.value == "boolean")
    severity = next(it for it in asked if it.required_if and it.required_if.item_id == flag.id)
    good = _entry(server, phone, instrument=when_occurs.instrument,
                  data={"diary_date": doses["diary_date"], flag.id: True, severity.id: severity.choices[0].code})
    refused, stored = _sync(server, phone["token"], [bell, good]).json()["results"]
    assert stored["status"] == "stored", stored
    assert refused["status"] == "rejected" and refused["code"] == "record.character_not_xml", refused
    (problem,) = refused["problems"]
    assert problem["field"].startswith("data.doses.") and problem["field"].endswith(".missed_reason")
    assert problem["value"] == "forgot\\u001b" and problem["params"] == {"character": "U+001B"}
    assert "XML 1.0" in refused["rule"]
    assert _stored(server, bell["record_id"]) == 0 and _stored(server, good["record_id"]) == 1


def test_a_revoked_phone_gets_403_and_nothing_is_stored(clinic: dict, server: ThreadServer) -> None:
    phone = _phone(server, clinic["a"])
    with server.ctx.engine.begin() as conn:
        device_service.revoke(conn, phone["device_id"], actor="test", reason="phone lost")
    resp = _sync(server, phone["token"], [_entry(server, phone)])
    assert resp.status_code == 403 and resp.json()["code"] == "device.revoked"
    config = httpx.get(f"{server.url}/api/v1/app/config", headers={"Authorization": f"Bearer {phone['token']}"},
                       timeout=30)
    assert config.status_code == 403 and config.json()["code"] == "device.revoked"
    with server.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)
                            .where(records.c.device_id == phone["device_id"])).scalar_one() == 0


def test_a_phone_learns_nothing_of_another_participants_record_id(clinic: dict, server: ThreadServer) -> None:
    """Revision 1 or 2 of a record id the server holds for participant B, sent by A's phone: refused with a
    message that names neither B nor the record's kind, and no conflict kept aside (it used to be one)."""
    phone = _phone(server, clinic["a"])
    with server.ctx.engine.connect() as conn:
        theirs, kind = conn.execute(select(records.c.record_id, records.c.kind).where(
            records.c.participant_id == clinic["b"], records.c.revision == 1)).first()
    first = _entry(server, phone, record_id=theirs)
    second = _entry(server, phone, record_id=theirs, revision=2, correction_reason="typo",
                    data=_doses(server, phone, (site_today(server.ctx.study) - timedelta(days=1)).isoformat()))
    resp = _sync(server, phone["token"], [first, second])
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "app.record_id_taken")] * 2
    said = json.dumps(results)
    assert clinic["b"] not in said and kind not in said and "participant_id" not in said
    with server.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sync_conflicts)).scalar_one() == 0
    assert _stored(server, theirs) == 1
