"""The clinical record travels like every record (issue 18): a kiosk's medications, history, vital signs and
pregnancy tests reach a real server over HTTP (SQLite and PostgreSQL), which checks them again with the same
rules; a correction is revision 2; a forged body or a participant-entered entry is refused, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlalchemy import select

from desktop_client.services import clinical_record as service
from desktop_client.store import station as station_settings
from server.storage.tables import records
from shared.records import new_record, record_hash
from shared.sync.protocol import build_request
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer

MEDICATION = {"name": "Hydroxychloroquine", "atc_class": "P01BA", "dose": 200, "dose_unit": "mg", "route": "ORAL",
              "frequency": "BID", "start_date": "2024-03", "end_date": None, "ongoing": True,
              "indication": "Sjogren's syndrome"}


def _stored(server: ThreadServer, kind: str) -> list[tuple[str, int, dict]]:
    with server.ctx.engine.connect() as conn:
        rows = conn.execute(select(records.c.record_id, records.c.revision, records.c.body)
                            .where(records.c.kind == kind).order_by(records.c.revision)).all()
    return [(r.record_id, r.revision, json.loads(r.body)["data"]) for r in rows]


def _post(server: ThreadServer, token: str, rec: dict) -> dict:
    body = build_request(study_version="1.0.0", corrections_cursor=0, items=[])
    body["records"] = [{"record": rec, "content_hash": record_hash(rec)}]
    resp = httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(body), timeout=30,
                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()["results"][0]


def test_every_kind_syncs_and_a_correction_is_revision_two(tmp_path: Path, server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    try:
        pid = enrol_participant(station)
        study = station.study
        med = service.record_entry(station, pid, "concomitant_medication", MEDICATION, actor="staff:nurse.a")
        service.record_entry(station, pid, "medical_history", {"condition": "Hypothyroidism", "start_date": "2019",
                                                               "ongoing": True}, actor="staff:nurse.a")
        service.record_entry(station, pid, "vital_signs", {"systolic_bp": 128, "diastolic_bp": 82, "weight": 58.5},
                             actor="staff:nurse.a", visit_id=study.clinical_record.vital_signs_visits[0])
        service.record_entry(station, pid, "pregnancy_test", {"test_date": station_today(station),
                                                              "method": "urine", "result": "negative"},
                             actor="staff:nurse.a", visit_id=study.clinical_record.pregnancy_test_visits[0])
        engine.sync()
        for kind in ("concomitant_medication", "medical_history", "vital_signs", "pregnancy_test"):
            assert len(_stored(server, kind)) == 1, kind
        service.correct_entry(station, med["record_id"], {**MEDICATION, "dose": 400}, reason="dose misread",
                              actor="staff:nurse.a")
        engine.sync()
        assert [(rev, data["dose"]) for _id, rev, data in _stored(server, "concomitant_medication")] == \
            [(1, 200), (2, 400)]
        assert station.waiting_to_send() == 0
    finally:
        engine.close()
        station.store.close()


def station_today(station: object) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(station.site_timezone)).date().isoformat()  # type: ignore[attr-defined]


def test_the_server_checks_again_and_refuses_forged_entries(tmp_path: Path, server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    try:
        pid = enrol_participant(station)
        engine.sync()
        token = str(station_settings.get(station.store, station_settings.DEVICE_TOKEN))

        def forged(kind: str, data: dict, entered_by: str = "staff:nurse.a", visit_id: str | None = None) -> dict:
            return new_record(kind=kind, study_id=station.study.study.id, study_version="1.0.0", site_id="PKU",
                              participant_id=pid, data=data, entered_by=entered_by, device_id=station.device_id,
                              visit_id=visit_id, timezone=station.site_timezone)

        visit = station.study.clinical_record.vital_signs_visits[0]
        hot = _post(server, token, forged("vital_signs", {"temperature": 98.6}, visit_id=visit))
        assert hot["status"] == "rejected" and hot["code"] == "record.invalid", hot
        problem = next(p for p in hot["problems"] if p["field"] == "data.temperature")
        assert problem["code"] == "vitals.implausible" and "Cel" in problem["allowed"]
        unlisted = _post(server, token, forged("concomitant_medication", {**MEDICATION, "atc_class": "Z99"}))
        assert unlisted["status"] == "rejected"
        assert [p["code"] for p in unlisted["problems"]] == ["conmed.atc_class_unknown"]
        by_participant = _post(server, token, forged("medical_history", {"condition": "Asthma", "ongoing": True},
                                                     entered_by="participant"))
        assert by_participant["status"] == "rejected" and by_participant["code"] == "record.entered_by_refused"
        for kind in ("concomitant_medication", "medical_history", "vital_signs"):
            assert _stored(server, kind) == []
    finally:
        engine.close()
        station.store.close()
