"""The study report's tables (issue 21 points 2-9) on the demo study, on SQLite and PostgreSQL:
primary_endpoint.csv holds exactly what the raw lab results say (computed here with scipy from the CSV export, not
from the report's code), every table has data, the same data give byte-identical tables, and the report is stamped
with its data cut."""

from __future__ import annotations

import csv
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest
from scipy import stats

from server.cli import main
from tests.demo_template import DemoTemplates
from tests.studies import STUDY_FILES


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module", params=[*sorted(STUDY_FILES), pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         demo_templates: DemoTemplates) -> Iterator[tuple]:
    """A copy of the seeded demo of each study on SQLite, and of NCT05605665 on PostgreSQL."""
    cluster = request.getfixturevalue("pg_cluster") if request.param == "postgresql" else None
    study_file = STUDY_FILES.get(request.param, STUDY_FILES["nct05605665"])
    folder = tmp_path_factory.mktemp(f"report-{request.param}")
    ctx = demo_templates.context(folder / "server", admin_password="synthetic-demo-pass", cluster=cluster,
                                 study_file=study_file)
    yield folder, ctx
    ctx.engine.dispose()


def _export(folder: Path, fmt: str, out: Path, *extra: str) -> Path:
    assert main(["export", fmt, "--data-dir", str(folder / "server"), "--out", str(out), *extra]) == 0
    return out


def _use_database(demo: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads DATABASE_URL: the demo's PostgreSQL database, or none (the SQLite file of the folder)."""
    url = demo[1].config.database_url
    if url:
        monkeypatch.setenv("DATABASE_URL", url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _database(demo: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    _use_database(demo, monkeypatch)


@pytest.fixture(scope="module")
def report(demo: tuple, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's report (English, no data cut) exported once per demo: two tests read it (suite budget: a report
    export of the demo is the costliest step here). Each test only reads the folder."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use_database(demo, monkeypatch)
        return _export(demo[0], "report", tmp_path_factory.mktemp("report-export") / "report")


def test_primary_endpoint_csv_matches_the_raw_lab_results(demo: tuple, report: Path, tmp_path: Path) -> None:
    folder, ctx = demo
    study = ctx.study
    raw = _export(folder, "csv", tmp_path / "csv")
    arm_of = {p["participant_id"]: p["arm"] for p in _rows(raw / "participants.csv")}
    primary, base_visit = study.primary_lab_test(), study.visit_with_role("baseline")
    end_visit = study.visit_with_role("primary_endpoint")
    assert primary is not None and base_visit is not None and end_visit is not None
    current: dict[str, dict[str, str]] = {}
    for r in _rows(raw / "lab_results.csv"):          # the current revision of each result
        if r["test_code"] == primary.code and int(r["revision"]) >= int(current.get(r["record_id"], r)["revision"]):
            current[r["record_id"]] = r
    value = {(r["participant_id"], r["visit_id"]): float(r["value"]) for r in current.values()}
    rows = _rows(report / "tables" / "primary_endpoint.csv")
    with open(report / "tables" / "primary_endpoint.csv", encoding="utf-8") as fh:
        assert fh.readline().strip() == "arm,n,mean_change,sd_change,ci_low,ci_high,median_change"
    assert [r["arm"] for r in rows] == [a.code for a in study.arms]
    for row in rows:
        change = [value[(p, end_visit.id)] - value[(p, base_visit.id)] for p, a in sorted(arm_of.items())
                  if a == row["arm"] and (p, end_visit.id) in value and (p, base_visit.id) in value]
        assert int(row["n"]) == len(change) >= 2            # the demo has completers in every arm (point 9)
        mean, sd = statistics.mean(change), statistics.stdev(change)
        low, high = stats.t.interval(0.95, len(change) - 1, loc=mean, scale=sd / len(change) ** 0.5)
        assert float(row["mean_change"]) == pytest.approx(mean, rel=1e-12)
        assert float(row["sd_change"]) == pytest.approx(sd, rel=1e-12)
        assert (float(row["ci_low"]), float(row["ci_high"])) == pytest.approx((low, high), rel=1e-12)
        assert float(row["median_change"]) == pytest.approx(statistics.median(change), rel=1e-12)


def test_every_table_of_the_demo_report_has_data_and_the_same_data_give_the_same_bytes(
        demo: tuple, report: Path, tmp_path: Path) -> None:
    folder, ctx = demo
    first = report
    second = _export(folder, "report", tmp_path / "two", "--language", "zh")   # an export is audited between
    names = sorted(p.name for p in (first / "tables").glob("*.csv"))
    assert {"flow.csv", "summary.csv", "baseline.csv", "primary_endpoint.csv", "primary_comparisons.csv",
            "secondary_by_visit.csv", "responders.csv", "ae_by_term.csv", "ae_related.csv", "ae_of_interest.csv",
            "sae_listing.csv", "lab_shift.csv", "compliance_summary.csv"} <= set(names)
    assert names == sorted(p.name for p in (second / "tables").glob("*.csv"))
    for name in names:
        assert (first / "tables" / name).read_bytes() == (second / "tables" / name).read_bytes(), name
        assert _rows(first / "tables" / name), f"{name} is empty on the demo"
    cut = dict(line.split("=", 1) for line in (first / "data_cut.txt").read_text(encoding="utf-8").splitlines())
    again = dict(line.split("=", 1) for line in (second / "data_cut.txt").read_text(encoding="utf-8").splitlines())
    assert cut["audit_entry_hash"].startswith("sha256:") and cut["audit_entry_hash"] == again["audit_entry_hash"]
    assert cut["audit_entry_hash"] in (first / "report.html").read_text(encoding="utf-8")
    assert "lang='zh'" in (second / "report.html").read_text(encoding="utf-8")
    summary = {(r["item"], r["arm"]): int(r["n"]) for r in _rows(first / "tables" / "summary.csv")}
    assert summary[("completed", "total")] >= len(ctx.study.arms) and summary[("discontinued", "total")] >= 1
    assert summary[("ongoing", "total")] >= 1
    flow = {(r["step"], r["arm"], r["reason"]): int(r["n"]) for r in _rows(first / "tables" / "flow.csv")}
    assert all(flow[("analysed", a.code, "")] == summary[("fas", a.code)] for a in ctx.study.arms)
    comparisons = _rows(first / "tables" / "primary_comparisons.csv")
    assert comparisons and all(r["ci_low"] and r["mann_whitney_p"] for r in comparisons)
    responders = _rows(first / "tables" / "responders.csv")
    assert {r["responder"] for r in responders} == {r.id for r in ctx.study.report.responders}


def test_the_data_cut_is_the_to_day_and_the_newest_data_change_by_then(demo: tuple, tmp_path: Path) -> None:
    folder, _ctx = demo
    out = _export(folder, "report", tmp_path / "cut", "--to", "2020-01-01")
    cut = dict(line.split("=", 1) for line in (out / "data_cut.txt").read_text(encoding="utf-8").splitlines())
    assert cut["data_cut"] == "2020-01-01T23:59:59.999Z"
    assert cut["audit_entry_hash"] == "None"      # nothing had changed by then


def test_the_report_reads_a_cut_down_adam_that_gives_every_table_unchanged(demo: tuple) -> None:
    """Issue 25: the report keeps only the ADQS/ADLB rows and variables its tables read (memory); every table and
    the trajectories must equal those computed from the full ``build_adam`` datasets."""
    from server.analysis.adam import build_adam
    from server.exports.current import ALL
    from server.exports.report import report_adam, report_tables
    from server.exports.report_tables import participant_trajectories
    from server.storage.engine import reading

    _folder, ctx = demo
    with reading(ctx.engine) as conn:
        full, cut = build_adam(conn, ctx.study, scope=ALL), report_adam(conn, ctx.study, ALL)
    kept = type(cut.adqs[0]).__slots__           # the BDS variables the tables read, in slots (not a dict)
    assert len(cut.adqs) <= len(full.adqs) and set(kept) < set(full.adlb[0]) and len(kept) < len(full.adqs[0])
    assert len(cut.adsl) == len(full.adsl) and cut.adae == full.adae
    assert all(c.items() < f.items() for c, f in zip(cut.adsl, full.adsl, strict=True))   # fewer ADSL variables
    assert [(t.name, t.rows) for t in report_tables(ctx.study, cut)] == \
        [(t.name, t.rows) for t in report_tables(ctx.study, full)]
    assert participant_trajectories(ctx.study, cut) == participant_trajectories(ctx.study, full)


def test_the_report_context_reads_adqs_as_columns_and_gives_every_table_of_the_full_adam(demo: tuple) -> None:
    """Issue 25: the export keeps ADQS as columns filled while each participant is read (no row object kept);
    every table must equal the one computed from the full ``build_adam`` datasets."""
    from server.analysis.adam import build_adam
    from server.exports.current import ALL
    from server.exports.report import report_context, report_tables
    from server.storage.engine import reading

    _folder, ctx = demo
    with reading(ctx.engine) as conn:
        full = build_adam(conn, ctx.study, scope=ALL)
        context, _data = report_context(conn, ctx.study)
    assert [(t.name, t.rows) for t in context.tables.values()] == \
        [(t.name, t.rows) for t in report_tables(ctx.study, full)]
    assert any(t.name == "secondary_by_visit" and t.rows for t in context.tables.values())


def test_one_read_of_the_participants_gives_the_report_its_adam_compliance_listing_and_treated_count(
        demo: tuple) -> None:
    """Issue 25: the report reads the participants once (``gather_with_adam``) for its ADaM datasets, compliance.csv,
    the home-diary compliance and the flow's first doses; each equals what the separate reads give."""
    from datetime import date

    from server.exports.current import ALL, ExportScope
    from server.exports.report import _adsl_keys, _report_part, report_adam
    from server.exports.report_data import gather, gather_with_adam
    from server.exports.report_flow import gather_flow
    from server.services.exposure import first_dose_dates
    from server.storage.engine import reading

    def plain(rows: list) -> list:
        return [r if isinstance(r, dict) else tuple(getattr(r, k) for k in r.__slots__) for r in rows]

    _folder, ctx = demo
    study, as_of = ctx.study, date(2030, 1, 1)
    with reading(ctx.engine) as conn:
        read = gather_with_adam(conn, study, ALL, as_of, _report_part(_adsl_keys(study)))
        alone, data = report_adam(conn, study, ALL), gather(conn, study, ALL, as_of)
        doses = first_dose_dates(conn, study)
        fas = {a.code: sum(1 for r in read.adam.adsl if r["ARMCD"] == a.code and r["FASFL"] == "Y")
               for a in study.arms}
        flow = gather_flow(conn, study, ALL, fas, first_doses=read.data.first_doses)
        assert flow == gather_flow(conn, study, ALL, fas)
        cut = gather_with_adam(conn, study, ExportScope(date_to=date(2030, 1, 1)), as_of,
                               _report_part(_adsl_keys(study)))
    for name in ("adsl", "adqs", "adlb", "adae"):
        assert plain(getattr(read.adam, name)) == plain(getattr(alone, name)), name
    assert read.data.compliance_rows == data.compliance_rows and len(data.compliance_rows) > 0
    assert read.data.home_compliance == data.home_compliance
    firsts = read.data.first_doses
    assert firsts is not None and len(firsts) == len(alone.adsl)   # every randomised one
    assert {p: d for p, d in firsts.items() if d} == {p: d for p, d in doses.items() if d} != {}
    assert cut.data.first_doses is None     # records cut by dates: the flow reads its own first doses
