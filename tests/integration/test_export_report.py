"""`trialpro-server export report`: PDF, HTML and PNG pages whose numbers match the exported data.

The pages are copied to artifacts/report/ so a person can look at them (we did, page by page).
"""

from __future__ import annotations

import csv
import gc
import re
import shutil
import statistics
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from server.cli import main
from server.exports.current import ExportScope
from server.exports.report import PAGES
from server.exports.report_data import gather, wilson_interval
from server.storage.tables import audit_log
from tests.demo_template import DemoTemplates
from tests.studies import STUDY_FILES


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("study_name", sorted(STUDY_FILES))
def test_the_report_pages_are_written_and_agree_with_the_csv_export(tmp_path: Path, artifacts: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    study_name: str,
                                                                    demo_templates: DemoTemplates) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data_dir = tmp_path / "server"
    ctx = demo_templates.context(data_dir, admin_password="synthetic-demo-pass", study_file=STUDY_FILES[study_name])
    out = tmp_path / "report"
    gc.freeze()              # as a server worker does at start-up (tune_collector): a report must not undo it
    try:
        assert main(["export", "report", "--data-dir", str(data_dir), "--out", str(out)]) == 0
        assert gc.get_freeze_count() > 0   # still frozen (fewer only by those freed meanwhile)
    finally:
        gc.unfreeze()
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == len(PAGES) + 1 == 11
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == len(PAGES) + 1 and ctx.study.study.title_zh in html
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) == len(PAGES) + 1 and all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    shown = artifacts / f"report-{study_name}"
    shutil.rmtree(shown, ignore_errors=True)
    shown.mkdir(parents=True)
    for p in [*pages, out / "report.pdf", out / "report.html"]:
        shutil.copy(p, shown / p.name)

    # The numbers drawn come from gather(); check them against the independent CSV export of the same data.
    assert main(["export", "csv", "--data-dir", str(data_dir), "--out", str(tmp_path / "csv")]) == 0
    people = _rows(tmp_path / "csv" / "participants.csv")
    arm_of = {p["participant_id"]: p["arm"] for p in people}
    with ctx.engine.connect() as conn:
        data = gather(conn, ctx.study, ExportScope(), datetime.now(UTC).date())
    assert data.enrolled == {a.code: sum(1 for p in people if p["arm"] == a.code) for a in ctx.study.arms}
    aes = _rows(tmp_path / "csv" / "adverse_events.csv")
    assert data.with_ae == {a.code: len({e["participant_id"] for e in aes if arm_of[e["participant_id"]] == a.code})
                            for a in ctx.study.arms}
    assert data.sae_total == sum(1 for e in aes if e["serious"] == "true") == len(_rows(out / "sae_listing.csv"))
    treg: dict[tuple[str, str], list[float]] = defaultdict(list)
    primary = ctx.study.primary_lab_test()
    assert primary is not None
    for r in _rows(tmp_path / "csv" / "lab_results.csv"):
        if r["test_code"] == primary.code:
            treg[(arm_of[r["participant_id"]], r["visit_id"])].append(float(r["value"]))
    assert treg
    for (arm, visit), values in treg.items():
        run = data.get(f"lab_{primary.code}", arm, visit)
        assert run.n == len(values) and run.mean == pytest.approx(statistics.mean(values))
    vas: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in _rows(tmp_path / "csv" / "patient_global_vas.csv"):
        vas[(arm_of[r["participant_id"]], r["visit_id"])].append(float(r["activity"]))
    for (arm, visit), values in vas.items():
        run = data.get("patient_global", arm, visit)
        assert run.mean == pytest.approx(statistics.mean(values))
        if len(values) > 1:
            assert run.sd == pytest.approx(statistics.stdev(values))
    for arm in data.arms:                       # compliance can never exceed what was due
        assert 0 < data.forms_done[arm] <= data.forms_due[arm]
    arm = ctx.study.arms[-1].code
    lo, hi = wilson_interval(data.with_ae[arm], data.enrolled[arm])
    assert 0 <= lo <= data.with_ae[arm] / data.enrolled[arm] <= hi <= 1
    with ctx.engine.connect() as conn:
        assert conn.execute(select(audit_log.c.action).where(audit_log.c.action == "export.report")).first()
    ctx.engine.dispose()
