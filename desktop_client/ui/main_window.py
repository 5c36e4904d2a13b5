"""The shell: one full-screen window, a stack of screens, and the rules for moving between them.

Locked start screen -> staff sign-in -> staff screen (choose participant and visit, or nurse mode)
-> the participant's session -> back to the locked start screen. Leaving the participant's screens for
anything but the start screen needs a staff sign-in; the window cannot be closed from the kiosk; an idle
session is discarded after a warning. Every screen that showed a participant is emptied or deleted on lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from desktop_client.services import dosing, recall
from desktop_client.services.read_aloud import ReadAloud
from desktop_client.services.staff import StaffSession
from desktop_client.services.station import Station
from desktop_client.ui import theme
from desktop_client.ui.i18n import Language
from desktop_client.ui.kiosk.form import KioskForm
from desktop_client.ui.kiosk.idle import IdleGuard
from desktop_client.ui.kiosk.overlay import Overlay
from desktop_client.ui.kiosk.session import KioskSessionView
from desktop_client.ui.kiosk.setup import KioskSetupScreen
from desktop_client.ui.kiosk.sign_in import StaffSignInScreen
from desktop_client.ui.kiosk.start import StartScreen
from desktop_client.ui.widgets.choices import KeyButton

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShellConfig:
    """What the shell needs to know about how this station runs (built by ``bootstrap``)."""

    language: str = "zh"
    idle_timeout_s: float = 180.0
    idle_warning_s: float = 30.0
    thank_you_s: float = 10.0
    full_screen: bool = False
    read_aloud: bool = True                 # offer "Read aloud" on question screens (when espeak-ng is installed)
    read_aloud_wav_dir: str | None = None   # say utterances into WAV files there instead (no sound card, tests)


class MainWindow(QMainWindow):
    """The whole client UI around one open ``Station``."""

    locked = Signal()

    def __init__(self, station: Station, config: ShellConfig, language: Language,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.config = config
        self.language = language
        self.staff_session: StaffSession | None = None
        self.session_view: KioskSessionView | None = None
        self.nurse_view: QWidget | None = None
        self._may_close = False
        self.read_aloud = (ReadAloud(wav_dir=Path(config.read_aloud_wav_dir) if config.read_aloud_wav_dir else None)
                           if config.read_aloud else None)
        self.setWindowTitle("trialpro")
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.start = StartScreen(station.study, language, self.stack)
        self.start.staff_requested.connect(self._ask_staff)
        self.sign_in = StaffSignInScreen(station, self.stack)
        self.sign_in.signed_in.connect(self._staff_signed_in)
        self.sign_in.cancelled.connect(self.lock)
        self.setup = KioskSetupScreen(station, language, self.stack)
        self.setup.start_requested.connect(self.start_session)
        self.setup.nurse_requested.connect(self.open_nurse_mode)
        self.setup.lock_requested.connect(self.lock)
        self.setup.quit_requested.connect(self.quit_application)
        self.notice = _Notice(self.stack)
        self.notice.back.clicked.connect(lambda: self.stack.setCurrentWidget(self.setup))
        for screen in (self.start, self.sign_in, self.setup, self.notice):
            self.stack.addWidget(screen)
        self.idle = IdleGuard(config.idle_timeout_s, config.idle_warning_s, self)
        self.idle.warn.connect(self._idle_warning)
        self.idle.resumed.connect(self._idle_resumed)
        self.idle.expired.connect(self._idle_expired)
        self.idle_overlay = Overlay(self.stack)
        self._countdown = QTimer(self, interval=1000, timeout=self._tick)
        language.changed.connect(self._retranslate)
        if config.full_screen:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.stack.setCurrentWidget(self.start)

    # ---- moving between screens -------------------------------------------------------------------
    def current_screen(self) -> QWidget:
        return self.stack.currentWidget()

    def _ask_staff(self) -> None:
        self.sign_in.begin()
        self.stack.setCurrentWidget(self.sign_in)
        self.idle.start()

    def _staff_signed_in(self, session: StaffSession) -> None:
        self.staff_session = session
        self.setup.open_for(session)
        self.stack.setCurrentWidget(self.setup)
        self.idle.start()

    def start_session(self, participant_id: str, arm_code: str, visit_id: str) -> None:
        """Hand the kiosk to the participant: only their questions, in the current language."""
        asked, at_home = dosing.recall_split(self.station, participant_id)   # issue 24: home dates not asked
        form = KioskForm.for_visit(self.station.study, participant_id=participant_id, arm_code=arm_code,
                                   visit_id=visit_id, dose_dates=asked, home_dates=at_home)
        form.correction_reason = self.setup.correction_reason()   # the visit's saved answers are corrected
        form.recall = recall.recall_periods(self.station, participant_id, form.instruments, dose_dates=form.dose_dates)
        self._drop_session()
        self.setup.clear()
        self.staff_session = None      # the participant cannot go back to the staff screen
        self.session_view = KioskSessionView(self.station, form, self.language, thank_you_s=self.config.thank_you_s,
                                             read_aloud=self.read_aloud, parent=self.stack)
        self.session_view.ended.connect(self.lock)
        self.session_view.saved.connect(lambda _records: self.idle.stop())
        self.stack.addWidget(self.session_view)
        self.stack.setCurrentWidget(self.session_view)
        self.session_view.show_page(0)
        self.idle.start()

    def open_nurse_mode(self) -> None:
        """Show nurse mode (issue 7) for the signed-in staff member; imported only when asked for."""
        if self.staff_session is None:
            self.lock()
            return
        try:
            from desktop_client.ui.nurse.home import NurseHome
        except ImportError as exc:
            log.warning("nurse mode unavailable: %s", exc)
            self.notice.show_text(self.tr("Nurse mode is not available in this version."))
            self.stack.setCurrentWidget(self.notice)
            return
        self.idle.stop()  # nurse mode keeps its own lock rules; the kiosk's idle clock is for participants
        self._drop_nurse()
        self.nurse_view = NurseHome(self.station, self.staff_session, self.stack)
        # Hooks nurse mode may offer: back to the locked start screen, or hand over the kiosk.
        for name in ("lock_requested", "signed_out"):
            signal = getattr(self.nurse_view, name, None)
            if signal is not None:
                signal.connect(self.lock)
        kiosk = getattr(self.nurse_view, "kiosk_requested", None)
        if kiosk is not None:
            kiosk.connect(self._back_to_setup)
        self.stack.addWidget(self.nurse_view)
        self.stack.setCurrentWidget(self.nurse_view)

    def _back_to_setup(self, *_: object) -> None:
        if self.staff_session is None:
            self.lock()
            return
        self._drop_nurse()
        self.setup.open_for(self.staff_session)
        self.stack.setCurrentWidget(self.setup)
        self.idle.start()

    def lock(self) -> None:
        """Back to the locked start screen; nothing of the last participant or staff member stays."""
        self.idle.stop()
        self._countdown.stop()
        self.idle_overlay.close_overlay()
        self.staff_session = None
        self.sign_in.reset()
        self.setup.clear()
        self._drop_session()
        self._drop_nurse()
        if self.language.code != self.config.language:
            self.language.set(self.config.language)
        self.stack.setCurrentWidget(self.start)
        self.locked.emit()

    def quit_application(self) -> None:
        """Staff only (from the staff screen): really close the window."""
        self._may_close = True
        self.close()

    def _drop_session(self) -> None:
        if self.session_view is not None:
            view, self.session_view = self.session_view, None
            view.discard()
            self.stack.removeWidget(view)
            view.hide()
            view.deleteLater()

    def _drop_nurse(self) -> None:
        if self.nurse_view is not None:
            view, self.nurse_view = self.nurse_view, None
            self.stack.removeWidget(view)
            view.hide()
            view.deleteLater()

    # ---- idle -------------------------------------------------------------------------------------
    def _idle_warning(self) -> None:
        if self.session_view is not None and self.session_view.saving:
            return
        self._countdown.start()
        self.idle_overlay.open(self.tr("Are you still there?"), self._countdown_text(), self.tr("Continue"),
                               on_primary=self._idle_resumed)

    def _countdown_text(self) -> str:
        if self.session_view is not None:
            text = self.tr("For your privacy, your answers will be cleared in %1 seconds. "
                           "Touch “Continue” to keep answering.")
        else:
            text = self.tr("The kiosk will lock in %1 seconds. Touch “Continue” to stay signed in.")
        return text.replace("%1", str(self.idle.seconds_left()))

    def _tick(self) -> None:
        if self.idle_overlay.isVisible():
            self.idle_overlay.set_message(self._countdown_text())

    def _idle_resumed(self) -> None:
        self._countdown.stop()
        self.idle_overlay.close_overlay()

    def _idle_expired(self) -> None:
        if self.session_view is not None and self.session_view.saving:
            self.idle.start()   # never discard while a save is on its way; check again later
            return
        log.info("idle timeout: unsubmitted answers discarded, kiosk locked")
        self.lock()

    # ---- hardening --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Only staff close the application (Close application on the staff screen)."""
        if self._may_close or (not self.config.full_screen and self.current_screen() is self.start \
                and self.session_view is None):
            self.idle.stop()
            event.accept()
        else:
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:     # no key leaves the participant's screens
            event.accept()
            return
        super().keyPressEvent(event)

    def _retranslate(self) -> None:
        self.start.retranslate()
        self.sign_in.retranslate()
        self.setup.retranslate()
        if self.idle_overlay.isVisible():
            self.idle_overlay.title.setText(self.tr("Are you still there?"))
            self.idle_overlay.primary.setText(self.tr("Continue"))
            self.idle_overlay.set_message(self._countdown_text())


class _Notice(QWidget):
    """A plain message for staff with a way back to the staff screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = theme.label(self, "heading", wrap=True)
        self.back = KeyButton(self)
        box = QVBoxLayout(self)
        box.setContentsMargins(60, 60, 60, 60)
        box.addWidget(self.text)
        box.addStretch(1)
        box.addWidget(self.back, 0, Qt.AlignmentFlag.AlignLeft)

    def show_text(self, text: str) -> None:
        self.text.setText(text)
        self.back.setText(self.tr("Back"))
