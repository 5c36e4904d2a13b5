"""The CSV export reads the stored records in one streamed pass (issue 25: 3x a plain dump also on a slow disk):
the home dosing entries' dates that win over clinic diaries come from each participant's records in that pass,
not from a second scan of the whole records table. On SQLite the only other read of the table is the key-only
look-up of corrected records (``export_reads``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from server.exports.registry import run_export
from tests.demo_template import DemoTemplates


def test_the_csv_export_reads_the_records_table_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      demo_templates: DemoTemplates) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    ctx = demo_templates.context(tmp_path / "srv", admin_password="synthetic-demo-pass")
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(ctx.engine, "before_cursor_execute", seen)
    run_export(ctx.engine, ctx.study, "csv", tmp_path / "csv", actor="user:test")
    of_records = [s for s in statements if s.startswith("SELECT") and "FROM records" in s]
    bodies = [s for s in of_records if "records.body" in s]
    others = [s for s in of_records if s not in bodies]
    assert len(bodies) == 1, bodies
    assert len(others) <= 1 and all(s.startswith("SELECT records.record_id, max(records.revision)") for s in others), \
        others
    with open(tmp_path / "csv" / "dosing.csv", encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    # the demo's clinic diaries leave days to home entries: the dates still reach the dosing lines
    assert any(r["source"] == "clinic" and int(r["days_from_home"]) > 0 for r in lines)
    ctx.engine.dispose()
