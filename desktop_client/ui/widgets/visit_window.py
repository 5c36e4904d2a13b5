"""The question staff answer before saving against a visit whose window does not hold today.

A non-modal confirm box (``open``), so the screen stays responsive and a test can read and answer it. The
window comes from ``desktop_client.services.visit_choice.outside_window`` (the study file's rule).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_client.services.visit_choice import VisitWindow


def window_text(window: VisitWindow) -> str:
    """The warning in the screen's language: the visit, its window and today's date at the site."""
    zh = QLocale().language() == QLocale.Language.Chinese
    label = window.label.in_language("zh" if zh else "en")
    if window.today < window.start:
        when = QCoreApplication.translate("VisitWindow", "before its window opens")
    else:
        when = QCoreApplication.translate("VisitWindow", "after its window closed")
    text = QCoreApplication.translate("VisitWindow", "{0} is due from {1} to {2} (its window in the study plan). Today, {3}, is {4}. Saving against {0} now makes an out-of-window visit (a protocol deviation).")  # noqa: E501 - one literal for lupdate
    return text.format(label, window.start.isoformat(), window.end.isoformat(), window.today.isoformat(), when)


def confirm_outside_window(parent: QWidget, window: VisitWindow, action: str,
                           on_confirmed: Callable[[], None]) -> QMessageBox:
    """Ask before an action (``action``: the button text, e.g. "Save against Week 4") on an out-of-window
    visit; ``on_confirmed`` runs only when staff press that button. Returns the box (shown, non-modal)."""
    title = QCoreApplication.translate("VisitWindow", "Visit outside its window")
    box = QMessageBox(QMessageBox.Icon.Warning, title, window_text(window), QMessageBox.StandardButton.NoButton,
                      parent)
    box.setObjectName("visit-window-warning")
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    go.setObjectName("visit-window-confirm")
    back = box.addButton(QCoreApplication.translate("VisitWindow", "Choose another visit"),
                         QMessageBox.ButtonRole.RejectRole)
    back.setObjectName("visit-window-cancel")
    box.setDefaultButton(back)
    box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 640px; }")   # the visit, its window and today
    for button in (go, back):
        button.ensurePolished()       # the theme's bold type is wider than the size hint: never cut the text
        button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 64)

    def answered(button: object) -> None:
        if button is go:
            on_confirmed()

    box.buttonClicked.connect(answered)
    box.open()
    box.adjustSize()
    return box

