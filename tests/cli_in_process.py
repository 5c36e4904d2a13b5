"""`trialpro-server …` run in the test process: ``server.cli.main(argv)`` with its output and exit code caught as
a child's would be, for tests of what a command does (a child costs ~2.3 s of interpreter start and imports).

The process contract itself (the installed entry point, exit codes of a real process, an outside process changing
what a running server does) stays proven by the tests that still start a real child: tests/integration/
test_cli_contract.py, test_cli_errors.py and the first lock of test_locks.py among them.

What a command leaves behind in a process is put back afterwards, so tests stay independent: the engines it
opened are disposed (their connections closed, as a child's exit closes them), and the environment, umask, working
folder, standard input and root logger handlers are restored.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import Any

_ONE_AT_A_TIME = threading.Lock()   # sys.stdout, os.environ and the umask belong to the whole process


@contextmanager
def _environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    """``os.environ`` with ``changes`` (None: unset) for the block, as it was afterwards."""
    before = {name: os.environ.get(name) for name in changes}
    try:
        _put_environment(changes)
        yield
    finally:
        _put_environment(before)


def _put_environment(values: Mapping[str, str | None]) -> None:
    """Set each variable to its value; None unsets it."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def _engines_disposed() -> Iterator[None]:
    """Every context a command opens (server.commands.common.context -> open_context) has its engine disposed
    when the command ends."""
    from server.commands import common

    opened: list[Any] = []
    real = common.open_context

    def recording(config: Any) -> Any:
        ctx = real(config)
        opened.append(ctx)
        return ctx

    common.open_context = recording  # type: ignore[assignment]
    try:
        yield
    finally:
        common.open_context = real  # type: ignore[assignment]
        for ctx in opened:
            ctx.engine.dispose()


def _exit_code(code: object, stderr: io.StringIO) -> int:
    """What the interpreter makes of ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)
    return 1


def server_cli(*args: str, env: Mapping[str, str | None] | None = None,
               stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``trialpro-server ARGS`` in this process with ``env`` changes (None: unset) to the environment and
    ``stdin`` as standard input (not a terminal); the result as ``subprocess.run(..., capture_output=True,
    text=True)`` gives it (a bug's traceback on stderr, exit code 1)."""
    from server.cli import main

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    with _ONE_AT_A_TIME:
        cwd, umask = os.getcwd(), os.umask(0o077)
        os.umask(umask)
        handlers, level = root.handlers[:], root.level
        real_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            with _environment(env or {}), _engines_disposed(), redirect_stdout(out), redirect_stderr(err):
                try:
                    code = _exit_code(main(list(args)), err)
                except SystemExit as exc:
                    code = _exit_code(exc.code, err)
                except Exception:  # noqa: BLE001 - a child prints any uncaught error and exits 1
                    traceback.print_exc(file=err)
                    code = 1
        finally:
            sys.stdin = real_stdin
            os.chdir(cwd)
            os.umask(umask)
            root.handlers[:] = handlers
            root.setLevel(level)
    return subprocess.CompletedProcess(["trialpro-server", *args], code, out.getvalue(), err.getvalue())
