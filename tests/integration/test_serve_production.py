"""`trialpro-server serve`: gunicorn with N workers and exactly ONE job runner beside it, as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from server.services import checkpoints
from tests.live_server import free_port, wait_healthy


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            out.append((child, cmd))
            todo.append(child)
    return out


def _wait(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_runs_gunicorn_workers_and_one_job_runner_that_signs_the_head(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "server", free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--data-dir", str(data_dir),
                             "--port", str(port), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url)
        assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
        _wait(lambda: sum("server.cli worker" in c for _, c in _descendants(proc.pid)) == 1)
        time.sleep(1.0)
        tree = _descendants(proc.pid)
        runners = [p for p, c in tree if "server.cli worker" in c]
        web = [p for p, c in tree if "server.cli worker" not in c]
        assert len(runners) == 1, tree              # one job runner, never one per gunicorn worker
        assert len(web) >= 2, tree                  # the gunicorn workers
        httpx.post(f"{url}/api/v1/sync", json={})   # an unauthenticated request: refused, nothing signed
        r = subprocess.run([sys.executable, "-m", "server.cli", "device", "code", "--data-dir", str(data_dir)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr          # one write transaction (device.code_create audited)
        copy = data_dir / checkpoints.CHECKPOINT_FILE
        _wait(lambda: copy.exists() and copy.read_text().strip() != "", timeout=60)
        verify = subprocess.run([sys.executable, "-m", "server.cli", "audit", "verify", "--data-dir",
                                 str(data_dir)], capture_output=True, text=True, timeout=60)
        assert verify.returncode == 0 and "1 signed checkpoint(s) match" in verify.stdout, verify.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert f"trialpro server: http://127.0.0.1:{port}/" in out
    assert not _descendants(proc.pid)
    left = [c for p, c in _descendants(1) if str(data_dir) in c]
    assert left == [], left                         # the job runner stopped with the server


def test_serve_refuses_a_bad_workers_count_with_one_line(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--data-dir", str(tmp_path), "--workers",
                          "0"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "not a number of workers from 1 to 64" in out.stderr
    assert "Traceback" not in out.stderr
