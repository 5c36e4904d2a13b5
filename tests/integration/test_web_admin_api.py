"""The admin JSON API with a session: an enrolment code made there enrols a kiosk, a revocation there stops it.

Also: a web export is a zip of the registry's files and leaves its audit entry; signing out is audited.
"""

from __future__ import annotations

import io
import re
import zipfile

import httpx
from sqlalchemy import select

from server.services.users import add_user
from server.storage.tables import audit_log
from tests.factories import FAST_HASHER
from tests.live_server import ThreadServer, run_queued_jobs

PASSWORD = "admin-api-password-1"


def _admin(server: ThreadServer) -> tuple[httpx.Client, str]:
    with server.ctx.engine.begin() as conn:
        add_user(conn, username="admin.api", password=PASSWORD, roles=["admin"], sites=["PKU"], actor="test",
                 password_hasher=FAST_HASHER)
    c = httpx.Client(base_url=server.url, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
    assert c.post("/signin", data={"csrf_token": token, "username": "admin.api", "password": PASSWORD}
                  ).status_code == 302
    return c, c.get("/api/v1/admin/session").json()["csrf_token"]


def test_codes_and_revocation_through_the_admin_api(server: ThreadServer) -> None:
    admin, csrf = _admin(server)
    refused = admin.post("/api/v1/admin/devices/codes", json={"site_id": "XYZ"}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 400 and "XYZ" in refused.json()["detail"]
    made = admin.post("/api/v1/admin/devices/codes", json={"site_id": "PKU"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201 and made.json()["valid_hours"] == 72
    kiosk = httpx.post(f"{server.url}/api/v1/devices/enrol", json={"code": made.json()["code"], "label": "room 3"})
    assert kiosk.status_code == 201
    device_id, token = kiosk.json()["device_id"], kiosk.json()["token"]
    listed = admin.get("/api/v1/admin/devices").json()["devices"]
    assert device_id in [d["device_id"] for d in listed]

    sync_body = {"protocol_version": 1, "study_version": server.ctx.study.study.version, "corrections_cursor": 0,
                 "records": []}
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{server.url}/api/v1/sync", json=sync_body, headers=auth).status_code == 200
    revoked = admin.post(f"/api/v1/admin/devices/{device_id}/revoke", json={"reason": "stolen"},
                         headers={"X-CSRF-Token": csrf})
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    after = httpx.post(f"{server.url}/api/v1/sync", json=sync_body, headers=auth)
    assert after.status_code == 403 and after.json()["code"] == "device.revoked"
    with server.ctx.engine.connect() as conn:
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "device.revoke")).one()
    assert (entry.actor, entry.entity_id, entry.reason) == ("user:admin.api", device_id, "stolen")
    admin.close()


def test_a_web_export_is_a_zip_and_is_audited(server: ThreadServer) -> None:
    admin, _ = _admin(server)
    page = admin.get("/exports").text
    assert 'value="csv"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = admin.post("/exports", data={"csrf_token": token, "format": "csv", "site": ""})
    assert r.status_code == 303                          # queued: the job runner writes it in the background
    assert run_queued_jobs(server.ctx) == 1
    link = re.search(r'href="(/exports/jobs/\d+/download)"', admin.get("/exports").text).group(1)  # type: ignore
    r = admin.get(link)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert "attachment" in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert any(n.endswith("/participants.csv") for n in zf.namelist())
    bad = admin.post("/exports", data={"csrf_token": token, "format": "docx", "site": ""})
    assert bad.status_code == 422 and "docx" in bad.text
    admin.post("/signout", data={"csrf_token": token})
    assert admin.get("/dashboard").status_code == 401
    with server.ctx.engine.connect() as conn:
        actions = [(a.actor, a.action) for a in conn.execute(
            select(audit_log.c.actor, audit_log.c.action).where(audit_log.c.actor == "user:admin.api")
            .order_by(audit_log.c.seq))]
    assert actions == [("user:admin.api", "user.sign_in"), ("user:admin.api", "export.csv"),
                       ("user:admin.api", "export.download"), ("user:admin.api", "user.sign_out")]
    admin.close()
