"""Driving the real nurse-mode widgets the way staff do (clicks and typing), shared by tests/ui/test_nurse_*.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from desktop_client.services.staff import sign_in
from desktop_client.services.station import Station
from desktop_client.ui import workers
from desktop_client.ui.i18n import Language
from desktop_client.ui.nurse.home import NurseHome
from desktop_client.ui.nurse.screening import ScreeningPage
from desktop_client.ui.nurse.widgets import qdate
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


@contextmanager
def staff_keep_moving(home: NurseHome, every_ms: int = 100) -> Iterator[None]:
    """Staff at work while the block runs: the mouse moves over ``home`` every ``every_ms`` (an input the
    inactivity lock counts), also while a click waits for a save. The move's timer is always due long before
    the lock's, and Qt fires overdue timers in the order they were due, so however late a busy machine runs the
    event loop, the move comes first and restarts the lock's clock: no lock in the block, whatever the speed."""
    def move() -> None:
        at = QPointF(2, 2)
        QCoreApplication.sendEvent(home, QMouseEvent(QEvent.Type.MouseMove, at, home.mapToGlobal(at),
                                                     Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                                                     Qt.KeyboardModifier.NoModifier))

    timer = QTimer()
    timer.timeout.connect(move)
    timer.start(every_ms)
    try:
        yield
    finally:
        timer.stop()


def click(qtbot: Any, button: Any) -> None:
    """Click like staff do, then wait until any save or sync it started has ended (they run off the UI thread)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not workers.busy(), timeout=20000)


def fill_screening(page: ScreeningPage, *, year_of_birth: int = 1975, born: date | None = None, sex: str = "F",
                   consent: bool = True, screening_essdai: int = 7, unmet: tuple[str, ...] = (),
                   present: tuple[str, ...] = (), unanswered: tuple[str, ...] = (),
                   childbearing_potential: bool | None = False) -> None:
    """Type the date of birth and answer every criterion: inclusion met unless in ``unmet``, exclusion absent
    unless in ``present``; ``unanswered`` ones are left alone."""
    page.date_of_birth.setDate(qdate(born or date(year_of_birth, 3, 14)))
    page.sex.setCurrentIndex(page.sex.findData(sex))
    page.childbearing.setCurrentIndex((None, True, False).index(childbearing_potential))
    page.consent_given.setChecked(consent)
    page.consent_date.setDate(page.screening_date.date().addDays(-1))
    page.eligibility_score.setValue(screening_essdai)
    exclusion = {c.id for c in page.ctx.station.study.exclusion}
    for cid, (yes, no) in page.answers.items():
        if cid in unanswered:
            continue
        if cid in exclusion:
            (yes if cid in present else no).click()
        else:
            (no if cid in unmet else yes).click()


def screen_through_screen(qtbot: Any, home: NurseHome, **kwargs: Any) -> str:
    """Screen a person on the screening screen, confirm and save; returns the new participant id."""
    page = home.go("screening")
    if not page.next_button.isHidden():
        click(qtbot, page.next_button)
    fill_screening(page, **kwargs)
    click(qtbot, page.check_button)
    page.confirm_box.click()
    with qtbot.waitSignal(page.screened, timeout=20000) as signal:
        click(qtbot, page.save_button)
    return signal.args[0]


def score_eligibility_through_screen(qtbot: Any, home: NurseHome, participant_id: str,
                                     levels: dict[str, int] | None = None) -> None:
    """Rate every domain of the clinician index at the eligibility visit on the clinician screen and save."""
    page = home.go("clinician")
    page.participant.select(participant_id)
    visit = home.ctx.station.study.visit_with_role("eligibility")
    assert visit is not None
    page.visit.setCurrentIndex(page.visit.findData(visit.id))
    for domain, buttons in page.level_buttons.items():
        level = (levels or {}).get(domain, 1 if 1 in buttons else 0)
        buttons[level].click()
    click(qtbot, page.save_index_button)
    assert page.index_message.text().startswith("Saved"), page.index_message.text()


def randomise_through_screen(qtbot: Any, home: NurseHome, participant_id: str) -> Any:
    """Check eligibility, confirm and reveal on the randomisation screen; returns the page."""
    page = home.go("randomisation")
    page.reload()
    page.participant.setCurrentIndex(page.participant.findData(participant_id))
    click(qtbot, page.check_button)
    page.confirm_box.click()
    with qtbot.waitSignal(page.randomised, timeout=20000):
        click(qtbot, page.randomise_button)
    return page


def enrol_through_screen(qtbot: Any, home: NurseHome, **kwargs: Any) -> str:
    """Screen an eligible person, rate the eligibility visit's clinician index and randomise, all on the
    screens staff use; returns the participant id."""
    pid = screen_through_screen(qtbot, home, **kwargs)
    score_eligibility_through_screen(qtbot, home, pid)
    randomise_through_screen(qtbot, home, pid)
    return pid
