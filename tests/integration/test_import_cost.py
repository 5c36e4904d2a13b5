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


def test_the_kiosk_store_does_not_import_pandas_or_numpy() -> None:
    """sqlite-utils imports pandas and numpy when they are installed (about a second of the kiosk's cold start,
    issue 25); the station never hands it their types, so the client's store opens without them."""
    code = ("import sys, desktop_client.store, desktop_client.services.station\n"
            "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))\n"
            "import pandas, numpy\n"   # the names are free again for code that does need them
            "print(pandas.__name__, numpy.__name__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "pandas numpy"]


def test_the_server_loads_the_password_word_lists_only_when_a_password_is_set() -> None:
    """zxcvbn's word lists are ~12 MB of every server process (an export's peak memory, issue 25), and psycopg
    ~10 MB more that a server on SQLite never needs (SQLAlchemy loads it when it connects to PostgreSQL)."""
    code = ("import sys, server.cli, server.app, server.exports.report\n"
            "print('zxcvbn' in sys.modules, 'psycopg' in sys.modules)\n"
            "from shared.passwords import check_password\n"
            "check_password('correct horse battery staple 25')\n"
            "print('zxcvbn' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True"]


def test_the_report_does_not_import_statsmodels_or_pandas() -> None:
    """About 30 MB of the report export's 300 MB peak (issue 25): its statistics are scipy.stats calls
    (shared.statistics, issue 21: library statistics), statsmodels is only the tests' cross-check."""
    code = ("import sys, server.exports.report, shared.statistics\n"
            "shared.statistics.wilson(1, 3)\n"
            "print(sorted(m for m in ('statsmodels', 'pandas') if m in sys.modules), 'scipy.stats' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"]
