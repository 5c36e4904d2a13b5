"""A data manager corrects a kiosk's VAS on the web page; the kiosk holds the new revision after its next sync."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from sqlalchemy import select

from desktop_client.services import recording
from desktop_client.store import records as store_records
from server.services.users import add_user
from server.storage.tables import audit_log
from tests.factories import FAST_HASHER, enrol_participant, enrolled_station
from tests.live_server import ThreadServer

PASSWORD = "data-manager-password"


def test_a_web_correction_reaches_the_kiosk_at_its_next_sync(tmp_path: Path, server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    vas = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=64)
    engine.sync()
    with server.ctx.engine.begin() as conn:
        add_user(conn, username="dm.li", password=PASSWORD, roles=["data_manager"], sites=["PKU"], actor="test",
                 password_hasher=FAST_HASHER)

    with httpx.Client(base_url=server.url, timeout=30) as web:
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/signin").text).group(1)  # type: ignore
        assert web.post("/signin", data={"csrf_token": token, "username": "dm.li",
                                         "password": PASSWORD}).status_code == 302
        form = web.get(f"/records/{vas['record_id']}/correct")
        assert form.status_code == 200 and 'value="64"' in form.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        saved = web.post(f"/records/{vas['record_id']}/correct",
                         data={"csrf_token": token, "f_activity": "46", "reason": "paper back-up says 46 mm"})
        assert saved.status_code == 302 and saved.headers["location"] == f"/participants/{pid}"

    with server.ctx.engine.connect() as conn:
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "instrument_response.correct")).one()
    assert (entry.actor, json.loads(entry.old), json.loads(entry.new), entry.reason) == \
        ("user:dm.li", {"activity": 64}, {"activity": 46}, "paper back-up says 46 mm")

    assert store_records.latest(station.store, vas["record_id"])["revision"] == 1
    assert engine.sync().corrections_applied == 1
    latest = store_records.latest(station.store, vas["record_id"])
    assert (latest["revision"], latest["data"], latest["correction_reason"]) == \
        (2, {"activity": 46}, "paper back-up says 46 mm")
    engine.close()
    station.store.close()
