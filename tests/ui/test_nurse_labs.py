"""Nurse mode's lab results on the real widgets: abnormal results stand out with their grade, a graded result
without an AE is proposed, and accepting the proposal opens the AE form pre-filled (nothing saved yet)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from desktop_client.store import labs as store_labs
from desktop_client.store import records as store_records
from tests.factories import enrol_participant, offline_station
from tests.ui.nurse_drive import click, open_home


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk", arms=("IL2RAPA",))
    yield st
    st.store.close()


def _lab(pid: str, rid: str, code: str, value: float, unit: str, revision: int = 1, reason: str | None = None):
    return {"result_id": rid, "revision": revision, "participant_id": pid, "visit_id": "week4", "test_code": code,
            "sample_date": "2026-10-20", "value": value, "unit": unit, "sex": "F", "reason": reason}


def test_graded_lab_results_stand_out_and_a_proposal_opens_a_prefilled_adverse_event(qtbot, language,
                                                                                     station) -> None:
    pid = enrol_participant(station)
    with station.store.transaction() as conn:          # as the sync engine keeps what the server sends down
        store_labs.keep(conn, [_lab(pid, "r-alt", "ALT", 30.0, "U/L"),
                               _lab(pid, "r-alt", "ALT", 170.0, "U/L", 2, "re-read from the analyser"),
                               _lab(pid, "r-hgb", "HGB", 128.0, "g/L"),
                               _lab(pid, "r-neu", "NEUT", 0.8, "10*9/L")])
    home = open_home(qtbot, station)
    page = home.go("labs")
    page.participant.select(pid)
    page.reload()
    table = page.table
    rows = {table.item(r, 2).text(): [table.item(r, c).text() for c in range(7)] for r in range(table.rowCount())}
    assert set(rows) == {"Alanine Aminotransferase", "Hemoglobin", "Neutrophils"}
    assert rows["Alanine Aminotransferase"][3:] == ["170 U/L ✎", "7–40", "HIGH", "2"]       # the newest revision
    assert rows["Hemoglobin"][5:] == ["NORMAL", ""] and rows["Neutrophils"][5:] == ["LOW", "3"]
    assert [page.proposal_list.item(i).text().split(":")[0] for i in range(page.proposal_list.count())] == [
        "Alanine aminotransferase increased, grade 2", "Neutrophil count decreased, grade 3"]

    click(qtbot, page.ae_button)
    form = home.adverse_events
    assert home.pages.currentWidget() is form and form.participant.participant_id() == pid
    assert form.term.text() == "Alanine aminotransferase increased" and form.grade.checkedId() == 2
    assert form.onset.date().toPython() == date(2026, 10, 20)
    assert form.source.text().startswith("Pre-filled from a lab result: Alanine Aminotransferase 170 U/L")
    assert store_records.records_of(station.store, pid, kind="adverse_event") == []    # nothing saved yet
