"""Lab results of a participant as the server sent them (normal range, LOW/HIGH, CTCAE grade, corrections), and
the adverse events the graded ones propose: accepting one opens the AE form pre-filled."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_client.services import lab_results
from desktop_client.ui.nurse.widgets import MessageLabel, NurseContext, ParticipantPicker, language, note, page_layout
from shared.lab_grading import AeProposal

ABNORMAL = QColor("#ffe0a3")
SEVERE = QColor("#f4b4b4")


class LabResultsPage(QWidget):
    """Per participant: every current lab result, abnormal ones highlighted, and the AE proposals."""

    report_adverse_event = Signal(str, object)   # participant id, AeProposal

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Lab results"))
        form = QFormLayout()
        self.participant = ParticipantPicker(ctx.station)
        form.addRow(self.tr("Participant"), self.participant)
        layout.addLayout(form)
        self.empty = note(self.tr("No lab results for this participant yet (they arrive with a sync)."))
        layout.addWidget(self.empty)
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels([self.tr("Sample date"), self.tr("Visit"), self.tr("Test"),
                                              self.tr("Value"), self.tr("Normal range"), self.tr("Flag"),
                                              self.tr("CTCAE grade")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(280)
        layout.addWidget(self.table)
        self.proposal_title = QLabel(self.tr("Abnormal results without an adverse event report (CTCAE v5.0):"))
        layout.addWidget(self.proposal_title)
        self.proposal_list = QListWidget()
        self.proposal_list.setMaximumHeight(200)
        layout.addWidget(self.proposal_list)
        self.ae_button = QPushButton(self.tr("Report the selected result as an adverse event"))
        self.ae_button.clicked.connect(self.open_adverse_event)
        layout.addWidget(self.ae_button)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.proposals: list[AeProposal] = []
        self.participant.participant_changed.connect(lambda _p: self.reload())
        self.reload()

    def reload(self) -> None:
        """Read the selected participant's results and proposals from the station (no network)."""
        pid = self.participant.participant_id()
        lines = lab_results.lab_lines(self.ctx.station, pid, chinese=language() == "zh") if pid else []
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            value = f"{line.value:g} {line.unit}" + (" ✎" if line.revision > 1 else "")
            cells = [line.sample_date, line.visit_id, line.test_name, value, line.normal_range, line.flag,
                     "" if line.grade is None else str(line.grade)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if line.reason and col == 3:
                    item.setToolTip(self.tr("Corrected: {0}").format(line.reason))
                if line.grade or line.flag in ("LOW", "HIGH"):
                    item.setBackground(QBrush(SEVERE if (line.grade or 0) >= 3 else ABNORMAL))
                self.table.setItem(row, col, item)
        self.empty.setVisible(not lines)
        self.proposals = lab_results.proposals(self.ctx.station, pid) if pid else []
        self.proposal_list.clear()
        for p in self.proposals:
            self.proposal_list.addItem(self.tr("{0}, grade {1}: {2}").format(p.term, p.grade, p.description))
        if self.proposals:
            self.proposal_list.setCurrentRow(0)
        for w in (self.proposal_title, self.proposal_list, self.ae_button):
            w.setVisible(bool(self.proposals))
        self.message.clear_message()

    def open_adverse_event(self) -> None:
        """Accept the selected proposal: the AE form opens pre-filled (nothing is saved until staff save it)."""
        row = self.proposal_list.currentRow()
        pid = self.participant.participant_id()
        if row < 0 or pid is None:
            self.message.problem(self.tr("Select an abnormal result first."))
            return
        self.report_adverse_event.emit(pid, self.proposals[row])
