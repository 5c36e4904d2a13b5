"""One submission per participant × visit × instrument on the real kiosk widgets: a visit already answered on
this station is offered as a correction (staff give the reason first), and what is saved is the next revision
of the same records, never a second record."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop_client.services import dosing, recording
from desktop_client.store import records as store_records
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import LEFT, click, confirm_visit_window, sign_in
from tests.ui.test_kiosk_session import plan_for, walk_questions

VISIT = "week4"


def _choose(qtbot: Any, setup: Any, participant_id: str, visit_id: str) -> None:
    rows = [setup.participants.item(i) for i in range(setup.participants.count())]
    row = next(r for r in rows if r.text().startswith(participant_id))
    qtbot.mouseClick(setup.participants.viewport(), LEFT, pos=setup.participants.visualItemRect(row).center())
    visits = [setup.visits.item(i) for i in range(setup.visits.count())]
    vrow = next(v for v in visits if v.data(Qt.ItemDataRole.UserRole) == visit_id)
    setup.visits.scrollToItem(vrow)
    qtbot.mouseClick(setup.visits.viewport(), LEFT, pos=setup.visits.visualItemRect(vrow).center())


def test_an_answered_visit_is_corrected_with_a_reason_never_submitted_twice(
        qtbot: Any, make_window: Any, kiosk_station: KioskStation) -> None:
    station = kiosk_station.station
    arm = "RAPA"
    pid = kiosk_station.by_arm[arm]
    drugs = station.study.arm(arm).drugs
    plan = plan_for(drugs, dosing.diary_dates_for(station, pid))   # the dated diary asks about today
    first: dict[str, dict[str, Any]] = {"patient_global_vas": {"activity": 10}}
    for (inst, item), value in plan.items():
        first.setdefault(inst, {})[item] = value
    saved = recording.submit_visit(station, participant_id=pid, visit_id=VISIT, answers_by_instrument=first,
                                   entered_by="participant")
    window = make_window()
    sign_in(qtbot, window)
    setup = window.setup
    _choose(qtbot, setup, pid, VISIT)
    assert setup.correction.isVisible() and "saved already" in setup.correction_note.text()
    click(qtbot, setup.start)
    assert window.current_screen() is setup and setup.problem.text() == "Give the reason for the correction first."
    unscheduled = station.study.visit_with_role("unscheduled")
    _choose(qtbot, setup, pid, unscheduled.id)
    assert not setup.correction.isVisible()                 # unscheduled visits: any number of submissions
    _choose(qtbot, setup, pid, VISIT)
    qtbot.keyClicks(setup.correction, "Participant asked to answer again: misread the scale")
    click(qtbot, setup.start)
    confirm_visit_window(qtbot, window)
    assert window.session_view is not None and window.current_screen() is window.session_view
    view = window.session_view
    walk_questions(qtbot, window, plan, vas_percent=70)
    click(qtbot, view.submit_button)
    qtbot.waitUntil(view.on_thanks, timeout=20000)
    kiosk_ids = {r["instrument_id"] for r in saved}     # the participant's own forms (not the staff's scores)
    now = {r["instrument_id"]: r for r in store_records.records_of(station.store, pid, kind="instrument_response")
           if r["instrument_id"] in kiosk_ids}
    assert {r["record_id"] for r in now.values()} == {r["record_id"] for r in saved}   # no second record
    assert {r["revision"] for r in now.values()} == {2}
    assert {r["correction_reason"] for r in now.values()} == {"Participant asked to answer again: misread the scale"}
    assert abs(now["patient_global_vas"]["data"]["activity"] - 70) <= 1
