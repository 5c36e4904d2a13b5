"""SQLite writers take turns (server/storage/writer_turn.py): a writing transaction holds the writers' turn of its
database file between processes, the next writer goes as soon as it is released, and a turn held too long by
someone else never stops a write (SQLite's own lock decides then)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from server.storage import writer_turn
from server.storage.engine import make_engine, writing


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    with writing(eng) as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield eng
    eng.dispose()


def _lock_file(tmp_path: Path) -> Path:
    return tmp_path / ".server.sqlite3.writer-lock"


def _other_process_can_lock(path: Path) -> bool:
    """Whether another process gets the writers' turn right now (flock is per process: ask one)."""
    code = ("import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\ntry:\n"
            "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n    sys.exit(1)\n")
    return subprocess.run([sys.executable, "-c", code, str(path)], check=False).returncode == 0


def test_a_writing_transaction_holds_the_turn_of_its_file_until_it_ends(engine: Engine, tmp_path: Path) -> None:
    with writing(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert _lock_file(tmp_path).exists()
        assert oct(_lock_file(tmp_path).stat().st_mode & 0o777) == "0o600"
        assert not _other_process_can_lock(_lock_file(tmp_path))
    assert _other_process_can_lock(_lock_file(tmp_path))


def test_writers_of_one_process_wait_for_each_other_and_all_commit(engine: Engine) -> None:
    inside, most = [0], [0]
    guard = threading.Lock()

    def write(n: int) -> None:
        with writing(engine) as conn:
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            time.sleep(0.01)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 8


def test_a_turn_held_too_long_elsewhere_delays_a_write_but_never_stops_it(engine: Engine, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_turn, "WAIT_SECONDS", 0.3)
    with writing(engine):
        pass   # the lock file exists
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time\n"
                               "fd = os.open(sys.argv[1], os.O_RDWR)\nfcntl.flock(fd, fcntl.LOCK_EX)\n"
                               "print('held', flush=True)\ntime.sleep(30)\n", str(_lock_file(tmp_path))],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with writing(engine) as conn:   # no turn within the wait: SQLite's lock (free) lets it write
            conn.execute(text("INSERT INTO t VALUES (7)"))
        assert time.monotonic() - start >= 0.3
    finally:
        holder.kill()
        holder.wait()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalars().all() == [7]
    deadline = time.monotonic() + 60  # the helper that waited takes the freed turn and hands it straight back
    while not _other_process_can_lock(_lock_file(tmp_path)):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with writing(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (8)"))
        assert not _other_process_can_lock(_lock_file(tmp_path))
