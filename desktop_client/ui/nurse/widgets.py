"""Small pieces every nurse-mode screen uses: the shared context, language, pickers, messages, banners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, QLocale, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop_client.services.staff import StaffSession
from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncSettings
from desktop_client.ui.theme import PROBLEM, set_role
from shared.instruments.model import Text

OK_GREEN = "#005a00"


@dataclass
class NurseContext:
    """What every nurse screen needs: the open station, who is signed in now, how to reach the server."""

    station: Station
    session: StaffSession
    sync_settings: SyncSettings | None = None

    @property
    def actor(self) -> str:
        return self.session.actor


def language() -> str:
    """"zh" or "en": follows the application's language (the shell sets the default QLocale with it)."""
    return "zh" if QLocale().language() == QLocale.Language.Chinese else "en"


def in_language(text: Text) -> str:
    """A study or instrument text (frozen in shared/, not translated by Qt) in the screen's language."""
    return text.in_language(language())


def study_text(en: str, zh: str) -> str:
    return zh if language() == "zh" else en


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def show_day(day: date | None) -> str:
    """A date as staff read it (ISO: the same in both languages, never ambiguous)."""
    return day.isoformat() if day else "—"


def tr(text: str) -> str:
    """Translate a shared message of nurse mode (context "Nurse")."""
    return QCoreApplication.translate("Nurse", text)


class MessageLabel(QLabel):
    """A word-wrapped message line: red for problems, green for success; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(self.textInteractionFlags())
        self.hide()

    def problem(self, text: str) -> None:
        self.setStyleSheet(f"color: {PROBLEM}; font-weight: bold;")
        self.setText(text)
        self.setVisible(bool(text))

    def success(self, text: str) -> None:
        self.setStyleSheet(f"color: {OK_GREEN}; font-weight: bold;")
        self.setText(text)
        self.setVisible(bool(text))

    def working(self, text: str) -> None:
        """A neutral line while something runs (e.g. "Saving…")."""
        self.setStyleSheet("font-style: italic;")
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()


class Banner(QLabel):
    """The prominent red banner of a serious adverse event (report within 24 h)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"background: {PROBLEM}; color: white; font-weight: bold; font-size: 24pt; "
                           "padding: 16px; border-radius: 10px;")
        self.hide()


def heading(text: str, role: str = "heading") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    set_role(label, role)
    return label


def note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    set_role(label, "note")
    return label


def scrolling(content: QWidget) -> QScrollArea:
    """Long forms scroll: the theme's large type does not fit one screen."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


class ParticipantPicker(QComboBox):
    """The participants of this station (ids only: nothing identifying is stored)."""

    participant_changed = Signal(str)

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._station = station
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)
        self.currentIndexChanged.connect(lambda _i: self.participant_changed.emit(self.participant_id() or ""))
        self.reload()

    def reload(self) -> None:
        """Re-read the participants (a sync may bring new ones); signals only when the selection changes."""
        ids = [p["participant_id"] for p in self._station.participants()]
        if ids == [self.itemData(i) for i in range(self.count())]:
            return
        keep = self.participant_id()
        self.blockSignals(True)
        self.clear()
        for pid in ids:
            self.addItem(pid, pid)
        if keep is not None and self.findData(keep) >= 0:
            self.setCurrentIndex(self.findData(keep))
        self.blockSignals(False)
        if self.participant_id() != keep:
            self.participant_changed.emit(self.participant_id() or "")

    def participant_id(self) -> str | None:
        data = self.currentData()
        return str(data) if data else None

    def select(self, participant_id: str) -> None:
        index = self.findData(participant_id)
        if index >= 0:
            self.setCurrentIndex(index)


def visit_picker(visits: list[tuple[str, Text]], on_change: Callable[[], None] | None = None) -> QComboBox:
    combo = QComboBox()
    for visit_id, label in visits:
        combo.addItem(in_language(label), visit_id)
    if on_change is not None:
        combo.currentIndexChanged.connect(lambda _i: on_change())
    return combo


def page_layout(page: QWidget, title: str) -> QVBoxLayout:
    """A scrolling page with a heading; returns the layout to fill."""
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    inner = QWidget()
    layout = QVBoxLayout(inner)
    layout.setContentsMargins(16, 8, 16, 16)
    layout.setSpacing(12)
    layout.addWidget(heading(title))
    outer.addWidget(scrolling(inner))
    return layout
