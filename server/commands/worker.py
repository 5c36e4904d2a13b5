"""`trialpro-server worker --data-dir DIR`: the one job runner (checkpoints, exports, purges) in the foreground.

`demo` and `serve` start it for you; run it yourself (e.g. as its own systemd
unit) only with `serve --no-worker`. A second worker for the same database
exits at once with a message.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from server.commands.common import add_data_dir, context


def cmd_worker(args: argparse.Namespace) -> int:
    from server.services.jobs import runner_lock
    from server.services.worker import build_runner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s trialpro worker: %(message)s")
    ctx = context(args)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with runner_lock(ctx.engine, Path(args.data_dir)):
        logging.getLogger("trialpro.worker").info("started for %s (checkpoints every %.0f s)", args.data_dir,
                                                  args.anchor_seconds)
        build_runner(ctx, anchor_seconds=args.anchor_seconds).run(stop)
    ctx.engine.dispose()
    return 0


def anchor_seconds(text: str) -> float:
    """--anchor-seconds: a number of seconds above 0 and at most 60 (the promised anchoring window)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 60:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from above 0 to 60")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser("worker", help="run the background job runner (signed checkpoints, exports, purges)")
    add_data_dir(p)
    p.add_argument("--anchor-seconds", type=anchor_seconds, default=5.0, metavar="S",
                   help="how often to sign the audit chain head when it moved (default 5; at most 60)")
    p.set_defaults(func=cmd_worker)
