"""Opening the station: staff type the site passphrase; a new folder can be set up (recovery key shown once).

Key derivation (scrypt) runs off the UI thread. The passphrase is cleared from the field after each try.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop_client.services import opening
from desktop_client.ui import theme
from desktop_client.ui.widgets.choices import KeyButton
from desktop_client.ui.workers import run_in_background
from shared.errors import TrialproError

_WIDTH = 900


class UnlockScreen(QWidget):
    """Emits ``opened(Store)`` once the station database is open."""

    opened = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data_dir = Path(data_dir)
        self._new = opening.is_new_station(self._data_dir)
        self._store: Any = None  # the open store, handed on with ``opened``
        self.heading = theme.label(self, "heading")
        self.explain = theme.label(self, "note", wrap=True)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_label = QLabel(self)
        self.repeat_label = QLabel(self)
        self.problem = theme.label(self, "problem", wrap=True, hidden=True)
        self.button = KeyButton(self)
        self.button.setObjectName("open")
        self.button.clicked.connect(self._go)
        self.passphrase.returnPressed.connect(self.repeat.setFocus if self._new else self._go)
        self.repeat.returnPressed.connect(self._go)
        form = QFormLayout()
        form.addRow(self.passphrase_label, self.passphrase)
        form.addRow(self.repeat_label, self.repeat)
        self.repeat.setVisible(self._new)
        self.repeat_label.setVisible(self._new)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        inner = QWidget(self)
        inner.setFixedWidth(_WIDTH)
        col = QVBoxLayout(inner)
        col.addWidget(self.heading)
        col.addWidget(self.explain)
        col.addSpacing(16)
        col.addLayout(form)
        col.addWidget(self.problem)
        col.addLayout(row)
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(inner, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(2)
        self.retranslate()

    def retranslate(self) -> None:
        self.passphrase_label.setText(self.tr("Site passphrase"))
        self.repeat_label.setText(self.tr("Repeat passphrase"))
        if self._new:
            self.heading.setText(self.tr("Set up this station"))
            theme.show_wrapped(self.explain, self.tr("No station is set up in %1 yet. Choose the site passphrase "
                                                     "(at least 8 characters).").replace("%1", str(self._data_dir)),
                               _WIDTH - 24)
            self.button.setText(self.tr("Set up"))
        else:
            self.heading.setText(self.tr("Open the station"))
            theme.show_wrapped(self.explain, self.tr("Staff: type the site passphrase to open the encrypted station."),
                               _WIDTH - 24)
            self.button.setText(self.tr("Open"))

    def _go(self) -> None:
        if self._store is not None:      # the recovery key was shown; staff confirmed they wrote it down
            self.opened.emit(self._store)
            return
        secret = self.passphrase.text()
        if self._new and secret != self.repeat.text():
            self._fail(self.tr("The two passphrases differ. Type them again."))
            return
        self.passphrase.clear()
        self.repeat.clear()
        self.button.setEnabled(False)
        self.problem.hide()
        folder, new = self._data_dir, self._new
        start = opening.set_up_station if new else opening.open_station
        run_in_background(lambda: start(folder, secret), on_done=self._done, on_failed=self._failed)

    def _done(self, result: tuple[Any, str | None]) -> None:
        store, recovery = result
        self.button.setEnabled(True)
        if recovery is None:
            self.opened.emit(store)
            return
        self._store = store
        self.heading.setText(self.tr("Write down the recovery key"))
        theme.show_wrapped(self.explain, self.tr("It is shown only now. Keep it locked away; it opens the station "
                                                 "if the passphrase is lost.") + "\n\n" + recovery, _WIDTH - 24)
        self.explain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for widget in (self.passphrase, self.repeat, self.passphrase_label, self.repeat_label):
            widget.hide()
        self.button.setText(self.tr("I have written it down"))

    def _failed(self, exc: Exception) -> None:
        self.button.setEnabled(True)
        self._fail(exc.message if isinstance(exc, TrialproError) else str(exc))

    def _fail(self, text: str) -> None:
        theme.show_wrapped(self.problem, text, _WIDTH - 24)
        self.passphrase.setFocus()
