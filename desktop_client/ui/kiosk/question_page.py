"""One question on one screen: the item's text from the instrument (in the screen language) and its answer widget."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QScroller, QVBoxLayout, QWidget

from desktop_client.services.read_aloud import ReadAloud
from desktop_client.ui import theme
from desktop_client.ui.i18n import Language
from desktop_client.ui.kiosk import spoken, texts
from desktop_client.ui.kiosk.form import KioskForm, Question
from desktop_client.ui.widgets.choices import ChoiceButtons, KeyButton, NumberScale
from desktop_client.ui.widgets.dose_calendar import DoseCalendar
from desktop_client.ui.widgets.vas_line import VasLine
from shared.errors import FieldProblem
from shared.instruments.model import Item, ResponseType

AnswerWidget = VasLine | NumberScale | ChoiceButtons | DoseCalendar


def answer_widget(item: Item, language: Language, parent: QWidget, form: KioskForm | None = None) -> AnswerWidget:
    """The widget for ``item``'s response type (a dose calendar shows the form's dates and the arm's drugs).
    Raises ValueError for a type the kiosk does not ask."""
    rt = item.response
    if rt is ResponseType.DOSE_CALENDAR and form is not None:
        return DoseCalendar(form.dose_dates, form.drug_names, language.code, parent)
    if rt is ResponseType.VAS_MM:
        return VasLine(parent)
    if rt is ResponseType.INTEGER and item.minimum is not None and item.maximum is not None:
        count = int(item.maximum) - int(item.minimum) + 1
        return NumberScale(int(item.minimum), int(item.maximum), parent, per_row=count if count <= 11 else 10)
    if rt is ResponseType.BOOLEAN:
        return ChoiceButtons([(True, texts.yes), (False, texts.no)], parent)
    if rt is ResponseType.CHOICE:
        return ChoiceButtons([(c.code, lambda c=c: c.label.in_language(language.code)) for c in item.choices],
                             parent)
    raise ValueError(f"item {item.id}: the kiosk has no widget for response type {rt.value}")


class _ItemBlock(QWidget):
    """Question text, answer widget and the message slot beside it, for one item."""

    def __init__(self, item: Item, language: Language, parent: QWidget, form: KioskForm | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.question = theme.label(self, "question", wrap=True)
        self.widget = answer_widget(item, language, self, form)
        self.problem = theme.label(self, "problem", wrap=True, hidden=True)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(14)
        box.addWidget(self.question)
        box.addWidget(self.problem)
        box.addWidget(self.widget, 0, Qt.AlignmentFlag.AlignLeft)

    def retranslate(self, language: str) -> None:
        self.question.setText(self.item.label.in_language(language))
        self.widget.setAccessibleName(self.question.text())
        if isinstance(self.widget, VasLine):
            self.widget.set_accessible_question(self.question.text())
        if self.item.anchors and isinstance(self.widget, VasLine | NumberScale):
            self.widget.set_anchors(*(a.in_language(language) for a in self.item.anchors))
        if isinstance(self.widget, ChoiceButtons):
            self.widget.retranslate()
        if isinstance(self.widget, DoseCalendar):
            self.widget.retranslate(language)

    def show_problem(self, problem: FieldProblem | None) -> None:
        self.problem.setText("" if problem is None else texts.problem_text(problem))
        self.problem.setVisible(problem is not None)


class QuestionPage(QScrollArea):
    """The screen for one ``Question``; every answer goes straight into the ``KioskForm``."""

    def __init__(self, question: Question, form: KioskForm, language: Language, parent: QWidget | None = None, *,
                 read_aloud: ReadAloud | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self._form = form
        self._language = language
        self._voice = read_aloud
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        body = QWidget(self)
        self.instructions = theme.label(body, "note", wrap=True)
        self.period = theme.label(body, "heading", wrap=True)      # the dates asked about, where the eye is
        self.period.setObjectName("recall-dates")
        self.main = _ItemBlock(question.item, language, body, form)
        self.follow = _ItemBlock(question.follow_up, language, body, form) if question.follow_up else None
        # Read aloud: a large button for the question and its options; the chosen answer only on request.
        self.read_button = KeyButton(body)
        self.read_button.setObjectName("read-aloud")
        theme.set_role(self.read_button, "speak", "kind")
        self.read_button.clicked.connect(self.read_question)
        self.read_answer_button = KeyButton(body)
        self.read_answer_button.setObjectName("read-my-answer")
        theme.set_role(self.read_answer_button, "secondary", "kind")
        self.read_answer_button.clicked.connect(self.read_answer)
        voice = QHBoxLayout()
        voice.addWidget(self.read_button)
        voice.addWidget(self.read_answer_button)
        voice.addStretch(1)
        for button in (self.read_button, self.read_answer_button):
            button.setVisible(read_aloud is not None and read_aloud.available)
        box = QVBoxLayout(body)
        box.setContentsMargins(40, 16, 40, 16)
        box.setSpacing(24)
        box.addLayout(voice)
        box.addWidget(self.instructions)
        box.addWidget(self.period)
        box.addWidget(self.main)
        if self.follow is not None:
            box.addWidget(self.follow)
        box.addStretch(1)
        self.setWidget(body)
        self.main.widget.valueChanged.connect(lambda v: self._answered(self.main, v))
        if self.follow is not None:
            self.follow.widget.valueChanged.connect(lambda v: self._answered(self.follow, v))
        self.refresh()
        self.retranslate()

    def answer_widgets(self) -> list[AnswerWidget]:
        return [b.widget for b in (self.main, self.follow) if b is not None]

    def _blocks(self) -> list[_ItemBlock]:
        """The items on screen now (the follow-up only while it is asked)."""
        return [b for b in (self.main, self.follow)
                if b is not None and (b is self.main or self._form.follow_up_asked(self.question))]

    def spoken_question(self) -> str:
        """What "Read aloud" says: each question on the screen and its options, never the answer chosen."""
        lang = self._language.code
        said = [spoken.question_text(b.item, lang, dates=self._form.dose_dates, drug_names=self._form.drug_names)
                for b in self._blocks()]
        return " ".join([t for t in (self.period.text(),) if t] + said)

    def spoken_answer(self) -> str:
        """What "Read my answer" says: the answers chosen on this screen."""
        lang = self._language.code
        return " ".join(spoken.answer_text(b.item, b.widget.value(), lang, self._form.drug_names)
                        for b in self._blocks())

    def read_question(self) -> None:
        if self._voice is not None:
            self._voice.speak(self.spoken_question(), self._language.code)

    def read_answer(self) -> None:
        if self._voice is not None:
            self._voice.speak(self.spoken_answer(), self._language.code)

    def stop_reading(self) -> None:
        if self._voice is not None:
            self._voice.stop()

    def retranslate(self) -> None:
        lang = self._language.code
        self.read_button.setText(self.tr("Read aloud"))
        self.read_answer_button.setText(self.tr("Read my answer"))
        inst = self.question.instrument
        # The recall period is not repeated: every instrument's questions or instructions already name it.
        self.instructions.setText(texts.in_language(inst.instructions, lang))
        self.instructions.setVisible(bool(self.instructions.text()))
        period = texts.recall_text(self._form.recall.get(inst.id), lang)
        if self._form.home_dates and self.question.item.response is ResponseType.DOSE_CALENDAR:
            period = f"{period} {texts.home_days_text()}".strip()     # issue 24: home days are not asked again
        self.period.setText(period)
        self.period.setVisible(bool(self.period.text()))
        for block in (self.main, self.follow):
            if block is not None:
                block.retranslate(lang)

    def refresh(self) -> None:
        """Show the form's current answers (returning to a question, or after a change on the review)."""
        inst = self.question.instrument.id
        self.main.widget.set_value(self._form.value(inst, self.question.item.id))
        if self.follow is not None:
            self.follow.widget.set_value(self._form.value(inst, self.follow.item.id))
            self.follow.setVisible(self._form.follow_up_asked(self.question))

    def show_problems(self, problems: dict[tuple[str, str], FieldProblem]) -> None:
        inst = self.question.instrument.id
        for block in (self.main, self.follow):
            if block is not None:
                block.show_problem(problems.get((inst, block.item.id)))

    def fit(self) -> None:
        """Size a VAS line to 100 mm on this screen (or the width available)."""
        for widget in self.answer_widgets():
            if isinstance(widget, VasLine):
                widget.fit(self.screen(), self.viewport().width() - 80)

    def _answered(self, block: _ItemBlock, value: Any) -> None:
        self._form.answer(self.question.instrument.id, block.item.id, value)
        block.show_problem(None)
        if self.follow is not None:
            asked = self._form.follow_up_asked(self.question)
            if not asked:
                self.follow.widget.set_value(None)
                self.follow.show_problem(None)
            self.follow.setVisible(asked)
