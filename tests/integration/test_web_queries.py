"""Data queries and SDV on the web, over real HTTP: raise on one field, answer, close, re-open, every step
audited; refusals name the field, value and rule; a monitor's SDV mark is cleared by a later revision."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from sqlalchemy import select

from desktop_client.services import recording
from server.services.audit import verify_chain
from server.services.locks import checklist
from server.services.users import add_user
from server.storage.tables import audit_log, query_messages
from tests.factories import FAST_HASHER, STAFF_PASSWORD, enrol_participant, enrolled_station
from tests.live_server import ThreadServer

PASSWORD = "monitor-password-long"


def _client(server: ThreadServer, username: str, password: str = PASSWORD) -> httpx.Client:
    web = httpx.Client(base_url=server.url, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/signin").text).group(1)  # type: ignore
    r = web.post("/signin", data={"csrf_token": token, "username": username, "password": password})
    assert r.status_code == 302, r.text[:300]
    return web


def _post(web: httpx.Client, path: str, form: dict[str, str]) -> httpx.Response:
    token = web.get("/api/v1/admin/session").json()["csrf_token"]
    return web.post(path, data={**form, "csrf_token": token})


def _seeded(tmp_path: Path, server: ThreadServer) -> tuple[str, str]:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    vas = recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=64)
    engine.sync()
    engine.close()
    station.store.close()
    with server.ctx.engine.begin() as conn:
        add_user(conn, username="mon.a", password=PASSWORD, roles=["monitor"], sites=["PKU"], actor="test",
                 password_hasher=FAST_HASHER)
        add_user(conn, username="dm.a", password=PASSWORD, roles=["data_manager"], sites=["PKU"], actor="test",
                 password_hasher=FAST_HASHER)
    return pid, vas["record_id"]


def test_a_query_goes_open_answered_closed_reopened_and_every_step_is_audited(
        tmp_path: Path, server: ThreadServer) -> None:
    pid, rid = _seeded(tmp_path, server)
    monitor, nurse = _client(server, "mon.a"), _client(server, "nurse.a", STAFF_PASSWORD)

    page = monitor.get(f"/records/{rid}")
    assert page.status_code == 200 and 'name="field"' in page.text and "activity" in page.text
    bad = _post(monitor, f"/records/{rid}/queries", {"field": "colour", "message": "why?"})
    assert bad.status_code == 400 and "field: &#39;colour&#39; is not a field of record" in bad.text
    empty = _post(monitor, f"/records/{rid}/queries", {"field": "activity", "message": "  "})
    assert empty.status_code == 400 and "message: is required" in empty.text
    assert _post(nurse, f"/records/{rid}/queries", {"field": "activity", "message": "x"}).status_code == 403

    raised = _post(monitor, f"/records/{rid}/queries", {"field": "activity", "message": "64 mm? The paper says 46."})
    assert raised.status_code == 302
    qid = raised.headers["location"].rsplit("/", 1)[1]
    assert "64 mm? The paper says 46." in nurse.get(f"/participants/{pid}").text
    assert "1 unresolved, the oldest 0 days old" in monitor.get("/dashboard").text

    assert _post(nurse, f"/queries/{qid}", {"step": "close", "message": ""}).status_code == 403
    assert _post(monitor, f"/queries/{qid}", {"step": "answer", "message": "x"}).status_code == 403
    answered = _post(nurse, f"/queries/{qid}", {"step": "answer", "message": "Checked: the paper says 64."})
    assert answered.status_code == 302
    refused = _post(monitor, f"/queries/{qid}", {"step": "reopen", "message": "again"})
    assert refused.status_code == 409 and "state: query" in refused.text and "is answered" in refused.text
    assert _post(monitor, f"/queries/{qid}", {"step": "close", "message": ""}).status_code == 302
    late = _post(nurse, f"/queries/{qid}", {"step": "answer", "message": "one more thing"})
    assert late.status_code == 409 and "is closed; to answer it, it must be open or answered or reopened" in late.text
    reopened = _post(monitor, f"/queries/{qid}", {"step": "reopen", "message": "Please attach the page."})
    assert reopened.status_code == 302
    thread = monitor.get(f"/queries/{qid}").text
    assert "re-opened" in thread and "Please attach the page." in thread and "Checked: the paper says 64." in thread

    with server.ctx.engine.connect() as conn:
        steps = [(r.actor, r.action, json.loads(r.old)["state"] if r.old else None, json.loads(r.new)["state"])
                 for r in conn.execute(select(audit_log).where(audit_log.c.entity_id == qid)
                                       .order_by(audit_log.c.seq))]
        messages = conn.execute(select(query_messages.c.action).where(query_messages.c.query_id == qid)
                                .order_by(query_messages.c.id)).scalars().all()
        assert verify_chain(conn).ok
    assert steps == [("user:mon.a", "query.raise", None, "open"), ("user:nurse.a", "query.answer", "open", "answered"),
                     ("user:mon.a", "query.close", "answered", "closed"),
                     ("user:mon.a", "query.reopen", "closed", "reopened")]
    assert messages == ["raise", "answer", "close", "reopen"]
    assert "query.reopen" in monitor.get("/audit?q=query.").text.replace("<wbr>", "")   # codes wrap at <wbr>
    with server.ctx.engine.connect() as conn:  # the study lock waits until every query is closed
        assert [i.participant_id for i in checklist(conn) if i.kind == "query_open"] == [pid]
    for c in (monitor, nurse):
        c.close()


def test_a_monitors_sdv_mark_is_cleared_by_a_later_revision(tmp_path: Path, server: ThreadServer) -> None:
    pid, rid = _seeded(tmp_path, server)
    monitor, dm = _client(server, "mon.a"), _client(server, "dm.a")
    assert "sdv-not_verified" in monitor.get(f"/participants/{pid}").text
    assert _post(dm, f"/records/{rid}/verify", {"revision": "1"}).status_code == 403
    stale = _post(monitor, f"/records/{rid}/verify", {"revision": "2"})
    assert stale.status_code == 409 and "is at revision 1, not 2" in stale.text
    assert _post(monitor, f"/records/{rid}/verify", {"revision": "1"}).status_code == 302
    assert "sdv-verified" in monitor.get(f"/records/{rid}").text
    assert _post(monitor, f"/records/{rid}/verify", {"revision": "1"}).status_code == 409  # once per revision

    form = dm.get(f"/records/{rid}/correct").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    assert dm.post(f"/records/{rid}/correct", data={"csrf_token": token, "f_activity": "46",
                                                    "reason": "paper says 46"}).status_code == 302
    assert "sdv-changed" in monitor.get(f"/participants/{pid}").text
    assert _post(monitor, f"/records/{rid}/verify", {"revision": "2"}).status_code == 302
    assert "sdv-verified" in monitor.get(f"/participants/{pid}").text
    with server.ctx.engine.connect() as conn:
        marks = conn.execute(select(audit_log.c.entity_id).where(audit_log.c.action == "record.sdv")
                             .order_by(audit_log.c.seq)).scalars().all()
    assert marks == [f"{rid}#1", f"{rid}#2"]
    monitor.close()
    dm.close()
