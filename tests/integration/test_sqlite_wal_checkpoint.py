"""SQLite's log is checkpointed beside the writers (server/storage/wal_checkpoint.py): a writing transaction's
COMMIT does not copy the WAL into the database file while it holds the writers' turn; a background PASSIVE
checkpoint does, soon after, and the data is all there."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from server.storage import wal_checkpoint
from server.storage.engine import make_engine, reading, writing

ROWS, ROW_BYTES = 1500, 4000     # ~6 MB: past SQLite's default autocheckpoint of 1000 pages in one commit


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "server.sqlite3"


@pytest.fixture
def engine(database: Path) -> Engine:
    eng = make_engine(f"sqlite:///{database}")
    with writing(eng) as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER, body TEXT)"))
    yield eng
    eng.dispose()


def _fill(engine: Engine) -> None:
    with writing(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (:n, :body)"), [{"n": n, "body": "x" * ROW_BYTES}
                                                                 for n in range(ROWS)])


def test_server_connections_checkpoint_only_past_the_backstop(engine: Engine) -> None:
    with reading(engine) as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == wal_checkpoint.BACKSTOP_PAGES > 1000


def test_a_commit_leaves_the_log_to_the_background_checkpoint(engine: Engine, database: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wal_checkpoint, "EVERY_SECONDS", 3600.0)   # no background checkpoint for now
    wal_checkpoint._state(database).last = time.monotonic()
    _fill(engine)
    wal = database.with_name(database.name + "-wal")
    assert wal.stat().st_size > ROWS * ROW_BYTES       # the commit is in the log ...
    assert database.stat().st_size < 100_000           # ... and the committing writer did not checkpoint it

    monkeypatch.setattr(wal_checkpoint, "EVERY_SECONDS", 0.0)
    done = wal_checkpoint.checkpoints_done(database)
    with writing(engine) as conn:                      # the next writer's turn ends: a checkpoint beside it
        conn.execute(text("INSERT INTO t VALUES (-1, 'last')"))
    deadline = time.monotonic() + 20
    while wal_checkpoint.checkpoints_done(database) == done and time.monotonic() < deadline:
        time.sleep(0.05)
    assert wal_checkpoint.checkpoints_done(database) > done
    assert database.stat().st_size > ROWS * ROW_BYTES  # the log is in the database file now
    with reading(engine) as conn:
        assert conn.execute(text("SELECT count(*), sum(length(body)) FROM t")).one() == (
            ROWS + 1, ROWS * ROW_BYTES + 4)


def test_a_removed_database_is_not_created_again_and_the_failure_is_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    gone = tmp_path / "gone.sqlite3"
    wal_checkpoint.after_write(gone)
    deadline = time.monotonic() + 10
    while wal_checkpoint._state(gone).running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not gone.exists() and wal_checkpoint.checkpoints_done(gone) == 0
    [warning] = [r for r in caplog.records if r.name == wal_checkpoint.__name__]
    assert warning.levelname == "WARNING" and str(gone) in warning.getMessage()
    assert "nothing is lost" in warning.getMessage()
