"""The Qt binding must keep Python's None, True and False alive: a kiosk runs all day.

PySide6 6.12.0 on Python 3.11 returned None from every void call (setText, show, click, ...) and True from
every Python emit() without taking a reference. None and True are not immortal before Python 3.12, so after a
few thousand calls the process aborted ("Fatal Python error: none_dealloc"). constraints.txt pins 6.11.3,
which is correct; this test fails on a binding with that bug.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QPushButton

from desktop_client.bootstrap import ensure_application

CALLS = 2000


class _Emitter(QObject):
    value = Signal(object)


def test_void_calls_and_emits_do_not_lose_references_to_none_true_or_false(qtbot: Any) -> None:
    ensure_application()
    label, button, emitter = QLabel(), QPushButton(), _Emitter()
    qtbot.addWidget(label)
    qtbot.addWidget(button)
    emitter.value.connect(lambda v: None)
    button.clicked.connect(lambda checked=False: None)
    before = [sys.getrefcount(x) for x in (None, True, False)]
    for i in range(CALLS):
        label.setText("x")              # void call
        button.click()                  # void call, and a C++ signal into a Python slot
        emitter.value.emit(i % 2 == 0)  # Python emit of a bool
    after = [sys.getrefcount(x) for x in (None, True, False)]
    lost = {name: b - a for name, b, a in zip(("None", "True", "False"), before, after, strict=True) if b - a > 20}
    assert lost == {}, f"the Qt binding loses references (per {CALLS} calls): {lost}"
