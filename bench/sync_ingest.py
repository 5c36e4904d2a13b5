"""Sync ingest: records/s stored through the HTTP API, against plain SQL inserts of the same rows.

For SQLite and for PostgreSQL (a throwaway cluster from tests/postgres.py), loopback only:

1. enrol a kiosk over HTTP and enrol its participants with real enrolment records;
2. API: POST 10 000 instrument records in batches of 500 to /api/v1/sync (validated with shared/, hashed,
   audited, one transaction per batch) and time it;
3. baseline, same run: insert the very rows the API stored (records and their audit entries) into a fresh
   database with plain SQL (one INSERT executed for all rows, one transaction) and time it; print the ratio
   (target >= 0.5), and the ratio against inserting the records rows alone;
4. growth: with 10 000 and 100 000 records already stored, time one sync of 500 new records
   (its cost must depend on the new records, not on what the server holds), next to a plain SQL insert
   of as many rows. The server runs as `trialpro-server serve` in its own process; each figure is the best
   of several runs, so other load on the machine disturbs it least.

    .venv/bin/python bench/sync_ingest.py [--records 10000] [--batch 500] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.app import ServerContext, open_context  # noqa: E402
from server.config import ServerConfig  # noqa: E402
from server.services.demo import signed_list_id  # noqa: E402
from server.services.devices import create_enrolment_code  # noqa: E402
from server.services.users import add_user  # noqa: E402
from server.storage.tables import audit_log, records, users  # noqa: E402
from shared.instruments import get_instrument  # noqa: E402
from shared.records import new_record, record_hash  # noqa: E402
from shared.sync.protocol import build_request  # noqa: E402
from shared.synthetic import synthetic_answers  # noqa: E402
from shared.synthetic_screening import randomised_start  # noqa: E402
from tests.live_server import ProcessServer, free_port  # noqa: E402
from tests.postgres import PostgresCluster  # noqa: E402

INSTRUMENTS = ("patient_global_vas", "esspri", "symptom_checklist")
NURSE = "bench.nurse"


class Kiosk:
    """One enrolled device talking HTTP to the server, with its participants enrolled."""

    def __init__(self, srv: BenchServer, rng: random.Random) -> None:
        ctx = srv.ctx
        with ctx.engine.begin() as conn:
            code = create_enrolment_code(conn, site_id="PKU", actor="bench", valid_site_ids={"PKU"})
            if conn.execute(select(users.c.username).where(users.c.username == NURSE)).first() is None:
                add_user(conn, username=NURSE, password="bench-nurse-password", roles=["nurse"], sites=["PKU"],
                         actor="bench")  # who enrols the participants (the server checks entered_by)
        self.http = httpx.Client(base_url=srv.url, timeout=300)
        body = self.http.post("/api/v1/devices/enrol", json={"code": code, "label": "bench kiosk"}).json()
        self.study, self.rng, self.device = ctx.study, rng, body["device_id"]
        self.headers = {"Authorization": f"Bearer {body['token']}", "Content-Type": "application/json"}
        grants = body["allocation"]
        self.blocks = list(grants["blocks"])  # held after enrolment, so answers leave the signed lists out
        slots = [e for s in grants["lists"] for e in s["body"]["entries"] if e["block"] in grants["blocks"]]
        self.arms: dict[str, str] = {}
        items = []
        screening = datetime.now(UTC).date() - timedelta(days=7)
        for slot, number in zip(slots, body["screening_numbers"], strict=False):   # issue 15: screen, then randomise
            pid = f"PKU-{number:03d}"
            self.arms[pid] = slot["arm"]
            for rec in randomised_start(ctx.study, rng, arm=slot["arm"], number=slot["number"],
                                        list_id=signed_list_id(grants, slot["number"]), screened_on=screening,
                                        record=lambda kind, data, pid=pid, **kw: self._record(
                                            kind, pid, data, entered_by=f"staff:{NURSE}", **kw)[0]):
                items.append((rec, record_hash(rec)))
        self.used = {(r["participant_id"], r.get("visit_id"), r.get("instrument_id")) for r, _ in items}
        self.free: list[tuple[str, str, str]] | None = None
        answer = self.sync(items)
        assert all(r["status"] == "stored" for r in answer["results"]), answer["results"][:3]

    def _record(self, kind: str, pid: str, data: dict[str, Any], entered_by: str = "participant",
                **kw: Any) -> tuple[dict[str, Any], str]:
        rec = new_record(kind=kind, study_id=self.study.study.id, study_version=self.study.study.version,
                         site_id="PKU", participant_id=pid, data=data, entered_by=entered_by,
                         device_id=self.device, timezone=self.study.sites[0].timezone, **kw)
        return rec, record_hash(rec)

    def instrument_records(self, n: int) -> list[tuple[dict[str, Any], str]]:
        """``n`` valid instrument responses spread over the participants and visits: each participant x
        scheduled visit x instrument once (the server refuses a second submission of one, issue 16), then
        responses at the unscheduled visit, which may take place any number of times."""
        if self.free is None:
            keys = [(pid, v.id, i) for pid in sorted(self.arms)
                    for v in self.study.scheduled_visits if v.id != "screening"
                    for i in v.instruments if i in INSTRUMENTS and (pid, v.id, i) not in self.used]
            self.rng.shuffle(keys)
            self.free = keys
        repeatable = [v for v in self.study.visits if not v.scheduled]
        pids = sorted(self.arms)
        out = []
        while len(out) < n:
            if self.free:
                pid, visit_id, inst_id = self.free.pop()
                visit = self.study.visit(visit_id)
            else:
                pid, visit = self.rng.choice(pids), self.rng.choice(repeatable)
                inst_id = self.rng.choice([i for i in visit.instruments if i in INSTRUMENTS])
            arm = self.study.arm(self.arms[pid])
            inst = get_instrument(inst_id)
            answers = synthetic_answers(inst, drugs=arm.drugs, rng=self.rng, arm_code=arm.code)
            out.append(self._record("instrument_response", pid, answers, visit_id=visit.id,
                                    instrument_id=inst.id, instrument_version=inst.version))
        return out

    def body(self, items: list[tuple[dict[str, Any], str]]) -> bytes:
        return json.dumps(build_request(study_version=self.study.study.version, corrections_cursor=0,
                                        items=items, allocation_blocks=self.blocks)).encode()

    def post(self, body: bytes) -> dict[str, Any]:
        resp = self.http.post("/api/v1/sync", content=body, headers=self.headers)
        resp.raise_for_status()
        return resp.json()

    def sync(self, items: list[tuple[dict[str, Any], str]]) -> dict[str, Any]:
        return self.post(self.body(items))


class BenchServer:
    """`trialpro-server serve` in its own process (as in production), plus a direct database handle for set-up."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.ctx = open_context(ServerConfig(data_dir=data_dir, database_url=database_url))
        self.proc = ProcessServer(data_dir, database_url)
        self.proc.env["PYTHONPATH"] = str(ROOT)
        self.proc.start()
        self.url = self.proc.url

    def close(self) -> None:
        self.proc.stop()
        self.ctx.engine.dispose()


def _server(tmp: Path, name: str, new_url: Callable[[], str | None]) -> BenchServer:
    return BenchServer(tmp / name, new_url())


def _close(srv: BenchServer) -> None:
    srv.close()


def ingest_rate(tmp: Path, new_url: Callable[[], str | None], n: int, batch: int) -> dict[str, float]:
    """Records/s for ``n`` records: through the API, and the plain SQL baselines of the same rows."""
    tmp.mkdir(parents=True)
    srv = _server(tmp, "api", new_url)
    try:
        kiosk = Kiosk(srv, random.Random(5))
        sent = kiosk.instrument_records(n)
        sent_ids = {rec["record_id"] for rec, _ in sent}
        bodies = [kiosk.body(chunk) for chunk in _chunks(sent, batch)]
        with srv.ctx.engine.connect() as conn:
            audit_before = conn.execute(select(func.max(audit_log.c.seq))).scalar_one()
        start = time.perf_counter()
        for body in bodies:
            answer = kiosk.post(body)
            assert all(r["status"] == "stored" for r in answer["results"])
        api_seconds = time.perf_counter() - start
        with srv.ctx.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(select(records).where(
                records.c.kind == "instrument_response")) if r.record_id in sent_ids]
            audit_rows = [dict(r._mapping) for r in conn.execute(select(audit_log).where(
                audit_log.c.seq > audit_before).order_by(audit_log.c.seq))]
    finally:
        _close(srv)
    assert len(rows) == n

    def plain_insert(tables: list[tuple[Any, list[dict[str, Any]]]]) -> float:
        ctx = open_context(ServerConfig(data_dir=tmp / f"baseline{len(tables)}", database_url=new_url()))
        try:
            start = time.perf_counter()
            with ctx.engine.begin() as conn:
                for table, table_rows in tables:
                    conn.execute(insert(table), table_rows)
            return time.perf_counter() - start
        finally:
            ctx.engine.dispose()

    records_only = plain_insert([(records, rows)])
    same_rows = plain_insert([(records, rows), (audit_log, audit_rows)])
    return {"api": n / api_seconds, "records_only": n / records_only, "same_rows": n / same_rows,
            "audit_rows": len(audit_rows)}


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _preload(ctx: ServerContext, template: dict[str, Any], total: int) -> None:
    """Fill ``records`` up to ``total`` rows with plain SQL (set-up, not measured)."""
    with ctx.engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM records")).scalar_one()
    rows = []
    for _ in range(total - have):
        rid = str(uuid.uuid4())
        rows.append({**template, "record_id": rid, "revision": 1, "content_hash": "sha256:" + uuid.uuid4().hex * 2})
    for chunk in _chunks(rows, 20_000):
        with ctx.engine.begin() as conn:
            conn.execute(insert(records), chunk)
    if ctx.engine.dialect.name == "postgresql":
        # the steady state of a real server: autovacuum would otherwise start on the fresh rows mid-measurement
        with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE records"))


def growth(tmp: Path, new_url: Callable[[], str | None], stored_sizes: list[int], batch: int,
           repeats: int = 5) -> dict[int, tuple[float, float]]:
    """Fastest of ``repeats`` syncs of ``batch`` new records, and of inserting ``batch`` rows with plain SQL,
    with each number of records already stored (the fastest run is the one least disturbed by other load)."""
    srv = _server(tmp, "growth", new_url)
    out = {}
    try:
        kiosk = Kiosk(srv, random.Random(7))
        kiosk.sync(kiosk.instrument_records(1))
        with srv.ctx.engine.connect() as conn:
            template = dict(conn.execute(select(records).where(records.c.kind == "instrument_response")
                                         .limit(1)).one()._mapping)
        for size in stored_sizes:
            _preload(srv.ctx, template, size)
            api, plain = [], []
            for _ in range(repeats):
                body = kiosk.body(kiosk.instrument_records(batch))
                start = time.perf_counter()
                kiosk.post(body)
                api.append(time.perf_counter() - start)
                rows = [{**template, "record_id": str(uuid.uuid4())} for _ in range(batch)]
                start = time.perf_counter()
                with srv.ctx.engine.begin() as conn:
                    conn.execute(insert(records), rows)
                plain.append(time.perf_counter() - start)
            out[size] = (min(api), min(plain))
    finally:
        _close(srv)
    return out


def run(name: str, new_url: Callable[[], str | None], args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix=f"trialpro-bench-{name}-") as tmp:
        runs = [ingest_rate(Path(tmp) / f"run{i}", new_url, args.records, args.batch) for i in range(args.repeats)]
        r = {k: max(run[k] for run in runs) for k in runs[0]}  # best of the runs, each measure on its own
        ratio = r["api"] / r["same_rows"]
        print(f"{name}: {args.records} records in batches of {args.batch} (best of {args.repeats} runs)\n"
              f"  API (validate, hash, audit, store, answer) {r['api']:8.0f} records/s\n"
              f"  plain SQL, the same rows (records + {r['audit_rows']} audit entries), one transaction "
              f"{r['same_rows']:8.0f} records/s -> ratio {ratio:.2f} (target >= 0.50)\n"
              f"  plain SQL, the records rows only, one transaction {r['records_only']:8.0f} records/s "
              f"-> ratio {r['api'] / r['records_only']:.2f}", flush=True)
        cost = growth(Path(tmp), new_url, [10_000, 100_000], args.batch)
        (api_small, plain_small), (api_large, plain_large) = cost[10_000], cost[100_000]
        print(f"  one sync of {args.batch} new records: {api_small * 1000:6.0f} ms with 10 000 stored, "
              f"{api_large * 1000:6.0f} ms with 100 000 stored (x{api_large / api_small:.2f}); plain SQL insert "
              f"of {args.batch} rows: {plain_small * 1000:5.0f} ms vs {plain_large * 1000:5.0f} ms "
              f"(x{plain_large / plain_small:.2f})", flush=True)
    return ratio >= 0.5


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--skip-postgres", action="store_true")
    args = p.parse_args(argv)
    ok = run("sqlite", lambda: None, args)
    if not args.skip_postgres:
        cluster = PostgresCluster(free_port()).start()
        try:
            ok = run("postgresql", cluster.new_database, args) and ok
        finally:
            cluster.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
