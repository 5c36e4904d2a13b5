"""`trialpro-server lab import`: the lab's Treg CSV is stored completely or not at all, audited, then exported."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from server.app import ServerContext
from server.cli import main
from server.services.audit import verify_chain
from server.storage.tables import audit_log, lab_results, participants
from tests.demo_template import DemoTemplates
from tests.postgres import PostgresCluster


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_templates: DemoTemplates,
        demo_cluster: PostgresCluster | None) -> Iterator[ServerContext]:
    """The demo study on SQLite and on PostgreSQL (a copy of the session's); the CLI finds the same database."""
    context = demo_templates.context(tmp_path / "server", admin_password="synthetic-demo-pass", cluster=demo_cluster)
    if context.config.database_url:
        monkeypatch.setenv("DATABASE_URL", context.config.database_url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    yield context
    context.engine.dispose()


def _write(path: Path, rows: list[list[str]], header: tuple[str, ...] = ("participant", "visit", "date", "value",
                                                                          "unit")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _pids(ctx: ServerContext) -> list[str]:
    with ctx.engine.connect() as conn:
        return [r.participant_id for r in conn.execute(select(participants.c.participant_id)
                                                       .order_by(participants.c.participant_id))]


def _results(ctx: ServerContext) -> list[tuple[str, str, float]]:
    with ctx.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(lab_results.c.participant_id, lab_results.c.visit_id,
                                                      lab_results.c.value).order_by(lab_results.c.result_id))]


def _lab(ctx: ServerContext, file: Path) -> int:
    return main(["lab", "import", str(file), "--data-dir", str(ctx.config.data_dir)])


def test_a_good_file_is_stored_audited_and_appears_in_the_csv_export(ctx: ServerContext, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    pids = _pids(ctx)
    before = _results(ctx)
    file = _write(tmp_path / "lab.csv", [[pids[0], "week2", "2026-10-20", "6.25", "%"],
                                         [pids[1], "week2", "2026-10-21", "5", "percent"]])
    assert _lab(ctx, file) == 0
    assert "2 results imported" in capsys.readouterr().out
    new = sorted(set(_results(ctx)) - set(before))
    assert new == sorted([(pids[0], "week2", 6.25), (pids[1], "week2", 5.0)])
    with ctx.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq))]
        assert verify_chain(conn).ok
    assert actions[-3:] == ["lab_result.create", "lab_result.create", "lab.import"]
    assert main(["export", "csv", "--data-dir", str(ctx.config.data_dir), "--out", str(tmp_path / "out")]) == 0
    with open(tmp_path / "out" / "lab_results.csv", encoding="utf-8") as fh:
        exported = {(r["participant_id"], r["visit_id"], float(r["value"]), r["unit"], r["source_file"])
                    for r in csv.DictReader(fh)}
    assert (pids[0], "week2", 6.25, "%", "lab.csv") in exported and (pids[1], "week2", 5.0, "%", "lab.csv") in exported


def test_one_bad_row_refuses_the_whole_file_and_says_row_field_value_and_allowed(
        ctx: ServerContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pids = _pids(ctx)
    before = _results(ctx)
    with ctx.engine.connect() as conn:
        audit_before = len(conn.execute(select(audit_log.c.seq)).all())
    file = _write(tmp_path / "lab.csv", [[pids[0], "week2", "2026-10-20", "6.25", "%"],
                                         [pids[1], "week2", "2026-10-21", "150", "%"],
                                         ["PKU-999", "week2", "2026-10-21", "4.1", "%"],
                                         [pids[2], "week2", "2026-10-21", "4.1", "cells/ul"]])
    assert _lab(ctx, file) == 2
    err = capsys.readouterr().err
    assert "nothing was stored" in err
    assert "row 3, value" in err and "'150'" in err and "from 0 to 100" in err
    assert "row 4, participant" in err and "'PKU-999' is not enrolled" in err
    assert "row 5, unit" in err and "'cells/ul'" in err
    assert _results(ctx) == before
    with ctx.engine.connect() as conn:
        assert len(conn.execute(select(audit_log.c.seq)).all()) == audit_before


def _stored(ctx: ServerContext) -> list[tuple[str, str, str, str, float, int, str | None]]:
    with ctx.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            lab_results.c.participant_id, lab_results.c.visit_id, lab_results.c.test_code, lab_results.c.sample_date,
            lab_results.c.value, lab_results.c.revision, lab_results.c.reason).order_by(lab_results.c.seq))]


GENERIC = ("participant", "visit", "date", "test_code", "value", "unit", "reason")


def test_a_result_already_stored_without_a_reason_or_twice_in_the_file_is_refused(
        ctx: ServerContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pids = _pids(ctx)
    pid, visit, test, day, *_ = _stored(ctx)[0]          # the demo already holds this result
    before = _stored(ctx)
    file = _write(tmp_path / "again.csv", [[pid, visit, day, test, "9.99", "%", ""],
                                           [pids[1], "week6", "2026-10-21", "ALT", "40", "U/L", ""],
                                           [pids[1], "week6", "2026-10-21", "ALT", "41", "U/L", ""],
                                           [pids[1], "week6", "2026-10-21", "AST", "30", "U/L", "typo"]],
                  header=GENERIC)
    assert _lab(ctx, file) == 2
    err = capsys.readouterr().err
    assert "row 2, reason" in err and "already stored" in err
    assert "row 4, date" in err and "also in row 3" in err
    assert "row 5, reason" in err and "to correct" in err
    assert _stored(ctx) == before


def test_any_number_of_results_per_visit_of_any_panel_test_including_unscheduled(
        ctx: ServerContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pid = _pids(ctx)[2]
    before = len(_stored(ctx))
    file = _write(tmp_path / "panel.csv", [[pid, "week6", "2026-10-21", "ALT", "40", "U/L", ""],
                                           [pid, "week6", "2026-10-21", "HGB", "128", "g/L", ""],
                                           [pid, "week6", "2026-10-21", "IL6", "3.25", "pg/mL", ""],
                                           [pid, "unscheduled", "2026-10-23", "ALT", "180", "U/L", ""],
                                           [pid, "unscheduled", "2026-10-30", "ALT", "45", "IU/L", ""]],
                  header=GENERIC)
    assert _lab(ctx, file) == 0
    assert "5 results imported, 0 corrected" in capsys.readouterr().out
    new = _stored(ctx)[before:]
    assert [(r[1], r[2], r[4]) for r in new] == [("week6", "ALT", 40.0), ("week6", "HGB", 128.0),
                                                 ("week6", "IL6", 3.25), ("unscheduled", "ALT", 180.0),
                                                 ("unscheduled", "ALT", 45.0)]


def test_a_correction_with_a_reason_is_a_new_revision_and_exports_show_the_corrected_value(
        ctx: ServerContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pid = _pids(ctx)[3]
    _write(tmp_path / "first.csv", [[pid, "week6", "2026-10-21", "NEUT", "0.80", "10^9/L", ""]], header=GENERIC)
    assert _lab(ctx, tmp_path / "first.csv") == 0
    fix = _write(tmp_path / "fix.csv", [[pid, "week6", "2026-10-21", "NEUT", "1.80", "10*9/L",
                                         "transcription error"]], header=GENERIC)
    assert _lab(ctx, fix) == 0
    assert "0 results imported, 1 corrected" in capsys.readouterr().out
    mine = [r for r in _stored(ctx) if (r[0], r[2], r[3]) == (pid, "NEUT", "2026-10-21")]
    assert [(r[4], r[5], r[6]) for r in mine] == [(0.8, 1, None), (1.8, 2, "transcription error")]
    with ctx.engine.connect() as conn:
        last = conn.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(2)).all()
        assert verify_chain(conn).ok
    assert [r.action for r in reversed(last)] == ["lab_result.correct", "lab.import"]
    assert last[1].reason == "transcription error" and '"value": 0.8' in last[1].old
    same = _write(tmp_path / "same.csv", [[pid, "week6", "2026-10-21", "NEUT", "1.80", "10*9/L", "again"]],
                  header=GENERIC)
    assert _lab(ctx, same) == 2 and "does not change" in capsys.readouterr().err
    out = tmp_path / "out"
    assert main(["export", "csv", "--data-dir", str(ctx.config.data_dir), "--out", str(out)]) == 0
    with open(out / "lab_results.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if (r["participant_id"], r["test_code"], r["sample_date"]) == (
            pid, "NEUT", "2026-10-21")]
    assert [(r["value"], r["revision"], r["reason"], r["loinc"], r["range_indicator"]) for r in rows] == [
        ("1.8", "2", "transcription error", "751-8", "NORMAL")]


def test_a_missing_column_or_file_is_a_clear_error(ctx: ServerContext, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    file = _write(tmp_path / "cols.csv", [["PKU-001", "week2", "2026-10-20", "6.25"]],
                  header=("participant", "visit", "date", "value"))
    assert _lab(ctx, file) == 2
    assert "column(s) unit missing" in capsys.readouterr().err
    file = _write(tmp_path / "cols2.csv", [["PKU-001", "week2", "ALT", "6.25", "U/L"]],
                  header=("participant", "visit", "test_code", "value", "unit"))
    assert _lab(ctx, file) == 2
    assert "column(s) date missing" in capsys.readouterr().err
    assert _lab(ctx, tmp_path / "nope.csv") == 2
    assert "cannot be read" in capsys.readouterr().err
