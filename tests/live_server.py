"""A real trialpro server on 127.0.0.1 for tests: in a thread (fast) or in a child process (to kill it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from werkzeug.serving import make_server

from server.app import ServerContext, create_app, open_context
from server.config import ServerConfig


def run_queued_jobs(ctx: ServerContext) -> int:
    """Run every queued background job now with the real job runner (what `trialpro-server worker` does)."""
    from server.services.worker import build_runner

    runner, done = build_runner(ctx), 0
    while runner.run_one_job():
        done += 1
    return done


class ThreadServer:
    """create_app() served by werkzeug on a free port in a background thread (``worker``: with the job
    runner in another thread, as `trialpro-server demo` runs it beside the web server)."""

    def __init__(self, ctx: ServerContext, *, worker: bool = False) -> None:
        self.ctx = ctx
        self._stop_worker = threading.Event()
        self._worker: threading.Thread | None = None
        if worker:
            from server.services.worker import build_runner

            runner = build_runner(ctx, poll_seconds=0.1)
            self._worker = threading.Thread(target=runner.run, args=(self._stop_worker,), daemon=True)
        self.app = create_app(ctx.config, ctx)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def start(self) -> ThreadServer:
        self._thread.start()
        if self._worker is not None:
            self._worker.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        if self._worker is not None:
            self._stop_worker.set()
            self._worker.join(timeout=30)


@contextmanager
def serving(ctx: ServerContext, *, worker: bool = False) -> Iterator[ThreadServer]:
    """Serve an opened context (already seeded as the test needs) until the block ends."""
    srv = ThreadServer(ctx, worker=worker).start()
    try:
        yield srv
    finally:
        srv.stop()
        ctx.engine.dispose()


@contextmanager
def thread_server(data_dir: Path, database_url: str | None = None,
                  study_file: Path | None = None) -> Iterator[ThreadServer]:
    """A real server on 127.0.0.1 for ``study_file`` (default: NCT05605665)."""
    with serving(open_context(ServerConfig(data_dir=data_dir, database_url=database_url, testing=True,
                                           study_file=study_file))) as srv:
        yield srv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"server at {url} did not become healthy")


class ProcessServer:
    """`trialpro-server serve` in a child process, so a test can kill it mid-request."""

    def __init__(self, data_dir: Path, database_url: str | None = None, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ProcessServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--data-dir", str(self.data_dir), "--port", str(self.port)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(self.url)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
