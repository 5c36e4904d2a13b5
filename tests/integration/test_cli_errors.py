"""A user's mistake or a missing optional part gets one line saying what to do, never a traceback."""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server.exports.registry import REQUIRES

ROOT = Path(__file__).resolve().parents[2]


def cli(module: str, *args: str, env: dict[str, str] | None = None, block: tuple[str, ...] = (),
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m module args`` in a child; ``block`` makes those packages fail to import (not installed)."""
    code = (f"import sys\nfor m in {list(block)!r}: sys.modules[m] = None\n"
            f"from {module} import main\nsys.exit(main({list(args)!r}))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=cwd or ROOT)


def assert_one_clean_line(res: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def test_the_demo_command_installs_every_package_an_export_needs() -> None:
    script = (ROOT / "scripts" / "run-demo.sh").read_text()
    extras = re.search(r'python_venv "([^"]+)"', script).group(1).split(",")
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    installed = {line.strip().split("[")[0].lower() for extra in extras
                 for line in cfg["options.extras_require"][extra].splitlines() if line.strip()}
    needed = {pkg.lower() for pkgs in REQUIRES.values() for pkg in pkgs}
    assert needed <= installed, f"run-demo.sh installs {extras}, which lack {needed - installed}"


@pytest.mark.parametrize(("fmt", "package"), [(f, p) for f, ps in REQUIRES.items() for p in ps])
def test_an_export_without_its_package_says_what_to_install(tmp_path: Path, fmt: str, package: str) -> None:
    res = cli("server.cli", "export", fmt, "--data-dir", str(tmp_path / "d"), "--out", str(tmp_path / "o"),
              block=(package,))
    assert_one_clean_line(res, f"The {fmt} export needs the Python package {package!r}", "run-demo.sh",
                          "trialpro[exports]")


def test_the_desktop_ui_without_qt_says_what_to_install(tmp_path: Path) -> None:
    res = cli("desktop_client.cli", "gui", "--data-dir", str(tmp_path / "k"), block=("PySide6",))
    assert_one_clean_line(res, "The desktop UI needs the Python package 'PySide6'", "trialpro[client]")


def test_server_commands_refuse_user_mistakes_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "d"
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert_one_clean_line(cli("server.cli", "lab", "import", str(tmp_path / "missing.csv"), "--data-dir", str(data)),
                          "cannot be read")
    assert_one_clean_line(cli("server.cli", "export", "csv", "--data-dir", str(data), "--out", str(a_file)),
                          str(a_file))
    assert_one_clean_line(cli("server.cli", "audit", "verify", "--data-dir", str(a_file / "sub")), "a-file")
    assert_one_clean_line(cli("server.cli", "audit", "verify", "--data-dir", str(data),
                              env={"DATABASE_URL": "not a database url"}), "DATABASE_URL")
    assert_one_clean_line(cli("server.cli", "audit", "verify", "--data-dir", str(data),
                              env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}), "DATABASE_URL")
    assert_one_clean_line(cli("server.cli", "device", "code", "--data-dir", str(data), "--site", "NOPE"), "NOPE")


def test_client_commands_refuse_user_mistakes_in_one_line(tmp_path: Path) -> None:
    env = {"TRIALPRO_PASSPHRASE": "a long enough passphrase"}
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert_one_clean_line(cli("desktop_client.cli", "simulate", "--data-dir", str(a_file / "k"), "--server",
                              "http://127.0.0.1:9", "--participants", "1", "--visits", "1", env=env), "a-file")
    assert_one_clean_line(cli("desktop_client.cli", "passphrase", "--data-dir", str(tmp_path / "none"),
                              env={**env, "TRIALPRO_NEW_PASSPHRASE": "another long one"}), "station.key")


def _demo_closure() -> set[str]:
    """Every distribution the demo's `pip install -e .[<its extras>]` brings in (names normalised)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    script = (ROOT / "scripts" / "run-demo.sh").read_text()
    extras = set(re.search(r'python_venv "([^"]+)"', script).group(1).split(","))
    todo, seen = [("trialpro", extras)], set()
    while todo:
        name, wanted = todo.pop()
        if canonicalize_name(name) in seen:
            continue
        seen.add(canonicalize_name(name))
        for line in metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (wanted or {""})):
                todo.append((req.name, set(req.extras)))
    return seen


def test_every_export_writer_imports_only_what_the_demo_installs() -> None:
    from importlib import metadata

    from packaging.utils import canonicalize_name

    code = ("import importlib, json, sys\nfrom server.exports.registry import WRITERS\n"
            "for w in WRITERS.values(): importlib.import_module(w.split(':')[0])\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr

    ours = {"server", "shared", "desktop_client", "migrations", "tests"}
    opportunistic = {"pygments"}  # mako highlights tracebacks with it when it happens to be installed
    owners = metadata.packages_distributions()
    needed = {canonicalize_name(d) for m in json.loads(res.stdout)
              if m not in sys.stdlib_module_names and m not in ours | opportunistic and not m.startswith("_")
              for d in owners.get(m, [])}
    missing = needed - _demo_closure()
    assert not missing, f"exports import {sorted(missing)}, which `bash scripts/run-demo.sh` does not install"
