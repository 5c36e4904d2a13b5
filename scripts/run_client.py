"""The Python half of `bash scripts/run-client.sh`: the demo server up, a station ready to set up, the client window.

Starts `trialpro-server demo` on 127.0.0.1:PORT with ./demo-data (as run-demo.sh does) unless a server already
answers there, and opens the station in ./demo-station. A new station gets a fresh one-time enrolment code
(`trialpro-server device code`) and the demo nurse a new password (`trialpro-server user reset demo.nurse`,
printed here and kept in demo-station.login, synthetic demo data only); `trialpro-client gui` then opens on
the set-up screen with the server address and the code filled in: staff choose the site passphrase, enrol, and
the first sync brings the demo nurse's account. ``--check`` does all of it but shows the window offscreen and
exits once it is painted (the tests run this). Stops the demo server it started when the client exits.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from desktop_client.services.opening import is_new_station

DEMO_NURSE = "demo.nurse"   # the nurse account `trialpro-server demo` creates (server/services/demo.py)


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def start_demo_server(demo_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`trialpro-server demo` in the background, its output in ``log``; waits until it answers."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "demo", "--data-dir", str(demo_dir),
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"error: the demo server did not start on {url}; see {log}")
        time.sleep(0.3)
    return proc


def server_cli(*args: str, stdin: str | None = None) -> str:
    """Run `trialpro-server ARGS` and return what it printed; a failure ends this script with its message."""
    done = subprocess.run([sys.executable, "-m", "server.cli", *args], input=stdin, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"error: trialpro-server {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def prepare_new_station(demo_dir: Path, login: Path) -> tuple[str, str]:
    """A one-time enrolment code and a fresh demo-nurse password (kept in ``login`` for later runs)."""
    code = server_cli("device", "code", "--data-dir", str(demo_dir)).strip().splitlines()[-1]
    password = secrets.token_urlsafe(12)
    server_cli("user", "reset", DEMO_NURSE, "--data-dir", str(demo_dir), "--password-stdin", stdin=password + "\n")
    login.write_text(f"{DEMO_NURSE} {password}\n", encoding="utf-8")
    return code, password


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="run-client.sh", description=__doc__.splitlines()[0])
    p.add_argument("port", nargs="?", type=int, default=int(os.environ.get("PORT") or 8000))
    p.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    p.add_argument("--demo-dir", type=Path, default=None, help="the demo server's data folder (ROOT/demo-data)")
    p.add_argument("--station", type=Path, default=None, help="the station's folder (ROOT/demo-station)")
    p.add_argument("--language", choices=("zh", "en"), default="en")
    p.add_argument("--check", action="store_true", help="offscreen: start, paint the first screen, exit")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = args.root.resolve()
    demo_dir = (args.demo_dir or root / "demo-data").resolve()
    station = (args.station or root / "demo-station").resolve()
    login = station.with_name(station.name + ".login")
    url = f"http://127.0.0.1:{args.port}"
    started = None
    if healthy(url):
        print(f"==> using the server already running at {url}")
    else:
        log = demo_dir.parent / "demo-server.log"
        print(f"==> starting the demo server on {url} (data in {demo_dir}, its output in {log})")
        started = start_demo_server(demo_dir, args.port, log)
    gui = [sys.executable, "-m", "desktop_client.cli", "gui", "--data-dir", str(station), "--language", args.language]
    try:
        if is_new_station(station):
            code, password = prepare_new_station(demo_dir, login)
            gui += ["--server-url", url, "--enrolment-code", code]
            print(f"==> new station in {station}: the set-up screen is filled in with {url} and code {code}.\n"
                  "    Choose a site passphrase (8+ characters), press 'Set up and enrol', then write down the "
                  "recovery key.")
        else:
            password = login.read_text(encoding="utf-8").split()[-1] if login.exists() else "(see " + str(login) + ")"
            print(f"==> station {station}: type its site passphrase to open it.")
        print(f"==> staff sign-in on the kiosk: {DEMO_NURSE} / {password}")
        env = dict(os.environ)
        if args.check:
            env.update(QT_QPA_PLATFORM="offscreen", TRIALPRO_STARTUP_PROBE="exit")
        return subprocess.run(gui, env=env, check=False).returncode
    finally:
        if started is not None:
            started.terminate()
            try:
                started.wait(timeout=20)
            except subprocess.TimeoutExpired:
                started.kill()
            print("==> demo server stopped")


if __name__ == "__main__":
    sys.exit(main())
