"""gunicorn settings of the load benches: exactly what `trialpro-server serve` ships
(``server.commands.run.gunicorn_options``), for the bind address and worker count ``gunicorn_run`` passes in
TRIALPRO_BENCH_BIND / TRIALPRO_BENCH_WORKERS (a bench that needs other threads says so on the command line)."""

from __future__ import annotations

import os

from server.commands.run import gunicorn_options

globals().update(gunicorn_options(os.environ["TRIALPRO_BENCH_BIND"], int(os.environ["TRIALPRO_BENCH_WORKERS"])))
