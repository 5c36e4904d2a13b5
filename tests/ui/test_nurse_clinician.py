"""ESSDAI and Physician Global VAS on the real widgets: the total shown is level x weight summed, saving
records it for the visit, and changing a saved entry is a correction that needs a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_client.services import clinician
from desktop_client.store import records as store_records
from tests.factories import enrol_participant, offline_station
from tests.ui.nurse_drive import click, open_home


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")
    yield st
    st.store.close()


def test_essdai_entry_shows_the_checked_total_and_a_change_is_a_correction_with_reason(qtbot, language,
                                                                                       station) -> None:
    pid = enrol_participant(station)   # (its baseline score was rated before randomisation: rate the screening)
    home = open_home(qtbot, station)
    page = home.go("clinician")
    page.participant.select(pid)
    page.visit.setCurrentIndex(page.visit.findData("screening"))
    levels = {"constitutional": 1, "lymphadenopathy": 0, "glandular": 2, "articular": 2, "cutaneous": 1,
              "pulmonary": 0, "renal": 0, "muscular": 0, "peripheral_nervous": 1, "central_nervous": 0,
              "haematological": 3, "biological": 2}
    for domain, level in list(levels.items())[:11]:
        page.level_buttons[domain][level].click()
    assert page.total.text() == "ESSDAI total: rate all 12 domains (11 rated)"
    click(qtbot, page.save_index_button)
    assert page.index_message.text() == "Not saved. Please correct:\n• ESSDAI Biological: required, not filled in"
    page.level_buttons["biological"][2].click()
    # by hand: 1x3 + 2x2 + 2x2 + 1x3 + 1x5 + 3x2 + 2x1 = 3 + 4 + 4 + 3 + 5 + 6 + 2 = 27
    assert page.total.text() == "ESSDAI total: 27 of 123 (high activity)"
    assert page.row_scores["haematological"].text() == "6" and page.row_scores["renal"].text() == "0"
    assert 1 not in page.level_buttons["central_nervous"]          # CNS has no "low" level
    click(qtbot, page.save_index_button)
    assert page.index_message.text() == f"Saved: ESSDAI 27 for {pid}."
    saved = clinician.existing_entry(station, pid, "screening", "essdai")
    assert saved["data"] == levels and saved["entered_by"] == "staff:nurse.a" and saved["revision"] == 1

    page.level_buttons["haematological"][1].click()
    assert page.total.text() == "ESSDAI total: 23 of 123 (high activity)"
    assert not page.index_reason.isHidden()
    click(qtbot, page.save_index_button)
    assert "give the reason" in page.index_message.text()
    assert clinician.existing_entry(station, pid, "screening", "essdai")["revision"] == 1
    page.index_reason.setText("haemoglobin result arrived")
    click(qtbot, page.save_index_button)
    corrected = clinician.existing_entry(station, pid, "screening", "essdai")
    assert corrected["revision"] == 2 and corrected["correction_reason"] == "haemoglobin result arrived"
    audit = store_records.audit_of(station.store, saved["record_id"])[-1]
    assert audit["action"] == "instrument_response.correct" and json.loads(audit["old"])["haematological"] == 3
    assert json.loads(audit["new"])["haematological"] == 1

    page.pga.setValue(4.5)
    click(qtbot, page.save_pga_button)
    assert page.pga_message.text() == f"Saved: Physician Global VAS 4.5 for {pid}."
    assert clinician.existing_entry(station, pid, "screening", "physician_global_vas")["data"] == {"activity": 4.5}

    page.visit.setCurrentIndex(page.visit.findData("week2"))         # ESSDAI is not due at week 2
    assert not page.index_box.isEnabled() and page.pga_box.isEnabled()
    assert page.index_state.text() == "ESSDAI is not due at this visit (study file)."


@pytest.mark.parametrize("code", ["en", "zh"])
def test_each_level_shows_its_definition_on_the_screen_and_touching_it_chooses_the_level(qtbot, language, station,
                                                                                         code) -> None:
    """Touch screens have no hover: the instrument file's level definitions are shown beside each level."""
    language.set(code)
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    page = home.go("clinician")
    page.participant.select(pid)
    inst = clinician.index_instrument(station.study)
    for item in inst.items:
        for choice in item.choices:
            definition = page.level_definitions[item.id][int(choice.code)]
            assert definition.text() == choice.description.in_language(code) and definition.isVisibleTo(page)
            assert choice.label.in_language(code) in page.level_buttons[item.id][int(choice.code)].text()
            assert page.level_buttons[item.id][int(choice.code)].toolTip() == ""
    qtbot.mouseClick(page.level_definitions["renal"][2], Qt.MouseButton.LeftButton)
    assert page.selected_levels()["renal"] == 2
