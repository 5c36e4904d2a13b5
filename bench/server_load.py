"""Server load: 200 simulated kiosks each syncing a day of data while 5 admins browse, under gunicorn.

Runs on SQLite and on PostgreSQL (a throwaway cluster from tests/postgres.py), loopback only, and prints
p50/p99 latency and throughput per request type, next to a baseline measured in the same run: the same
sync and page requests made one at a time on the idle server. Then times `audit verify` (chain walk +
checkpoint check) over 100 000 audit entries against a baseline of just reading those rows.

    .venv/bin/python bench/server_load.py [--kiosks 200] [--workers N] [--skip-postgres] [--skip-verify]
        [--profile DIR]

Besides the latencies it prints the server CPU per request kind (each answer carries the CPU time its worker
thread spent on it) and per kiosk cycle (one enrolment and one sync): what the server's code costs, a figure the
shared machine's load hardly moves. ``--profile DIR`` writes the workers' cProfile stats (CPU clock) there.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gunicorn_run import start_gunicorn, stop_gunicorn  # noqa: E402

from server.app import open_context  # noqa: E402
from server.commands.run import GUNICORN_THREADS, default_workers, worker_app  # noqa: E402
from server.config import ServerConfig  # noqa: E402
from server.services import checkpoints  # noqa: E402
from server.services.audit import AuditEntry, append_many  # noqa: E402
from server.services.demo import signed_list_id  # noqa: E402
from server.services.devices import create_enrolment_code  # noqa: E402
from server.services.users import add_user  # noqa: E402
from shared.instruments import get_instrument  # noqa: E402
from shared.records import new_record, record_hash  # noqa: E402
from shared.study.model import Study  # noqa: E402
from shared.sync.protocol import build_request  # noqa: E402
from shared.synthetic import synthetic_answers  # noqa: E402
from shared.synthetic_screening import randomised_start  # noqa: E402

ADMIN_PASSWORD = "bench-admin-password"
ADMIN_PAGES = ("/dashboard", "/participants", "/adverse-events", "/audit", "/devices")
THINK_SECONDS = 0.3                 # an admin reads a page before the next click
PARTICIPANTS_PER_KIOSK = 2          # a clinic day: two new participants, each with the baseline forms
PROFILE_DIR: Path | None = None     # --profile: where the workers write their cProfile stats


def wsgi_app() -> Any:
    """Gunicorn entry point (``server_load:wsgi_app()``): the app for TRIALPRO_BENCH_DIR / DATABASE_URL.

    Plain HTTP on 127.0.0.1 here, so session cookies go without the Secure flag (as for the demo).
    """
    app = worker_app(ServerConfig(data_dir=Path(os.environ["TRIALPRO_BENCH_DIR"]), secure_cookies=False))
    profile_dir = os.environ.get("TRIALPRO_BENCH_PROFILE")
    return _cpu_header(_profiled(app, Path(profile_dir)) if profile_dir else app)


CPU_HEADER = "X-Bench-Cpu-Ms"


def _cpu_header(app: Any) -> Any:
    """``app`` answering with the CPU time its worker thread spent on the request (``X-Bench-Cpu-Ms``), so the
    bench reports CPU per request kind: what the request cost the server, whatever else the machine runs and
    however long it waited for a lock (work handed to other threads, e.g. Argon2 at sign-in, is left out)."""

    def wsgi(environ: Any, start_response: Any) -> Any:
        start = time.thread_time()

        def timed_start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            spent = (time.thread_time() - start) * 1000
            return start_response(status, [*headers, (CPU_HEADER, f"{spent:.2f}")], *rest)

        return app(environ, timed_start)

    return wsgi


def _profiled(app: Any, out: Path) -> Any:
    """``app`` with every request under cProfile timed by the thread's CPU clock (one profile per worker thread,
    written to ``out`` after each request as ``<pid>-<thread>.prof``): where the server's CPU goes, waits for
    locks and the machine's other processes left out, for ``--profile``. Slows the server."""
    import cProfile

    local = threading.local()

    def wsgi(environ: Any, start_response: Any) -> Any:
        prof = getattr(local, "prof", None)
        if prof is None:
            prof = local.prof = cProfile.Profile(time.thread_time)
        prof.enable()
        try:
            return list(app(environ, start_response))
        finally:
            prof.disable()
            prof.dump_stats(out / f"{os.getpid()}-{threading.get_ident()}.prof")

    return wsgi


def _prepare(data_dir: Path, database_url: str | None, kiosks: int) -> tuple[list[str], Study]:
    ctx = open_context(ServerConfig(data_dir=data_dir, database_url=database_url))
    sites = {s.id for s in ctx.study.sites}
    with ctx.engine.begin() as conn:
        codes = [create_enrolment_code(conn, site_id="PKU", actor="bench", valid_site_ids=sites)
                 for _ in range(kiosks)]
        for n in range(5):
            add_user(conn, username=f"bench.admin{n}", password=ADMIN_PASSWORD, roles=["admin"], sites=sorted(sites),
                     actor="bench")
        add_user(conn, username="bench.nurse", password=ADMIN_PASSWORD, roles=["nurse"], sites=["PKU"], actor="bench")
    ctx.engine.dispose()
    return codes, ctx.study


def _day_of_data(study: Study, enrol: dict[str, Any], rng: random.Random) -> list[tuple[dict[str, Any], str]]:
    grants, device = enrol["allocation"], enrol["device_id"]
    slots = [e for signed in grants["lists"] for e in signed["body"]["entries"]
             if e["block"] in grants["blocks"] and e["number"] not in grants["used_numbers"]][:PARTICIPANTS_PER_KIOSK]
    today = datetime.now(UTC).date()
    items = []
    for slot, number in zip(slots, enrol["screening_numbers"], strict=False):   # issue 15: screen, then randomise
        pid = f"PKU-{number:03d}"
        arm = study.arm(slot["arm"])

        def rec(kind: str, data: dict[str, Any], pid: str = pid, **kw: Any) -> dict[str, Any]:
            r = new_record(kind=kind, study_id=study.study.id, study_version=study.study.version, site_id="PKU",
                           participant_id=pid, data=data, entered_by="staff:bench.nurse", device_id=device,
                           timezone=study.sites[0].timezone, **kw)
            items.append((r, record_hash(r)))
            return r

        started = randomised_start(study, rng, arm=arm.code, number=slot["number"],
                                   list_id=signed_list_id(grants, slot["number"]),
                                   screened_on=today - timedelta(days=7), record=rec)
        scored = {(r.get("visit_id"), r.get("instrument_id")) for r in started}
        for inst_id in study.visit("baseline").instruments:
            if ("baseline", inst_id) in scored:
                continue   # the eligibility score, recorded before the randomisation
            inst = get_instrument(inst_id)
            rec("instrument_response", synthetic_answers(inst, drugs=arm.drugs, rng=rng, arm_code=arm.code),
                visit_id="baseline", instrument_id=inst.id, instrument_version=inst.version)
    return items


class Timings:
    """Latencies (seconds) and server CPU (ms, from the answer's header) per request kind, thread-safe."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[float]] = {}
        self.cpu_ms: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def add(self, kind: str, seconds: float, cpu_ms: float | None = None) -> None:
        with self._lock:
            self.by_kind.setdefault(kind, []).append(seconds)
            if cpu_ms is not None:
                self.cpu_ms.setdefault(kind, []).append(cpu_ms)

    def fail(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _timed(t: Timings, kind: str, fn: Any) -> Any:
    start = time.perf_counter()
    r = fn()
    cpu = r.headers.get(CPU_HEADER)
    t.add(kind, time.perf_counter() - start, float(cpu) if cpu else None)
    if r.status_code >= 400:
        t.fail(f"{kind}: {r.status_code} {r.text[:200]}")
    return r


def _kiosk(url: str, code: str, n: int, study: Study, t: Timings) -> int:
    with httpx.Client(base_url=url, timeout=120) as c:
        # as desktop_client.services.sync_engine sends them: the kiosk's study, then its cursors (a new kiosk
        # holds none: 0, so its first sync brings the site's whole state) and no blocks held yet
        enrol = _timed(t, "enrol", lambda: c.post("/api/v1/devices/enrol", json={
            "code": code, "label": f"bench kiosk {n}", "study_id": study.study.id,
            "study_version": study.study.version}))
        if enrol.status_code != 201:
            return 0
        body = enrol.json()
        items = _day_of_data(study, body, random.Random(n))
        req = build_request(study_version=study.study.version, corrections_cursor=0, items=items,
                            allocation_blocks=None, study_id=study.study.id, labs_cursor=0, state_cursor=0)
        r = _timed(t, "sync", lambda: c.post("/api/v1/sync", json=req,
                                              headers={"Authorization": f"Bearer {body['token']}"}))
        stored = [x for x in r.json().get("results", []) if x["status"] == "stored"] if r.status_code == 200 else []
        if len(stored) != len(items):
            t.fail(f"kiosk {n}: stored {len(stored)} of {len(items)}")
        return len(items)


def _admin(url: str, n: int, stop: threading.Event, t: Timings) -> None:
    with httpx.Client(base_url=url, timeout=120) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
        _timed(t, "sign-in", lambda: c.post("/signin", data={"csrf_token": token, "username": f"bench.admin{n}",
                                                              "password": ADMIN_PASSWORD}))
        i = n
        while not stop.is_set():
            page = ADMIN_PAGES[i % len(ADMIN_PAGES)]
            _timed(t, "admin page", lambda p=page: c.get(p))
            i += 1
            stop.wait(THINK_SECONDS)


def _gunicorn(data_dir: Path, database_url: str | None, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    if PROFILE_DIR is not None:
        os.environ["TRIALPRO_BENCH_PROFILE"] = str(PROFILE_DIR)
    return start_gunicorn("server_load:wsgi_app()", data_dir, workers=workers, database_url=database_url)


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the gunicorn master ``pid`` and its workers used so far: what the server
    spent, whatever else the shared machine runs (latencies there also wait for other processes' CPU)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _report(title: str, t: Timings, wall: float | None = None) -> None:
    print(f"  {title}")
    for kind, values in sorted(t.by_kind.items()):
        rate = f"{len(values) / wall:7.1f}/s" if wall else "        "
        cpu = t.cpu_ms.get(kind)
        used = f"  server CPU mean {statistics.mean(cpu):6.1f} ms p50 {statistics.median(cpu):6.1f} ms" if cpu else ""
        print(f"    {kind:<11} n={len(values):<5} p50={statistics.median(values) * 1000:7.1f} ms  "
              f"p99={_pct(values, 99) * 1000:7.1f} ms  {rate}{used}")
    if t.errors:
        print(f"    ERRORS ({len(t.errors)}): {t.errors[:3]}")


def load_run(label: str, database_url: str | None, kiosks: int, workers: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory(prefix="trialpro-bench-") as tmp:
        data_dir = Path(tmp) / "server"
        codes, study = _prepare(data_dir, database_url, kiosks + 3)
        proc, url = _gunicorn(data_dir, database_url, workers)
        try:
            base = Timings()                      # baseline: one request at a time on the idle server
            for n in range(3):
                _kiosk(url, codes[kiosks + n], 10_000 + n, study, base)
            stop = threading.Event()
            _admin_once = threading.Thread(target=_admin, args=(url, 0, stop, base))
            _admin_once.start()
            time.sleep(1.5)
            stop.set()
            _admin_once.join()

            load = Timings()
            stop = threading.Event()
            admins = [threading.Thread(target=_admin, args=(url, n, stop, load)) for n in range(5)]
            cpu = _server_cpu(proc.pid)
            start = time.perf_counter()
            for a in admins:
                a.start()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                records = sum(pool.map(lambda n: _kiosk(url, codes[n], n, study, load), range(kiosks)))
            wall = time.perf_counter() - start
            cpu = _server_cpu(proc.pid) - cpu
            stop.set()
            for a in admins:
                a.join()
        finally:
            stop_gunicorn(proc)
        print(f"\n{label}: gunicorn {workers} workers x {GUNICORN_THREADS} threads (as serve ships); "
              f"{kiosks} kiosks ({concurrency} at a time), "
              f"5 admins browsing")
        _report("baseline (idle server, one request at a time)", base)
        _report(f"under load: {records} records from {kiosks} kiosks in {wall:.1f} s "
                f"= {records / wall:.0f} records/s", load, wall)
        print(f"    server CPU {cpu:.1f} s over {wall:.1f} s on {os.cpu_count()} CPUs: "
              f"{cpu / kiosks * 1000:.0f} ms per kiosk (its enrolment and sync, and its share of the admins' pages)")
        cycle = sum(sum(load.cpu_ms.get(k, [])) for k in ("enrol", "sync")) / kiosks
        print(f"    kiosk cycle (its enrolment and sync): {cycle:.0f} ms of server CPU per kiosk")


def verify_run(label: str, database_url: str | None, entries: int) -> None:
    from sqlalchemy import select

    from server.storage.tables import audit_log

    with tempfile.TemporaryDirectory(prefix="trialpro-bench-") as tmp:
        ctx = open_context(ServerConfig(data_dir=Path(tmp), database_url=database_url))
        batch = 5000
        for start in range(0, entries, batch):
            with ctx.engine.begin() as conn:
                append_many(conn, [AuditEntry(actor="device:dev-bench", action="instrument_response.create",
                                              entity_type="record", entity_id=f"{start + i:036d}#1",
                                              new={"activity": (start + i) % 101, "visit": "week2"})
                                   for i in range(batch)])
        with ctx.engine.begin() as conn:
            checkpoints.write_checkpoint(conn, Path(tmp))
        with ctx.engine.connect() as conn:
            t0 = time.perf_counter()
            n = sum(1 for _ in conn.execution_options(stream_results=True, yield_per=5000).execute(select(audit_log)))
            read = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = checkpoints.verify(conn, Path(tmp))
            full = time.perf_counter() - t0
        ctx.engine.dispose()
    assert result.ok and n == entries, checkpoints.summary(result)
    per = 100_000 / entries
    print(f"\n{label}: audit verify over {entries} entries: {full * per:.2f} s per 100 000 entries "
          f"(baseline, just reading the rows: {read * per:.2f} s per 100 000)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kiosks", type=int, default=200)
    p.add_argument("--workers", type=int, default=default_workers(),
                   help="gunicorn workers (default: what `trialpro-server serve` ships for this machine)")
    p.add_argument("--concurrency", type=int, default=16, help="kiosks syncing at the same moment")
    p.add_argument("--audit-entries", type=int, default=100_000)
    p.add_argument("--skip-postgres", action="store_true")
    p.add_argument("--skip-verify", action="store_true", help="leave out the audit verify timing")
    p.add_argument("--profile", type=Path, help="write the workers' cProfile stats (<pid>-<thread>.prof) here")
    args = p.parse_args(argv)
    global PROFILE_DIR
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        PROFILE_DIR = args.profile.resolve()
    print(f"server_load on {date.today()} ({os.cpu_count()} CPUs, loopback only)")
    load_run("SQLite", None, args.kiosks, args.workers, args.concurrency)
    if not args.skip_verify:
        verify_run("SQLite", None, args.audit_entries)
    if not args.skip_postgres:
        from tests.live_server import free_port as port
        from tests.postgres import PostgresCluster

        cluster = PostgresCluster(port()).start()
        try:
            load_run("PostgreSQL", cluster.new_database(), args.kiosks, args.workers, args.concurrency)
            if not args.skip_verify:
                verify_run("PostgreSQL", cluster.new_database(), args.audit_entries)
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
