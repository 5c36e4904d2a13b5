"""tests/cli_in_process.py answers as a child would and leaves the test process as it found it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli_in_process import server_cli


def test_a_usage_error_is_exit_code_2_on_stderr_and_the_environment_is_put_back(tmp_path: Path) -> None:
    os.environ["DATABASE_URL"] = "kept-as-it-was"
    try:
        done = server_cli("lock", "study", "--data-dir", str(tmp_path), env={"DATABASE_URL": None})
        assert os.environ["DATABASE_URL"] == "kept-as-it-was"
    finally:
        del os.environ["DATABASE_URL"]
    assert done.returncode == 2 and done.stdout == ""
    assert "usage: trialpro-server lock study" in done.stderr and "--reason" in done.stderr
    assert not any(tmp_path.iterdir())       # refused before anything was opened


def test_a_help_is_exit_code_0_on_stdout() -> None:
    done = server_cli("export", "--help")
    assert done.returncode == 0 and "casebook" in done.stdout and done.stderr == ""
