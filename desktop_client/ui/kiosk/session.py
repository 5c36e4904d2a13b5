"""One participant's kiosk session: the questions due, the review, Submit, and the thank-you screen.

The answers live only in this widget's ``KioskForm`` until ``recording.submit_visit`` saves them all in
one transaction; "saved" is shown only after it returned. The owner deletes the whole widget when the
session ends, so nothing of this participant stays on screen for the next one.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from desktop_client.services import recording
from desktop_client.services.read_aloud import ReadAloud
from desktop_client.services.station import Station
from desktop_client.ui import theme
from desktop_client.ui.i18n import Language
from desktop_client.ui.kiosk.form import KioskForm
from desktop_client.ui.kiosk.overlay import Overlay
from desktop_client.ui.kiosk.question_page import QuestionPage
from desktop_client.ui.kiosk.review import ReviewScreen
from desktop_client.ui.widgets.choices import KeyButton
from desktop_client.ui.workers import run_in_background
from shared.errors import RecordInvalid

log = logging.getLogger(__name__)
ENTERED_BY = "participant"


class ThankYouScreen(QWidget):
    """Says the answers are saved, shows none of them, and offers Finish (the session also ends by itself)."""

    finish = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.saved = theme.label(self, "saved")
        self.saved.setObjectName("saved")
        self.saved.setWordWrap(True)
        self.saved.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_step = theme.label(self, wrap=True)
        self.next_step.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done = KeyButton(self)
        self.done.setObjectName("finish")
        self.done.setMinimumWidth(300)
        self.done.clicked.connect(self.finish)
        box = QVBoxLayout(self)
        box.setContentsMargins(80, 40, 80, 40)
        box.addStretch(2)
        box.addWidget(self.saved)
        box.addSpacing(24)
        box.addWidget(self.next_step)
        box.addStretch(1)
        box.addWidget(self.done, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(2)
        self.retranslate()

    def retranslate(self) -> None:
        self.saved.setText(self.tr("Thank you. Your answers have been saved."))
        self.next_step.setText(self.tr("Please give the tablet back to the nurse."))
        self.done.setText(self.tr("Finish"))


class KioskSessionView(QWidget):
    """The participant's screens. Emits ``ended`` when the session is over (saved, stopped or timed out)."""

    ended = Signal()
    saved = Signal(list)          # the saved records, after COMMIT

    def __init__(self, station: Station, form: KioskForm, language: Language, *, thank_you_s: float = 10.0,
                 read_aloud: ReadAloud | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.read_aloud = read_aloud
        self._station = station
        self._form = form
        self._language = language
        self._questions = form.questions()
        self._editing_from_review = False
        self.saving = False

        self.title = theme.label(self, "heading", wrap=True)
        self.progress = theme.label(self, "note")
        self.language_button = KeyButton(self)
        self.language_button.setObjectName("language")
        theme.set_role(self.language_button, "secondary", "kind")
        self.language_button.clicked.connect(self._toggle_language)
        self.stop_button = KeyButton(self)
        self.stop_button.setObjectName("stop")
        theme.set_role(self.stop_button, "secondary", "kind")
        self.stop_button.clicked.connect(self._ask_stop)
        top = QHBoxLayout()
        top.setContentsMargins(40, 16, 40, 0)
        heading = QVBoxLayout()
        heading.addWidget(self.title)
        heading.addWidget(self.progress)
        top.addLayout(heading, 1)
        top.addWidget(self.language_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignTop)
        self.top = QWidget(self)
        self.top.setLayout(top)

        self.stack = QStackedWidget(self)
        self.pages = [QuestionPage(q, form, language, self.stack, read_aloud=read_aloud) for q in self._questions]
        for page in self.pages:
            self.stack.addWidget(page)
        self.review = ReviewScreen(form, self._questions, language, self.stack)
        self.review.change_requested.connect(self._change)
        self.stack.addWidget(self.review)
        self.thanks = ThankYouScreen(self.stack)
        self.thanks.finish.connect(self.end)
        self.stack.addWidget(self.thanks)

        self.back = KeyButton(self)
        self.back.setObjectName("back")
        theme.set_role(self.back, "secondary", "kind")
        self.back.setMinimumWidth(200)
        self.back.clicked.connect(self.go_back)
        self.next = KeyButton(self)
        self.next.setObjectName("next")
        self.next.setMinimumWidth(260)
        self.next.clicked.connect(self.go_next)
        self.submit_button = KeyButton(self)
        self.submit_button.setObjectName("submit")
        self.submit_button.setMinimumWidth(260)
        self.submit_button.clicked.connect(self.submit)
        nav = QHBoxLayout()
        nav.setContentsMargins(40, 8, 40, 24)
        nav.addWidget(self.back)
        nav.addStretch(1)
        nav.addWidget(self.next)
        nav.addWidget(self.submit_button)
        self.nav = QWidget(self)
        self.nav.setLayout(nav)

        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.top)
        box.addWidget(self.stack, 1)
        box.addWidget(self.nav)
        self.overlay = Overlay(self)
        self._thanks_timer = QTimer(self, singleShot=True, timeout=self.end)
        self._thanks_ms = int(thank_you_s * 1000)
        self.setTabOrder(self.back, self.next)
        language.changed.connect(self.retranslate)
        self.show_page(0)

    # ---- navigation -------------------------------------------------------------------------------
    def current_index(self) -> int:
        return self.stack.currentIndex()

    def on_review(self) -> bool:
        return self.stack.currentWidget() is self.review

    def on_thanks(self) -> bool:
        return self.stack.currentWidget() is self.thanks

    def show_page(self, index: int) -> None:
        """Show question ``index`` (len(questions) is the review screen)."""
        self._stop_reading()
        if index >= len(self.pages):
            self._show_review()
            return
        page = self.pages[index]
        page.refresh()
        self.stack.setCurrentWidget(page)
        page.fit()
        self._update_chrome()
        focus = page.answer_widgets()[0]
        (focus.track if hasattr(focus, "track") else focus).setFocus()

    def go_next(self) -> None:
        if self.on_review() or self.on_thanks():
            return
        if self._editing_from_review:
            self._show_review()
        else:
            self.show_page(self.current_index() + 1)

    def go_back(self) -> None:
        if self.on_review():
            self.show_page(len(self.pages) - 1)
        elif self.current_index() > 0 and not self.on_thanks():
            self.show_page(self.current_index() - 1)

    def _stop_reading(self) -> None:
        """Whatever was being read stops when the screen changes (or the session ends)."""
        if self.read_aloud is not None:
            self.read_aloud.stop()

    def _show_review(self, problems: dict | None = None) -> None:
        self._stop_reading()
        self._editing_from_review = False
        self.review.rebuild(problems)
        self.stack.setCurrentWidget(self.review)
        self._update_chrome()
        self.submit_button.setFocus()

    def _change(self, index: int) -> None:
        if self.saving:
            return
        self.show_page(index)
        self._editing_from_review = True
        self._update_chrome()

    # ---- submit -----------------------------------------------------------------------------------
    def submit(self) -> None:
        """Check every answer; refuse with messages next to the items, or save all in one transaction."""
        if self.saving or not self.on_review():
            return
        problems = self._form.problems()
        if problems:
            self._show_review(problems)
            return
        self.saving = True
        self.review.set_busy(True)
        self.submit_button.setEnabled(False)
        self._update_chrome()
        self.stop_button.setEnabled(False)
        self.back.setEnabled(False)
        station, form, language = self._station, self._form, self._language.code
        answers = form.submission()
        run_in_background(lambda: recording.submit_visit(
            station, participant_id=form.participant_id, visit_id=form.visit.id,
            answers_by_instrument=answers, entered_by=ENTERED_BY, language=language,
            correction_reason=form.correction_reason),
            on_done=self._saved, on_failed=self._save_failed)

    def _saved(self, records: list) -> None:
        self.saving = False
        self._form.discard()
        for page in self.pages:      # the answers leave the screen as soon as they are stored
            page.refresh()
        self.review.rebuild()
        self.stack.setCurrentWidget(self.thanks)
        self._update_chrome()
        self.thanks.done.setFocus()
        self.saved.emit(records)
        self._thanks_timer.start(self._thanks_ms)

    def _save_failed(self, exc: Exception) -> None:
        self.saving = False
        self.review.set_busy(False)
        self.submit_button.setEnabled(True)
        self._update_chrome()
        self.stop_button.setEnabled(True)
        self.back.setEnabled(True)
        if isinstance(exc, RecordInvalid):
            log.warning("kiosk submission refused by validation: %s", exc.message)
            problems = self._form.problems()
            self._show_review(problems)
            if not problems:
                self.review.show_failure(self.tr("Your answers could not be saved. Please ask the nurse "
                                                 "for help. Nothing was saved."))
            return
        log.error("kiosk submission not saved: %s", getattr(exc, "message", exc))
        self.review.show_failure(self.tr("Your answers could not be saved. Please ask the nurse for help. "
                                         "Nothing was saved; your answers are still here."))

    # ---- ending -----------------------------------------------------------------------------------
    def discard(self) -> None:
        """Forget every answer now (idle timeout, stop)."""
        self._stop_reading()
        self._form.discard()
        self._thanks_timer.stop()

    def end(self) -> None:
        self._stop_reading()
        self._thanks_timer.stop()
        self.overlay.close_overlay()
        self._form.discard()
        self.ended.emit()

    def _ask_stop(self) -> None:
        if self.saving:
            return
        self.overlay.open(self.tr("Stop without saving?"),
                          self.tr("If you stop now, your answers are cleared and not saved."),
                          self.tr("Continue answering"), self.tr("Stop and clear"), on_secondary=self._stop_confirmed)

    def _stop_confirmed(self) -> None:
        self.discard()
        self.end()

    # ---- language ---------------------------------------------------------------------------------
    def _toggle_language(self) -> None:
        self._language.set("en" if self._language.code == "zh" else "zh")

    def retranslate(self) -> None:
        self._stop_reading()          # a text half-said in the other language is no help
        for page in self.pages:
            page.retranslate()
        if self.on_review():
            self.review.retranslate()
        self.thanks.retranslate()
        self._update_chrome()

    def _update_chrome(self) -> None:
        lang = self._language.code
        # The other language, named in itself, so a participant who cannot read this one still finds it.
        self.language_button.setText("English" if lang == "zh" else "中文")
        self.stop_button.setText(self.tr("Stop"))
        self.back.setText(self.tr("Back"))
        on_thanks = self.on_thanks()
        self.top.setVisible(not on_thanks)
        self.nav.setVisible(not on_thanks)
        self.submit_button.setText(self.tr("Saving…") if self.saving else self.tr("Submit"))
        self.submit_button.setVisible(self.on_review())
        if self.on_review():
            self.title.setText(self.tr("Please check your answers"))
            self.progress.setText(self.tr("Touch Change to correct an answer. Touch Submit when everything is "
                                          "right."))
            self.back.setVisible(True)
            self.next.setVisible(False)
            return
        if on_thanks:
            return
        index = self.current_index()
        self.title.setText(self._questions[index].instrument.title.in_language(lang))
        self.progress.setText(self.tr("Question %1 of %2").replace("%1", str(index + 1))
                              .replace("%2", str(len(self._questions))))
        self.next.setVisible(True)
        if self._editing_from_review:
            self.back.setVisible(False)
            self.next.setText(self.tr("Back to review"))
        else:
            self.back.setVisible(index > 0)
            self.next.setText(self.tr("Review answers") if index == len(self.pages) - 1 else self.tr("Next"))
