"""The one way the screens run a save, a sync or an unlock: off the UI thread, results back as Qt signals.

The UI thread never waits on disk or network; a screen shows "saving…" meanwhile and says "saved" only in
``on_done``, i.e. after the service returned (after COMMIT). A job's callbacks run on the UI thread. A job
lives until it has finished even when the screen that started it is closed (the work itself is safe to stop
at any byte, but a half-run save is never abandoned by the UI). ``busy()`` tells whether any job still runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

Progress = Callable[[Any], None]

_RUNNING: set[Job] = set()
_POOL: QThreadPool | None = None


class Job(QObject):
    """Signals of one background call, delivered on the UI thread: ``progress(state)`` any number of times,
    then ``done(result)`` or ``failed(exception)``, then ``finished()``."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)
    finished = Signal()


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
        finally:
            self.job.finished.emit()


def _pool() -> QThreadPool:
    """A pool of the screens' own, so a long sync never queues a save behind the global pool's other work."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool(QCoreApplication.instance())
        _POOL.setMaxThreadCount(4)
    return _POOL


def _release(job: Job) -> None:
    _RUNNING.discard(job)
    job.deleteLater()


def run_in_background(fn: Callable[..., Any], *, on_done: Callable[[Any], None],
                      on_failed: Callable[[Exception], None], on_progress: Callable[[Any], None] | None = None,
                      on_finished: Callable[[], None] | None = None, pool: QThreadPool | None = None) -> Job:
    """Start ``fn()`` on a worker thread (``fn(progress)`` when ``on_progress`` is given).

    ``on_done(result)`` or ``on_failed(exc)``, then ``on_finished()``, run on the UI thread. The job belongs
    to the application, so closing a screen never cuts it off.
    """
    job = Job(QCoreApplication.instance())
    job.done.connect(on_done)
    job.failed.connect(on_failed)
    if on_progress is not None:
        job.progress.connect(on_progress)
    if on_finished is not None:
        job.finished.connect(on_finished)
    job.finished.connect(lambda: _release(job))
    _RUNNING.add(job)
    call = (lambda: fn(job.progress.emit)) if on_progress is not None else fn
    (pool or _pool()).start(_Runner(job, call))
    return job


def busy() -> bool:
    """True while any job started here has not finished (its callbacks not yet run)."""
    return bool(_RUNNING)
