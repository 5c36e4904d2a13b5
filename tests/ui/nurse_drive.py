"""Driving the real nurse-mode widgets the way staff do (clicks and typing), shared by tests/ui/test_nurse_*.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_client.services.staff import sign_in
from desktop_client.services.station import Station
from desktop_client.ui import workers
from desktop_client.ui.i18n import Language
from desktop_client.ui.nurse.home import NurseHome
from desktop_client.ui.nurse.screening import ScreeningPage
from desktop_client.ui.theme import apply_theme
from tests.factories import STAFF_PASSWORD, add_staff, record_symptom_checklist

record_checklist = record_symptom_checklist

SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


@contextmanager
def app_language(qapp: QApplication) -> Iterator[Language]:
    """The application's look and language as the shell sets them (English; a test may switch to zh).

    It always ends in English, so no translator leaks into the next test.
    """
    apply_theme(qapp)
    lang = Language("en", qapp)
    try:
        yield lang
    finally:
        lang.set("en")
        lang.deleteLater()


def open_home(qtbot: Any, station: Station, username: str = "nurse.a", **kwargs: Any) -> NurseHome:
    """Staff account on the station, offline sign-in, and the nurse home shown at a laptop's size."""
    if not station.store.query("SELECT 1 FROM staff WHERE username = ?", (username,)):
        add_staff(station, username)
    home = NurseHome(station, sign_in(station, username, STAFF_PASSWORD), **kwargs)
    qtbot.addWidget(home)
    home.resize(1600, 1000)
    home.show()
    return home


def click(qtbot: Any, button: Any) -> None:
    """Click like staff do, then wait until any save or sync it started has ended (they run off the UI thread)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not workers.busy(), timeout=20000)


def fill_screening(page: ScreeningPage, *, year_of_birth: int = 1975, sex: str = "F", consent: bool = True,
                   baseline_essdai: int = 7, unmet: tuple[str, ...] = (), present: tuple[str, ...] = ()) -> None:
    """Answer every criterion: inclusion met unless in ``unmet``, exclusion absent unless in ``present``."""
    page.year_of_birth.setValue(year_of_birth)
    page.sex.setCurrentIndex(page.sex.findData(sex))
    page.consent_given.setChecked(consent)
    page.consent_date.setDate(page.screening_date.date().addDays(-1))
    page.eligibility_score.setValue(baseline_essdai)
    exclusion = {c.id for c in page.ctx.station.study.exclusion}
    for cid, (yes, no) in page.answers.items():
        if cid in exclusion:
            (yes if cid in present else no).click()
        else:
            (no if cid in unmet else yes).click()


def enrol_through_screen(qtbot: Any, home: NurseHome, **kwargs: Any) -> str:
    """Screen an eligible participant, confirm and reveal the allocation; returns the new participant id."""
    page = home.go("screening")
    if not page.next_button.isHidden():
        click(qtbot, page.next_button)
    fill_screening(page, **kwargs)
    click(qtbot, page.check_button)
    page.confirm_box.click()
    with qtbot.waitSignal(page.enrolled, timeout=5000) as signal:
        click(qtbot, page.enrol_button)
    return signal.args[0]
