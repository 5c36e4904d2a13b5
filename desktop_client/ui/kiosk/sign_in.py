"""Staff sign-in (the kiosk's "staff PIN"): the only way from the locked start screen to staff screens."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop_client.services import staff
from desktop_client.services.station import Station
from desktop_client.ui import theme
from desktop_client.ui.widgets.choices import KeyButton

_WIDTH = 760


class StaffSignInScreen(QWidget):
    """User name and password checked offline (Argon2id); ``signed_in(StaffSession)`` or ``cancelled``."""

    signed_in = Signal(object)
    cancelled = Signal()

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._station = station
        self.heading = theme.label(self, "heading")
        self.username = QLineEdit(self)
        self.username.setObjectName("username")
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.sign_in)
        self.username_label = QLabel(self)
        self.password_label = QLabel(self)
        self.problem = theme.label(self, "problem", wrap=True, hidden=True)
        self.submit = KeyButton(self)
        self.submit.setObjectName("sign-in")
        self.submit.clicked.connect(self.sign_in)
        self.cancel = KeyButton(self)
        self.cancel.setObjectName("cancel")
        theme.set_role(self.cancel, "secondary", "kind")
        self.cancel.clicked.connect(self._cancel)
        form = QFormLayout()
        form.setVerticalSpacing(20)
        form.addRow(self.username_label, self.username)
        form.addRow(self.password_label, self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.submit)
        inner = QWidget(self)
        inner.setFixedWidth(_WIDTH)
        col = QVBoxLayout(inner)
        col.addWidget(self.heading)
        col.addSpacing(24)
        col.addLayout(form)
        col.addWidget(self.problem)
        col.addSpacing(24)
        col.addLayout(buttons)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(inner, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(2)
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.submit)
        self.setTabOrder(self.submit, self.cancel)
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Staff sign-in"))
        self.username_label.setText(self.tr("User name"))
        self.password_label.setText(self.tr("Password"))
        self.submit.setText(self.tr("Sign in"))
        self.cancel.setText(self.tr("Cancel"))
        if self.problem.isVisibleTo(self):
            theme.show_wrapped(self.problem, self._failed_text(), _WIDTH - 24)

    def _failed_text(self) -> str:
        return self.tr("Sign-in failed: check the user name and password. A new account works on this "
                       "station after the next sync.")

    def reset(self) -> None:
        """Empty every field (on lock and after each attempt's outcome)."""
        self.username.clear()
        self.password.clear()
        self.problem.clear()
        self.problem.hide()

    def begin(self) -> None:
        self.reset()
        self.username.setFocus()

    def sign_in(self) -> None:
        try:
            session = staff.sign_in(self._station, self.username.text(), self.password.text())
        except staff.SignInFailed:
            self.password.clear()
            theme.show_wrapped(self.problem, self._failed_text(), _WIDTH - 24)
            self.password.setFocus()
            return
        self.reset()
        self.signed_in.emit(session)

    def _cancel(self) -> None:
        self.reset()
        self.cancelled.emit()
