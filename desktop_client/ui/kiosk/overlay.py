"""A message that covers the whole screen until answered (idle warning, "stop without saving?").

Used instead of a modal dialog: in kiosk mode no second window can appear over or behind the full-screen one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from desktop_client.ui import theme
from desktop_client.ui.widgets.choices import KeyButton

_MARGIN = 40


class Overlay(QWidget):
    """Covers ``host`` with a card: title, message and up to two buttons (``primary``, ``secondary``)."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # Nearly opaque: a passer-by must not read the answers behind the message.
        self.setStyleSheet("QWidget#overlay { background: rgba(0, 0, 0, 235); }")
        self.card = QFrame(self)
        theme.set_role(self.card, "overlay")
        self.title = theme.label(self.card, "heading", wrap=True)
        self.message = theme.label(self.card, wrap=True)
        self.primary = KeyButton(self.card)
        self.primary.setObjectName("overlay-primary")
        self.secondary = KeyButton(self.card)
        self.secondary.setObjectName("overlay-secondary")
        theme.set_role(self.secondary, "secondary", "kind")
        buttons = QHBoxLayout()
        buttons.addWidget(self.secondary)
        buttons.addStretch(1)
        buttons.addWidget(self.primary)
        card = QVBoxLayout(self.card)
        card.setContentsMargins(_MARGIN, 32, _MARGIN, 32)
        card.setSpacing(24)
        card.addWidget(self.title)
        card.addWidget(self.message)
        card.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(self.card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.card.setFixedWidth(860)   # a fixed width lets the wrapped message take the height it needs
        self._connections: list[object] = []
        host.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def open(self, title: str, message: str, primary: str, secondary: str | None = None, *,
             on_primary: Callable[[], None] | None = None, on_secondary: Callable[[], None] | None = None) -> None:
        """Show the card on top of everything in the host; a button without a callback just closes it."""
        self.close_overlay()
        self.title.setText(title)
        self.set_message(message)
        self.primary.setText(primary)
        self.secondary.setText(secondary or "")
        self.secondary.setVisible(secondary is not None)
        self._connections = [self.primary.clicked.connect(on_primary or self.close_overlay),
                             self.secondary.clicked.connect(on_secondary or self.close_overlay)]
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.primary.setFocus()

    def set_message(self, text: str) -> None:
        """Set the message and give it every line it needs (a wrapped label does not grow by itself here)."""
        self.message.setText(text)
        self.message.setMinimumHeight(self.message.heightForWidth(self.card.width() - 2 * _MARGIN - 12))

    def close_overlay(self) -> None:
        self.hide()
        connections, self._connections = self._connections, []
        for button, connection in zip((self.primary, self.secondary), connections, strict=False):
            button.clicked.disconnect(connection)
