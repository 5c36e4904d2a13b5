"""The locked start screen: what anyone walking up to the kiosk sees. Language switch and "Staff" only."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop_client.ui import theme
from desktop_client.ui.i18n import Language
from desktop_client.ui.widgets.choices import KeyButton
from shared.study.model import Study


class StartScreen(QWidget):
    """Shows the study title and a greeting; ``staff_requested`` when the Staff button is touched."""

    staff_requested = Signal()

    def __init__(self, study: Study, language: Language, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._study = study
        self._language = language
        self.heading = theme.label(self, "title")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        self.study_title = QLabel(self)
        self.study_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.study_title.setWordWrap(True)
        self.greeting = QLabel(self)
        self.greeting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.greeting.setWordWrap(True)
        self.chinese = KeyButton("中文", self)
        self.chinese.setObjectName("language-zh")
        self.english = KeyButton("English", self)
        self.english.setObjectName("language-en")
        for button, code in ((self.chinese, "zh"), (self.english, "en")):
            button.setCheckable(True)
            button.setMinimumWidth(220)
            theme.set_role(button, "answer", "kind")
            button.clicked.connect(lambda _=False, c=code: self._language.set(c))
        self.staff = KeyButton(self)
        self.staff.setObjectName("staff")
        theme.set_role(self.staff, "secondary", "kind")
        self.staff.clicked.connect(self.staff_requested)
        languages = QHBoxLayout()
        languages.addStretch(1)
        languages.addWidget(self.chinese)
        languages.addSpacing(32)
        languages.addWidget(self.english)
        languages.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.staff)
        box = QVBoxLayout(self)
        box.setContentsMargins(60, 40, 40, 32)
        box.addStretch(2)
        box.addWidget(self.heading)
        box.addSpacing(16)
        box.addWidget(self.study_title)
        box.addStretch(1)
        box.addWidget(self.greeting)
        box.addSpacing(32)
        box.addLayout(languages)
        box.addStretch(2)
        box.addLayout(bottom)
        language.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        code = self._language.code
        self.heading.setText(self.tr("Participant questionnaires"))
        self.study_title.setText(self._study.study.title_zh if code == "zh" else self._study.study.title)
        self.greeting.setText(self.tr("Welcome. Please ask the nurse to start your questionnaire.\n"
                                      "Choose your language:"))
        self.staff.setText(self.tr("Staff"))
        self.chinese.setChecked(code == "zh")
        self.english.setChecked(code == "en")
