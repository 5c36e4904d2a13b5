"""Queries of the ``jobs`` table: the queue of background work that the one job runner takes from.

A job is ``queued`` → ``running`` → ``done`` or ``failed``. Claiming is one
conditional UPDATE, so two runners (or a runner restarted while the old one
still finishes) never take the same job. A running job whose heartbeat is older
than the stale limit was left by a runner that died: it is queued again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from server.storage.tables import jobs

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass(frozen=True)
class Job:
    """One row of ``jobs``, with params and result decoded."""

    id: int
    kind: str
    params: dict[str, Any]
    status: str
    created_by: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    attempts: int
    done_rows: int
    total_rows: int | None
    result: dict[str, Any] | None
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        """The public view (the progress endpoint): no params, which may name server paths."""
        return {"id": self.id, "kind": self.kind, "status": self.status, "created_by": self.created_by,
                "created_at": self.created_at, "started_at": self.started_at, "finished_at": self.finished_at,
                "done_rows": self.done_rows, "total_rows": self.total_rows, "error": self.error}


def _job(row: Any) -> Job:
    return Job(id=int(row.id), kind=row.kind, params=json.loads(row.params), status=row.status,
               created_by=row.created_by, created_at=row.created_at, started_at=row.started_at,
               finished_at=row.finished_at, attempts=int(row.attempts), done_rows=int(row.done_rows or 0),
               total_rows=None if row.total_rows is None else int(row.total_rows),
               result=None if row.result is None else json.loads(row.result), error=row.error)


def enqueue(conn: Connection, *, kind: str, params: dict[str, Any], created_by: str, now: str) -> int:
    """Add a queued job; returns its id."""
    res = conn.execute(insert(jobs).values(kind=kind, params=json.dumps(params, sort_keys=True), status=QUEUED,
                                           created_by=created_by, created_at=now, attempts=0, done_rows=0))
    return int(res.inserted_primary_key[0])


def claim_next(conn: Connection, *, kinds: list[str], now: str) -> Job | None:
    """Take the oldest queued job of ``kinds`` (None when there is none); it is ``running`` afterwards."""
    while True:
        row = conn.execute(select(jobs.c.id).where(jobs.c.status == QUEUED, jobs.c.kind.in_(kinds))
                           .order_by(jobs.c.id).limit(1)).first()
        if row is None:
            return None
        taken = conn.execute(update(jobs).where(jobs.c.id == row.id, jobs.c.status == QUEUED)
                             .values(status=RUNNING, started_at=now, heartbeat_at=now,
                                     attempts=jobs.c.attempts + 1, done_rows=0, error=None))
        if taken.rowcount == 1:
            return get(conn, int(row.id))


def report_progress(conn: Connection, job_id: int, *, done: int, total: int | None, now: str) -> None:
    conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == RUNNING)
                 .values(done_rows=done, total_rows=total, heartbeat_at=now))


def finish(conn: Connection, job_id: int, *, result: dict[str, Any], now: str) -> None:
    conn.execute(update(jobs).where(jobs.c.id == job_id)
                 .values(status=DONE, result=json.dumps(result, sort_keys=True), finished_at=now,
                         heartbeat_at=now))


def fail(conn: Connection, job_id: int, *, error: str, now: str) -> None:
    conn.execute(update(jobs).where(jobs.c.id == job_id)
                 .values(status=FAILED, error=error, finished_at=now, heartbeat_at=now))


def requeue_stale(conn: Connection, *, heard_before: str) -> int:
    """Queue again every running job whose runner was last heard of before ``heard_before``; returns how many."""
    return conn.execute(update(jobs).where(jobs.c.status == RUNNING, jobs.c.heartbeat_at < heard_before)
                        .values(status=QUEUED)).rowcount


def get(conn: Connection, job_id: int) -> Job | None:
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return None if row is None else _job(row)


def recent(conn: Connection, *, kind: str, created_by: str | None = None, limit: int = 20) -> list[Job]:
    """The newest jobs of ``kind`` (of one person when ``created_by`` is given), newest first."""
    q = select(jobs).where(jobs.c.kind == kind)
    if created_by is not None:
        q = q.where(jobs.c.created_by == created_by)
    return [_job(r) for r in conn.execute(q.order_by(jobs.c.id.desc()).limit(limit))]


def pending(conn: Connection, *, kind: str, created_by: str) -> list[Job]:
    """Jobs of ``kind`` by ``created_by`` that are queued or running."""
    return [_job(r) for r in conn.execute(
        select(jobs).where(jobs.c.kind == kind, jobs.c.created_by == created_by,
                           jobs.c.status.in_([QUEUED, RUNNING])).order_by(jobs.c.id))]


RUNNER_LOCK_KEY = 0x7472_6961_6C70  # "trialp": one job runner per PostgreSQL database


@contextmanager
def advisory_runner_lock(engine: Engine) -> Iterator[bool]:
    """PostgreSQL: hold the session advisory lock only one job runner may hold; yields whether it was taken.

    The lock lives as long as the block (one connection kept open); on SQLite the runner locks a file in the
    data folder instead (server/services/jobs.py).
    """
    with engine.connect() as conn:
        taken = bool(conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({RUNNER_LOCK_KEY})").scalar())
        conn.commit()
        yield taken
