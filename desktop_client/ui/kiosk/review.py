"""The review screen: every answer, a Change button per answer, and Submit.

The VAS answer is shown as the mark on a small copy of the line, never as a number. A refused Submit puts
the message next to each item that needs attention and keeps every answer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QScroller, QVBoxLayout, QWidget

from desktop_client.ui import theme
from desktop_client.ui.i18n import Language
from desktop_client.ui.kiosk import texts
from desktop_client.ui.kiosk.form import KioskForm, Question
from desktop_client.ui.widgets.choices import KeyButton
from desktop_client.ui.widgets.vas_line import VasLine
from shared.errors import FieldProblem
from shared.instruments.model import Item, ResponseType

MINI_LINE_PX = 260


class ReviewScreen(QWidget):
    """Lists the form's answers; emits ``change_requested(question index)``. Submit is the session's button."""

    change_requested = Signal(int)

    def __init__(self, form: KioskForm, questions: list[Question], language: Language,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._form = form
        self._questions = questions
        self._language = language
        self._problems: dict[tuple[str, str], FieldProblem] = {}
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.status = theme.label(self, "problem", wrap=True, hidden=True)
        box = QVBoxLayout(self)
        box.setContentsMargins(40, 0, 40, 0)
        box.addWidget(self.scroll, 1)
        box.addWidget(self.status)
        self.change_buttons: dict[tuple[str, str], KeyButton] = {}
        self.problem_labels: dict[tuple[str, str], QLabel] = {}
        self._busy = False
        self.rebuild()

    # ---- what the session calls -------------------------------------------------------------------
    def retranslate(self) -> None:
        """Show the same answers and problems again in the language now chosen."""
        self.rebuild(self._problems)

    def rebuild(self, problems: dict[tuple[str, str], FieldProblem] | None = None) -> None:
        """Show the current answers (and ``problems`` next to their items)."""
        self._problems = dict(problems or {})
        lang = self._language.code
        self.change_buttons = {}
        self.problem_labels = {}
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 16, 0)
        grid.setHorizontalSpacing(20)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        row = 0
        current = None
        first_problem: QWidget | None = None
        for index, question in enumerate(self._questions):
            if question.instrument.id != current:
                current = question.instrument.id
                title = QLabel(question.instrument.title.in_language(lang), body)
                theme.set_role(title, "heading")
                grid.addWidget(title, row, 0, 1, 3)
                row += 1
            items = [question.item] + ([question.follow_up] if self._form.follow_up_asked(question) else [])
            for item in items:
                row, widget = self._add_row(grid, body, row, index, question, item)
                first_problem = first_problem or widget
        grid.setRowStretch(row, 1)
        self.scroll.setWidget(body)
        if self._problems:
            self.status.setText(self.tr("Some questions still need an answer. They are marked in red."))
        self.status.setVisible(bool(self._problems))
        if first_problem is not None:
            self.scroll.ensureWidgetVisible(first_problem)

    def set_busy(self, busy: bool) -> None:
        """While saving every Change button is disabled."""
        self._busy = busy
        for button in self.change_buttons.values():
            button.setEnabled(not busy)

    def show_failure(self, message: str) -> None:
        self.status.setText(message)
        self.status.show()

    # ---- rows -------------------------------------------------------------------------------------
    def _add_row(self, grid: QGridLayout, body: QWidget, row: int, index: int, question: Question,
                 item: Item) -> tuple[int, QWidget | None]:
        lang = self._language.code
        inst = question.instrument.id
        value = self._form.value(inst, item.id)
        label = QLabel(item.label.in_language(lang), body)
        label.setWordWrap(True)
        change = KeyButton(self.tr("Change"), body)
        if item.response is ResponseType.VAS_MM and value is not None:
            # The mark on a small copy of the line, under the question (never the number).
            line = VasLine(body, interactive=False, fixed_line_px=MINI_LINE_PX)
            line.set_value(value)
            line.set_anchors(*(a.in_language(lang) for a in item.anchors or ()))
            line.setAccessibleName(texts.marked_on_line())
            grid.addWidget(label, row, 0, 1, 2)
            grid.addWidget(change, row, 2, 2, 1, Qt.AlignmentFlag.AlignTop)
            row += 1
            grid.addWidget(line, row, 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        else:
            answer = QLabel(texts.answer_text(item, value, lang, self._form.drug_names), body)
            answer.setWordWrap(True)
            if value is None:
                theme.set_role(answer, "note")
            grid.addWidget(label, row, 0)
            grid.addWidget(answer, row, 1)
            grid.addWidget(change, row, 2, Qt.AlignmentFlag.AlignTop)
        change.setObjectName(f"change:{inst}.{item.id}")
        change.setAccessibleName(self.tr("Change") + ": " + label.text())
        theme.set_role(change, "secondary", "kind")
        change.setEnabled(not self._busy)
        change.clicked.connect(lambda _=False, i=index: self.change_requested.emit(i))
        self.change_buttons[(inst, item.id)] = change
        row += 1
        problem = self._problems.get((inst, item.id))
        marker: QWidget | None = None
        if problem is not None:
            marker = QLabel(texts.problem_text(problem), body)
            marker.setWordWrap(True)
            theme.set_role(marker, "problem")
            self.problem_labels[(inst, item.id)] = marker
            grid.addWidget(marker, row, 0, 1, 3)
            row += 1
        line = QFrame(body)
        line.setFrameShape(QFrame.Shape.HLine)
        grid.addWidget(line, row, 0, 1, 3)
        return row + 1, marker
