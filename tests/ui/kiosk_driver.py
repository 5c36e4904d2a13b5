"""Drives the real kiosk widgets the way a nurse and a participant do: clicks, touches and keys, no shortcuts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QListWidget, QMessageBox, QWidget

from desktop_client.ui.kiosk.question_page import QuestionPage
from desktop_client.ui.main_window import MainWindow
from desktop_client.ui.widgets.choices import ChoiceButtons, NumberScale
from desktop_client.ui.widgets.dose_calendar import DoseCalendar
from desktop_client.ui.widgets.vas_line import _PAD, VasLine
from tests.factories import STAFF_PASSWORD

LEFT = Qt.MouseButton.LeftButton


def click(qtbot: Any, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), f"{button.objectName() or button.text()!r} is not clickable"
    qtbot.mouseClick(button, LEFT)


def sign_in(qtbot: Any, window: MainWindow, password: str = STAFF_PASSWORD) -> None:
    click(qtbot, window.start.staff)
    assert window.current_screen() is window.sign_in
    qtbot.keyClicks(window.sign_in.username, "nurse.a")
    qtbot.keyClicks(window.sign_in.password, password)
    click(qtbot, window.sign_in.submit)


def start_session(qtbot: Any, window: MainWindow, participant_id: str, visit_id: str) -> None:
    """Staff sign-in, choose the participant and the visit, hand over."""
    sign_in(qtbot, window)
    assert window.current_screen() is window.setup
    setup = window.setup
    rows = [setup.participants.item(i) for i in range(setup.participants.count())]
    row = next(r for r in rows if r.text().startswith(participant_id))
    qtbot.mouseClick(setup.participants.viewport(), LEFT, pos=setup.participants.visualItemRect(row).center())
    visits = [setup.visits.item(i) for i in range(setup.visits.count())]
    vrow = next(v for v in visits if v.data(Qt.ItemDataRole.UserRole) == visit_id)
    setup.visits.scrollToItem(vrow)
    qtbot.mouseClick(setup.visits.viewport(), LEFT, pos=setup.visits.visualItemRect(vrow).center())
    click(qtbot, setup.start)
    confirm_visit_window(qtbot, window)
    assert window.session_view is not None and window.current_screen() is window.session_view


def confirm_visit_window(qtbot: Any, window: MainWindow) -> None:
    """Staff confirm the out-of-window question when the staff screen asks it (tests run on the enrolment day,
    so a later visit is outside its window; the question itself is tested in test_nurse_due_visit.py)."""
    warning = window.setup.window_warning
    if window.session_view is None and warning is not None and warning.isVisible():
        confirm = next(b for b in warning.buttons() if warning.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
        click(qtbot, confirm)


def touch_vas(qtbot: Any, vas: VasLine, percent: float) -> int:
    """Touch the line ``percent`` of the way along; returns the value the touched pixel stands for."""
    x = _PAD + round(vas.line_px() * percent / 100)
    qtbot.mouseClick(vas.track, LEFT, pos=QPoint(x, vas.track.height() // 2))
    return round((x - _PAD) / vas.line_px() * 100)


def answer(qtbot: Any, widget: Any, value: Any) -> None:
    """Give ``value`` through the widget (a touch on the line, or a click on the button)."""
    if isinstance(widget, VasLine):
        touch_vas(qtbot, widget, value)
    elif isinstance(widget, NumberScale | ChoiceButtons):
        click(qtbot, widget.button_for(value))
    elif isinstance(widget, DoseCalendar):        # {"YYYY-MM-DD": [drugs taken]}: a touch per dose taken
        taken = [(d, drug) for (d, drug) in widget.dose_buttons if drug in value.get(d.isoformat(), ())]
        if not taken:
            click(qtbot, widget.none_button)
        for key in taken:
            if not widget.dose_buttons[key].isChecked():
                click(qtbot, widget.dose_buttons[key])
    else:
        raise TypeError(widget)


def current_page(window: MainWindow) -> QuestionPage:
    page = window.session_view.stack.currentWidget()
    assert isinstance(page, QuestionPage), page
    return page


def deliver_deferred_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def widget_texts(root: QWidget, *, visible_only: bool) -> list[str]:
    """Every text a widget under ``root`` holds: labels, buttons, line edits, list rows, accessible names."""
    found: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if visible_only and not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            found.append(w.text())
        if isinstance(w, QListWidget):
            found += [w.item(i).text() for i in range(w.count())]
        if not visible_only:
            found += [w.accessibleName(), w.toolTip(), w.windowTitle()]
    return [t for t in found if t]


def answered_widgets(root: QWidget) -> list[QWidget]:
    """Answer widgets that hold an answer (VAS marks, selected numbers or choices)."""
    return [w for w in root.findChildren(QWidget)
            if isinstance(w, VasLine | NumberScale | ChoiceButtons | DoseCalendar) and w.value() is not None]
