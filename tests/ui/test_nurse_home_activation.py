"""Nurse mode gives a participant's phone its activation code (issue 24, point 1: "nurse mode (or the web)"),
real Qt widgets offscreen, a real server over HTTP: the Overview's "Home diary: activate" asks the server, the
dialog shows the code and its QR code once (in English and Chinese), and the phone activates with that code;
a participant who left the study gets no button; the server refuses a monitor's or an unknown name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from desktop_client.services import course
from desktop_client.services.sync_engine import SyncEngine
from desktop_client.ui.nurse.home_activation import HomeActivationDialog
from server.storage.tables import audit_log
from shared.errors import SyncFailed
from tests.factories import enrol_participant, enrolled_station, server_staff
from tests.live_server import ThreadServer
from tests.ui.nurse_drive import open_home

TITLES = {"en": "Home diary activation code for", "zh": "的居家日志激活码"}


def _select(page: Any, pid: str) -> None:
    page.table.selectRow(next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == pid))


def test_nurse_mode_issues_a_code_the_phone_activates_with(qtbot: Any, language: Any, tmp_path: Path,
                                                             sqlite_server: ThreadServer, artifacts: Path) -> None:
    server = sqlite_server
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    try:
        pid, gone = enrol_participant(station), enrol_participant(station)
        course.record_disposition(station, gone, course.disposition_data(
            "completed", _today(station), None),
            actor="staff:nurse.a")
        assert engine.sync().rejected == []
        codes = []
        for code in ("en", "zh"):
            language.set(code)
            home = open_home(qtbot, station)
            page = home.go("overview")
            _select(page, gone)
            assert not page.home_activation.button.isEnabled()     # their part in the study ended
            _select(page, pid)
            assert page.home_activation.button.isEnabled()
            with qtbot.waitSignal(page.home_activation.shown, timeout=30000) as shown:
                page.home_activation.button.click()
            dialog: HomeActivationDialog = shown.args[0]
            assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", dialog.code.text())
            assert not dialog.qr.pixmap().isNull() and dialog.qr.pixmap().width() > 200
            assert any(TITLES[code] in w.text() for w in dialog.findChildren(type(dialog.code)))
            out = artifacts / "screens" / f"{code}-1600x1000"
            out.mkdir(parents=True, exist_ok=True)
            assert dialog.grab().save(str(out / "nurse-home-activation.png"))
            codes.append(dialog.code.text())
            dialog.accept()
            home.close()
        language.set("en")
        voided = httpx.post(f"{server.url}/api/v1/app/activate", json={"code": codes[0], "label": "phone"},
                            timeout=30)
        assert voided.status_code == 403   # the second code voided the first (server.services.home_app)
        phone = httpx.post(f"{server.url}/api/v1/app/activate", json={"code": codes[1], "label": "phone"},
                           timeout=30)
        assert phone.status_code == 201 and phone.json()["participant_id"] == pid
        with server.ctx.engine.connect() as conn:
            actors = conn.execute(select(audit_log.c.actor).where(audit_log.c.action == "app.code_create")).scalars()
            assert list(actors) == ["user:nurse.a", "user:nurse.a"]
    finally:
        engine.close()
        station.store.close()


def _today(station: Any) -> Any:
    from desktop_client.services import overview

    return overview.site_today(station)


def test_the_server_refuses_a_code_for_a_monitor_an_unknown_name_or_a_participant_off_study(
        tmp_path: Path, sqlite_server: ThreadServer) -> None:
    server = sqlite_server
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    try:
        pid, gone = enrol_participant(station), enrol_participant(station)
        course.record_disposition(station, gone, course.disposition_data("discontinued", _today(station),
                                                                         "withdrawal_by_subject"),
                                  actor="staff:nurse.a")
        assert engine.sync().rejected == []
        server_staff(server, "monitor.k", roles=("monitor",))
        client = SyncEngine(station, server.url)
        try:
            for staff in ("monitor.k", "nobody"):
                with pytest.raises(SyncFailed, match=staff) as refused:
                    client.home_activation_code(pid, staff)
                assert refused.value.details["code"] == "auth.forbidden"
            with pytest.raises(SyncFailed, match="still on study") as off_study:
                client.home_activation_code(gone, "nurse.a")
            assert off_study.value.details["code"] == "app.activation_refused"
            assert client.home_activation_code(pid, "nurse.a")["participant_id"] == pid
        finally:
            client.close()
    finally:
        engine.close()
        station.store.close()
