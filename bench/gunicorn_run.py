"""Start and stop the server under gunicorn as production runs it, for the benchmarks that load it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.live_server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[1]


def start_gunicorn(app: str, data_dir: Path, *, workers: int, threads: int | None = None,
                   database_url: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn serving ``app`` (``module:factory()`` under bench/) on a free port with the settings
    `trialpro-server serve` ships (``gunicorn_conf.py``; ``threads`` only for a bench that measures another
    number on purpose); returns it and its URL."""
    port = free_port()
    env = {**os.environ, "TRIALPRO_BENCH_DIR": str(data_dir), "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
           "TRIALPRO_BENCH_BIND": f"127.0.0.1:{port}", "TRIALPRO_BENCH_WORKERS": str(workers)}
    if database_url:
        env["DATABASE_URL"] = database_url
    more = ["--threads", str(threads)] if threads is not None else []
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--config", "python:gunicorn_conf",
                             *more, app],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, timeout=60)
    return proc, url


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole process group, SIGKILL after 20 s."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
