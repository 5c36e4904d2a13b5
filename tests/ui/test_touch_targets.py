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
from tests.factories import enrol_participant, offline_station
from tests.ui.kiosk_driver import click, current_page, sign_in, start_session
from tests.ui.nurse_drive import open_home

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
    assert found == []
