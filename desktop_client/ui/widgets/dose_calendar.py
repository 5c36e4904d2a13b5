"""The dosing diary's days: one line per date, one touch button per study medicine of the participant's arm.

Each line reads like the participant's own days ("Mon 2 Mar 2026" / "2026年3月2日 星期一"); a medicine's
button is pressed on every day it was taken. Nothing counts as answered until the participant touches a
button or says they took no medicine on any of these days, so "not answered" stays distinct from "none".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_client.ui import theme
from desktop_client.ui.widgets.choices import KeyButton
from shared.instruments.model import Text
from shared.site_time import day_label


def _none_text() -> str:
    return QCoreApplication.translate("Answers", "I took none of these medicines on any of these days")


class DoseCalendar(QWidget):
    """Dates x medicines; the value is ``{"YYYY-MM-DD": [drug ids taken]}`` for every date, or None."""

    valueChanged = Signal(object)

    def __init__(self, dates: tuple[date, ...], drugs: dict[str, Text], language: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dates = dates
        self._drugs = drugs
        self._language = language
        self._answered = False
        self.day_labels: list[QLabel] = []
        self.dose_buttons: dict[tuple[date, str], QPushButton] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(8)
        for row, day in enumerate(dates):
            label = QLabel(self)
            self.day_labels.append(label)
            grid.addWidget(label, row, 0)
            for col, drug in enumerate(drugs, start=1):
                button = KeyButton(self)
                button.setCheckable(True)
                button.setObjectName(f"dose:{day.isoformat()}:{drug}")
                button.setMinimumWidth(200)
                theme.set_role(button, "answer", "kind")
                button.toggled.connect(self._changed)
                self.dose_buttons[(day, drug)] = button
                grid.addWidget(button, row, col)
        self.none_button = KeyButton(self)
        self.none_button.setObjectName("dose:none")
        theme.set_role(self.none_button, "secondary", "kind")
        self.none_button.clicked.connect(self._none)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(grid)
        box.addWidget(self.none_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.retranslate(language)

    def retranslate(self, language: str) -> None:
        """Dates and medicine names in ``language`` ("en" or "zh")."""
        self._language = language
        for label, day in zip(self.day_labels, self._dates, strict=True):
            label.setText(day_label(day, language))
        for (day, drug), button in self.dose_buttons.items():
            name = self._drugs[drug].in_language(language)
            button.setText(name)
            button.setAccessibleName(f"{day_label(day, language)}: {name}")
        self.none_button.setText(_none_text())

    def buttons(self) -> list[QPushButton]:
        """Every button, line by line, then "none of these days" last."""
        return [*self.dose_buttons.values(), self.none_button]

    def button_for(self, day: date, drug: str) -> QPushButton:
        return self.dose_buttons[(day, drug)]

    def value(self) -> dict[str, list[str]] | None:
        if not self._answered:
            return None
        return {day.isoformat(): [drug for drug in self._drugs if self.dose_buttons[(day, drug)].isChecked()]
                for day in self._dates}

    def set_value(self, value: Any) -> None:
        """Show ``value`` (None: nothing answered) without emitting valueChanged."""
        self._answered = isinstance(value, dict)
        taken = value if isinstance(value, dict) else {}
        for (day, drug), button in self.dose_buttons.items():
            button.blockSignals(True)
            button.setChecked(drug in taken.get(day.isoformat(), ()))
            button.blockSignals(False)

    def _changed(self, _checked: bool) -> None:
        self._answered = True
        self.valueChanged.emit(self.value())

    def _none(self) -> None:
        self.set_value({day.isoformat(): [] for day in self._dates})
        self.valueChanged.emit(self.value())
