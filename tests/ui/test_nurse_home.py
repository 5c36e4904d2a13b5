"""Staff sign-in, the inactivity lock and who is recorded; every nurse screen rendered to PNG in both languages."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QScrollArea

from desktop_client.services import adverse_events, clinician
from desktop_client.services.adverse_events import AdverseEventEntry
from desktop_client.store import outbox
from desktop_client.store import records as store_records
from desktop_client.ui.nurse.home import PAGES, NurseHome, idle_timeout_from_env
from desktop_client.ui.nurse.sign_in import NurseSignIn
from tests.factories import STAFF_PASSWORD, add_staff, enrol_participant, offline_station
from tests.ui.nurse_drive import (
    SCREENS,
    click,
    enrol_through_screen,
    open_home,
    record_checklist,
    staff_keep_moving,
)


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")
    yield st
    st.store.close()


def _sign_in(qtbot, widget: NurseSignIn, username: str, password: str) -> None:
    widget.username.setText(username)
    widget.password.setText(password)
    click(qtbot, widget.button)


def test_the_standalone_sign_in_refuses_a_wrong_password_and_a_disabled_account(qtbot, language, station) -> None:
    add_staff(station, "nurse.a", display_name="Nurse A")
    add_staff(station, "nurse.x", disabled=True)
    widget = NurseSignIn(station)
    qtbot.addWidget(widget)
    widget.show()
    _sign_in(qtbot, widget, "nurse.a", "wrong password")
    assert widget.message.text().startswith("Sign-in failed") and widget.password.text() == ""
    _sign_in(qtbot, widget, "nurse.x", STAFF_PASSWORD)
    assert widget.message.text().startswith("Sign-in failed")
    with qtbot.waitSignal(widget.signed_in, timeout=20000) as signal:
        _sign_in(qtbot, widget, "nurse.a", STAFF_PASSWORD)
    assert signal.args[0].actor == "staff:nurse.a" and widget.password.text() == ""


def test_inactivity_locks_the_screen_and_the_next_person_signs_for_their_own_actions(qtbot, language,
                                                                                    station, monkeypatch) -> None:
    monkeypatch.setenv("TRIALPRO_STAFF_IDLE_MINUTES", "2")
    assert idle_timeout_from_env() == 120_000
    add_staff(station, "nurse.b", display_name="Nurse B")
    home = open_home(qtbot, station, idle_timeout_ms=1000)
    opened = time.monotonic()
    # Staff keep working: the lock must not come, however long a save takes on a busy machine (a pause of the
    # clicks and saves once locked the screen mid-enrolment at 0.3 s, and came close at 1.5 s)
    with staff_keep_moving(home):
        enrol_through_screen(qtbot, home)
        qtbot.waitUntil(lambda: time.monotonic() - opened > 1.5, timeout=20000)   # longer than the timeout
        assert not home.is_locked                 # activity kept it open
        home.go("adverse_events").term.setText("Nausea (unsaved)")
    with qtbot.waitSignal(home.locked, timeout=20000):   # no input now: it locks by itself
        pass
    assert home.is_locked and home.sign_in.username.text() == "nurse.a"
    assert "locked" in home.sign_in.lock_note.text()
    _sign_in(qtbot, home.sign_in, "nurse.a", "wrong password")
    assert home.is_locked
    with staff_keep_moving(home):
        _sign_in(qtbot, home.sign_in, "nurse.a", STAFF_PASSWORD)     # the same person: their entry is still there
        assert not home.is_locked and home.adverse_events.term.text() == "Nausea (unsaved)"
        home.lock()
        _sign_in(qtbot, home.sign_in, "nurse.b", STAFF_PASSWORD)     # someone else: never under their name
        assert not home.is_locked and home.who.text() == "Signed in: Nurse B (nurse.b)"
        assert home.adverse_events.term.text() == ""
        pid = enrol_through_screen(qtbot, home, year_of_birth=1980)
        (rec,) = store_records.records_of(station.store, pid, kind="randomisation")
        assert rec["entered_by"] == "staff:nurse.b"
        assert station.store.query("SELECT DISTINCT actor FROM audit WHERE action = 'allocation.reveal' "
                                   "ORDER BY actor") == [{"actor": "staff:nurse.a"}, {"actor": "staff:nurse.b"}]
        with qtbot.waitSignal(home.signed_out, timeout=20000):
            click(qtbot, home.sign_out_button)
    assert home.is_locked and home.sign_in.username.text() == ""


def _populate(station) -> None:
    a = enrol_participant(station)      # IL2RAPA
    enrol_participant(station)          # RAPA
    record_checklist(station, a, "week2", {"rash": "mild", "fever": "moderate"})
    record_checklist(station, a, "week4", {"rash": "moderate", "diarrhoea": "mild"})
    levels = {d.id: 0 for d in clinician.rated_domains(station.study)}
    levels.update(glandular=2, articular=2, haematological=1)
    clinician.record_domains(station, a, "screening", levels, actor="staff:nurse.a")   # baseline: randomisation's
    bad = clinician.record_global(station, a, "baseline", 3.5, actor="staff:nurse.a")
    adverse_events.record_adverse_event(station, a, AdverseEventEntry(
        term="Pneumonia", onset_date=date(2026, 11, 20), grade=3, serious_criteria=("hospitalisation",),
        causality={"il2": "possible", "rapamycin": "unlikely"}, action={"il2": "interrupted", "rapamycin": "none"},
        outcome="recovering", awareness_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), actor="staff:nurse.a")
    outbox.hold(station.store, [(bad["record_id"], 1, "rejected", "example refusal for the screenshot")])


@pytest.mark.parametrize("code", ["en", "zh"])
def test_every_nurse_screen_renders_to_png(qtbot, language, station, code: str) -> None:
    language.set(code)
    _populate(station)
    SCREENS.mkdir(parents=True, exist_ok=True)
    home: NurseHome = open_home(qtbot, station)
    home.symptoms.participant.select("PKU-001")
    home.adverse_events.participant.select("PKU-001")
    written = []
    for name in PAGES:
        page = home.go(name)
        if name == "symptoms":
            page.table.selectRow(0)
        if name == "adverse_events":
            page.reports.selectRow(0)
            page.correct_selected()
            assert not page.banner.isHidden()
        if name == "screening":
            page.date_of_birth.setDate(QDate(1950, 3, 14))
            page.consent_given.setChecked(True)
            page.check()
        content = page.findChild(QScrollArea).widget()
        home.resize(1600, max(1000, content.sizeHint().height() + 160))
        qtbot.wait(10)
        path = SCREENS / f"nurse_{name}_{code}.png"
        assert home.grab().save(str(path))
        written.append(path)
    home.lock()
    path = SCREENS / f"nurse_locked_{code}.png"
    home.resize(1600, 1000)
    assert home.grab().save(str(path))
    written.append(path)
    assert all(p.stat().st_size > 20_000 for p in written)
    if code == "zh":
        assert home.sign_in.button.text() == "登录"


def test_the_shell_opens_nurse_mode_and_sign_out_returns_to_the_locked_start_screen(qtbot, language,
                                                                                    station) -> None:
    from desktop_client.services.staff import sign_in
    from desktop_client.ui.main_window import MainWindow, ShellConfig

    add_staff(station, "nurse.a")
    window = MainWindow(station, ShellConfig(language="en"), language)
    qtbot.addWidget(window)
    window.show()
    window.staff_session = sign_in(station, "nurse.a", STAFF_PASSWORD)
    window.open_nurse_mode()
    home = window.current_screen()
    assert isinstance(home, NurseHome) and home.ctx.actor == "staff:nurse.a"
    click(qtbot, home.kiosk_button)
    assert type(window.current_screen()).__name__ == "KioskSetupScreen"
    window.open_nurse_mode()
    click(qtbot, window.current_screen().sign_out_button)
    assert type(window.current_screen()).__name__ == "StartScreen" and window.staff_session is None


def test_switching_the_language_rebuilds_the_screens_in_chinese(qtbot, language, station) -> None:
    home = open_home(qtbot, station)
    page_before = home.go("adverse_events")
    assert home.nav.item(0).text() == "Overview"
    language.set("zh")
    qtbot.waitUntil(lambda: home.nav.item(0).text() == "概览", timeout=20000)
    assert home.pages.currentWidget() is not page_before and home.pages.currentWidget() is home.adverse_events
    assert home.adverse_events.grade_buttons[3].text() == "3级"
    assert home.who.text() == "已登录：Nurse A（nurse.a）"
