"""The report's participant flow (issue 21 point 2, issue 15 point 2): a real server fed by a real kiosk over
HTTP; tables/flow.csv holds exactly the flow of what was screened, randomised, treated and withdrawn, and the
first page of the PDF shows it."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop_client.services import course
from server.cli import main
from shared.disposition import REASONS
from shared.site_time import site_today
from tests.factories import enrol_participant, enrolled_station, screen_participant
from tests.live_server import ThreadServer

NURSE = "staff:nurse.a"


def test_the_flow_counts_screen_failures_by_criterion_and_each_arm_to_its_disposition(
        tmp_path: Path, server: ThreadServer, monkeypatch: pytest.MonkeyPatch) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    try:
        enrolled = [enrol_participant(station) for _ in range(4)]
        for unmet in (("I2",), ("E2",), ("I2", "E2")):
            screen_participant(station, unmet=unmet)
        screen_participant(station)                          # eligible, never randomised
        arm_of = {p["participant_id"]: p["arm"] for p in station.participants() if p["participant_id"] in enrolled}
        assert len(set(arm_of.values())) >= 2                # two arms at least
        # the eligibility score is a form of the baseline visit here, so everyone randomised has a first dose
        # (shared.exposure: the baseline date when no diary says otherwise)
        treated = enrolled
        gone = enrolled[0]
        day = site_today(station.study, station.study.sites[0].id)
        course.record_disposition(station, gone, course.disposition_data("discontinued", day,
                                                                          "withdrawal_by_subject"), actor=NURSE)
        assert engine.sync().rejected == []
    finally:
        engine.close()
        station.store.close()

    monkeypatch.delenv("DATABASE_URL", raising=False)
    if server.ctx.config.database_url:
        monkeypatch.setenv("DATABASE_URL", server.ctx.config.database_url)
    out = tmp_path / "report"
    assert main(["export", "report", "--data-dir", str(server.ctx.config.data_dir), "--out", str(out)]) == 0
    with open(out / "tables" / "flow.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["step", "arm", "reason", "n"]
    got = {(r["step"], r["arm"], r["reason"]): int(r["n"]) for r in rows}
    assert len(got) == len(rows)                             # one line per step, arm and reason
    criteria = [c.id for c in (*station.study.inclusion, *station.study.exclusion)]
    expected = {("screened", "", ""): 8, ("screen_failure", "", ""): 3, ("pending", "", ""): 0,
                ("eligible_not_randomised", "", ""): 1}
    expected |= {("screen_failure", "", c): {"I2": 2, "E2": 2}.get(c, 0) for c in criteria}
    per_arm, with_dose = Counter(arm_of.values()), Counter(arm_of[p] for p in treated)
    for arm in (a.code for a in station.study.arms):
        left = int(arm_of[gone] == arm)
        expected |= {("randomised", arm, ""): per_arm[arm], ("treated", arm, ""): with_dose[arm],
                     ("discontinued", arm, ""): left, ("completed", arm, ""): 0,
                     ("on_study", arm, ""): per_arm[arm] - left,
                     # analysed = the full analysis set: no primary lab value was imported, so nobody yet
                     ("analysed", arm, ""): 0}
        expected |= {("discontinued", arm, r): left if r == "withdrawal_by_subject" else 0 for r in REASONS}
    assert got == expected

    first_page = PdfReader(out / "report.pdf").pages[1].extract_text()   # after the title page
    assert "Participant flow" in first_page and "Screen failures" in first_page
    assert "n = 3" in first_page and "Screened" in first_page
