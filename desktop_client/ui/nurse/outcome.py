"""The result of an action where the eye is: a green banner at the top of the screen (new participant id,
the arm after randomisation), scrolled into view when it appears, so nothing important is below the fold."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from desktop_client.ui.nurse.field_errors import scroll_to
from desktop_client.ui.nurse.widgets import OK_GREEN


class OutcomeBanner(QLabel):
    """Large white-on-green text, hidden until ``announce``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outcome-banner")
        self.setWordWrap(True)
        self.setStyleSheet(f"background: {OK_GREEN}; color: white; font-weight: bold; font-size: 24pt; "
                           "padding: 16px; border-radius: 10px;")
        self.hide()

    def announce(self, text: str) -> None:
        """Show ``text`` and bring the banner into view."""
        self.setText(text)
        self.show()
        scroll_to(self)

    def clear_banner(self) -> None:
        self.setText("")
        self.hide()
