"""Data queries in nurse mode: the site's unresolved queries (as of the last sync), their threads, and the
answer box. An answer is saved on the station at once (offline) and sent at the next sync."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_client.services import queries
from desktop_client.services.queries import KioskQuery
from desktop_client.ui.nurse.problems import save_in_background
from desktop_client.ui.nurse.widgets import MessageLabel, NurseContext, language, note, page_layout, tr
from shared.site_time import site_local_text

STATES = {"open": QT_TRANSLATE_NOOP("Nurse", "open"), "answered": QT_TRANSLATE_NOOP("Nurse", "answered"),
          "reopened": QT_TRANSLATE_NOOP("Nurse", "re-opened")}


class QueriesPage(QWidget):
    """The site's open data queries; select one to read its thread and answer it."""

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = page_layout(self, self.tr("Data queries"))
        layout.addWidget(note(self.tr("Queries from the monitor or the data checks, as of the last sync. Your "
                                      "answer is saved here and sent at the next sync.")))
        self.empty = note(self.tr("No open query for this site."))
        layout.addWidget(self.empty)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([self.tr("Participant"), self.tr("Visit / form"), self.tr("Field"),
                                              self.tr("State"), self.tr("Days open")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(240)
        self.table.itemSelectionChanged.connect(self.show_query)
        layout.addWidget(self.table)
        self.thread = QLabel("")
        self.thread.setWordWrap(True)
        self.thread.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.thread)
        self.answer_box = QPlainTextEdit()
        self.answer_box.setPlaceholderText(self.tr("Your answer"))
        self.answer_box.setMaximumHeight(140)
        layout.addWidget(self.answer_box)
        self.answer_button = QPushButton(self.tr("Save the answer"))
        self.answer_button.clicked.connect(self.save_answer)
        layout.addWidget(self.answer_button)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.rows: list[KioskQuery] = []
        self.reload()

    def reload(self) -> None:
        """Re-read the queries (after a sync or a save), keeping the selected one when it is still open."""
        keep = self.selected()
        self.rows = queries.open_queries(self.ctx.station)
        self.table.setRowCount(len(self.rows))
        for r, q in enumerate(self.rows):
            where = " · ".join(x for x in (q.visit_id, q.instrument_id) if x) or "—"
            for c, text in enumerate((q.participant_id, where, q.field, tr(STATES.get(q.state, q.state)),
                                      str(q.age_days()))):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty.setVisible(not self.rows)
        ids = [q.query_id for q in self.rows]
        self.table.selectRow(ids.index(keep.query_id) if keep and keep.query_id in ids else 0)
        self.show_query()

    def selected(self) -> KioskQuery | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def show_query(self) -> None:
        q = self.selected()
        self.answer_button.setEnabled(q is not None)
        self.answer_box.setEnabled(q is not None)
        if q is None:
            self.thread.setText("")
            return
        lines = [self.tr("Value: {0}").format(q.value)]
        for m in q.messages:
            text = m.get("text_zh") if language() == "zh" and m.get("text_zh") else m.get("text")
            when = site_local_text(m["at"], self.ctx.station.study, self.ctx.station.site_id)   # the site's clock
            lines.append(f"{when} · {m['author']}: {text}")
        lines += [self.tr("Waiting to be sent: {0}").format(w) for w in q.waiting]
        self.thread.setText("\n".join(lines))

    def save_answer(self) -> None:
        q = self.selected()
        text = self.answer_box.toPlainText()
        if q is None:
            return
        if not text.strip():
            self.message.problem(self.tr("Write the answer first."))
            return
        station, actor, qid = self.ctx.station, self.ctx.actor, q.query_id

        def saved(_record: object) -> None:
            self.answer_box.clear()
            self.reload()
            self.message.success(self.tr("Answer saved; it is sent at the next sync."))

        save_in_background(lambda: queries.answer(station, qid, text, actor=actor), button=self.answer_button,
                           message=self.message, study=station.study, on_saved=saved)
