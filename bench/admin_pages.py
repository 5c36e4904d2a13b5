"""Admin pages at a million records: p50/p95 of the paged lists and the participant page through the real app.

For SQLite (default) and, with ``--postgres``, PostgreSQL (a throwaway cluster from tests/postgres.py):

1. seed the demo study (admin, kiosk, nine participants with every kind of record), then bulk-load copies of
   the demo participants (every record of each, with new ids, the AE list's rows, their audit entries and a
   data query on one record in fifty) until the server holds ``--records`` records (1 000 000 by default):
   plain executemany INSERTs in chunks, the way a migration would load them, never through the sync API (that
   is bench/sync_ingest.py's business);
2. sign in as the demo admin and GET every page below ``--repeats`` times through the real Flask app
   (create_app + its test client: routing, session, CSRF, templates, the SQL of server/storage);
3. print per page the wall p50 and p95 against the target, p95 <= 300 ms (exit 1 when a page misses it), and
   the CPU time per request (this process's, and PostgreSQL's backends'): on a busy machine the wall figures
   wait for a core, the CPU figures are what the request costs.

Loading a million records takes long: ``--data-dir DIR`` keeps them (and the PostgreSQL cluster) in DIR, and a
later run with ``--reuse`` times the pages on what DIR holds (new migrations, e.g. an index, are applied to it).

    .venv/bin/python bench/admin_pages.py [--records 1000000] [--repeats 30] [--postgres] [--skip-sqlite]
        [--data-dir DIR [--reuse]] [--pages NAME ...] [--profile N]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.app import ServerContext, create_app, open_context  # noqa: E402
from server.config import ServerConfig  # noqa: E402
from server.services.demo import DEMO_ADMIN, seed_demo  # noqa: E402
from server.storage.adverse_events import keep_current  # noqa: E402
from server.storage.audit import move_head  # noqa: E402
from server.storage.bulk import insert_many  # noqa: E402
from server.storage.tables import (  # noqa: E402
    audit_log,
    participants,
    queries,
    query_messages,
    records,
    sae_reports,
)

PASSWORD = "bench-admin-pages-password"
TARGET_MS = 300.0
CHUNK = 20_000


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_load(ctx: ServerContext, total: int) -> dict[str, int]:
    """Copies of the demo's enrolled participants (their participants row, every record, one audit entry per
    record, a query on one record in fifty, their serious AEs marked reported) until ``total`` records are
    stored. Returns what was loaded."""
    with ctx.engine.connect() as conn:
        people = [dict(r._mapping) for r in conn.execute(select(participants))]
        by_person: dict[str, list[dict[str, Any]]] = {p["participant_id"]: [] for p in people}
        for r in conn.execute(select(records)):
            if r.participant_id in by_person:
                by_person[r.participant_id].append(dict(r._mapping))
        stored = conn.execute(select(func.count()).select_from(records)).scalar_one()
        seq = conn.execute(select(func.max(audit_log.c.seq))).scalar_one() or 0
    templates = [(p, by_person[p["participant_id"]]) for p in people if by_person[p["participant_id"]]]
    loaded = {"participants": 0, "records": 0, "audit": 0, "queries": 0}
    state = {"seq": seq, "n": 0}
    states = ("open", "answered", "closed", "reopened")

    def copies() -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        while stored + loaded["records"] < total:
            person, recs = templates[state["n"] % len(templates)]
            state["n"] += 1
            pid = f"{person['site_id']}-B{state['n']:06d}"
            new_ids = {r["record_id"]: str(uuid.uuid4()) for r in recs}
            out = []
            for r in recs:
                body = json.loads(r["body"])
                body.update(record_id=new_ids[r["record_id"]], participant_id=pid)
                out.append({**r, "record_id": new_ids[r["record_id"]], "participant_id": pid,
                            "body": json.dumps(body, separators=(",", ":"), sort_keys=True)})
            loaded["records"] += len(out)
            loaded["participants"] += 1
            yield {**person, "participant_id": pid, "enrolment_record_id": new_ids.get(
                person["enrolment_record_id"], str(uuid.uuid4()))}, out

    people_rows: list[dict[str, Any]] = []
    record_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    query_rows: list[dict[str, Any]] = []
    message_rows: list[dict[str, Any]] = []
    report_rows: list[dict[str, Any]] = []   # a study this size has sent its older SAEs to the sponsor

    def flush() -> None:
        with ctx.engine.begin() as conn:
            keep_current(conn, record_rows)   # the AE list's columns, as store_revisions writes them
            for table, rows in ((participants, people_rows), (records, record_rows), (audit_log, audit_rows),
                                (queries, query_rows), (query_messages, message_rows), (sae_reports, report_rows)):
                insert_many(conn, table, rows)
                rows.clear()

    for person, recs in copies():
        people_rows.append(person)
        record_rows.extend(recs)
        for r in recs:
            if r["serious"]:
                report_rows.append({"record_id": r["record_id"], "reported_at": r["received_at"],
                                    "reference": "BENCH", "marked_by": "user:bench", "marked_at": r["received_at"]})
            state["seq"] += 1
            audit_rows.append({"seq": state["seq"], "at": r["received_at"], "actor": f"device:{r['device_id']}",
                               "action": f"{r['kind']}.store", "entity_type": "record",
                               "entity_id": f"{r['record_id']}#{r['revision']}", "old": None,
                               "new": r["body"][:2000], "reason": None, "prev_hash": "sha256:bench",
                               "entry_hash": "sha256:bench"})
            if (loaded["audit"] + len(audit_rows)) % 50 == 0:
                qid = str(uuid.uuid4())
                field = next(iter(json.loads(r["body"]).get("data") or {"value": 0}), "value")
                query_rows.append({"query_id": qid, "site_id": r["site_id"], "participant_id": r["participant_id"],
                                   "target": "record", "target_id": r["record_id"], "revision": r["revision"],
                                   "field": field, "value": "null", "state": states[len(query_rows) % 4],
                                   "rule": None, "rule_key": None, "raised_by": "user:bench.monitor",
                                   "raised_at": r["received_at"], "updated_at": r["received_at"],
                                   "closed_by": None})
                message_rows.append({"query_id": qid, "at": r["received_at"], "author": "user:bench.monitor",
                                     "action": "raise", "text": f"Please check {field}.", "text_zh": None,
                                     "source_record_id": None})
        if len(record_rows) >= CHUNK:
            loaded["audit"] += len(audit_rows)
            loaded["queries"] += len(query_rows)
            flush()
    loaded["audit"] += len(audit_rows)
    loaded["queries"] += len(query_rows)
    flush()
    with ctx.engine.begin() as conn:   # later appends (the admin's sign-in) follow the loaded entries
        move_head(conn, state["seq"], "sha256:bench")
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if ctx.engine.dialect.name == "postgresql" else "ANALYZE"))
    return loaded


def pages(ctx: ServerContext) -> list[tuple[str, str]]:
    """(name, path) of every page timed: the lists' first page, a sorted deep page, and the participant page."""
    with ctx.engine.connect() as conn:
        busiest = conn.execute(select(records.c.participant_id, func.count().label("n"))
                               .group_by(records.c.participant_id).order_by(text("n DESC")).limit(1)).first()
    return [
        ("participants", "/participants"),
        ("participants sorted, page 200", "/participants?sort=enrolled_at&dir=desc&page=200"),
        ("participants search", "/participants?q=B0123"),
        ("adverse events", "/adverse-events"),
        ("adverse events by grade, page 20", "/adverse-events?sort=grade&dir=desc&page=20"),
        ("adverse events serious", "/adverse-events?serious=1&grade3=1"),
        ("audit", "/audit"),
        ("audit by actor, page 100", "/audit?sort=actor&page=100"),
        ("queries", "/queries"),
        ("queries all by field, page 50", "/queries?state=all&sort=field&page=50"),
        (f"participant page ({busiest.n} records)", f"/participants/{busiest.participant_id}"),
    ]


def _cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (and their children: the PostgreSQL backends)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(f) for f in fields[11:15]) / tick   # utime, stime, cutime, cstime
    return total


def _db_pids(postmaster: int | None) -> list[int]:
    if postmaster is None:
        return []
    kids = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return [int(k) for k in kids]


def _p(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, round(q * (len(times) - 1)))]


def time_pages(ctx: ServerContext, args: argparse.Namespace,
               postmaster: int | None) -> list[tuple[str, dict[str, float]]]:
    """Per page over ``args.repeats`` GETs through the real app, after one warm-up GET: wall p50/p95 (ms) and
    CPU per request (ms): this process's (Flask, SQLAlchemy, SQLite) and PostgreSQL's backends'. On a loaded
    machine the wall figures wait for a core; the CPU figures are what the request itself costs."""
    app = create_app(ctx.config, ctx)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)  # type: ignore
    signed = client.post("/signin", data={"csrf_token": token, "username": DEMO_ADMIN, "password": PASSWORD})
    assert signed.status_code == 302, signed.text[:300]
    out = []
    for name, path in pages(ctx):
        if args.pages and not any(w in name for w in args.pages):
            continue
        first = client.get(path)
        assert first.status_code == 200, (path, first.status_code, first.text[:300])
        wall, cpu, db_cpu = [], [], []
        profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.repeats):
            pids = _db_pids(postmaster)
            db0, cpu0, start = _cpu_of(pids), time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            r = client.get(path)
            if profiler:
                profiler.disable()
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - cpu0) * 1000)
            db_cpu.append((_cpu_of(pids) - db0) * 1000)
            assert r.status_code == 200, path
        out.append((name, {"p50": statistics.median(wall), "p95": _p(wall, 0.95),
                           "cpu": statistics.median(cpu), "cpu95": _p(cpu, 0.95), "db": statistics.fmean(db_cpu)}))
        if profiler:
            print(f"--- profile of {name} ({path}), {args.repeats} GETs", flush=True)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    return out


def _held(ctx: ServerContext) -> tuple[int, int]:
    with ctx.engine.connect() as conn:
        held = conn.execute(select(func.count()).select_from(records)).scalar_one()
        aes = conn.execute(select(func.count()).select_from(records)
                           .where(records.c.kind == "adverse_event")).scalar_one()
    return held, aes


def run(name: str, url: str | None, data_dir: Path, args: argparse.Namespace, postmaster: int | None = None) -> bool:
    """Load (or, with --reuse, find) the records in ``data_dir``, then time every page."""
    marker = data_dir / "bench-admin-pages.json"
    if args.reuse and not marker.exists():
        raise SystemExit(f"--reuse: {data_dir} holds no loaded {name} data (run once without --reuse)")
    if not args.reuse and marker.exists():
        raise SystemExit(f"{data_dir} already holds loaded {name} data: pass --reuse, or remove the folder")
    ctx = open_context(ServerConfig(data_dir=data_dir / "server", testing=True, database_url=url))
    if args.reuse:
        loaded, took = json.loads(marker.read_text()), 0.0
    else:
        with ctx.engine.begin() as conn:
            seed_demo(conn, ctx.study, admin_password=PASSWORD)
        start = time.perf_counter()
        loaded = bulk_load(ctx, args.records)
        took = time.perf_counter() - start
        marker.write_text(json.dumps(loaded))
    held, aes = _held(ctx)
    how = "reused" if args.reuse else f"added in {took:.0f} s"
    print(f"{name}: {held} records ({aes} AE reports), {loaded['participants']} participants copied, "
          f"{loaded['audit']} audit entries and {loaded['queries']} queries {how}; {args.repeats} GETs per page "
          f"through the app, {time.strftime('%H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.1f}",
          flush=True)
    ok = True
    print(f"  {'page':<40} {'wall p50':>9} {'wall p95':>9} {'cpu p50':>8} {'cpu p95':>8} {'db cpu mean':>11}  "
          f"(ms; target wall p95 <= {TARGET_MS:.0f} ms)")
    for page, f in time_pages(ctx, args, postmaster):
        good = f["p95"] <= TARGET_MS
        ok = ok and good
        print(f"  {page:<40} {f['p50']:9.1f} {f['p95']:9.1f} {f['cpu']:8.1f} {f['cpu95']:8.1f} {f['db']:11.1f}  "
              f"{'ok' if good else 'MISSED'}", flush=True)
    ctx.engine.dispose()
    return ok


def _open_for_postgres(path: Path) -> None:
    """The postgres user must reach the kept cluster folder (this process writes private files, umask 077)."""
    for folder in (path, *path.parents):
        if folder == Path("/"):
            break
        if os.geteuid() == 0 and folder.stat().st_mode & 0o011 != 0o011:
            folder.chmod(folder.stat().st_mode | 0o011)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--postgres", action="store_true", help="also on PostgreSQL (a throwaway cluster)")
    p.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only (with --postgres)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="keep the generated data here (sqlite/, postgresql/) instead of a temp folder")
    p.add_argument("--reuse", action="store_true", help="time the data an earlier run left in --data-dir")
    p.add_argument("--pages", nargs="*", default=[], help="time only pages whose name contains one of these")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="cProfile every page's GETs and print its N most expensive functions (own time)")
    args = p.parse_args(argv)
    if args.reuse and args.data_dir is None:
        p.error("--reuse needs --data-dir")
    with tempfile.TemporaryDirectory(prefix="trialpro-bench-admin-") as tmp:
        root = args.data_dir or Path(tmp)
        ok = True
        if not args.skip_sqlite:
            (root / "sqlite").mkdir(parents=True, exist_ok=True)
            ok = run("sqlite", None, root / "sqlite", args)
        if args.postgres:
            from tests.live_server import free_port
            from tests.postgres import PostgresCluster

            (root / "postgresql").mkdir(parents=True, exist_ok=True)
            _open_for_postgres(root / "postgresql")
            cluster = PostgresCluster(free_port(), root / "postgresql" / "cluster").start()
            try:
                with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
                    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'bench'").fetchone():
                        conn.execute('CREATE DATABASE "bench"')
                ok = run("postgresql", cluster.url("bench"), root / "postgresql", args,
                         cluster.postmaster_pid()) and ok
            finally:
                cluster.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
