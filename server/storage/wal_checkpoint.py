"""SQLite's write-ahead log is copied back into the database file beside the writers, not by one of them.

By default the connection whose COMMIT takes the WAL past 1000 pages runs the checkpoint (copies the log into
the database file and fsyncs it) inside that COMMIT, so while holding its writer's turn
(``server.storage.writer_turn``), and every writer queued behind it waited too (60 kiosks + 5 admins on the
shared 2 cores: COMMIT p90 110 ms, p99 565 ms inside the turn; 61 and 211 ms without checkpoints in it).
So the server's connections checkpoint by themselves only past ``BACKSTOP_PAGES`` (bulk writes outside
``writing()``: migrations, imports), and every ``writing()`` transaction, after its commit and its turn, asks
for a PASSIVE checkpoint run by a short-lived thread on a connection of its own, at most one at a time per
database file and process and at most every ``EVERY_SECONDS``. A PASSIVE checkpoint waits for nobody (readers
and writers go on; what a reader still needs stays in the log for the next one), and durability is unchanged:
a commit is on disk in the WAL (``synchronous=FULL``) before it returns.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BACKSTOP_PAGES = 10_000     # ~40 MB of log: the connection itself checkpoints only past this
EVERY_SECONDS = 1.0         # at most one background checkpoint a second per database file and process


@dataclass
class _State:
    running: bool = False
    last: float = float("-inf")
    done: int = 0            # checkpoints run (for tests and diagnostics)


log = logging.getLogger(__name__)
_guard = threading.Lock()
_states: dict[tuple[int, str], _State] = {}


def _state(database: Path) -> _State:
    key = (os.getpid(), str(database))   # after a fork the child keeps its own
    with _guard:
        return _states.setdefault(key, _State())


def after_write(database: Path | None) -> None:
    """A writing transaction on the SQLite file ``database`` committed (None: not SQLite): checkpoint soon."""
    if database is None:
        return
    state = _state(database)
    now = time.monotonic()
    with _guard:
        if state.running or now - state.last < EVERY_SECONDS:
            return
        state.running, state.last = True, now
    threading.Thread(target=_checkpoint, args=(database, state), name="sqlite-wal-checkpoint", daemon=True).start()


def _checkpoint(database: Path, state: _State) -> None:
    """One PASSIVE checkpoint on a connection of its own (``mode=rw``: a database removed meanwhile is not
    created again); any SQLite error leaves the log to the next checkpoint, and is logged so an operator sees a
    log that keeps growing and why."""
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()
        state.done += 1
    except (sqlite3.Error, OSError) as exc:
        log.warning("The background checkpoint of %s failed (%s): its write-ahead log stays on disk, nothing is "
                    "lost, and the next writer's turn tries again. A log that keeps growing means the database "
                    "folder needs looking at (disk full, permissions).", database, exc)
    finally:
        with _guard:
            state.running = False


def checkpoints_done(database: Path) -> int:
    """How many background checkpoints of ``database`` this process ran."""
    return _state(database).done
