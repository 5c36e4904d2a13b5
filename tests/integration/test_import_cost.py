"""Importing the server does no expensive work: every CLI command (and every test's child process) pays it."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_cli_hashes_no_password() -> None:
    """The sign-in timing equaliser is an Argon2 hash: made at the first sign-in of an unknown name, not at import."""
    code = ("import argon2, server.cli, server.app, server.services.auth as auth\n"
            "calls = []\n"
            "argon2.PasswordHasher.hash = lambda self, *a, **k: calls.append(a)\n"
            "import importlib; importlib.reload(auth)\n"
            "print(len(calls), auth._dummy_hash.cache_info().currsize)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0"]
