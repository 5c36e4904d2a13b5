"""Imported lab results reach the kiosk with its next sync: nurse mode shows each result's normal range, flag and
CTCAE grade, proposes an AE for a graded one, and a correction on the server replaces the value on the kiosk."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_client.services import lab_results
from server.services.lab_import import import_lab_file
from tests.factories import enrol_participant, enrolled_station
from tests.live_server import ThreadServer


def _import(server: ThreadServer, path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["participant", "visit", "date", "test_code", "value", "unit", "reason"])
        w.writerows(rows)
    with server.ctx.engine.begin() as conn:
        import_lab_file(conn, server.ctx.study, path, actor="test:lab")


def test_lab_results_and_their_corrections_reach_nurse_mode_with_the_ae_they_propose(
        tmp_path: Path, server: ThreadServer) -> None:
    station, engine = enrolled_station(tmp_path / "kiosk", server)
    pid = enrol_participant(station)
    assert engine.sync().labs_received == 0
    day = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    _import(server, tmp_path / "lab.csv", [[pid, "baseline", day, "ALT", "170", "U/L", ""],
                                           [pid, "baseline", day, "HGB", "140", "g/L", ""]])
    assert engine.sync().labs_received == 2
    lines = {line.test_code: line for line in lab_results.lab_lines(station, pid)}
    # 170 U/L is 3.4 x the male and 4.25 x the female ULN: grade 2 either way; 140 g/L is normal for both sexes
    assert (lines["ALT"].flag, lines["ALT"].grade, lines["HGB"].flag, lines["HGB"].grade) == ("HIGH", 2, "NORMAL",
                                                                                              None)
    proposals = lab_results.proposals(station, pid)
    assert [(p.test_code, p.term, p.onset_date) for p in proposals] == [
        ("ALT", "Alanine aminotransferase increased", day)]
    draft = lab_results.draft_from_lab(station, proposals[0])
    assert (draft.term, draft.grade, draft.onset_date.isoformat()) == (proposals[0].term, proposals[0].grade, day)
    assert set(draft.causality) == set(station.study.arm(station.participant_arm(pid) or "").drugs)

    _import(server, tmp_path / "fix.csv", [[pid, "baseline", day, "ALT", "30", "U/L", "sample mix-up"]])
    assert engine.sync().labs_received == 1
    alt = next(line for line in lab_results.lab_lines(station, pid) if line.test_code == "ALT")
    assert (alt.value, alt.revision, alt.reason, alt.grade, alt.flag) == (30.0, 2, "sample mix-up", None, "NORMAL")
    assert lab_results.proposals(station, pid) == []
    assert engine.sync().labs_received == 0                                   # the cursor moved on
    engine.close()
    station.store.close()
