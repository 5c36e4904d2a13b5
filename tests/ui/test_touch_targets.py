"""Touch-first screens (issue 22, point 4): every control of every nurse and kiosk screen is at least 9 mm high,
44 px at 96 dpi offscreen (a radio button or checkbox counts by its click area, indicator included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QTabWidget,
    QWidget,
)

from desktop_client.ui.nurse.home import PAGES
from shared.study import default_study
from tests.factories import enrol_participant, offline_station
from tests.ui.kiosk_driver import click, confirm_visit_window, current_page, sign_in, start_session
from tests.ui.nurse_drive import click as click_nurse
from tests.ui.nurse_drive import open_home
from tests.ui.test_kiosk_session import plan_for, walk_questions

MIN_PX = 44
CONTROLS = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox)


def _hit_height(widget: QWidget) -> int:
    """The height a finger can hit: the whole widget, or for a radio button / checkbox its click area."""
    if isinstance(widget, QRadioButton | QCheckBox):
        option = QStyleOptionButton()
        widget.initStyleOption(option)
        element = (QStyle.SubElement.SE_RadioButtonClickRect if isinstance(widget, QRadioButton)
                   else QStyle.SubElement.SE_CheckBoxClickRect)
        return min(widget.height(), widget.style().subElementRect(element, option, widget).height())
    return widget.height()


def heights(root: QWidget) -> list[int]:
    """The hit heights of the shown controls under ``root`` (so a walk that finds nothing is seen to be empty)."""
    return [_hit_height(w) for w in root.findChildren(QWidget) if isinstance(w, CONTROLS) and w.isVisible()]


def too_small(root: QWidget, where: str) -> list[str]:
    """Every shown control under ``root`` lower than 44 px, named."""
    out = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or not w.isVisible() or w.objectName().startswith("qt_"):
            continue
        if type(w).__name__ in ("QToolButton",) and w.parent() is not None and "Tab" in type(w.parent()).__name__:
            continue                                # the tab bar's scroll arrows (not shown when tabs fit)
        if _hit_height(w) < MIN_PX:
            label = getattr(w, "text", lambda: "")() or w.objectName() or w.accessibleName()
            out.append(f"{where}: {type(w).__name__} {label!r} is {_hit_height(w)} px high")
    return out


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")
    yield st
    st.store.close()


@pytest.mark.parametrize("code", ["en", "zh"])
def test_every_nurse_screen_control_is_at_least_44_px(qtbot: Any, language: Any, station: Any, code: str) -> None:
    language.set(code)
    enrol_participant(station)
    home = open_home(qtbot, station)
    home.resize(1280, 800)
    found = too_small(home, "header")
    for name in PAGES:
        page = home.go(name)
        qtbot.wait(10)
        found += too_small(page, name)
        for tabs in page.findChildren(QTabWidget):
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                qtbot.wait(10)
                found += too_small(tabs.widget(i), f"{name}/{tabs.tabText(i)}")
    assert found == []


def test_every_kiosk_screen_control_is_at_least_44_px(qtbot: Any, make_window: Any, kiosk_station: Any) -> None:
    window = make_window()
    found = too_small(window.start, "start")
    click(qtbot, window.start.staff)
    found += too_small(window.sign_in, "sign-in")
    click(qtbot, window.sign_in.cancel)
    sign_in(qtbot, window)
    found += too_small(window.setup, "staff screen")
    click(qtbot, window.setup.lock)
    start_session(qtbot, window, kiosk_station.by_arm["IL2RAPA"], "week4")
    view = window.session_view
    while not view.on_review():
        page = current_page(window)
        found += too_small(view, f"question {page.question.item.id}")
        click(qtbot, view.next)
    found += too_small(view, "review")
    click(qtbot, view.submit_button)
    assert view.on_review()                              # nothing answered: refused, the refusal shown
    found += too_small(view, "review with refusals")
    assert found == []


def test_the_kiosk_thank_you_screen_is_touch_sized(qtbot: Any, make_window: Any, kiosk_station: Any) -> None:
    window = make_window()
    arm = "IL2RAPA"
    sign_in(qtbot, window)
    setup = window.setup
    pid = kiosk_station.by_arm[arm]
    setup.participants.setCurrentItem(next(setup.participants.item(i) for i in range(setup.participants.count())
                                           if setup.participants.item(i).text().startswith(pid)))
    setup.visits.setCurrentItem(next(setup.visits.item(i) for i in range(setup.visits.count())
                                     if setup.visits.item(i).data(256) == "week4"))
    click(qtbot, setup.start)                  # tests run on the enrolment day: week 4 is outside its window
    box = setup.window_warning
    assert box is not None and box.isVisible() and len(heights(box)) == 2
    assert too_small(box, "kiosk out-of-window box") == []
    confirm_visit_window(qtbot, window)
    view = window.session_view
    plan = plan_for(kiosk_station.station.study.arm(arm).drugs, view._form.dose_dates)
    walk_questions(qtbot, window, plan, vas_percent=50)
    click(qtbot, view.submit_button)
    qtbot.waitUntil(view.on_thanks, timeout=20000)
    assert view.thanks.done.isVisible() and heights(view)
    assert too_small(view, "thank-you") == []


@pytest.mark.parametrize("code", ["en", "zh"])
def test_the_station_set_up_screen_is_touch_sized(qtbot: Any, language: Any, tmp_path: Path, code: str) -> None:
    from desktop_client.ui.unlock import UnlockScreen

    language.set(code)
    screen = UnlockScreen(tmp_path / "new-station", study=default_study())
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.server_url.isVisible() and screen.code.isVisible()      # set-up mode: URL and enrolment code
    assert len(heights(screen)) >= 5 and too_small(screen, "station set-up") == []


@pytest.mark.parametrize("code", ["en", "zh"])
def test_the_out_of_window_confirm_box_is_touch_sized(qtbot: Any, language: Any, station: Any, code: str) -> None:
    language.set(code)
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    home.resize(1280, 800)
    page = home.go("clinician")
    page.participant.select(pid)
    page.visit.setCurrentIndex(page.visit.findData("week4"))           # tests run on the enrolment day
    for buttons in page.level_buttons.values():
        buttons[0].click()
    click_nurse(qtbot, page.save_index_button)
    box = page.window_warning
    assert box is not None and box.isVisible()
    assert len(heights(box)) == 2 and too_small(box, "out-of-window box") == []
    box.reject()
