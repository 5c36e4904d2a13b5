"""`trialpro-server demo` and `serve`: run the server in the foreground, with its one job runner.

``serve`` runs gunicorn (``--workers N`` processes, each with a few threads);
``demo`` runs werkzeug on 127.0.0.1. Both start ``trialpro-server worker`` ONCE
as a child process (never one per gunicorn worker, never on a request) and stop
it when they stop; the child also dies with its parent (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import gc
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from server.app import ServerContext, create_app
from server.commands.common import add_data_dir, add_study, context
from server.config import ServerConfig
from server.private_files import private_file
from server.storage.engine import writing
from shared.values import ascii_digits

PR_SET_PDEATHSIG = 1
GUNICORN_THREADS = 4
GC_THRESHOLDS = (50_000, 20, 10)   # young collections every 50 000 allocations instead of 700


def compile_templates(app: Any) -> int:
    """Compile every page template of ``app`` now (returns how many), as a gunicorn worker starts: else each
    worker compiles each template at its first request, some 100 ms of CPU per page the first admins wait for
    (and that the kiosks' requests share the cores with); compiled before ``tune_collector`` they are frozen
    with the rest of the start-up objects."""
    names = app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def tune_collector() -> None:
    """Python's cyclic garbage collector, set for a request-serving worker (call it once the app is built).

    A sync of 500 records allocates some 100 000 short-lived objects (parsed JSON, rows, answers), none in
    cycles; with the default thresholds the collector ran about 10 % of the sync's CPU, walking the study,
    instruments and SQLAlchemy metadata made at start-up again and again. Those are frozen (kept out of every
    collection; after the fork that also keeps their pages shared), and young objects are collected every
    50 000 allocations: cycles are still collected, a little later."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (a killed server leaves no orphan)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)
    except (OSError, AttributeError):  # not Linux: the worker still stops on the launcher's SIGTERM
        pass


@contextmanager
def worker_process(data_dir: Path, enabled: bool = True) -> Iterator[subprocess.Popen[bytes] | None]:
    """Run `trialpro-server worker` beside the web server while the block runs."""
    if not enabled:
        yield None
        return
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--data-dir", str(data_dir)],
                            preexec_fn=die_with_parent)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def serve_werkzeug(ctx: ServerContext, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    app = create_app(ctx.config, ctx)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def default_workers() -> int:
    """``serve --workers`` when not given: CPUs + 1, at most 4 (a worker waiting on the disk or the SQLite
    writers' turn leaves its core to another; each process has its own GIL)."""
    return min(4, (os.cpu_count() or 1) + 1)


def _kill_with_parent(_server: Any, _worker: Any) -> None:
    die_with_parent(signal.SIGKILL)


def gunicorn_options(bind: str, workers: int) -> dict[str, Any]:
    """Every gunicorn setting ``serve`` ships, ``bind`` (``host:port``) and ``workers`` aside; the load benches
    start gunicorn with exactly these (``bench/gunicorn_conf.py``), so they measure what ships."""
    return {"bind": bind, "workers": workers, "worker_class": "gthread", "threads": GUNICORN_THREADS,
            "timeout": 120, "graceful_timeout": 20, "accesslog": "-", "post_fork": _kill_with_parent}


def worker_app(config: ServerConfig) -> Any:
    """The app one gunicorn worker serves, set up as it starts (templates compiled, collector tuned)."""
    app = create_app(config)
    compile_templates(app)
    tune_collector()
    return app


def serve_gunicorn(config: ServerConfig, host: str, port: int, workers: int) -> None:
    """gunicorn with ``workers`` processes; each builds its own app (and database pool) after the fork."""
    from gunicorn.app.base import BaseApplication

    class _TrialproGunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_options(f"{host}:{port}", workers).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return worker_app(config)

    _TrialproGunicorn().run()


def cmd_demo(args: argparse.Namespace) -> int:
    from server.services.demo import DEMO_ADMIN, seed_demo

    ctx = context(args)
    # the demo speaks plain HTTP on 127.0.0.1: session cookies without the Secure flag (see ServerConfig)
    ctx = dataclasses.replace(ctx, config=dataclasses.replace(ctx.config, secure_cookies=False))
    password_file = Path(args.data_dir) / "demo-admin-password.txt"
    with writing(ctx.engine) as conn:
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(12) + "\n")
        private_file(password_file)
        password = password_file.read_text().strip()
        summary = seed_demo(conn, ctx.study, admin_password=password)
    if summary["seeded"]:
        print(f"Demo study {ctx.study.study.id} created: {summary['participants']} synthetic participants, "
              f"{summary['records']} records.")
    else:
        print(f"Reusing the demo study in {args.data_dir}.")
    print(f"trialpro server: http://127.0.0.1:{args.port}/")
    # the app's key needs a passkey, and WebAuthn refuses an IP address as its domain (docs/home-app.md)
    print(f"Home diary app (phone): http://localhost:{args.port}/app/")
    print(f"Demo admin login: {DEMO_ADMIN} / {password}   (stored in {password_file})")
    sys.stdout.flush()
    with worker_process(Path(args.data_dir)):
        serve_werkzeug(ctx, "127.0.0.1", args.port)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    ctx = context(args)  # migrates and makes the signing key once, before any gunicorn worker starts
    ctx.engine.dispose()
    print(f"trialpro server: http://{args.host}:{args.port}/", flush=True)
    with worker_process(Path(args.data_dir), enabled=not args.no_worker):
        serve_gunicorn(ctx.config, args.host, args.port, args.workers)
    return 0


def workers_count(text: str) -> int:
    """--workers: a whole number from 1 to 64."""
    if not ascii_digits(text) or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers from 1 to 64")
    return int(text)


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run on 127.0.0.1 with the demo study (created on first run)")
    add_data_dir(p)
    add_study(p)
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="run the production server (gunicorn) and its job runner")
    add_data_dir(p)
    add_study(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=workers_count, default=default_workers(),
                   help="gunicorn worker processes (default: CPUs + 1, at most 4)")
    p.add_argument("--no-worker", action="store_true",
                   help="do not start the job runner (run `trialpro-server worker` yourself, e.g. as its own unit)")
    p.set_defaults(func=cmd_serve)
