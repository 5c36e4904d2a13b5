"""The course of the study in the exports, from the demo data (dispositions, a missed visit, staff deviations)
on SQLite and PostgreSQL: SDTM DS with DSSTDTC and DV with define.xml metadata, FHIR ResearchSubject.status,
CSV dispositions and deviations, and the disposition counts the report calls."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from lxml import etree

from server.cli import main
from server.services import course
from server.services import dashboard as board
from server.storage import dashboard as board_store
from shared.disposition import KIND as DISPOSITION_KIND
from shared.site_time import site_today
from tests.demo_template import DemoTemplates

R4_RESEARCH_SUBJECT_STATUS = {"candidate", "eligible", "follow-up", "ineligible", "not-registered", "off-study",
                              "on-study", "on-study-intervention", "on-study-observation", "pending-on-study",
                              "potential-candidate", "screening", "withdrawn"}   # R4 4.0.1 value set


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def data_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             demo_templates: DemoTemplates) -> Iterator[tuple]:
    cluster = None if request.param == "sqlite" else request.getfixturevalue("pg_cluster")
    folder = tmp_path_factory.mktemp(f"course-{request.param}")
    ctx = demo_templates.context(folder, admin_password="synthetic-demo-pass", cluster=cluster)
    url = ctx.config.database_url
    yield folder, url, ctx
    ctx.engine.dispose()


def _export(data_dir: tuple, fmt: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder, url, _ctx = data_dir
    if url:
        monkeypatch.setenv("DATABASE_URL", url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["export", fmt, "--data-dir", str(folder), "--out", str(out)]) == 0
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_sdtm_ds_carries_each_disposition_with_its_date_and_dv_every_deviation(
        data_dir: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _export(data_dir, "sdtm", tmp_path / "sdtm", monkeypatch)
    events = [r for r in _rows(out / "ds.csv") if r["DSCAT"] == "DISPOSITION EVENT"]
    # the demo: six completed the end-of-treatment visit, one withdrew, one stopped for an AE (issue 21 point 9)
    assert sorted(r["DSDECOD"] for r in events) == ["ADVERSE EVENT", *["COMPLETED"] * 6, "WITHDRAWAL BY SUBJECT"]
    assert all(r["DSSTDTC"] and r["DSSTDY"] and r["EPOCH"] for r in events)
    dv = _rows(out / "dv.csv")
    decoded = {r["DVDECOD"] for r in dv}
    assert {"STUDY TREATMENT DEVIATION", "STUDY PROCEDURE NOT DONE AS PLANNED", "MISSED VISIT"} <= decoded
    missed = next(r for r in dv if r["DVDECOD"] == "MISSED VISIT" and "Travelling" in r["DVTERM"])
    assert (missed["DVCAT"], missed["DVSCAT"]) == ("VISIT SCHEDULE", "MAJOR") and missed["DVSTDTC"]
    assert {r["DVSCAT"] for r in dv} <= {"MAJOR", "MINOR"} and all(r["DVTERM"] and r["EPOCH"] for r in dv)
    define = etree.parse(str(out / "define.xml"))
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    assert define.xpath("//odm:ItemGroupDef[@Name='DV']", namespaces=ns)
    dvscat = define.xpath("//odm:CodeList[@OID='CL.DVSCAT']/odm:CodeListItem/@CodedValue", namespaces=ns)
    assert sorted(dvscat) == ["MAJOR", "MINOR"]
    ds_terms = define.xpath("//odm:CodeList[@OID='CL.DSDECOD']/odm:CodeListItem/@CodedValue", namespaces=ns)
    assert {"COMPLETED", "WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP", "DEATH", "PHYSICIAN DECISION",
            "ADVERSE EVENT", "PROTOCOL DEVIATION", "OTHER"} <= set(ds_terms)


def test_fhir_research_subject_status_follows_the_disposition(data_dir: tuple, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = _export(data_dir, "fhir", tmp_path / "fhir", monkeypatch)
    subjects = [e["resource"] for line in (out / "participants.ndjson").read_text(encoding="utf-8").splitlines()
                for e in json.loads(line)["entry"] if e["resource"]["resourceType"] == "ResearchSubject"]
    statuses = sorted(s["status"] for s in subjects)
    assert set(statuses) <= R4_RESEARCH_SUBJECT_STATUS
    assert statuses.count("withdrawn") == 1 and statuses.count("off-study") == 7   # 6 completed, 1 for an AE
    assert all("end" in s["period"] for s in subjects if s["status"] != "on-study")
    assert all("end" not in s["period"] for s in subjects if s["status"] == "on-study")


def test_csv_lists_dispositions_and_deviations_and_the_report_can_count_them(
        data_dir: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _export(data_dir, "csv", tmp_path / "csv", monkeypatch)
    ended = _rows(out / "dispositions.csv")
    assert sorted((r["disposition_status"], r["disposition_reason"]) for r in ended) == [
        *[("completed", "")] * 6, ("discontinued", "adverse_event"), ("discontinued", "withdrawal_by_subject")]
    deviations = _rows(out / "deviations.csv")
    assert {r["deviation_source"] for r in deviations} == {"staff", "rule"}
    dictionary = {(r["file"], r["variable"]): r["label"] for r in _rows(out / "data_dictionary.csv")}
    assert dictionary[("deviations.csv", "deviation_term")] and dictionary[("dispositions.csv", "disposition_date")]
    _folder, _url, ctx = data_dir
    with ctx.engine.connect() as conn:
        counts = course.disposition_counts(conn, [s.id for s in ctx.study.sites]).as_dict()
    assert counts["completed"] == 6 and counts["discontinued_total"] == 2 and counts["on_study"] == 4
    assert counts["discontinued"]["withdrawal_by_subject"] == counts["discontinued"]["adverse_event"] == 1


def test_the_records_of_one_kind_are_the_current_records_of_that_kind_and_nothing_else(data_dir: tuple) -> None:
    """disposition_counts reads only the disposition records (issue 25: not every record of the study); they are
    the same current revisions, in the same order, as the whole read gives for that kind."""
    _folder, _url, ctx = data_dir
    with ctx.engine.connect() as conn:
        people = [p["participant_id"] for p in board_store.participants_of(conn, [s.id for s in ctx.study.sites])]
        every = board.current_records_of(conn, people)
        ended = board.current_records_of(conn, people, kind=DISPOSITION_KIND)
    assert set(ended) == set(every) == set(people)
    for pid in people:
        assert ended[pid] == [r for r in every[pid] if r["kind"] == DISPOSITION_KIND], pid
    assert sum(len(v) for v in ended.values()) == 8 < sum(len(v) for v in every.values())


def test_deviations_are_judged_at_the_data_cut_so_the_same_cut_gives_the_same_dv(
        data_dir: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missed visit is one whose window closed by the data cut (``--to``), not by the day of the export:
    no deviation lies after the cut, SDTM DV and deviations.csv agree, and the same cut gives the same rows."""
    _folder, _url, ctx = data_dir
    cut = site_today(ctx.study) - timedelta(days=8)   # the demo counts back from today: week 4 of some after it
    folder, url, _ctx = data_dir
    if url:
        monkeypatch.setenv("DATABASE_URL", url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)

    def export(fmt: str, name: str) -> Path:
        out = tmp_path / name
        assert main(["export", fmt, "--data-dir", str(folder), "--out", str(out), "--to", cut.isoformat()]) == 0
        return out

    def dv_of(out: Path) -> list[dict[str, str]]:
        return _rows(out / "dv.csv") if (out / "dv.csv").exists() else []   # DV is written when it has rows

    dv = dv_of(export("sdtm", "sdtm"))
    assert all(r["DVSTDTC"] <= cut.isoformat() for r in dv), [r["DVTERM"] for r in dv]
    csv_rows = _rows(export("csv", "csv") / "deviations.csv")
    assert all(r["deviation_date"] <= cut.isoformat() for r in csv_rows)
    assert sorted((r["DVSTDTC"], r["DVDECOD"]) for r in dv) == \
        sorted((r["deviation_date"], r["deviation_decod"]) for r in csv_rows)
    assert dv_of(export("sdtm", "again")) == dv


def test_the_deviations_list_judges_missed_visits_by_the_sites_day_not_the_utc_one(data_dir: tuple) -> None:
    """At 16:30 UTC it is already the next day in Beijing: the web list (course.deviations at the clock) counts
    a visit missed whose window closed on the UTC day, as the site's day says."""
    _folder, _url, ctx = data_dir
    sites = [s.id for s in ctx.study.sites]
    start = site_today(ctx.study)
    with ctx.engine.connect() as conn:
        def at(day: date) -> list:
            return course.deviations(conn, ctx.study, sites, day)

        closing = next(start + timedelta(days=n) for n in range(120)
                       if at(start + timedelta(days=n)) != at(start + timedelta(days=n + 1)))
        evening = datetime.combine(closing, time(16, 30), tzinfo=UTC)   # 00:30 next day at UTC+8
        assert course.deviations(conn, ctx.study, sites, now=evening) == at(closing + timedelta(days=1))


def test_the_report_counts_completed_discontinued_by_reason_and_on_study(
        data_dir: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16, point 2: dispositions are counted in the report (its HTML table, one row per arm)."""
    out = _export(data_dir, "report", tmp_path / "report", monkeypatch)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<th>Completed</th><th>Discontinued</th><th>On study</th>" in page        # the summary table's labels
    cells = re.findall(r"<td>(\d+)</td><td>(\d+)(?: \(([^)]*)\))?</td><td>(\d+)</td></tr>", page)
    assert sum(int(c[0]) for c in cells) == 6 and sum(int(c[1]) for c in cells) == 2
    assert sum(int(c[3]) for c in cells) == 4
    assert sorted(r for c in cells for r in c[2].split(", ") if r) == ["adverse event 1", "withdrawal by subject 1"]
