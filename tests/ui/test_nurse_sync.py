"""End-of-day sync from the real nurse screens to a real server on 127.0.0.1: it runs in a worker thread
with a progress bar, fails in plain words and can be retried, shows per-record refusals, and what it sent
is then checked in the server's database. Also: enrolling a new station with its one-time code."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop_client.services import recording
from desktop_client.services.sync_engine import SyncSettings
from desktop_client.store import outbox
from desktop_client.store import station as settings
from server.storage.tables import participants, records
from shared.instruments import get_instrument
from shared.records import record_hash
from tests.factories import enrolled_station, enrolment_code, new_station
from tests.live_server import ThreadServer
from tests.ui.nurse_drive import click, enrol_through_screen, open_home

FAST = SyncSettings(attempts=2, backoff_multiplier=0.01, backoff_max_seconds=0.05, timeout_seconds=5)


def _wait_idle(qtbot, page) -> None:
    qtbot.waitUntil(lambda: not page.busy, timeout=20000)


def test_a_sync_from_the_nurse_screen_reaches_the_server_and_can_be_retried(qtbot, language, tmp_path: Path,
                                                                             sqlite_server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", sqlite_server)
    engine.close()
    home = open_home(qtbot, station, sync_settings=FAST)
    pid = enrol_through_screen(qtbot, home)
    clin = home.go("clinician")
    clin.participant.select(pid)
    clin.visit.setCurrentIndex(clin.visit.findData("screening"))   # baseline's was rated before randomisation
    for domain, buttons in clin.level_buttons.items():
        buttons[2 if domain in ("articular", "glandular") else 0].click()
    click(qtbot, clin.save_index_button)
    form = home.go("adverse_events")
    form.participant.select(pid)
    form.term.setText("Herpes zoster")
    form.grade_buttons[3].click()
    form.criteria["hospitalisation"].click()
    for drug in ("il2", "rapamycin"):
        form.causality[drug].setCurrentIndex(form.causality[drug].findData("possible"))
        form.action[drug].setCurrentIndex(form.action[drug].findData("interrupted"))
    form.outcome.setCurrentIndex(form.outcome.findData("recovering"))
    click(qtbot, form.save_button)
    assert form.message.text().startswith("Saved"), form.message.text()
    # A participant this kiosk believes in but the server never enrolled: its record will be refused.
    with station.store.transaction() as conn:
        conn.execute("INSERT INTO participants (participant_id, site_id, arm, status, source) "
                     "VALUES ('PKU-900', 'PKU', 'IL2', 'enrolled', 'server')")
    recording.record_vas(station, participant_id="PKU-900", visit_id="baseline", vas_mm=20)
    # The serious AE is sent first, yet after its participant's enrolment (else the server refuses it).
    assert outbox.stats(station.store).pending == 6   # screening, score, randomisation, ESSDAI, AE, VAS

    page = home.go("sync")
    real_url = settings.get(station.store, settings.SERVER_URL)
    settings.put(station.store, {settings.SERVER_URL: "http://127.0.0.1:9"})   # nothing listens there
    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)   # no waiting: the sync runs in a worker
    assert page.busy and not home.nav.isEnabled()     # stays on Sync while the worker runs
    _wait_idle(qtbot, page)
    assert page.sync_button.text() == "Try again"
    assert page.message.text().startswith("Sync did not complete. Everything is kept on this station")
    assert outbox.stats(station.store).pending == 6 and home.nav.isEnabled()

    settings.put(station.store, {settings.SERVER_URL: real_url})
    ui_thread = threading.get_ident()
    seen: list[tuple[int, int, bool]] = []
    page.progress.valueChanged.connect(
        lambda v: seen.append((v, page.progress.maximum(), threading.get_ident() == ui_thread)))
    click(qtbot, page.sync_button)
    _wait_idle(qtbot, page)
    assert page.sync_button.text() == "Sync now"
    assert page.message.text() == ("Sync finished: 6 record(s) sent, 5 accepted. 1 record(s) were not accepted: "
                                   "see below.")
    assert (seen and seen[-1] == (6, 6, True)) or seen[-1][0] == seen[-1][1]
    assert page.problems.count() == 1
    problem = page.problems.item(0).text()
    assert problem.startswith("Your disease activity today (PKU-900, Baseline (week 0)) was refused by the server: ")
    assert "not screened on the server" in problem and problem.endswith("tell the data manager.")

    with sqlite_server.ctx.engine.connect() as conn:
        rows = {(r.kind, r.participant_id, r.instrument_id, r.visit_id): r for r in conn.execute(select(records))}
        enrolled = conn.execute(select(participants)).all()
    assert set(rows) == {("screening", pid, None, None), ("instrument_response", pid, "essdai", "baseline"),
                         ("randomisation", pid, None, "baseline"), ("instrument_response", pid, "essdai", "screening"),
                         ("adverse_event", pid, None, None)}
    ae = json.loads(rows[("adverse_event", pid, None, None)].body)
    assert rows[("adverse_event", pid, None, None)].serious and ae["data"]["term"] == "Herpes zoster"
    assert ae["entered_by"] == "staff:nurse.a" and ae["data"]["serious_criteria"] == ["hospitalisation"]
    essdai = json.loads(rows[("instrument_response", pid, "essdai", "screening")].body)["data"]
    assert get_instrument("essdai").score(essdai)["essdai"] == 8  # glandular and articular at level 2, weight 2 each
    assert [(p.participant_id, p.arm) for p in enrolled] == [(pid, station.participant_arm(pid))]
    assert outbox.stats(station.store).pending == 0 and outbox.stats(station.store).held == 1

    # A kiosk fault sends the stored ESSDAI again with other content under the same revision: a conflict.
    sent = json.loads(rows[("instrument_response", pid, "essdai", "screening")].body)
    tampered = {**sent, "data": {**sent["data"], "renal": 3}}
    with station.store.transaction() as conn:
        conn.execute("UPDATE records SET body = ?, content_hash = ? WHERE record_id = ? AND revision = 1",
                     (json.dumps(tampered), record_hash(tampered), sent["record_id"]))
        conn.execute("INSERT INTO outbox (record_id, revision, priority, queued_at) VALUES (?, 1, 0, ?)",
                     (sent["record_id"], sent["collected_at"]))
    click(qtbot, page.sync_button)
    _wait_idle(qtbot, page)
    texts = [page.problems.item(i).text() for i in range(page.problems.count())]
    assert f"ESSDAI (EULAR Sjögren's syndrome disease activity index) ({pid}, Screening): the server " \
           "already holds a different version of this record. It was kept aside for the data manager; nothing " \
           "was merged." in texts
    with sqlite_server.ctx.engine.connect() as conn:
        stored = conn.execute(select(records.c.body).where(records.c.record_id == sent["record_id"])).scalar_one()
    assert json.loads(stored)["data"]["renal"] == 0     # never silently overwritten


def test_a_new_station_is_enrolled_from_the_sync_screen_with_its_one_time_code(qtbot, language, tmp_path: Path,
                                                                              sqlite_server: ThreadServer) -> None:
    station = new_station(tmp_path / "kiosk")
    home = open_home(qtbot, station, sync_settings=FAST)
    assert home.pages.currentWidget() is home.sync
    assert not home.nav.item(1).flags() & home.nav.item(1).flags().ItemIsEnabled   # screening needs enrolment
    page = home.sync
    assert not page.enrol_box.isHidden() and not page.sync_button.isEnabled()
    page.server_url.setText(sqlite_server.url)
    page.code.setText("not-a-code")
    click(qtbot, page.enrol_button)
    _wait_idle(qtbot, page)
    assert page.enrol_message.text().startswith("Enrolment did not work:")
    assert "XXXX-XXXX-XXXX-XXXX" in page.enrol_message.text()           # refused on the station, with the rule
    page.code.setText("0000-0000-0000-0000")                             # well-formed, but not issued
    click(qtbot, page.enrol_button)
    _wait_idle(qtbot, page)
    assert "unknown, used or expired" in page.enrol_message.text()        # worded by its class (both languages)
    code = enrolment_code(sqlite_server)
    typed = " ".join(code.replace("-", "").lower().replace("1", "l").replace("0", "o"))  # as a person may type it
    page.code.setText(typed)
    with qtbot.waitSignal(page.station_enrolled, timeout=20000):
        click(qtbot, page.enrol_button)
    _wait_idle(qtbot, page)
    assert page.enrol_box.isHidden() and page.sync_button.isEnabled()
    assert station.device_id and station.allocation_list_id() is not None
    assert home.nav.item(1).flags() & home.nav.item(1).flags().ItemIsEnabled
    assert enrol_through_screen(qtbot, home) == "PKU-001"


def test_the_sync_screen_says_whether_the_second_copy_is_written(qtbot, tmp_path: Path) -> None:
    import shutil

    from tests.factories import enrol_participant, offline_station

    usb = tmp_path / "usb"
    usb.mkdir()
    station = offline_station(tmp_path / "kiosk")
    home = open_home(qtbot, station, sync_settings=FAST)
    page = home.sync
    assert page.mirror_status.isHidden()                       # no mirror configured: nothing to say
    mirror = station.store.attach_mirror(usb)
    pid = enrol_participant(station)
    assert mirror.flush(30.0)
    page.refresh()
    assert not page.mirror_status.isHidden() and "up to date" in page.mirror_status.text()
    shutil.rmtree(usb)                                         # the stick is pulled out
    recording.record_vas(station, participant_id=pid, visit_id="baseline", vas_mm=44)
    qtbot.waitUntil(lambda: mirror.status().problem is not None, timeout=20000)
    page.refresh()
    assert "NOT being written" in page.mirror_status.text() and str(usb) in page.mirror_status.text()
