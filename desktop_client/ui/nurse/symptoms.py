"""Review of what the participant reported on the symptom checklist, visit by visit; new or worse symptoms
stand out, and any symptom opens an adverse-event report pre-filled from it."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_client.services import symptom_review
from desktop_client.services.symptom_review import ReportedSymptom
from desktop_client.ui.nurse.widgets import (
    MessageLabel,
    NurseContext,
    ParticipantPicker,
    in_language,
    note,
    page_layout,
    tr,
)

SEVERITY = {"mild": QT_TRANSLATE_NOOP("Nurse", "mild"), "moderate": QT_TRANSLATE_NOOP("Nurse", "moderate"),
            "severe": QT_TRANSLATE_NOOP("Nurse", "severe"), "unknown": QT_TRANSLATE_NOOP("Nurse", "severity not given")}
CHANGE = {"new": QT_TRANSLATE_NOOP("Nurse", "NEW since the last visit"),
          "worse": QT_TRANSLATE_NOOP("Nurse", "WORSE than at the last visit"),
          "same": QT_TRANSLATE_NOOP("Nurse", "same as at the last visit"),
          "better": QT_TRANSLATE_NOOP("Nurse", "better than at the last visit")}
HIGHLIGHT = QColor("#ffe0a3")


class SymptomReviewPage(QWidget):
    """Per participant and visit: the reported symptoms, highlighted when new or worse."""

    report_adverse_event = Signal(str, object)   # participant id, ReportedSymptom

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Symptom review"))
        form = QFormLayout()
        self.participant = ParticipantPicker(ctx.station)
        form.addRow(self.tr("Participant"), self.participant)
        layout.addLayout(form)
        self.visits = QListWidget()
        self.visits.setMaximumHeight(260)
        self.visits.currentRowChanged.connect(lambda _r: self.show_visit())
        layout.addWidget(self.visits)
        self.empty = note(self.tr("No symptom checklist recorded for this participant yet."))
        layout.addWidget(self.empty)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("Symptom"), self.tr("Severity"), self.tr("Last visit"),
                                              self.tr("Change")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(320)
        layout.addWidget(self.table)
        self.ae_button = QPushButton(self.tr("Report the selected symptom as an adverse event"))
        self.ae_button.clicked.connect(self.open_adverse_event)
        layout.addWidget(self.ae_button)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.rows: list[ReportedSymptom] = []
        self.participant.participant_changed.connect(lambda _p: self.reload())
        self.reload()

    def reload(self) -> None:
        """List the participant's checklist visits, newest first, and show the newest."""
        pid = self.participant.participant_id()
        self.visits.blockSignals(True)
        self.visits.clear()
        for v in symptom_review.checklist_visits(self.ctx.station, pid) if pid else []:
            text = self.tr("{0} ({1}): {2} reported, {3} new or worse").format(
                in_language(v.label), v.collected_on.isoformat(), v.reported, v.highlighted)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, v.visit_id)
            self.visits.addItem(item)
        self.visits.blockSignals(False)
        self.empty.setVisible(self.visits.count() == 0)
        self.visits.setCurrentRow(0 if self.visits.count() else -1)
        self.show_visit()

    def select_visit(self, visit_id: str) -> None:
        for row in range(self.visits.count()):
            if self.visits.item(row).data(Qt.ItemDataRole.UserRole) == visit_id:
                self.visits.setCurrentRow(row)

    def show_visit(self) -> None:
        pid = self.participant.participant_id()
        item = self.visits.currentItem()
        self.rows = (symptom_review.review(self.ctx.station, pid, item.data(Qt.ItemDataRole.UserRole))
                     if pid and item else [])
        self.table.setRowCount(len(self.rows))
        for r, s in enumerate(self.rows):
            cells = [in_language(s.label), tr(SEVERITY.get(s.severity, s.severity)),
                     tr(SEVERITY.get(s.previous_severity, s.previous_severity)) if s.previous_severity
                     else self.tr("not reported"), tr(CHANGE[s.change])]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(("▲ " if s.highlighted and c == 3 else "") + text)
                if s.highlighted:
                    cell.setBackground(QBrush(HIGHLIGHT))
                    font = QFont(cell.font())
                    font.setBold(True)
                    cell.setFont(font)
                self.table.setItem(r, c, cell)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if self.rows:
            self.table.selectRow(0)
        self.ae_button.setEnabled(bool(self.rows))
        self.message.clear_message()

    def open_adverse_event(self) -> None:
        """Ask the adverse-event screen to open a report pre-filled from the selected symptom."""
        row = self.table.currentRow()
        pid = self.participant.participant_id()
        if row < 0 or row >= len(self.rows) or pid is None:
            self.message.problem(self.tr("Select a symptom first."))
            return
        self.report_adverse_event.emit(pid, self.rows[row])
