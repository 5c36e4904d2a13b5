"""Staff sign-in (offline, against the Argon2id hashes synced from the server); also the unlock screen."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop_client.services.staff import StaffSession, sign_in
from desktop_client.services.station import Station
from desktop_client.ui.nurse.widgets import MessageLabel, heading, note
from shared.errors import SignInFailed


class NurseSignIn(QWidget):
    """User name + password; emits ``signed_in(StaffSession)``. Usable on its own or as the lock screen."""

    signed_in = Signal(object)

    def __init__(self, station: Station, parent: QWidget | None = None, *, locked: bool = False) -> None:
        super().__init__(parent)
        self._station = station
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 32)
        box = QWidget()
        box.setMaximumWidth(900)   # a sign-in form, not a full-width banner
        outer.addWidget(box)
        outer.addStretch(1)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(self.tr("Staff sign-in"), "title"))
        self.lock_note = note(self.tr("The screen was locked. Sign in again to continue; "
                                      "everything saved is safe."))
        self.lock_note.setVisible(locked)
        layout.addWidget(self.lock_note)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        layout.addLayout(form)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.button = QPushButton(self.tr("Sign in"))
        self.button.clicked.connect(self.submit)
        layout.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(note(self.tr("Personal accounts only. Accounts come from the server; a new account "
                                      "works here after the next sync.")))

    def set_locked(self, locked: bool, username: str = "") -> None:
        self.lock_note.setVisible(locked)
        self.username.setText(username)
        self.password.clear()
        self.message.clear_message()
        (self.password if username else self.username).setFocus()

    def submit(self) -> None:
        """Check the password offline; on success clear it and emit ``signed_in``."""
        try:
            session: StaffSession = sign_in(self._station, self.username.text(), self.password.text())
        except SignInFailed:
            self.password.clear()
            self.message.problem(self.tr("Sign-in failed: check the user name and password. A new account "
                                         "works on this station after the next sync."))
            return
        self.password.clear()
        self.message.clear_message()
        self.signed_in.emit(session)
