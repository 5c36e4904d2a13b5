"""`bash scripts/run-client.sh` (README's third command) without its window: its Python half reuses the server
running on the port, makes a one-time enrolment code and a demo-nurse password with the real server CLI, and
starts the real `trialpro-client gui` offscreen, which paints the set-up screen and exits cleanly (``--check``).
A second run opens the same station (the unlock screen) and prints the same sign-in. The shell half's
Debian packages are checked by name against Qt's X11 requirements."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.factories import server_staff
from tests.live_server import thread_server

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "run_client.py"), *args], capture_output=True,
                          text=True, timeout=240, check=False)


def test_the_client_script_prepares_a_station_and_the_client_starts_and_exits_offscreen(tmp_path: Path) -> None:
    demo = tmp_path / "demo-data"
    with thread_server(demo) as srv:
        server_staff(srv, "demo.nurse")
        station = tmp_path / "demo-station"
        args = (str(srv.port), "--check", "--demo-dir", str(demo), "--station", str(station))
        first = _run(*args)
        assert first.returncode == 0, first.stderr
        out = first.stdout
        assert f"using the server already running at {srv.url}" in out
        code = re.search(r"and code ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})\.", out)
        assert code is not None, out
        password = re.search(r"staff sign-in on the kiosk: demo\.nurse / (\S+)", out)
        assert password is not None, out
        assert "unlock-screen-shown" in out and "Traceback" not in first.stderr
        assert (tmp_path / "demo-station.login").read_text(encoding="utf-8").split() == ["demo.nurse",
                                                                                         password.group(1)]
        from server.services.devices import enrol_device
        with srv.ctx.engine.begin() as conn:         # the printed code is a real, unused one
            enrol_device(conn, code=code.group(1), label="check")

        station.mkdir(exist_ok=True)
        (station / "station.key").write_text("{}", encoding="utf-8")   # a station exists: no new code
        again = _run(*args)
        assert again.returncode == 0, again.stderr
        assert "type its site passphrase" in again.stdout and "and code" not in again.stdout
        assert f"demo.nurse / {password.group(1)}" in again.stdout and "unlock-screen-shown" in again.stdout


def test_the_set_up_installs_qt_s_x11_runtime_libraries() -> None:
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    body = bootstrap[bootstrap.index("qt_runtime_libs() {"):]
    body = body[:body.index("\n}")]
    for package in ("libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0", "libxcb-render-util0", "libxcb-xinerama0",
                    "libxcb-xkb1", "libxkbcommon-x11-0", "libxcb-cursor0", "libegl1", "libgl1", "fonts-noto-cjk"):
        assert package in body.split(), package
    script = (ROOT / "scripts" / "run-client.sh").read_text(encoding="utf-8")
    assert "qt_runtime_libs" in script and "run_client.py" in script
    assert "espeak-ng" in next(line for line in script.splitlines() if line.startswith("apt_install"))  # read aloud
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = readme[readme.index("```sh") + 5:readme.index("```", readme.index("```sh") + 5)].strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["bash scripts/run-demo.sh", "bash scripts/run-tests.sh",
                                                           "bash scripts/run-client.sh"]
