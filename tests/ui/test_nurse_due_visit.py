"""Defaults that cannot mislead (issue 22, point 3): the visit pickers start on the participant's due visit (site
day, study windows), saving against a visit outside its window asks first (naming the visit and its window), and
"Close application" is apart from the mode buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop_client.services import clinician, overview, visit_choice
from desktop_client.services.recording import build_instrument_record
from desktop_client.store import records as store_records
from shared.records import timestamps
from tests.factories import enrol_participant, offline_station
from tests.ui.nurse_drive import click, open_home


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")
    yield st
    st.store.close()


def at_week(station, pid: str, week: int) -> None:
    """The participant's baseline visit took place ``week`` weeks ago: its patient global VAS was saved then."""
    inst = station.study.instrument_with_role("patient_global")
    record = build_instrument_record(station, participant_id=pid, visit_id="baseline", instrument_id=inst.id,
                                     answers={inst.items[0].id: 40}, entered_by="participant")
    record["collected_at"], record["collected_at_local"] = timestamps(
        station.site_timezone, at=datetime.now(UTC) - timedelta(weeks=week))
    store_records.save_record(station.store, record, actor="participant")


def test_the_due_visit_follows_the_site_day_and_the_windows(station) -> None:
    pid = enrol_participant(station)
    at_week(station, pid, 8)
    kiosk = [v.id for v in station.study.scheduled_visits]
    assert visit_choice.due_visit(station, pid, kiosk) == "week8"
    today = overview.site_today(station)
    assert visit_choice.due_visit(station, pid, kiosk, today=today + timedelta(days=5)) == "week10"  # between
    assert visit_choice.outside_window(station, pid, "week8") is None
    late = visit_choice.outside_window(station, pid, "screening")
    assert late is not None and late.end < today and late.label.en == "Screening"
    assert visit_choice.outside_window(station, pid, "unscheduled") is None     # no window at all


def test_clinician_scores_start_on_the_due_visit_and_ask_before_saving_outside_its_window(qtbot, language,
                                                                                       station) -> None:
    pid = enrol_participant(station)
    at_week(station, pid, 8)
    home = open_home(qtbot, station)
    page = home.go("clinician")
    page.participant.select(pid)
    assert page.visit.currentData() == "week8"          # not Screening, the first visit of the list
    page.visit.setCurrentIndex(page.visit.findData("week4"))
    for buttons in page.level_buttons.values():
        buttons[0].click()
    click(qtbot, page.save_index_button)
    box = page.window_warning
    assert box is not None and box.isVisible()
    window = visit_choice.outside_window(station, pid, "week4")
    assert "Week 4" in box.text() and window.start.isoformat() in box.text() and window.end.isoformat() in box.text()
    cancel = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
    click(qtbot, cancel)
    assert clinician.existing_entry(station, pid, "week4", "essdai") is None      # nothing saved
    click(qtbot, page.save_index_button)
    confirm = next(b for b in page.window_warning.buttons()
                   if page.window_warning.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    assert confirm.text() == "Save against Week 4"
    click(qtbot, confirm)
    assert clinician.existing_entry(station, pid, "week4", "essdai") is not None
    page.visit.setCurrentIndex(page.visit.findData("week8"))
    page.pga.setValue(3.0)
    click(qtbot, page.save_pga_button)                 # inside its window: no question asked
    assert page.pga_message.text() == f"Saved: Physician Global VAS 3.0 for {pid}."


def test_the_clinical_record_starts_on_the_due_visit_and_warns_outside_its_window(qtbot, language, station) -> None:
    pid = enrol_participant(station)
    at_week(station, pid, 12)
    home = open_home(qtbot, station)
    page = home.go("clinical_record")
    page.participant.select(pid)
    vitals = page.vitals
    ids = [vitals.visit.itemData(i) for i in range(vitals.visit.count())]
    due = visit_choice.due_visit(station, pid, ids)
    assert vitals.visit.currentData() == due != ids[0]
    vitals.visit.setCurrentIndex(0)
    {f.key: f.widget for f in vitals.fields}["heart_rate"].setText("72")
    click(qtbot, vitals.save_button)
    assert vitals.window_warning is not None and vitals.window_warning.isVisible()
    assert store_records.records_of(station.store, pid, kind="vital_signs") == []


def test_the_staff_screen_starts_on_the_due_visit_and_close_is_apart_from_nurse_mode(qtbot, make_window,
                                                                                    kiosk_station) -> None:
    from tests.ui.kiosk_driver import sign_in

    station = kiosk_station.station
    pid = next(iter(kiosk_station.by_arm.values()))
    at_week(station, pid, 8)
    window = make_window()
    sign_in(qtbot, window)
    setup = window.setup
    row = next(setup.participants.item(i) for i in range(setup.participants.count())
               if setup.participants.item(i).text().startswith(pid))
    setup.participants.setCurrentItem(row)
    assert setup.visits.currentItem().data(256) == "week8"
    nurse, quit_ = setup.nurse.geometry(), setup.quit.geometry()
    gap = max(abs(nurse.center().x() - quit_.center().x()), abs(nurse.center().y() - quit_.center().y()))
    assert gap > 300, (nurse, quit_)          # not side by side any more
    assert quit_.top() < setup.participants.geometry().top() < setup.nurse.geometry().top()
    week2 = next(setup.visits.item(i) for i in range(setup.visits.count()) if setup.visits.item(i).data(256) == "week2")
    setup.visits.setCurrentItem(week2)
    click(qtbot, setup.start)
    assert setup.window_warning is not None and "Week 2" in setup.window_warning.text()
    assert window.session_view is None
    confirm = next(b for b in setup.window_warning.buttons()
                   if setup.window_warning.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    click(qtbot, confirm)
    assert window.session_view is not None and window.session_view._form.visit.id == "week2"


def test_the_nurse_navigation_shows_every_screen_name_whole(qtbot, language, station) -> None:
    for code in ("en", "zh"):
        language.set(code)
        home = open_home(qtbot, station)
        home.resize(1280, 800)
        qtbot.waitUntil(lambda h=home: h.nav.isVisible(), timeout=20000)
        nav = home.nav
        metrics = nav.fontMetrics()
        width = nav.viewport().width()
        assert nav.horizontalScrollBar().maximum() == 0
        for row in range(nav.count()):
            item = nav.item(row)
            rect = nav.visualItemRect(item)
            lines = metrics.boundingRect(0, 0, width - 24, 1000, int(Qt.TextFlag.TextWordWrap), item.text())
            assert rect.right() <= width and lines.height() <= rect.height(), (code, item.text(), rect, lines)
            assert rect.height() >= 44
