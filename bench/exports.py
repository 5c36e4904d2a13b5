"""Benchmark: every export format against a plain SELECT-to-CSV of the same rows, time and peak memory.

Generates a synthetic study (default 10 000 participants x 12 visits; SQL inserts for speed) in a temporary
SQLite database, then runs each format in its own subprocess and reads that process's peak RSS
(resource.getrusage), so formats do not inherit each other's memory. Prints seconds, peak MB and ratios to
the baseline measured in the same run. Targets (issue 25): each format <= 3x the baseline time, peak <= 300 MB.
A smaller study is run first so you can see whether peak memory stays flat as the study grows.

    .venv/bin/python bench/exports.py [--sizes 1000,10000] [--visits 12] [--formats csv,odm,sdtm,fhir,report,adam]
    .venv/bin/python bench/exports.py --sizes 10000 --keep-data /tmp/bench-exports   # generate once, reuse later
    DATABASE_URL=postgresql://…/empty_db .venv/bin/python bench/exports.py --sizes 10000     # on PostgreSQL
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # run as a script from anywhere


FORMATS = ("csv", "odm", "sdtm", "fhir", "report", "adam")
PER_VISIT = ("patient_global_vas", "esspri", "physician_global_vas", "dosing_diary")


def generate(data_dir: Path, n_participants: int, n_visits: int, seed: int = 7) -> int:
    """Fill a fresh database with synthetic participants, records and Treg results; returns records stored."""
    from sqlalchemy import insert

    from server.app import open_context
    from server.config import ServerConfig
    from server.storage.tables import lab_results, participants, records
    from shared.instruments import get_instrument
    from shared.synthetic import synthetic_adverse_event, synthetic_answers

    ctx = open_context(ServerConfig(data_dir=data_dir))
    study = ctx.study
    rng = random.Random(seed)
    scheduled = [v for v in study.scheduled_visits if (v.day or 0) >= 0]
    visits = [scheduled[i] if i < len(scheduled) else study.visit("unscheduled") for i in range(n_visits)]
    pools: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for arm in study.arms:
        for inst_id in (*PER_VISIT, "essdai"):
            inst = get_instrument(inst_id)
            pools[(arm.code, inst_id)] = [synthetic_answers(inst, drugs=arm.drugs, rng=rng, visit_index=k % 6,
                                                            arm_code=arm.code) for k in range(40)]
    start = date(2024, 1, 1)
    total = 0
    with ctx.engine.begin() as conn:
        for first in range(0, n_participants, 500):
            prows, rrows, lrows = [], [], []
            for n in range(first, min(first + 500, n_participants)):
                arm = study.arms[n % len(study.arms)]
                pid = f"PKU-{n + 1:05d}"
                base = start + timedelta(days=n % 600)
                enrol_id = str(uuid.uuid4())
                prows.append({"participant_id": pid, "site_id": "PKU", "arm": arm.code, "status": "enrolled",
                              "enrolled_at": f"{base.isoformat()}T02:00:00.000Z", "enrolment_record_id": enrol_id,
                              "allocation_number": n + 1, "year_of_birth": 1960 + n % 40, "sex": "FM"[n % 4 == 0]})

                def rec(kind: str, data: dict[str, Any], day: date, visit_id: str | None = None,
                        inst_id: str | None = None, rid: str | None = None, pid: str = pid,
                        rrows: list[dict[str, Any]] = rrows) -> None:
                    at = f"{day.isoformat()}T02:00:00.000Z"
                    body = {"record_id": rid or str(uuid.uuid4()), "revision": 1, "kind": kind,
                            "study_id": study.study.id, "study_version": study.study.version, "site_id": "PKU",
                            "participant_id": pid, "visit_id": visit_id, "instrument_id": inst_id,
                            "instrument_version": "1.0" if inst_id else None, "data": data, "collected_at": at,
                            "collected_at_local": f"{day.isoformat()}T10:00:00.000+08:00",
                            "entered_by": "participant" if kind == "instrument_response" else "staff:bench",
                            "device_id": "dev-bench", "correction_reason": None}
                    rrows.append({"record_id": body["record_id"], "revision": 1, "kind": kind, "site_id": "PKU",
                                  "participant_id": pid, "visit_id": visit_id, "instrument_id": inst_id,
                                  "instrument_version": body["instrument_version"], "content_hash": "sha256:bench",
                                  "body": json.dumps(body), "device_id": "dev-bench", "collected_at": at,
                                  "received_at": at, "serious": bool(data.get("serious"))})

                rec("enrolment", {"year_of_birth": 1960 + n % 40, "sex": "F", "arm": arm.code,
                                  "allocation_number": n + 1, "consent_date": (base - timedelta(days=8)).isoformat(),
                                  "screening_date": (base - timedelta(days=7)).isoformat()},
                    base - timedelta(days=7), rid=enrol_id)
                for k, visit in enumerate(visits):
                    day = base + timedelta(days=visit.day if visit.scheduled else 90 + 7 * k)
                    for inst_id in PER_VISIT + (("essdai",) if k % 2 == 0 else ()):
                        rec("instrument_response", rng.choice(pools[(arm.code, inst_id)]), day, visit.id, inst_id)
                if n % 10 == 0:
                    rec("adverse_event", synthetic_adverse_event(study, rng=rng, onset=base + timedelta(days=10),
                                                                 serious=n % 50 == 0, drugs=arm.drugs),
                    base + timedelta(days=14))
                for visit_id, day in (("baseline", 0), ("week12", 84)):
                    lrows.append({"result_id": str(uuid.uuid4()), "revision": 1, "participant_id": pid,
                                  "site_id": "PKU", "visit_id": visit_id, "test_code": "TREGPCT",
                                  "sample_date": (base + timedelta(days=day)).isoformat(),
                                  "value": round(rng.gauss(5 + day / 40, 1), 2), "unit": "%",
                                  "source_file": "bench.csv", "source_row": n + 2,
                                  "imported_at": "2025-01-01T00:00:00.000Z", "imported_by": "bench"})
            conn.execute(insert(participants), prows)
            conn.execute(insert(records), rrows)
            conn.execute(insert(lab_results), lrows)
            total += len(rrows)
    ctx.engine.dispose()
    return total


def child(fmt: str, data_dir: Path, out: Path) -> None:
    """Run one export (or the baseline) in this process and print seconds and peak RSS as JSON."""
    from sqlalchemy import select

    from server.app import open_context
    from server.config import ServerConfig

    ctx = open_context(ServerConfig(data_dir=data_dir))
    t0 = time.perf_counter()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage0.ru_utime + usage0.ru_stime    # CPU seconds: steadier than wall time on a shared machine
    rows = 0
    if fmt == "baseline":
        from server.storage.tables import records

        out.mkdir(parents=True, exist_ok=True)
        with ctx.engine.connect() as conn, open(out / "records.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(records.c.keys())
            for row in conn.execute(select(records).execution_options(stream_results=True, yield_per=1000)):
                w.writerow(row)
                rows += 1
    else:
        from server.exports.registry import run_export

        summary = run_export(ctx.engine, ctx.study, fmt, out, actor="bench")
        rows = sum(summary.files.values())
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    print(json.dumps({"format": fmt, "seconds": seconds, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024, "rows": rows}))


def measure(fmt: str, data_dir: Path, out: Path) -> dict[str, Any]:
    """Run ``fmt`` in a fresh process. The parent stays small (it imports no project code): on Linux a
    child's peak RSS starts from its parent's RSS at fork, so a big parent would hide the child's own peak."""
    proc = subprocess.run([sys.executable, __file__, "--child", fmt, "--data-dir", str(data_dir), "--out", str(out)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{fmt} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000", help="participant counts, comma-separated")
    p.add_argument("--visits", type=int, default=12)
    p.add_argument("--formats", default=",".join(FORMATS))
    p.add_argument("--child")
    p.add_argument("--data-dir")
    p.add_argument("--out")
    p.add_argument("--keep-data", help="folder for the generated studies: kept after the run and reused by the "
                   "next run with the same sizes and visits (generating 10 000 x 12 takes minutes)")
    args = p.parse_args()
    if args.child == "generate":
        print(json.dumps({"records": generate(Path(args.data_dir), int(args.out), args.visits)}))
        return
    if args.child:
        child(args.child, Path(args.data_dir), Path(args.out))
        return
    formats = args.formats.split(",")
    sizes = [int(s) for s in args.sizes.split(",")]
    url = os.environ.get("DATABASE_URL")
    if url and len(sizes) > 1:
        raise SystemExit("with DATABASE_URL give one --sizes value and an empty database (the study is inserted there)")
    where = f"PostgreSQL {url.rsplit('@', 1)[-1]}" if url else "SQLite"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC  python {sys.version.split()[0]}  {where}")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="trialpro-bench-") as tmp:
            db = Path(tmp) / "db"
            if args.keep_data:
                db = Path(args.keep_data) / f"{size}x{args.visits}"
                if url:
                    raise SystemExit("--keep-data is for SQLite (PostgreSQL keeps its data in DATABASE_URL)")
            if (db / "generated.json").exists():
                n = json.loads((db / "generated.json").read_text())["records"]
                print(f"\n{size} participants x {args.visits} visits: {n} records reused from {db}")
            else:
                t0 = time.perf_counter()
                n = json.loads(subprocess.run([sys.executable, __file__, "--child", "generate", "--data-dir",
                                               str(db), "--out", str(size), "--visits", str(args.visits)],
                                              capture_output=True, text=True, check=True).stdout)["records"]
                if args.keep_data:
                    (db / "generated.json").write_text(json.dumps({"records": n}))
                print(f"\n{size} participants x {args.visits} visits: {n} records generated in "
                      f"{time.perf_counter() - t0:.1f} s")
            # The first read of a kept study comes from a cold page cache (minutes of I/O wait at 10 000 x 12 while
            # CPU is a tenth of it); every format after it reads warm. The baseline is timed twice and the faster
            # (warm) run is the one compared, so no format is flattered by the baseline's cold start.
            cold = measure("baseline", db, Path(tmp) / "out-baseline")
            base = min(cold, measure("baseline", db, Path(tmp) / "out-baseline"), key=lambda r: r["seconds"])
            print(f"baseline cold run: {cold['seconds']:.1f} s, {cold['cpu']:.1f} CPU s (not compared)")
            print(f"{'format':<10}{'seconds':>9}{'x base':>8}{'CPU s':>8}{'x base':>8}{'peak MB':>9}{'x base':>8}"
                  f"{'rows':>10}  verdict")
            print(f"{'baseline':<10}{base['seconds']:>9.1f}{1:>8.2f}{base['cpu']:>8.1f}{1:>8.2f}{base['peak_mb']:>9.0f}"
                  f"{1:>8.2f}{base['rows']:>10}  plain SELECT of the records table to CSV")
            for fmt in formats:
                r = measure(fmt, db, Path(tmp) / f"out-{fmt}")
                tr, cr, mr = r["seconds"] / base["seconds"], r["cpu"] / base["cpu"], r["peak_mb"] / base["peak_mb"]
                ok = "ok" if tr <= 3 and r["peak_mb"] <= 300 else "MISSES TARGET (<= 3x time, <= 300 MB)"
                print(f"{fmt:<10}{r['seconds']:>9.1f}{tr:>8.2f}{r['cpu']:>8.1f}{cr:>8.2f}{r['peak_mb']:>9.0f}{mr:>8.2f}"
                      f"{r['rows']:>10}  {ok}")

if __name__ == "__main__":
    main()
