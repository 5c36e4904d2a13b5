"""Nurse mode "Home diary: activate" (issue 24): the server makes a one-time activation code for the selected
participant's phone (``SyncEngine.home_activation_code``: the server must be reachable), shown once here with
the QR code of the app link the phone scans. Reached from the Overview's button; the network call runs on a
worker thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget
from shiboken6 import isValid

from desktop_client.services.sync_engine import SyncEngine
from desktop_client.ui.nurse.sync import failure_text
from desktop_client.ui.nurse.widgets import MessageLabel, NurseContext, heading, note
from desktop_client.ui.workers import run_in_background
from shared.errors import AppActivationRefused, Forbidden, SyncFailed
from shared.site_time import site_local_text


def qr_pixmap(text: str) -> QPixmap:
    """``text`` as a QR code image (segno, drawn in memory: no file)."""
    import io

    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=8, border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(buf.getvalue(), "PNG")
    return pixmap


def refusal_text(exc: Exception) -> str:
    """Why the server gave no code, in the screen's language (its own words for the refusals staff meet)."""
    code = getattr(exc, "details", {}).get("code") if isinstance(exc, SyncFailed) else None
    if code == AppActivationRefused.code:
        return QCoreApplication.translate("Nurse", "No activation code: this participant is not randomised, or "
                                                   "their part in the study has ended.")
    if code == Forbidden.code:
        return QCoreApplication.translate("Nurse", "Your account may not give home diary codes here (nurses and "
                                                   "investigators of this site may).")
    return failure_text(exc)


class HomeActivationDialog(QDialog):
    """The code as the server made it: the participant, the code in large type, until when, and its QR code."""

    def __init__(self, ctx: NurseContext, made: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Home diary: activate"))
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Home diary activation code for {0}").format(made["participant_id"])))
        self.code = QLabel(made["code"])
        self.code.setObjectName("app-code")
        self.code.setStyleSheet("font-size: 32pt; font-weight: bold; letter-spacing: 2px;")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.code)
        until = site_local_text(made["expires_at"], ctx.station.study, ctx.station.site_id)
        layout.addWidget(note(self.tr("Shown once. Valid until {0}. The phone scans the QR code, or the participant "
                                      "opens the app and types the code.").format(until)))
        self.qr = QLabel()
        self.qr.setObjectName("app-qr")
        self.qr.setPixmap(qr_pixmap(made["link"]))
        self.qr.setAccessibleName(self.tr("QR code of the app link with the activation code"))
        layout.addWidget(self.qr, alignment=Qt.AlignmentFlag.AlignHCenter)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        layout.addWidget(close)


class HomeActivation(QWidget):
    """The Overview's button and its message line; ``shown`` carries the dialog once a code came back."""

    shown = Signal(object)

    def __init__(self, ctx: NurseContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.participant_id: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton(self.tr("Home diary: activate"))
        self.button.setObjectName("home-activate")
        self.button.clicked.connect(self.ask)
        layout.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.message = MessageLabel()
        self.message.setObjectName("home-activate-message")
        layout.addWidget(self.message)

    def show_for(self, participant_id: str | None, *, on_study: bool) -> None:
        """Offer the button for a randomised participant still on study (the server checks again)."""
        self.participant_id = participant_id if on_study else None
        self.button.setEnabled(self.participant_id is not None)
        self.message.clear_message()

    def ask(self) -> None:
        pid = self.participant_id
        if pid is None:
            return
        engine = SyncEngine(self.ctx.station, self.ctx.station.server_url or "", settings_=self.ctx.sync_settings)
        username = self.ctx.session.username

        def job() -> dict[str, Any]:
            try:
                return engine.home_activation_code(pid, username)
            finally:
                engine.close()

        self.button.setEnabled(False)
        self.message.working(self.tr("Asking the server for a code…"))
        run_in_background(job, on_done=self._made, on_failed=self._failed)

    def _made(self, made: dict[str, Any]) -> None:
        if not isValid(self):   # the screen was closed (locked, signed out) while the server answered
            return
        self.button.setEnabled(self.participant_id is not None)
        self.message.clear_message()
        dialog = HomeActivationDialog(self.ctx, made, self)
        self.shown.emit(dialog)
        dialog.open()

    def _failed(self, exc: Exception) -> None:
        if not isValid(self):
            return
        self.button.setEnabled(self.participant_id is not None)
        self.message.problem(refusal_text(exc))
