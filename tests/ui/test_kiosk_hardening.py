"""Kiosk hardening: idle timeout, no way out without staff sign-in, nothing of one participant left for the next."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop_client.store import records as store_records
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import (
    answer,
    answered_widgets,
    click,
    current_page,
    deliver_deferred_deletes,
    sign_in,
    start_session,
    touch_vas,
    widget_texts,
)


def _answer_first_screens(qtbot: Any, window: Any) -> None:
    touch_vas(qtbot, current_page(window).main.widget, 33)
    click(qtbot, window.session_view.next)
    answer(qtbot, current_page(window).main.widget, 9)


def _nothing_of(window: Any, participant_id: str) -> None:
    deliver_deferred_deletes()
    assert window.current_screen() is window.start and window.session_view is None
    assert window.staff_session is None
    assert participant_id not in " ".join(widget_texts(window, visible_only=False))
    assert not answered_widgets(window)


def _note_idle_events(qtbot: Any, window: Any, *, touch_on_warning: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """What the window shows at each signal of its idle clock, noted in the signal itself (after the window's
    own slots, connected first): the tests read the order of events, never how long a wait took, so a busy
    machine that runs the event loop late changes nothing (Qt fires overdue timers in the order they were due).
    The first ``touch_on_warning`` warnings are answered at once with a real click on "Continue"."""
    seen: list[tuple[str, dict[str, Any]]] = []
    touches = [touch_on_warning]

    def note(event: str) -> None:
        view = window.session_view
        seen.append((event, {"overlay": window.idle_overlay.isVisible(), "title": window.idle_overlay.title.text(),
                             "message": window.idle_overlay.message.text(), "screen": window.current_screen(),
                             "dryness": None if view is None else view._form.value("esspri", "dryness")}))
        if event == "warn" and touches[0] > 0:
            touches[0] -= 1
            click(qtbot, window.idle_overlay.primary)          # "Continue", touched while the warning shows

    window.idle.warn.connect(lambda: note("warn"))
    window.idle.resumed.connect(lambda: note("resumed"))
    window.idle.expired.connect(lambda: note("expired"))
    return seen


def test_an_idle_session_warns_then_discards_the_form_and_locks(qtbot: Any, make_window: Any,
                                                               kiosk_station: KioskStation) -> None:
    window = make_window(idle_timeout_s=1.5, idle_warning_s=0.5)
    pid = kiosk_station.by_arm["IL2"]
    start_session(qtbot, window, pid, "week2")
    seen = _note_idle_events(qtbot, window)
    _answer_first_screens(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen() is window.start, timeout=20000)
    events = [event for event, _ in seen]
    assert events[-2:] == ["warn", "expired"] and events.count("expired") == 1, events
    warned = seen[-2][1]                                        # what the participant saw before the discard
    assert warned["overlay"] and warned["title"] == "Are you still there?"
    assert "your answers will be cleared in" in warned["message"]
    assert warned["screen"] is not window.start and warned["dryness"] == 9      # only a warning so far
    _nothing_of(window, pid)
    assert [r for r in store_records.records_of(kiosk_station.station.store, pid, kind="instrument_response")
            if r["entered_by"] == "participant"] == []   # only the staff's eligibility-visit score


def test_a_touch_during_the_idle_warning_keeps_the_form(qtbot: Any, make_window: Any,
                                                        kiosk_station: KioskStation) -> None:
    # The warning comes 0.8 s after the last touch, more than half the 1.2 s timeout: the second warning of a
    # clock restarted by the touch is due after the first deadline, so an end timer the touch did not restart
    # would fire before it (whatever the machine's speed: overdue timers fire in the order they were due).
    window = make_window(idle_timeout_s=1.2, idle_warning_s=0.4)
    start_session(qtbot, window, kiosk_station.by_arm["RAPA"], "week2")
    _answer_first_screens(qtbot, window)
    seen = _note_idle_events(qtbot, window, touch_on_warning=1)
    qtbot.waitUntil(lambda: [event for event, _ in seen].count("warn") >= 2 or window.session_view is None,
                    timeout=20000)
    assert [event for event, _ in seen][:3] == ["warn", "resumed", "warn"], seen
    assert not seen[1][1]["overlay"]                            # the touch closed the warning
    again = seen[2][1]                                          # past the first deadline: the clock restarted
    assert again["screen"] is window.session_view and again["dryness"] == 9


def test_staff_screens_lock_when_left_idle(qtbot: Any, make_window: Any, kiosk_station: KioskStation) -> None:
    window = make_window(idle_timeout_s=0.8, idle_warning_s=0.3)
    sign_in(qtbot, window)
    seen = _note_idle_events(qtbot, window)
    enrolled = len(kiosk_station.station.participants())
    assert window.current_screen() is window.setup and window.setup.participants.count() == enrolled >= 3
    qtbot.waitUntil(lambda: window.current_screen() is window.start, timeout=20000)
    assert [event for event, _ in seen] == ["warn", "expired"]
    assert seen[0][1]["screen"] is window.setup and "The kiosk will lock in" in seen[0][1]["message"]
    assert window.setup.participants.count() == 0 and window.staff_session is None


def test_only_staff_get_past_the_start_screen_and_the_participant_cannot_leave_the_session(
        qtbot: Any, make_window: Any, kiosk_station: KioskStation) -> None:
    window = make_window(full_screen=True)
    window.close()
    assert window.isVisible()                                 # the kiosk window does not close
    sign_in(qtbot, window, password="wrong password")
    assert window.current_screen() is window.sign_in and window.sign_in.problem.isVisible()
    assert window.sign_in.password.text() == ""
    click(qtbot, window.sign_in.cancel)
    assert window.current_screen() is window.start

    pid = kiosk_station.by_arm["IL2RAPA"]
    start_session(qtbot, window, pid, "week2")
    view = window.session_view
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    window.close()
    assert window.isVisible() and window.current_screen() is view
    names = {b.objectName() for b in view.findChildren(type(view.next)) if b.objectName()}
    assert names <= {"language", "stop", "back", "next", "submit", "finish", "overlay-primary", "overlay-secondary",
                     "read-aloud", "read-my-answer"} \
        | {n for n in names if n.startswith(("change:", "dose:"))}   # review changes, the dosing diary's days
    assert window.setup.participants.count() == 0            # the staff lists were emptied at hand-over

    _answer_first_screens(qtbot, window)
    click(qtbot, view.stop_button)
    assert view.overlay.isVisible()
    click(qtbot, view.overlay.primary)                        # "Continue answering"
    assert not view.overlay.isVisible() and view._form.value("esspri", "dryness") == 9
    click(qtbot, view.stop_button)
    click(qtbot, view.overlay.secondary)                      # "Stop and clear": back to the LOCKED start
    _nothing_of(window, pid)
    assert [r for r in store_records.records_of(kiosk_station.station.store, pid, kind="instrument_response")
            if r["entered_by"] == "participant"] == []   # only the staff's eligibility-visit score

    click(qtbot, window.start.staff)
    assert window.current_screen() is window.sign_in and window.sign_in.username.text() == ""
    click(qtbot, window.sign_in.cancel)
    sign_in(qtbot, window)
    click(qtbot, window.setup.quit)
    assert not window.isVisible()                             # staff can close the application


def test_keyboard_alone_answers_the_vas_and_a_scale_and_moves_on(qtbot: Any, make_window: Any,
                                                                kiosk_station: KioskStation) -> None:
    window = make_window()
    start_session(qtbot, window, kiosk_station.by_arm["IL2"], "baseline")
    view = window.session_view
    vas = current_page(window).main.widget
    assert window.focusWidget() is vas.track and vas.value() is None
    qtbot.keyClick(vas.track, Qt.Key.Key_Right)               # first key places the mark mid-line
    assert vas.value() == 50
    for key, expected in ((Qt.Key.Key_Right, 51), (Qt.Key.Key_PageDown, 41), (Qt.Key.Key_End, 100),
                          (Qt.Key.Key_Left, 99), (Qt.Key.Key_Home, 0)):
        qtbot.keyClick(vas.track, key)
        assert vas.value() == expected
    for _ in range(6):                                        # Tab reaches Next; Enter presses it
        if window.focusWidget() is view.next:
            break
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
    assert window.focusWidget() is view.next
    qtbot.keyClick(view.next, Qt.Key.Key_Return)
    scale = current_page(window).main.widget
    assert scale is not vas
    buttons = scale.buttons()
    buttons[0].setFocus(Qt.FocusReason.TabFocusReason)
    for _ in range(3):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
    assert window.focusWidget() is buttons[3]
    qtbot.keyClick(buttons[3], Qt.Key.Key_Space)
    assert scale.value() == 3
    qtbot.keyClick(buttons[3], Qt.Key.Key_Right)              # arrows move within the scale
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Return)
    assert scale.value() == 4


def test_nurse_mode_opens_only_after_staff_sign_in_and_hands_back_to_the_kiosk(qtbot: Any, make_window: Any,
                                                                               kiosk_station: KioskStation) -> None:
    from desktop_client.ui.nurse.home import NurseHome

    window = make_window()
    sign_in(qtbot, window)
    click(qtbot, window.setup.nurse)
    assert isinstance(window.current_screen(), NurseHome) and window.nurse_view is window.current_screen()
    assert not window.idle.active                             # nurse mode keeps its own lock
    window.nurse_view.kiosk_requested.emit()                  # "Kiosk for a participant"
    deliver_deferred_deletes()
    assert window.current_screen() is window.setup and window.nurse_view is None
    assert window.setup.participants.count() == len(kiosk_station.station.participants())
    click(qtbot, window.setup.nurse)
    window.nurse_view.signed_out.emit()
    _nothing_of(window, kiosk_station.by_arm["IL2"])


def test_a_participant_whose_arm_is_not_known_yet_cannot_be_handed_the_kiosk(qtbot: Any, make_window: Any,
                                                                             kiosk_station: KioskStation) -> None:
    with kiosk_station.station.store.transaction() as conn:   # as a sync delivers a participant without its arm
        conn.execute("INSERT INTO participants (participant_id, site_id, arm, status, enrolled_at, source) "
                     "VALUES ('PKU-900', 'PKU', NULL, 'enrolled', NULL, 'server')")
    window = make_window()
    sign_in(qtbot, window)
    rows = [window.setup.participants.item(i) for i in range(window.setup.participants.count())]
    unknown = next(r for r in rows if r.text().startswith("PKU-900"))
    assert "sync first" in unknown.text() and not unknown.flags() & Qt.ItemFlag.ItemIsEnabled
    qtbot.mouseClick(window.setup.participants.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.setup.participants.visualItemRect(unknown).center())
    assert window.setup.participants.currentItem() is not unknown
