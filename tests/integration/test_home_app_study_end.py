"""A participant's phone when the participant leaves the study (issue 24), over real HTTP on SQLite and
PostgreSQL: consent withdrawn closes the app (no config, nothing more stored); completion or any other
discontinuation ends the diary days at the disposition date (earlier days still taken late); no new activation
code for a participant with a disposition, on the web page nor with the CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from desktop_client.services import course
from server.cli import main as server_cli
from server.storage.tables import devices, participants
from shared.site_time import site_today
from tests.factories import enrol_participant, enrolled_station
from tests.integration.test_home_app_api import _doses, _entry, _phone, _stored, _sync
from tests.integration.test_home_app_web import _csrf, _signed_in
from tests.live_server import ThreadServer

NURSE = "staff:nurse.a"


@pytest.fixture
def clinic(tmp_path: Path, server: ThreadServer) -> Iterator[dict[str, Any]]:
    """A kiosk with one randomised participant whose consent and phone date from three days ago."""
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    engine.sync()
    yield {"station": station, "engine": engine, "pid": pid}
    engine.close()
    station.store.close()


def _backdate(server: ThreadServer, pid: str, days: int) -> date:
    """Consent and every phone of ``pid`` ``days`` earlier (the site's today minus days); returns today."""
    today = site_today(server.ctx.study)
    then = today - timedelta(days=days)
    with server.ctx.engine.begin() as conn:
        conn.execute(update(participants).where(participants.c.participant_id == pid)
                     .values(consent_date=then.isoformat()))
        conn.execute(update(devices).where(devices.c.participant_id == pid)
                     .values(enrolled_at=f"{then.isoformat()}T00:00:00.000+08:00"))
    return today


def _end(clinic: dict[str, Any], status: str, day: date, reason: str | None) -> None:
    course.record_disposition(clinic["station"], clinic["pid"], course.disposition_data(status, day, reason),
                              actor=NURSE)
    assert clinic["engine"].sync().rejected == []


def _arm(server: ThreadServer, pid: str) -> str:
    with server.ctx.engine.connect() as conn:
        return conn.execute(select(participants.c.arm).where(participants.c.participant_id == pid)).scalar_one()


def _config(server: ThreadServer, phone: dict[str, Any]) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/app/config", headers={"Authorization": f"Bearer {phone['token']}"},
                     timeout=30)


def test_consent_withdrawn_closes_the_app_but_a_retry_of_what_was_stored_is_still_acknowledged(
        clinic: dict, server: ThreadServer) -> None:
    phone = _phone(server, clinic["pid"])
    first = _entry(server, phone)
    assert _sync(server, phone["token"], [first]).json()["results"][0]["status"] == "stored"
    _end(clinic, "discontinued", site_today(server.ctx.study), "withdrawal_by_subject")
    study = server.ctx.study
    when_occurs = next(d for d in study.home.diaries if d.schedule == "when_occurs")
    arm = study.arm(_arm(server, clinic["pid"]))
    asked = study.instrument(when_occurs.instrument).items_for(arm.drugs)
    flag = next(it for it in asked if it.response.value == "boolean")   # one symptom, with its severity
    severity = next(it for it in asked if it.required_if and it.required_if.item_id == flag.id)
    answers = {flag.id: True, severity.id: severity.choices[0].code}
    symptom = _entry(server, phone, instrument=when_occurs.instrument,   # a valid entry, refused for the withdrawal
                     data={"diary_date": site_today(study).isoformat(), **answers})
    resp = _sync(server, phone["token"], [first, symptom])
    assert resp.status_code == 200, resp.text
    again, refused = resp.json()["results"]
    assert again["status"] == "already_stored"   # the phone may still learn that its earlier entry arrived
    assert refused["status"] == "rejected" and refused["code"] == "app.participant_withdrawn"
    (problem,) = refused["problems"]
    assert problem["field"] == "participant_id" and problem["value"] == clinic["pid"]
    assert "withdrew consent" in problem["message"] and refused["rule"]
    assert _stored(server, symptom["record_id"]) == 0
    config = _config(server, phone)
    assert config.status_code == 403 and config.json()["code"] == "app.participant_withdrawn"
    assert "withdrew consent" in config.json()["detail"]


@pytest.mark.parametrize(("status", "reason"), [("completed", None), ("discontinued", "adverse_event")])
def test_after_completion_or_discontinuation_only_days_up_to_the_disposition_date_are_taken(
        clinic: dict, server: ThreadServer, status: str, reason: str | None) -> None:
    phone = _phone(server, clinic["pid"])
    today = _backdate(server, clinic["pid"], 3)
    end = today - timedelta(days=1)
    _end(clinic, status, end, reason)
    last_day = _entry(server, phone, data=_doses(server, phone, end.isoformat()))
    after = _entry(server, phone, data=_doses(server, phone, today.isoformat()))
    results = _sync(server, phone["token"], [last_day, after]).json()["results"]
    assert [r["status"] for r in results] == ["stored", "rejected"], results
    assert results[1]["code"] == "app.diary_after_study_end"
    (problem,) = results[1]["problems"]
    assert problem["field"] == "data.diary_date" and problem["value"] == today.isoformat()
    assert end.isoformat() in problem["allowed"]
    assert _stored(server, after["record_id"]) == 0
    config = _config(server, phone)
    assert config.status_code == 200 and config.json()["last_diary_date"] == end.isoformat()


def test_no_activation_code_for_a_participant_who_left_the_study_on_the_web_or_with_the_cli(
        clinic: dict, server: ThreadServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    nurse = _signed_in(server, "nurse.end", "nurse")
    assert "Home diary: activate" in nurse.get(f"/participants/{clinic['pid']}").text
    _end(clinic, "completed", site_today(server.ctx.study), None)
    page = nurse.get(f"/participants/{clinic['pid']}")
    assert page.status_code == 200 and "Home diary: activate" not in page.text
    assert "No new activation code" in page.text and 'id="home-diary-closed"' in page.text
    refused = nurse.post(f"/participants/{clinic['pid']}/home-diary", data={"csrf_token": _csrf(page.text)})
    assert refused.status_code == 409 and "still on study" in refused.text
    assert not re.search(r'id="app-code"', refused.text)
    if server.ctx.config.database_url:
        monkeypatch.setenv("DATABASE_URL", server.ctx.config.database_url)
    code = server_cli(["device", "app-code", clinic["pid"], "--data-dir", str(server.ctx.config.data_dir)])
    err = capsys.readouterr().err
    assert code == 2 and "completed" in err and "still on study" in err
