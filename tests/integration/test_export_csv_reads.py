"""The CSV export reads the stored records in one streamed pass (issue 25: 3x a plain dump also on a slow disk):
the home dosing entries' dates that win over clinic diaries come from each participant's records in that pass,
not from a second scan of the whole records table. On SQLite the only other read of the table is the look-up of
corrected records (``export_reads``), a scan of the table in file order: the primary key's index is ordered by
random record ids, and reading it in key order is one random disk read per page when the cache is cold."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from server.exports.registry import run_export
from server.services.corrections import correct_record
from server.storage.tables import records
from tests.demo_template import DemoTemplates


def test_the_csv_export_reads_the_records_table_once_and_in_file_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_templates: DemoTemplates) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    ctx = demo_templates.context(tmp_path / "srv", admin_password="synthetic-demo-pass")
    with ctx.engine.begin() as conn:
        record_id = conn.execute(select(records.c.record_id).where(records.c.kind == "adverse_event")).scalar()
        ae = json.loads(conn.execute(select(records.c.body).where(records.c.record_id == record_id)).scalar())["data"]
        correct_record(conn, ctx.study, record_id, {**ae, "term": "headache, corrected"}, "typo", "user:dm.test")
    statements: list[str] = []
    parameters: dict[str, Any] = {}

    def seen(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        statements.append(" ".join(statement.split()))
        parameters[statements[-1]] = params

    event.listen(ctx.engine, "before_cursor_execute", seen)
    run_export(ctx.engine, ctx.study, "csv", tmp_path / "csv", actor="user:test")
    event.remove(ctx.engine, "before_cursor_execute", seen)
    of_records = [s for s in statements if s.startswith("SELECT") and "FROM records" in s]
    bodies = [s for s in of_records if "records.body" in s]
    others = [s for s in of_records if s not in bodies]
    assert len(bodies) == 1, bodies
    assert len(others) == 1, others
    with ctx.engine.connect() as conn:
        plan = " ".join(str(step[-1]) for step in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + others[0],
                                                                        parameters[others[0]] or ()))
    assert plan.startswith("SCAN records") and "INDEX" not in plan, plan
    with open(tmp_path / "csv" / "adverse_events.csv", encoding="utf-8", newline="") as fh:
        aes = [r for r in csv.DictReader(fh) if r["record_id"] == record_id]
    assert [(r["revision"], r["term"]) for r in aes] == [("2", "headache, corrected")]   # the newest revision only
    with open(tmp_path / "csv" / "dosing.csv", encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    # the demo's clinic diaries leave days to home entries: the dates still reach the dosing lines
    assert any(r["source"] == "clinic" and int(r["days_from_home"]) > 0 for r in lines)
    ctx.engine.dispose()
