"""Sign-in contention: a kiosk sync's latency while 24 failed sign-ins run in parallel, against the idle server.

Each sign-in checks an Argon2id hash (tens of milliseconds of CPU). The server does
that outside any database transaction, so a kiosk sync (which needs the write lock)
must not wait for them: the target is a sync latency under load <= 2 x idle.

The server runs under gunicorn (2 workers x 16 threads, as in production) on 127.0.0.1,
told that one reverse proxy stands in front of it (``trusted_proxies=1``), so each failed sign-in can come from its own
(documentation-range) client address in X-Forwarded-For and none is held back by the
per-address limit before its password is checked. Same run: first the idle baseline
(syncs one at a time), then the same kind of syncs while 24 threads sign in with
wrong passwords without pause.

    .venv/bin/python bench/signin_contention.py [--syncs 8] [--attackers 24]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gunicorn_run import start_gunicorn, stop_gunicorn  # noqa: E402
from server_load import _day_of_data  # noqa: E402

from server.app import create_app, open_context  # noqa: E402
from server.config import ServerConfig  # noqa: E402
from server.services.devices import create_enrolment_code  # noqa: E402
from server.services.users import add_user  # noqa: E402
from shared.study.model import Study  # noqa: E402
from shared.sync.protocol import build_request  # noqa: E402

PASSWORD = "contention-bench-password"


def _prepare(data_dir: Path, kiosks: int) -> tuple[list[str], Study]:
    ctx = open_context(ServerConfig(data_dir=data_dir))
    with ctx.engine.begin() as conn:
        codes = [create_enrolment_code(conn, site_id="PKU", actor="bench", valid_site_ids={"PKU"})
                 for _ in range(kiosks)]
        for n in range(4):
            add_user(conn, username=f"bench.nurse{n}", password=PASSWORD, roles=["nurse"], sites=["PKU"],
                     actor="bench")
        # the kiosk's records name this nurse as their author; the server checks she exists at the site
        add_user(conn, username="bench.nurse", password=PASSWORD, roles=["nurse"], sites=["PKU"], actor="bench")
    ctx.engine.dispose()
    return codes, ctx.study


def wsgi_app() -> Any:
    """Gunicorn entry point: plain HTTP on 127.0.0.1 (cookies without Secure), one trusted proxy."""
    return create_app(ServerConfig(data_dir=Path(os.environ["TRIALPRO_BENCH_DIR"]), secure_cookies=False,
                                   trusted_proxies=1))


def _serve(data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn as in production: ``workers`` processes x 16 threads."""
    return start_gunicorn("signin_contention:wsgi_app()", data_dir, workers=workers, threads=16)


def _sync_seconds(url: str, code: str, n: int, study: Study) -> float:
    """Enrol one kiosk, then time its sync of a clinic day (two participants with their baseline forms)."""
    with httpx.Client(base_url=url, timeout=120) as c:
        enrol = c.post("/api/v1/devices/enrol", json={"code": code, "label": f"bench kiosk {n}"})
        assert enrol.status_code == 201, enrol.text
        body = enrol.json()
        req = build_request(study_version=study.study.version, corrections_cursor=0,
                            items=_day_of_data(study, body, random.Random(n)))
        start = time.perf_counter()
        r = c.post("/api/v1/sync", json=req, headers={"Authorization": f"Bearer {body['token']}"})
        took = time.perf_counter() - start
        refused = [x for x in r.json().get("results", []) if x["status"] != "stored"]
        assert r.status_code == 200 and not refused, refused[:2] or r.text[:300]
        return took


def _attacker(url: str, n: int, stop: threading.Event, answers: list[int], addresses: Any) -> None:
    """Wrong passwords without pause, each from its own client address (so Argon2 runs every time)."""
    with httpx.Client(base_url=url, timeout=120) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
        i = 0
        while not stop.is_set():
            name = f"bench.nurse{i % 4}" if i % 2 else f"nobody{n}.{i}"
            r = c.post("/signin", data={"csrf_token": token, "username": name, "password": "wrong password"},
                       headers={"X-Forwarded-For": next(addresses)})
            answers.append(r.status_code)
            i += 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--syncs", type=int, default=8, help="syncs timed in each phase")
    p.add_argument("--attackers", type=int, default=24, help="failed sign-ins running in parallel")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = p.parse_args(argv)
    counter = itertools.count()
    lock = threading.Lock()

    def next_address() -> str:
        with lock:
            k = next(counter)
        return f"198.51.{100 + (k // 250) % 100}.{k % 250 + 1}"

    class Addresses:
        def __next__(self) -> str:
            return next_address()

    with tempfile.TemporaryDirectory(prefix="trialpro-bench-") as tmp:
        data_dir = Path(tmp) / "server"
        codes, study = _prepare(data_dir, 2 * args.syncs + 1)
        proc, url = _serve(data_dir, args.workers)
        try:
            _sync_seconds(url, codes[-1], 99, study)              # warm-up (imports, caches)
            idle = [_sync_seconds(url, codes[n], n, study) for n in range(args.syncs)]
            stop, answers = threading.Event(), []
            threads = [threading.Thread(target=_attacker, args=(url, n, stop, answers, Addresses()))
                       for n in range(args.attackers)]
            for t in threads:
                t.start()
            time.sleep(2.0)                                         # let the sign-ins pile up
            start = time.perf_counter()
            loaded = []
            for n in range(args.syncs, 2 * args.syncs):
                loaded.append(_sync_seconds(url, codes[n], n, study))
                time.sleep(0.2)
            wall = time.perf_counter() - start
            stop.set()
            for t in threads:
                t.join()
        finally:
            stop_gunicorn(proc)
    refused = sum(1 for a in answers if a == 401)
    print(f"signin_contention ({os.cpu_count()} CPUs, loopback only): gunicorn {args.workers} workers x 16 threads, "
          f"{args.syncs} kiosk syncs per phase")
    print(f"  idle baseline:   median sync {statistics.median(idle) * 1000:7.1f} ms  (max {max(idle) * 1000:.1f})")
    print(f"  {args.attackers} failed sign-ins in parallel: median sync {statistics.median(loaded) * 1000:7.1f} ms "
          f" (max {max(loaded) * 1000:.1f}); {len(answers)} sign-ins refused in {wall:.1f} s "
          f"({refused} with 401, {len(answers) - refused} other)")
    ratio = statistics.median(loaded) / statistics.median(idle)
    print(f"  ratio under load / idle: {ratio:.2f}  (target <= 2.00: {'met' if ratio <= 2 else 'NOT met'})")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
