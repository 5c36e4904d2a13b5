"""The VAS line on its own: no preset mark, the touched point as 0-100, movable, 100 mm from the screen's DPI."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from desktop_client.bootstrap import ensure_application
from desktop_client.ui.widgets.vas_line import _PAD, MM_PER_INCH, VasLine, line_pixels

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def vas(qtbot: Any) -> VasLine:
    ensure_application()
    line = VasLine()
    line.set_anchors("No disease activity", "Extremely active disease")
    qtbot.addWidget(line)
    line.show()
    qtbot.waitExposed(line)
    return line


def _x(vas: VasLine, value: float) -> int:
    return _PAD + round(vas.line_px() * value / 100)


def test_the_line_starts_unanswered_and_0_is_an_answer_distinct_from_it(qtbot: Any, vas: VasLine) -> None:
    changes: list[object] = []
    vas.valueChanged.connect(changes.append)
    assert vas.value() is None and vas.track.fraction is None          # nothing drawn, nothing recorded
    qtbot.mouseClick(vas.track, LEFT, pos=QPoint(_PAD, vas.track.height() // 2))
    assert vas.value() == 0 and changes == [0]
    vas.set_value(None)
    assert vas.value() is None


@pytest.mark.parametrize("px", [300, 394, 590, 760])
def test_the_value_is_the_touched_point_in_hundredths_of_the_line_whatever_its_length(qtbot: Any, vas: VasLine,
                                                                                      px: int) -> None:
    vas.set_line_px(px)
    for value in (1, 17, 50, 83, 100):
        qtbot.mouseClick(vas.track, LEFT, pos=QPoint(_x(vas, value), 60))
        assert vas.value() == value
    qtbot.mouseClick(vas.track, LEFT, pos=QPoint(2, 60))                 # beyond the left end stop
    assert vas.value() == 0
    qtbot.mouseClick(vas.track, LEFT, pos=QPoint(vas.track.width() - 2, 60))
    assert vas.value() == 100


def test_the_mark_follows_a_drag_and_can_be_moved_again(qtbot: Any, vas: VasLine) -> None:
    qtbot.mousePress(vas.track, LEFT, pos=QPoint(_x(vas, 10), 60))
    assert vas.value() == 10
    move = QMouseEvent(QMouseEvent.Type.MouseMove, QPoint(_x(vas, 70), 60).toPointF(),
                       vas.track.mapToGlobal(QPoint(_x(vas, 70), 60)).toPointF(), Qt.MouseButton.NoButton,
                       LEFT, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vas.track, move)                             # a finger sliding along the line
    qtbot.mouseRelease(vas.track, LEFT, pos=QPoint(_x(vas, 70), 60))
    assert vas.value() == 70
    qtbot.mouseClick(vas.track, LEFT, pos=QPoint(_x(vas, 30), 60))
    assert vas.value() == 30


def test_the_line_is_100_mm_at_the_screens_physical_dpi_or_shrinks_to_fit_and_says_so(vas: VasLine) -> None:
    screen = vas.screen()
    dpi = screen.physicalDotsPerInchX()
    expected = round(100 / MM_PER_INCH * dpi)
    assert line_pixels(screen) == (expected, True)
    vas.fit(screen, available_px=2000)
    assert vas.line_px() == expected and vas.true_length
    vas.fit(screen, available_px=800)
    assert vas.line_px() < expected and not vas.true_length
    assert vas.width() <= 800


def test_the_review_copy_shows_the_mark_but_ignores_touches(qtbot: Any) -> None:
    ensure_application()
    line = VasLine(interactive=False, fixed_line_px=260)
    qtbot.addWidget(line)
    line.set_value(64)
    line.show()
    qtbot.mouseClick(line.track, LEFT, pos=QPoint(_PAD + 10, 60))
    assert line.value() == 64 and line.track.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_a_long_drag_along_the_line_does_not_wear_out_pythons_true(qtbot: Any, vas: VasLine) -> None:
    """PySide6 6.12.0 lost a reference to True per Python emit(): ~600 emits (one long drag) aborted the process."""

    qtbot.mousePress(vas.track, LEFT, pos=QPoint(_x(vas, 0), 60))
    before = sys.getrefcount(True)
    for i in range(3001):
        x = _x(vas, 33 if i == 3000 else (i * 7) % 101)
        QApplication.sendEvent(vas.track, QMouseEvent(QMouseEvent.Type.MouseMove, QPoint(x, 60).toPointF(),
                                                      vas.track.mapToGlobal(QPoint(x, 60)).toPointF(),
                                                      Qt.MouseButton.NoButton, LEFT, Qt.KeyboardModifier.NoModifier))
    qtbot.mouseRelease(vas.track, LEFT, pos=QPoint(_x(vas, 33), 60))
    assert vas.value() == 33
    assert sys.getrefcount(True) >= before - 10
