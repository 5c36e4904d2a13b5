"""Screening and enrolment on the real widgets: a failing participant is refused with the failed criteria
named; a passing one is enrolled after confirmation and the revealed arm cannot be edited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QPushButton, QRadioButton, QSpinBox, QWidget

from desktop_client.store import records as store_records
from tests.factories import offline_station
from tests.ui.nurse_drive import click, enrol_through_screen, fill_screening, open_home


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk", arms=("RAPA", "IL2", "IL2RAPA"))
    yield st
    st.store.close()


def test_a_failing_participant_cannot_be_enrolled_and_the_screen_names_each_failed_criterion(
        qtbot, language, station) -> None:
    home = open_home(qtbot, station)
    page = home.go("screening")
    fill_screening(page, year_of_birth=1950, consent=False, baseline_essdai=3, present=("E3",), unmet=("I2",))
    year = date.today().year
    assert page.age.text() == f"age {year - 1950} in {year}"
    click(qtbot, page.check_button)
    text = page.result.text()
    assert text.startswith("Not eligible")
    for expected in ("I1 Aged 18 to 70 years: age", "I4 ESSDAI of 4 or more: ESSDAI 3 is below 4",
                     "I2 Meets the 2002 AECG", "I6 Written informed consent signed (consent date recorded): "
                     "no consent date", "E3 Tumour, or history of tumour: present (excludes the participant)"):
        assert expected in text, expected
    assert "I3" not in text and "E1" not in text
    assert "I5" not in text and "E6" not in text     # computed from the clinical record at randomisation
    assert not page.confirm_box.isEnabled() and not page.enrol_button.isEnabled()
    page.enrol()   # even a direct call refuses: nothing was checked as eligible
    assert station.participants() == [] and station.store.query("SELECT * FROM records") == []

    language.set("zh")   # the same refusal, in Chinese, with the study file's Chinese criteria
    home = open_home(qtbot, station)
    page = home.go("screening")
    fill_screening(page, year_of_birth=1950, consent=True, baseline_essdai=8)
    click(qtbot, page.check_button)
    assert page.result.text().startswith("不符合条件")
    assert f"I1 年龄18至70岁: 年龄{date.today().year - 1950}岁，不在18-70岁范围内" in page.result.text()
    assert "I2" not in page.result.text()


def test_a_passing_participant_is_enrolled_with_a_revealed_arm_that_cannot_be_edited(qtbot, language,
                                                                                     station) -> None:
    home = open_home(qtbot, station)
    page = home.go("screening")
    fill_screening(page)
    click(qtbot, page.check_button)
    assert page.result.text() == "Eligible: all 14 criteria are met."
    assert page.confirm_box.isEnabled() and not page.enrol_button.isEnabled()   # confirmation first
    page.eligibility_score.setValue(9)             # any edit after the check needs a new check
    assert not page.confirm_box.isEnabled()
    click(qtbot, page.check_button)
    page.confirm_box.click()
    assert page.enrol_button.isEnabled()
    with qtbot.waitSignal(page.enrolled) as signal:
        click(qtbot, page.enrol_button)
    pid = signal.args[0]
    assert pid == "PKU-001"
    assert page.allocation.text() == "Enrolled: PKU-001\nAllocated arm: Rapamycin"
    editable = [w for w in page.findChildren(QWidget) if w.isEnabled() and w is not page.next_button
                and isinstance(w, QPushButton | QCheckBox | QRadioButton | QSpinBox | QComboBox | QDateEdit)]
    assert editable == []                         # the reveal is final: nothing on the screen can change it

    (enrolment,) = store_records.records_of(station.store, pid, kind="enrolment")
    assert enrolment["entered_by"] == "staff:nurse.a"
    assert enrolment["data"]["arm"] == "RAPA" and enrolment["data"]["baseline_essdai"] == 9
    assert enrolment["data"]["year_of_birth"] == 1975 and "name" not in json.dumps(enrolment["data"])
    reveal = station.store.query("SELECT actor, new FROM audit WHERE action = 'allocation.reveal'")
    assert reveal == [{"actor": "staff:nurse.a", "new": '{"number": 1, "arm": "RAPA"}'}]

    assert enrol_through_screen(qtbot, home, year_of_birth=1990, sex="M") == "PKU-002"   # never reused
    assert page.allocation.text().endswith("Low-dose IL-2")
