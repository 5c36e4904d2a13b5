"""Run one service call off the UI thread and get its result (or exception) back as a Qt signal.

The UI thread never waits on disk or network; the screen shows "saving…" meanwhile and says "saved" only
in ``on_done``, i.e. after the service returned (after COMMIT). Callers must not touch the same store from the
UI thread while a job runs (the kiosk disables its buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class Job(QObject):
    """Signals of one background call; ``done(result)`` or ``failed(exception)``, on the UI thread."""

    done = Signal(object)
    failed = Signal(object)


class _Runner(QRunnable):
    def __init__(self, job: Job, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.job = job
        self.fn = fn

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001 - handed to the UI thread, which shows it; never swallowed
            self.job.failed.emit(exc)
        else:
            self.job.done.emit(result)


def run_in_background(fn: Callable[[], Any], *, parent: QObject, on_done: Callable[[Any], None],
                      on_failed: Callable[[Exception], None], pool: QThreadPool | None = None) -> Job:
    """Start ``fn()`` on a pool thread; ``on_done(result)`` or ``on_failed(exc)`` then runs on the UI thread."""
    job = Job(parent)
    job.done.connect(on_done)
    job.failed.connect(on_failed)
    (pool or QThreadPool.globalInstance()).start(_Runner(job, fn))
    return job
