"""The clinical-record screen on the real widgets (issue 18): staff record a medication, history, vital signs and
a pregnancy test for a participant, in nurse mode offline; refusals name the field on the form in the screen's
language; a correction needs a reason and becomes revision 2 with the old values in the local audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_client.store import outbox
from desktop_client.store import records as store_records
from tests.factories import enrol_participant, offline_station
from tests.ui.nurse_drive import click, open_home


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk", arms=("IL2RAPA",))
    yield st
    st.store.close()


def _choose(combo, code: str) -> None:
    index = combo.findData(code)
    assert index >= 0, code
    combo.setCurrentIndex(index)


def _fields(tab) -> dict:
    return {f.key: f.widget for f in tab.fields}


def test_a_medication_is_saved_offline_listed_and_corrected_with_a_reason(qtbot, language, station) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    page = home.go("clinical_record")
    page.participant.select(pid)
    tab = page.medications
    f = _fields(tab)
    f["name"].setText("Hydroxychloroquine")
    _choose(f["atc_class"], "P01BA")
    f["dose"].setText("200")
    _choose(f["dose_unit"], "mg")
    _choose(f["route"], "ORAL")
    _choose(f["frequency"], "BID")
    f["start_date"].setText("2024-03")
    f["ongoing"].setChecked(True)
    f["indication"].setText("Sjogren's syndrome")
    click(qtbot, tab.save_button)
    assert tab.message.text().startswith("Saved (revision 1)"), tab.message.text()
    saved = store_records.records_of(station.store, pid, kind="concomitant_medication")
    assert len(saved) == 1 and saved[0]["data"]["dose"] == 200 and saved[0]["entered_by"] == "staff:nurse.a"
    assert tab.table.rowCount() == 1 and tab.table.item(0, 0).text() == "Hydroxychloroquine"
    assert any(r["record_id"] == saved[0]["record_id"] for r, _hash in outbox.pending_batch(station.store, 100))

    tab.table.selectRow(0)
    click(qtbot, tab.correct_button)
    f["dose"].setText("400")
    click(qtbot, tab.save_button)
    assert "reason" in tab.message.text()                      # no correction without a reason
    tab.reason.setText("dose misread from the chart")
    click(qtbot, tab.save_button)
    assert tab.message.text().startswith("Saved (revision 2)"), tab.message.text()
    newest = store_records.latest(station.store, saved[0]["record_id"])
    assert newest["revision"] == 2 and newest["data"]["dose"] == 400
    assert newest["correction_reason"] == "dose misread from the chart"
    trail = store_records.audit_of(station.store, saved[0]["record_id"])
    assert any("\"dose\": 200" in (a.get("old") or "") for a in trail), trail


def test_refusals_name_the_field_on_the_form_in_english_and_chinese(qtbot, language, station) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    page = home.go("clinical_record")
    page.participant.select(pid)
    tab = page.vitals
    assert [tab.visit.itemData(i) for i in range(tab.visit.count())] == \
        station.study.clinical_record.vital_signs_visits
    f = _fields(tab)
    f["temperature"].setText("98.6")                           # Fahrenheit typed into the Celsius field
    f["systolic_bp"].setText("120")
    click(qtbot, tab.save_button)
    text = tab.message.text()
    assert text.startswith("Not saved"), text
    assert "Temperature (°C): 98.6 is not plausible (allowed 33-43)" in text
    assert "Diastolic blood pressure (mmHg)" in text or "Systolic blood pressure (mmHg)" in text
    assert store_records.records_of(station.store, pid, kind="vital_signs") == []
    beside = tab.field_errors.line_for("data.temperature")            # and beside the field itself, framed
    assert not beside.isHidden() and "98.6 is not plausible" in beside.text()
    assert f["temperature"].property("invalid") is True and f["heart_rate"].property("invalid") is not True

    language.set("zh")
    home = open_home(qtbot, station)
    page = home.go("clinical_record")
    page.participant.select(pid)
    tab = page.vitals
    _fields(tab)["temperature"].setText("98.6")
    click(qtbot, tab.save_button)
    assert "体温（°C）" in tab.message.text() and "不合理" in tab.message.text(), tab.message.text()


def test_vital_signs_and_a_pregnancy_test_are_saved_at_the_visits_the_study_names(qtbot, language,
                                                                                  station) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    page = home.go("clinical_record")
    page.participant.select(pid)
    vitals = page.vitals
    for key, value in (("systolic_bp", "128"), ("diastolic_bp", "82"), ("heart_rate", "72"),
                       ("temperature", "36.6"), ("weight", "58.5")):
        _fields(vitals)[key].setText(value)
    click(qtbot, vitals.save_button)
    assert vitals.message.text().startswith("Saved"), vitals.message.text()
    tests = page.pregnancy
    assert [tests.visit.itemData(i) for i in range(tests.visit.count())] == \
        station.study.clinical_record.pregnancy_test_visits
    _choose(_fields(tests)["method"], "urine")
    _choose(_fields(tests)["result"], "negative")
    click(qtbot, tests.save_button)
    assert tests.message.text().startswith("Saved"), tests.message.text()
    history = page.history
    _fields(history)["condition"].setText("Hypothyroidism")
    _fields(history)["start_date"].setText("2019")
    _fields(history)["ongoing"].setChecked(True)
    click(qtbot, history.save_button)
    kinds = {r["kind"] for r in store_records.records_of(station.store, pid)}
    assert {"vital_signs", "pregnancy_test", "medical_history"} <= kinds
    vs = store_records.records_of(station.store, pid, kind="vital_signs")[0]
    assert vs["visit_id"] == station.study.clinical_record.vital_signs_visits[0]
    assert vs["data"] == {"systolic_bp": 128, "diastolic_bp": 82, "heart_rate": 72, "temperature": 36.6,
                          "weight": 58.5}
