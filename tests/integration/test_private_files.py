"""Every file the server writes is 0600 and every folder 0700, checked with os.stat on what real commands leave.

The commands run as child processes started with the everyday umask 022, so a file is private
only because the server made it so (umask at start, explicit chmod), not because the test did.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from server.app import open_context
from server.config import ServerConfig
from tests.live_server import free_port, wait_healthy


def _loose_umask() -> None:
    os.umask(0o022)


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=120, preexec_fn=_loose_umask)


def _modes(root: Path) -> dict[str, int]:
    """Permission bits of ``root`` and everything under it, by path relative to ``root``."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


def _too_open(root: Path) -> dict[str, str]:
    return {name: oct(mode) for name, mode in _modes(root).items()
            if mode != (0o700 if (root / name).is_dir() else 0o600)}


def test_database_keys_checkpoints_and_exports_are_private(tmp_path: Path) -> None:
    data, out = tmp_path / "srv", tmp_path / "exports" / "csv-out"
    assert _cli("user", "add", "dm.files", "--role", "data_manager", "--data-dir", str(data)).returncode == 0
    assert _cli("audit", "checkpoint", "--data-dir", str(data)).returncode == 0
    done = _cli("export", "csv", "--data-dir", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    names = set(_modes(data))
    assert {"trialpro.sqlite3", "audit-checkpoints.jsonl"} <= names, names
    assert _too_open(data) == {}
    assert any(p.suffix == ".csv" for p in out.iterdir())
    assert _too_open(out) == {}


def test_the_demo_leaves_its_password_database_and_wal_private(tmp_path: Path) -> None:
    data, port = tmp_path / "demo", free_port()
    demo = subprocess.Popen([sys.executable, "-m", "server.cli", "demo", "--data-dir", str(data), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_loose_umask)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", timeout=90)
        httpx.get(f"http://127.0.0.1:{port}/signin")          # first page of the day: daily checkpoint
        names = set(_modes(data))
        assert {"demo-admin-password.txt", "secret_key", "trialpro.sqlite3", "trialpro.sqlite3-wal",
                "trialpro.sqlite3-shm"} <= names, names
        assert _too_open(data) == {}
    finally:
        demo.terminate()
        demo.wait(timeout=20)


def test_a_database_left_world_readable_is_tightened_when_opened(tmp_path: Path) -> None:
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    db = data / "trialpro.sqlite3"
    sqlite3.connect(db).close()
    db.chmod(0o644)
    ctx = open_context(ServerConfig(data_dir=data))
    try:
        assert _too_open(data) == {}
    finally:
        ctx.engine.dispose()
