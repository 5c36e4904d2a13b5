"""The one job runner: background jobs from the ``jobs`` table, plus periodic tasks (audit anchoring, purges).

``trialpro-server worker`` runs exactly one ``JobRunner`` per database (a file
lock on SQLite, an advisory lock on PostgreSQL); ``demo`` and ``serve`` start it
once as a child process, never per gunicorn worker and never on a request. A
request only queues a job (``storage.jobs.enqueue``) and reads its progress.
A job's handler gets a ``Progress`` callable and returns the result to store;
a refusal (TrialproError) or a crash fails that job with a message, never the
runner. A job still ``running`` when its runner died is queued again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from server.storage import jobs as store
from server.storage.engine import writing
from shared.errors import RunnerBusy, TrialproError
from shared.records import utc_now

log = logging.getLogger("trialpro.worker")

LOCK_FILE = "worker.lock"
HEARTBEAT_SECONDS = 15.0
STALE_SECONDS = 120.0


@dataclass(frozen=True)
class Periodic:
    """A task run every ``every_seconds`` (first run at start-up)."""

    name: str
    every_seconds: float
    run: Callable[[], Any]


class Progress:
    """``progress(done, total)`` for a handler: written at most every ``min_interval`` seconds (and at the end)."""

    def __init__(self, engine: Any, job_id: int, min_interval: float = 0.5) -> None:
        self._engine, self._job_id, self._min = engine, job_id, min_interval
        self._last = 0.0

    def __call__(self, done: int, total: int | None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self._min:
            return
        self._last = now
        with writing(self._engine) as conn:
            store.report_progress(conn, self._job_id, done=done, total=total, now=utc_now())


Handler = Callable[[store.Job, Progress], dict[str, Any]]


@dataclass
class JobRunner:
    """Runs due periodic tasks and queued jobs, one at a time, until ``stop`` is set."""

    engine: Any
    handlers: dict[str, Handler]
    periodic: list[Periodic] = field(default_factory=list)
    poll_seconds: float = 0.5
    _next_run: dict[str, float] = field(default_factory=dict)

    def recover(self) -> int:
        """At start-up (this runner holds the lock): queue again every job a dead runner left running."""
        with writing(self.engine) as conn:
            n = store.requeue_stale(conn, heard_before="9999")
        if n:
            log.info("queued again %d job(s) left running by a stopped worker", n)
        return n

    def run_periodic(self) -> None:
        now = time.monotonic()
        for task in self.periodic:
            if self._next_run.get(task.name, 0.0) <= now:
                self._next_run[task.name] = now + task.every_seconds
                try:
                    task.run()
                except Exception:  # a periodic task failing must not stop the others (it is retried next time)
                    log.exception("periodic task %s failed; retrying in %.0f s", task.name, task.every_seconds)

    def run_one_job(self) -> bool:
        """Claim and run the oldest queued job; False when the queue is empty."""
        stale = (datetime.now(UTC) - timedelta(seconds=STALE_SECONDS)).isoformat(timespec="milliseconds")
        with writing(self.engine) as conn:
            store.requeue_stale(conn, heard_before=stale.replace("+00:00", "Z"))
            job = store.claim_next(conn, kinds=sorted(self.handlers), now=utc_now())
        if job is None:
            return False
        log.info("job %d (%s) started", job.id, job.kind)
        with self._heartbeat(job.id):
            try:
                result = self.handlers[job.kind](job, Progress(self.engine, job.id))
            except TrialproError as exc:
                self._fail(job, exc.message)
                return True
            except Exception as exc:
                log.exception("job %d (%s) crashed", job.id, job.kind)
                self._fail(job, f"The job stopped on an unexpected error ({type(exc).__name__}); the worker "
                                "log has the details. Start it again; if it fails again, report it.")
                return True
        with writing(self.engine) as conn:
            store.finish(conn, job.id, result=result, now=utc_now())
        log.info("job %d (%s) done", job.id, job.kind)
        return True

    def _fail(self, job: store.Job, message: str) -> None:
        log.warning("job %d (%s) failed: %s", job.id, job.kind, message)
        with writing(self.engine) as conn:
            store.fail(conn, job.id, error=message, now=utc_now())

    @contextmanager
    def _heartbeat(self, job_id: int) -> Iterator[None]:
        """Keep the job's heartbeat fresh while a handler works without reporting progress."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(HEARTBEAT_SECONDS):
                with writing(self.engine) as conn:
                    job = store.get(conn, job_id)
                    if job is not None:
                        store.report_progress(conn, job_id, done=job.done_rows, total=job.total_rows,
                                              now=utc_now())

        thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=5)

    def run(self, stop: threading.Event) -> None:
        self.recover()
        while not stop.is_set():
            self.run_periodic()
            if not self.run_one_job():
                stop.wait(self.poll_seconds)


@contextmanager
def runner_lock(engine: Any, data_dir: Path) -> Iterator[None]:
    """Hold the one-runner lock for this database while the block runs; raises RunnerBusy when taken."""
    if engine.dialect.name == "postgresql":
        with store.advisory_runner_lock(engine) as taken:
            if not taken:
                raise RunnerBusy("A trialpro worker already runs for this database; stop it first "
                                 "(only one may make checkpoints and run jobs).")
            yield
        return
    path = Path(data_dir) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RunnerBusy(f"A trialpro worker already runs for {data_dir} (see {path}); stop it first "
                             "(only one may make checkpoints and run jobs).") from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
