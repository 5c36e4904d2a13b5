"""Staff screen after sign-in: choose the participant (site list) and the visit, then hand over the kiosk.

Also the way into nurse mode, to lock the kiosk, or to close the application (only staff get here).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop_client.services import visit_choice
from desktop_client.services.recording import answered_visits
from desktop_client.services.staff import StaffSession
from desktop_client.services.station import Station
from desktop_client.ui import theme
from desktop_client.ui.i18n import Language
from desktop_client.ui.kiosk.form import kiosk_visits
from desktop_client.ui.widgets.choices import KeyButton
from desktop_client.ui.widgets.visit_window import confirm_outside_window
from shared.submissions import repeatable_visit

_ID = Qt.ItemDataRole.UserRole


class KioskSetupScreen(QWidget):
    """Emits ``start_requested(participant_id, arm_code, visit_id)``, ``nurse_requested``, ``lock_requested``,
    ``quit_requested``."""

    start_requested = Signal(str, str, str)
    nurse_requested = Signal()
    lock_requested = Signal()
    quit_requested = Signal()

    def __init__(self, station: Station, language: Language, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._station = station
        self._language = language
        self._session: StaffSession | None = None
        self._answered: set[str] = set()
        self.heading = theme.label(self, "heading")
        self.signed_in_as = theme.label(self, "note")
        self.participant_label = QLabel(self)
        self.visit_label = QLabel(self)
        self.participants = QListWidget(self)
        self.participants.setObjectName("participants")
        self.visits = QListWidget(self)
        self.visits.setObjectName("visits")
        self.participants.currentItemChanged.connect(self._participant_changed)
        self.visits.currentItemChanged.connect(lambda *_: self._offer_correction())
        self.correction_note = theme.label(self, "note", wrap=True, hidden=True)
        self.correction = QLineEdit(self)     # one submission per visit: answered again, it is a correction
        self.correction.setObjectName("correction-reason")
        self.correction.hide()
        self.problem = theme.label(self, "problem", wrap=True, hidden=True)
        self.start = KeyButton(self)
        self.start.setObjectName("start-session")
        self.start.clicked.connect(self._start)
        self.nurse = KeyButton(self)
        self.nurse.setObjectName("nurse-mode")
        self.lock = KeyButton(self)
        self.lock.setObjectName("lock")
        self.quit = KeyButton(self)
        self.quit.setObjectName("quit")
        for button in (self.nurse, self.lock, self.quit):
            theme.set_role(button, "secondary", "kind")
        self.window_warning: QMessageBox | None = None
        self.nurse.clicked.connect(self.nurse_requested)
        self.lock.clicked.connect(self.lock_requested)
        self.quit.clicked.connect(self.quit_requested)
        lists = QGridLayout()
        lists.setHorizontalSpacing(32)
        lists.addWidget(self.participant_label, 0, 0)
        lists.addWidget(self.visit_label, 0, 1)
        lists.addWidget(self.participants, 1, 0)
        lists.addWidget(self.visits, 1, 1)
        lists.setColumnStretch(0, 1)
        lists.setColumnStretch(1, 1)
        # Closing the program is apart from the mode buttons (top right, alone), so a hurried touch on
        # "Nurse mode" or "Lock" can never end the application.
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.signed_in_as)
        top.addLayout(titles, 1)
        top.addWidget(self.quit, 0, Qt.AlignmentFlag.AlignTop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.lock)
        buttons.addWidget(self.nurse)
        buttons.addStretch(1)
        buttons.addWidget(self.start)
        box = QVBoxLayout(self)
        box.setContentsMargins(40, 24, 40, 24)
        box.addLayout(top)
        box.addSpacing(12)
        box.addLayout(lists, 1)
        box.addWidget(self.correction_note)
        box.addWidget(self.correction)
        box.addWidget(self.problem)
        box.addLayout(buttons)
        self.setTabOrder(self.participants, self.visits)
        self.setTabOrder(self.visits, self.start)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def open_for(self, session: StaffSession) -> None:
        """Fill the lists for a signed-in staff member."""
        self._session = session
        self.problem.hide()
        self.participants.clear()
        for row in self._station.participants():
            if row.get("status", "enrolled") != "enrolled":
                continue
            item = QListWidgetItem(self.participants)
            item.setData(_ID, (row["participant_id"], row["arm"]))
            if not row["arm"]:   # questions depend on the arm: such a participant cannot be handed the kiosk
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
        self._label_participants()
        usable = [i for i in range(self.participants.count())
                  if self.participants.item(i).flags() & Qt.ItemFlag.ItemIsEnabled]
        if usable:
            self.participants.setCurrentRow(usable[0])
        else:
            self.visits.clear()
        self.retranslate()
        self.participants.setFocus()

    def clear(self) -> None:
        """Forget the staff member and every participant shown (on lock)."""
        self._session = None
        self._answered = set()
        self.participants.clear()
        self.visits.clear()
        self.correction.clear()
        self.signed_in_as.clear()
        self.problem.clear()
        self.problem.hide()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Start a participant session"))
        if self._session is not None:
            self.signed_in_as.setText(self.tr("Signed in as %1").replace("%1", self._session.display_name))
        self.participant_label.setText(self.tr("Participant"))
        self.visit_label.setText(self.tr("Visit"))
        self.start.setText(self.tr("Start questionnaire"))
        self.correction_note.setText(self.tr("This visit's answers are saved already. The new answers will "
                                             "correct them: staff, give the reason for the correction."))
        self.correction.setPlaceholderText(self.tr("Reason for the correction (required)"))
        self.nurse.setText(self.tr("Nurse mode"))
        self.lock.setText(self.tr("Lock"))
        self.quit.setText(self.tr("Close application"))
        self._label_participants()
        self._fill_visits(keep=True)
        if self._session is not None and not self.participants.count():
            self._show_problem(self.tr("No participant is enrolled at this site on this station yet."))

    def _label_participants(self) -> None:
        study = self._station.study
        zh = self._language.code == "zh"
        for i in range(self.participants.count()):
            item = self.participants.item(i)
            pid, arm_code = item.data(_ID)
            if not arm_code:
                item.setText(f"{pid}  ·  " + self.tr("arm not known on this station yet: sync first"))
                continue
            arm = study.arm(arm_code)
            item.setText(f"{pid}  ·  {arm.name_zh if zh else arm.name}")

    def _participant_changed(self, *_: object) -> None:
        item = self.participants.currentItem()
        self._answered = answered_visits(self._station, item.data(_ID)[0]) if item is not None else set()
        self._fill_visits(keep=False)

    def _fill_visits(self, keep: bool) -> None:
        current = self.visits.currentItem().data(_ID) if keep and self.visits.currentItem() else None
        self.visits.clear()
        if self.participants.currentItem() is None:
            return
        zh = self._language.code == "zh"
        open_ids = []
        items = {}
        for visit in kiosk_visits(self._station.study):
            item = QListWidgetItem(self.visits)
            item.setData(_ID, visit.id)
            text = visit.label_zh if zh else visit.label
            if visit.id in self._answered:
                text += "  " + self.tr("(answers already saved)")
            elif visit.scheduled:
                open_ids.append(visit.id)
            item.setText(text)
            items[visit.id] = item
            if visit.id == current:
                self.visits.setCurrentItem(item)
        if self.visits.currentItem() is None and open_ids:   # the participant's due visit, not the first one
            due = visit_choice.due_visit(self._station, self.participants.currentItem().data(_ID)[0], open_ids)
            self.visits.setCurrentItem(items[due or open_ids[0]])
            self.visits.scrollToItem(self.visits.currentItem())

    def _needs_correction(self) -> bool:
        """Whether the chosen visit already has this station's answers (one submission per visit)."""
        item = self.visits.currentItem()
        visit_id = item.data(_ID) if item is not None else None
        return visit_id in self._answered and not repeatable_visit(self._station.study, visit_id)

    def _offer_correction(self) -> None:
        needed = self._needs_correction()
        self.correction_note.setVisible(needed)
        self.correction.setVisible(needed)
        if not needed:
            self.correction.clear()

    def correction_reason(self) -> str | None:
        """Staff's reason for correcting the chosen visit's saved answers (None: a first submission)."""
        return (self.correction.text().strip() or None) if self._needs_correction() else None

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def _start(self) -> None:
        participant, visit = self.participants.currentItem(), self.visits.currentItem()
        if participant is None or visit is None:
            self._show_problem(self.tr("Choose a participant and a visit first."))
            return
        if self._needs_correction() and not self.correction.text().strip():
            self._show_problem(self.tr("Give the reason for the correction first."))
            self.correction.setFocus()
            return
        pid, arm = participant.data(_ID)
        visit_id = visit.data(_ID)
        window = visit_choice.outside_window(self._station, pid, visit_id)
        if window is None:
            self.start_requested.emit(pid, arm, visit_id)
            return
        label = window.label.in_language(self._language.code)
        self.window_warning = confirm_outside_window(self, window, self.tr("Start {0} anyway").format(label),
                                                     lambda: self.start_requested.emit(pid, arm, visit_id))
