"""Idle timeout: after ``timeout_s`` without a touch, key or click the open form is discarded.

``warning_s`` before the end, ``warn`` fires (the screen asks "are you still there?"); any input then
fires ``resumed`` and the clock starts again. Only input counts: a screen that repaints itself does not.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

_INPUT = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.KeyPress,
          QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.Wheel}


class IdleGuard(QObject):
    """Watches all input of the application while started."""

    warn = Signal()
    resumed = Signal()
    expired = Signal()

    def __init__(self, timeout_s: float, warning_s: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if timeout_s <= 0 or not 0 <= warning_s < timeout_s:
            raise ValueError(f"idle timeout must be > 0 and the warning shorter than it "
                             f"(got timeout {timeout_s!r} s, warning {warning_s!r} s)")
        self.timeout_s = timeout_s
        self.warning_s = warning_s
        self._warn_timer = QTimer(self, singleShot=True, timeout=self._on_warn)
        self._end_timer = QTimer(self, singleShot=True, timeout=self._on_end)
        self._deadline = 0.0
        self.active = False
        self.warning = False

    def start(self) -> None:
        """Start (or restart) the clock and watch input."""
        if not self.active:
            QCoreApplication.instance().installEventFilter(self)
        self.active = True
        self._restart()

    def stop(self) -> None:
        if self.active:
            QCoreApplication.instance().removeEventFilter(self)
        self.active = False
        self.warning = False
        self._warn_timer.stop()
        self._end_timer.stop()

    def seconds_left(self) -> int:
        return max(0, round(self._deadline - time.monotonic()))

    def _restart(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self._warn_timer.start(int((self.timeout_s - self.warning_s) * 1000))
        self._end_timer.start(int(self.timeout_s * 1000))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.active and event.type() in _INPUT:
            was_warning = self.warning
            self.warning = False
            self._restart()
            if was_warning:
                self.resumed.emit()
        return False

    def _on_warn(self) -> None:
        self.warning = True
        self.warn.emit()

    def _on_end(self) -> None:
        self.stop()
        self.expired.emit()
