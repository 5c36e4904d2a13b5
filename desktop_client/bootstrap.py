"""Wires the desktop client: Qt application, theme, translations, the open station and the main window.

``run_gui(args)`` is what `trialpro-client gui` runs; ``build_main_window(station, config)`` is the factory
tests use around an already-open station. Nothing happens at import time.

Environment:
  TRIALPRO_PASSPHRASE     open the station with it instead of showing the unlock screen
  TRIALPRO_SERVER_URL, TRIALPRO_ENROLMENT_CODE   pre-fill the set-up screen of a new station (--server-url,
                          --enrolment-code)
  TRIALPRO_MIRROR_DIR     keep an encrypted copy of every save there (same as --mirror-dir)
  TRIALPRO_STARTUP_PROBE  print "start-screen-shown" when the start screen is first painted
                          ("unlock-screen-shown" for the unlock or set-up screen; "exit": then quit; used by
                          bench/kiosk_startup.py and scripts/run-client.sh --check)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop_client.services.station import Station
from desktop_client.ui import theme
from desktop_client.ui.i18n import Language
from desktop_client.ui.main_window import MainWindow, ShellConfig

__all__ = ["ShellConfig", "build_main_window", "ensure_application", "run_gui"]


def ensure_application(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication (created once), themed for the kiosk."""
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_SynthesizeMouseForUnhandledTouchEvents, True)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("trialpro")
    theme.apply_theme(app)
    return app


def build_main_window(station: Station, config: ShellConfig | None = None,
                      language: Language | None = None) -> MainWindow:
    """The main window around an open ``station``; it owns its language (and translators) unless given one."""
    config = config or ShellConfig()
    ensure_application()
    if language is None:
        language = Language(config.language)
        window = MainWindow(station, config, language)
        language.setParent(window)
        return window
    return MainWindow(station, config, language)


def show(window: MainWindow) -> None:
    """Full screen in kiosk mode, otherwise a 1280x800 window."""
    if window.config.full_screen:
        window.showFullScreen()
    else:
        window.resize(1280, 800)
        window.show()


class _FirstPaint(QObject):
    """Reports the first paint of the start screen (startup benchmark)."""

    def __init__(self, target: QObject, quit_after: bool, text: str = "start-screen-shown") -> None:
        super().__init__(target)
        self._quit = quit_after
        self._text = text
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(self._text, flush=True)
            if self._quit:
                QTimer.singleShot(0, lambda: QApplication.exit(0))  # quit() would ask the kiosk window
        return False


def config_from_args(args: argparse.Namespace) -> ShellConfig:
    return ShellConfig(language=getattr(args, "language", None) or "zh",
                       idle_timeout_s=float(getattr(args, "idle_timeout", None) or 180.0),
                       full_screen=bool(getattr(args, "kiosk", False)))


def run_gui(args: argparse.Namespace) -> int:
    """Open the station (passphrase from the unlock screen or TRIALPRO_PASSPHRASE) and run the client."""
    from desktop_client.store import open_store
    from shared.study.folder import study_of_folder

    app = ensure_application()
    config = config_from_args(args)
    data_dir = Path(args.data_dir)
    probe = os.environ.get("TRIALPRO_STARTUP_PROBE")
    held: dict[str, object] = {}
    language = Language(config.language, parent=app)   # the unlock screen is translated too

    mirror_dir = getattr(args, "mirror_dir", None)
    study = study_of_folder(data_dir, getattr(args, "study", None))   # refused before any window opens

    def open_window(store: object) -> None:
        if mirror_dir:
            store.attach_mirror(mirror_dir)  # type: ignore[attr-defined]
        station = Station(store=store, study=study)  # type: ignore[arg-type]
        window = build_main_window(station, config, language)
        held["store"], held["window"] = store, window
        if probe:
            _FirstPaint(window.start, quit_after=probe == "exit")
        unlock = held.pop("unlock", None)
        show(window)
        if unlock is not None:
            unlock.close()  # type: ignore[attr-defined]

    passphrase = os.environ.get("TRIALPRO_PASSPHRASE")
    if passphrase:
        open_window(open_store(data_dir, passphrase))  # errors reach the CLI as a clean message
    else:
        from desktop_client.ui.unlock import UnlockScreen

        unlock = UnlockScreen(data_dir, study=study, server_url=getattr(args, "server_url", "") or "",
                              code=getattr(args, "enrolment_code", "") or "")
        unlock.setWindowTitle("trialpro")
        unlock.opened.connect(open_window)
        held["unlock"] = unlock
        if probe:   # scripts/run-client.sh --check: the set-up (or unlock) screen painted, then quit
            _FirstPaint(unlock, quit_after=probe == "exit", text="unlock-screen-shown")
        unlock.showFullScreen() if config.full_screen else (unlock.resize(1280, 800), unlock.show())
    try:
        return app.exec()
    finally:
        store = held.get("store")
        if store is not None:
            store.close()  # type: ignore[attr-defined]
