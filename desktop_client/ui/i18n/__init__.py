"""Languages of the client through Qt's translation system: English source strings, Simplified Chinese `.qm`.

Every ``*_zh_CN.qm`` in this folder is loaded (kiosk, nurse mode, ...), so each part keeps its own `.ts`
source. Instrument texts do not go through Qt: they are frozen per instrument version in ``shared/instruments``
and picked with ``Text.in_language(language.code)``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, QTranslator, Signal

from shared.errors import MissingTranslations

I18N_DIR = Path(__file__).resolve().parent
LANGUAGES = ("zh", "en")
QT_LOCALES = {"zh": "zh_CN", "en": "en"}


class Language(QObject):
    """The language the screens show now; ``changed`` fires after the translators are swapped."""

    changed = Signal(str)

    def __init__(self, code: str = "zh", parent: QObject | None = None, folder: Path = I18N_DIR) -> None:
        super().__init__(parent)
        self._folder = folder
        self._translators: list[QTranslator] = []
        self._code = ""
        self.set(code)

    @property
    def code(self) -> str:
        """"zh" or "en", the codes of ``shared.instruments.model.LANGUAGES``."""
        return self._code

    def set(self, code: str) -> None:
        """Switch every screen to ``code``. Raises ValueError for an unknown language, MissingTranslations
        when the Chinese ``.qm`` files are absent."""
        if code not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {code!r}")
        if code == self._code:
            return
        app = QCoreApplication.instance()
        for translator in self._translators:
            app.removeTranslator(translator)
        self._translators = []
        if code != "en":
            files = sorted(self._folder.glob(f"*_{QT_LOCALES[code]}.qm"))
            if not files:
                raise MissingTranslations(f"No {QT_LOCALES[code]} translations in {self._folder}: run "
                                          "`python desktop_client/ui/i18n/build.py`.")
            for path in files:
                translator = QTranslator(self)
                if not translator.load(str(path)):
                    raise MissingTranslations(f"{path} cannot be loaded: rebuild it with build.py.")
                app.installTranslator(translator)
                self._translators.append(translator)
        QLocale.setDefault(QLocale(QT_LOCALES[code]))
        self._code = code
        self.changed.emit(code)
