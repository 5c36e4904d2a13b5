"""Big touch buttons for one answer: a numeric rating scale (0-10 scales, counts) and labelled choices.

Nothing is selected until the participant touches a button, so "not answered" stays distinct from 0.
Buttons are in the tab order; Space (or Enter) selects the focused one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_client.ui import theme


class KeyButton(QPushButton):
    """A push button that Enter (and the keypad's Enter) presses as well as Space: keyboard users expect both."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
            return
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1}.get(
            Qt.Key(event.key()))
        group = self.group()
        if step is not None and group is not None:   # arrows move along a scale; Space or Enter then selects
            buttons = group.buttons()
            index = buttons.index(self) + step
            if 0 <= index < len(buttons):
                buttons[index].setFocus(Qt.FocusReason.TabFocusReason)
            return
        super().keyPressEvent(event)


def _answer_button(text: str, parent: QWidget, kind: str = "answer") -> QPushButton:
    button = KeyButton(text, parent)
    button.setCheckable(True)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    theme.set_role(button, kind, "kind")
    return button


class _Exclusive(QWidget):
    """The shared part: an exclusive button group whose checked button maps to a value."""

    valueChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self._values: dict[QAbstractButton, Any] = {}
        self.group.buttonClicked.connect(self._clicked)

    def _add(self, button: QPushButton, value: Any) -> None:
        self.group.addButton(button)
        self._values[button] = value

    def _clicked(self, button: QAbstractButton) -> None:
        self.valueChanged.emit(self._values[button])

    def buttons(self) -> list[QAbstractButton]:
        return list(self._values)

    def button_for(self, value: Any) -> QAbstractButton:
        for button, v in self._values.items():
            if v == value and type(v) is type(value):
                return button
        raise KeyError(value)

    def value(self) -> Any:
        """The selected value, or None when nothing is selected."""
        checked = self.group.checkedButton()
        return None if checked is None else self._values[checked]

    def set_value(self, value: Any) -> None:
        """Select ``value`` (None clears the selection) without emitting valueChanged."""
        if value is None:
            self.group.setExclusive(False)
            for button in self._values:
                button.setChecked(False)
            self.group.setExclusive(True)
            return
        self.button_for(value).setChecked(True)


class NumberScale(_Exclusive):
    """Whole numbers ``minimum``..``maximum`` as buttons, rows of ``per_row``, optional end anchors."""

    def __init__(self, minimum: int, maximum: int, parent: QWidget | None = None, *, per_row: int = 11) -> None:
        super().__init__(parent)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(10)
        for i, number in enumerate(range(minimum, maximum + 1)):
            button = _answer_button(str(number), self, "number")
            grid.addWidget(button, i // per_row, i % per_row)
            self._add(button, number)
        self.low_anchor = QLabel(self)
        self.high_anchor = QLabel(self)
        anchors = QHBoxLayout()
        for label, align in ((self.low_anchor, Qt.AlignmentFlag.AlignLeft),
                             (self.high_anchor, Qt.AlignmentFlag.AlignRight)):
            label.setWordWrap(True)
            label.setAlignment(align | Qt.AlignmentFlag.AlignTop)
            label.setMaximumWidth(420)
            label.hide()
        anchors.addWidget(self.low_anchor, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        anchors.addStretch(1)
        anchors.addWidget(self.high_anchor, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(grid)
        box.addLayout(anchors)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)

    def set_anchors(self, low: str, high: str) -> None:
        """Show the anchor texts under the first and the last number."""
        self.low_anchor.setText(low)
        self.high_anchor.setText(high)
        self.low_anchor.show()
        self.high_anchor.show()


class ChoiceButtons(_Exclusive):
    """Labelled choices (Yes/No, severities, reasons) in one row, or two columns when there are many."""

    def __init__(self, choices: Sequence[tuple[Any, Callable[[], str]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: list[tuple[QPushButton, Callable[[], str]]] = []
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(12)
        per_row = len(choices) if len(choices) <= 3 else 2
        for i, (value, label) in enumerate(choices):
            button = _answer_button("", self)
            button.setMinimumWidth(220)
            grid.addWidget(button, i // per_row, i % per_row)
            self._add(button, value)
            self._labels.append((button, label))
        grid.setColumnStretch(per_row, 1)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read every label (the callables give the text in the current language)."""
        for button, label in self._labels:
            button.setText(label())
