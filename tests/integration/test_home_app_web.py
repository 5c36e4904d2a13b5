"""Staff side of the home diary over real HTTP (issue 24): the participant page's "Home diary: activate" (site
staff who enter data, never a monitor), the code and its QR code, the CLI's app-code, app devices on the
devices page and their revocation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from server.cli import main as server_cli
from server.storage.tables import audit_log, devices
from tests.factories import STAFF_PASSWORD, enrol_participant, enrolled_station, server_staff
from tests.live_server import ThreadServer


@pytest.fixture
def randomised(tmp_path: Path, server: ThreadServer) -> Iterator[str]:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    engine.sync()
    yield pid
    engine.close()
    station.store.close()


def _signed_in(server: ThreadServer, username: str, role: str) -> httpx.Client:
    server_staff(server, username, roles=(role,))
    client = httpx.Client(base_url=server.url, timeout=30)
    token = _csrf(client.get("/signin").text)
    r = client.post("/signin", data={"csrf_token": token, "username": username, "password": STAFF_PASSWORD,
                                     "next": "/dashboard"})
    assert r.status_code == 302, r.text[:300]
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _activate(server: ThreadServer, code: str) -> dict[str, Any]:
    resp = httpx.post(f"{server.url}/api/v1/app/activate", json={"code": code, "label": "phone"}, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_a_nurse_gives_a_participant_a_code_and_qr_a_monitor_cannot(randomised: str, server: ThreadServer) -> None:
    nurse = _signed_in(server, "nurse.home", "nurse")
    page = nurse.get(f"/participants/{randomised}")
    assert page.status_code == 200 and "Home diary: activate" in page.text
    shown = nurse.post(f"/participants/{randomised}/home-diary", data={"csrf_token": _csrf(page.text)})
    assert shown.status_code == 200, shown.text[:500]
    code = re.search(r'id="app-code"[^>]*>([0-9A-Z-]{19})<', shown.text).group(1)  # type: ignore[union-attr]
    assert "<svg" in shown.text and f"/app/#activate={code}" in shown.text
    # staff signed in at 127.0.0.1 (the demo): the phone's link names localhost, an address WebAuthn accepts
    assert f"http://localhost:{server.port}/app/#activate={code}" in shown.text
    svg = shown.text.split("<svg")[1].split("</svg>")[0]
    assert "Content-Security-Policy" in shown.headers and "<script" not in svg
    phone = _activate(server, code)
    assert phone["participant_id"] == randomised
    refused = nurse.post(f"/participants/{randomised}/home-diary", data={})   # no CSRF token
    assert refused.status_code in (400, 403) and not re.search(r'id="app-code"', refused.text)
    monitor = _signed_in(server, "monitor.home", "monitor")
    page = monitor.get(f"/participants/{randomised}")
    assert page.status_code == 200 and "Home diary: activate" not in page.text
    assert monitor.post(f"/participants/{randomised}/home-diary",
                        data={"csrf_token": _csrf(page.text)}).status_code == 403
    with server.ctx.engine.connect() as conn:
        created = conn.execute(select(audit_log.c.actor).where(audit_log.c.action == "app.code_create")).scalars()
        assert list(created) == ["user:nurse.home"]   # the signed-in staff member


def test_the_cli_code_activates_a_phone_the_devices_page_lists_and_revokes_it(
        randomised: str, server: ThreadServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = server.ctx.config.data_dir
    if server.ctx.config.database_url:   # the CLI reaches PostgreSQL as an operator's would
        monkeypatch.setenv("DATABASE_URL", server.ctx.config.database_url)
    assert server_cli(["device", "app-code", randomised, "--data-dir", str(data_dir), "--server-url", server.url]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    code = printed[-1]   # the code is the last line (a script reads it)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code) and f"{server.url}/app/#activate={code}" in printed[-2]
    phone = _activate(server, code)
    admin = _signed_in(server, "admin.home", "admin")
    page = admin.get("/devices", params={"q": randomised})
    assert page.status_code == 200
    row = next(r for r in page.text.split("<tr>") if phone["device_id"] in r)
    assert "participant&#39;s phone" in row or "participant's phone" in row
    assert f">{randomised}</a>" in row and "Revoke" in row
    assert admin.post(f"/devices/{phone['device_id']}/revoke", data={"reason": "lost"}).status_code in (400, 403)
    done = admin.post(f"/devices/{phone['device_id']}/revoke",
                      data={"csrf_token": _csrf(page.text), "reason": "phone lost"})
    assert done.status_code == 302
    config = httpx.get(f"{server.url}/api/v1/app/config", headers={"Authorization": f"Bearer {phone['token']}"},
                       timeout=30)
    assert config.status_code == 403 and config.json()["code"] == "device.revoked"
    with server.ctx.engine.connect() as conn:
        assert conn.execute(select(audit_log.c.reason).where(audit_log.c.action == "device.revoke",
                                                             audit_log.c.entity_id == phone["device_id"])
                            ).scalar_one() == "phone lost"


def test_a_home_entry_leaves_the_participant_page_and_the_kiosks_sync_working(
        tmp_path: Path, server: ThreadServer) -> None:
    import json

    from shared.records import new_record, record_hash
    from shared.site_time import site_today
    from shared.sync.protocol import build_request

    station, engine = enrolled_station(tmp_path / "kiosk2", server)
    pid = enrol_participant(station)
    engine.sync()
    with server.ctx.engine.begin() as conn:
        from server.services import home_app

        code = home_app.create_code(conn, server.ctx.study, participant_id=pid, actor="test").code
    phone = _activate(server, code)
    study = server.ctx.study
    arm = study.arm(station.participant_arm(pid) or "")
    rec = new_record(kind="instrument_response", study_id=study.study.id, study_version=study.study.version,
                     site_id=phone["site_id"], participant_id=pid, entered_by="participant",
                     device_id=phone["device_id"], instrument_id="home_dosing", instrument_version="1.0",
                     language="en", timezone="Asia/Shanghai",
                     data={"diary_date": site_today(study).isoformat(),
                           "doses": {d: {"taken": False, "missed_reason": "forgot"} for d in arm.drugs}})
    body = build_request(study_version=study.study.version, corrections_cursor=0, items=[(rec, record_hash(rec))])
    answer = httpx.post(f"{server.url}/api/v1/sync", content=json.dumps(body), timeout=30,
                        headers={"Authorization": f"Bearer {phone['token']}", "Content-Type": "application/json"})
    assert answer.json()["results"][0]["status"] == "stored"
    nurse = _signed_in(server, "nurse.page", "nurse")
    assert nurse.get(f"/participants/{pid}").status_code == 200
    assert nurse.get(f"/records/{rec['record_id']}").status_code == 200
    manager = _signed_in(server, "dm.page", "data_manager")
    assert manager.get(f"/records/{rec['record_id']}/correct").status_code == 200
    engine.sync()   # the kiosk's downstream now holds a record made at no visit
    engine.close()
    station.store.close()


def test_a_new_code_voids_the_earlier_ones_and_the_nurse_revokes_the_participants_phones_only(
        randomised: str, server: ThreadServer) -> None:
    """Codes no longer pile up into phones: a new code voids the participant's unused ones (audited), and the
    nurse who issues codes revokes the participant's phones on the same page, and nothing else."""
    nurse = _signed_in(server, "nurse.void", "nurse")
    page = nurse.get(f"/participants/{randomised}")

    def issue() -> str:
        shown = nurse.post(f"/participants/{randomised}/home-diary", data={"csrf_token": _csrf(page.text)})
        assert shown.status_code == 200, shown.text[:500]
        return shown.text

    first, second = (re.search(r'id="app-code"[^>]*>([0-9A-Z-]{19})<', issue()).group(1)  # type: ignore[union-attr]
                     for _ in range(2))
    old = httpx.post(f"{server.url}/api/v1/app/activate", json={"code": first, "label": "phone"}, timeout=30)
    assert old.status_code == 403 and old.json()["code"] == "app.activation_code_invalid"
    phone = _activate(server, second)
    with server.ctx.engine.connect() as conn:
        voids = conn.execute(select(audit_log.c.actor, audit_log.c.new).where(
            audit_log.c.action == "app.code_void", audit_log.c.entity_id == randomised)).all()
        kiosk = conn.execute(select(devices.c.device_id).where(devices.c.kind == "kiosk")).scalars().first()
    assert len(voids) == 1 and voids[0].actor.endswith("nurse.void") and '"codes_voided": 1' in voids[0].new
    listed = issue()
    action = f"/participants/{randomised}/home-diary/phones/{phone['device_id']}/revoke"
    assert f'action="{action}"' in listed
    refused = nurse.post(f"/participants/{randomised}/home-diary/phones/{kiosk}/revoke",
                         data={"csrf_token": _csrf(listed)})
    assert refused.status_code == 403 and "may revoke the app devices (phones) of the participant" in refused.text
    done = nurse.post(action, data={"csrf_token": _csrf(listed), "reason": "phone lost"})
    assert done.status_code == 302
    config = httpx.get(f"{server.url}/api/v1/app/config", headers={"Authorization": f"Bearer {phone['token']}"},
                       timeout=30)
    assert config.status_code == 403 and config.json()["code"] == "device.revoked"
    with server.ctx.engine.connect() as conn:
        revoked = conn.execute(select(audit_log.c.actor, audit_log.c.entity_id).where(
            audit_log.c.action == "device.revoke")).all()
        kiosk_row = conn.execute(select(devices.c.revoked_at).where(devices.c.device_id == kiosk)).scalar_one()
    assert [(r.actor.endswith("nurse.void"), r.entity_id) for r in revoked] == [(True, phone["device_id"])]
    assert kiosk_row is None
