"""Symptom review and adverse events on the real widgets: a new or worse symptom stands out and opens a
pre-filled report; a serious event shows the 24 h banner and goes first in the outbox; corrections need a
reason and keep the old value in the audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_client.store import outbox
from desktop_client.store import records as store_records
from shared.study import load_study
from tests.factories import enrol_participant, offline_station
from tests.studies import SYNTHETIC_STUDY_FILE
from tests.ui.nurse_drive import click, open_home, record_checklist


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk", arms=("IL2RAPA",))
    yield st
    st.store.close()


def _choose(combo, code: str) -> None:
    combo.setCurrentIndex(combo.findData(code))


def _new_report(home, pid: str, term: str, grade: int, causality: str, action: str, outcome: str):
    """The AE screen for ``pid`` with a new report filled in (same causality and action for both drugs)."""
    form = home.go("adverse_events")
    form.participant.select(pid)
    form.term.setText(term)
    form.grade_buttons[grade].click()
    for drug in ("il2", "rapamycin"):
        _choose(form.causality[drug], causality)
        _choose(form.action[drug], action)
    _choose(form.outcome, outcome)
    return form


def test_a_worse_symptom_is_highlighted_and_opens_a_prefilled_adverse_event(qtbot, language, station) -> None:
    pid = enrol_participant(station)
    record_checklist(station, pid, "week2", {"rash": "mild", "arthralgia": "moderate"})
    record_checklist(station, pid, "week4", {"rash": "severe", "arthralgia": "moderate"})
    home = open_home(qtbot, station)
    review = home.go("symptoms")
    assert review.visits.item(0).text().startswith("Week 4 (") and review.visits.item(0).text().endswith(
        "2 reported, 1 new or worse")
    table = review.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["Rash", "Joint pain"]
    assert table.item(0, 3).text() == "▲ WORSE than at the last visit" and table.item(0, 2).text() == "mild"
    assert table.item(0, 0).font().bold() and not table.item(1, 0).font().bold()
    assert table.item(1, 3).text() == "same as at the last visit"

    table.selectRow(0)
    click(qtbot, review.ae_button)
    form = home.adverse_events
    assert home.pages.currentWidget() is form
    assert form.term.text() == "Rash" and form.grade.checkedId() == 3 and form.visit.currentData() == "week4"
    assert form.source.text().startswith("Pre-filled from the symptom checklist (Week 4): Rash, severe.")
    assert form.banner.isHidden()
    click(qtbot, form.save_button)                   # causality, action and outcome are still to choose
    problems = form.message.text()
    lines = problems.splitlines()
    assert lines[0] == "Not saved. Please correct:"
    assert set(lines[1:]) == {f"• {what}: required, not filled in" for what in (
        "Causality to IL-2", "Action taken with IL-2", "Causality to rapamycin", "Action taken with rapamycin",
        "Outcome")}
    assert store_records.records_of(station.store, pid, kind="adverse_event") == []
    for drug in ("il2", "rapamycin"):
        _choose(form.causality[drug], "possible")
        _choose(form.action[drug], "none")
    _choose(form.outcome, "recovering")
    click(qtbot, form.save_button)
    (ae,) = store_records.records_of(station.store, pid, kind="adverse_event")
    assert ae["data"]["source_symptom"] == "rash" and ae["data"]["grade"] == 3 and ae["data"]["serious"] is False
    assert ae["entered_by"] == "staff:nurse.a" and ae["visit_id"] == "week4"


def test_a_serious_adverse_event_shows_the_24h_banner_and_is_sent_first(qtbot, language, station) -> None:
    pid = enrol_participant(station)
    record_checklist(station, pid, "week2", {"fever": "mild"})
    home = open_home(qtbot, station)
    form = _new_report(home, pid, "Pneumonia", 5, "unlikely", "withdrawn", "fatal")
    form.criteria["hospitalisation"].click()
    assert not form.banner.isHidden() and "within 24 hours" in form.banner.text()
    assert form.serious_state.text() == "Serious: YES"
    click(qtbot, form.save_button)                   # grade 5 needs death ticked
    assert "• CTCAE grade: grade 5 needs the event to be serious with 'Results in death' ticked" \
        in form.message.text()
    form.criteria["death"].click()
    # a serious event asks when the site became aware; a fatal one for the date of death and its end date
    assert not form.aware.isHidden() and not form.death.isHidden() and form.nonserious.isHidden()
    click(qtbot, form.save_button)
    assert "• End date: required when the outcome is recovered, recovered with sequelae or fatal" \
        in form.message.text()
    form.ended.setChecked(True)
    click(qtbot, form.save_button)
    (ae,) = store_records.records_of(station.store, pid, kind="adverse_event")
    assert ae["data"]["serious"] is True and ae["data"]["serious_criteria"] == ["death", "hospitalisation"]
    assert ae["data"]["death_date"] == ae["data"]["end_date"] and ae["data"]["awareness_at"][:10] == \
        ae["data"]["end_date"]
    assert "Report by " in form.banner.text() and not form.banner.isHidden()
    kinds = [(r["kind"], r["record_id"]) for r, _ in outbox.pending_batch(station.store, 10)]
    # saved after the checklist, sent before it: only the screening, the score it was randomised on and the
    # randomisation go earlier (issue 15)
    assert [k for k, _ in kinds] == ["screening", "instrument_response", "randomisation", "adverse_event",
                                     "instrument_response"]
    assert kinds[3][1] == ae["record_id"]
    assert form.banner.geometry().bottom() < form.form_box.geometry().top()   # above the form, not below it


def test_a_correction_asks_for_a_reason_and_the_audit_keeps_the_old_value(qtbot, language, station) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station, username="nurse.b")
    form = _new_report(home, pid, "Headache", 1, "possible", "none", "recovered")
    form.ended.setChecked(True)
    click(qtbot, form.save_button)
    (saved,) = store_records.records_of(station.store, pid, kind="adverse_event")

    click(qtbot, form.new_button)
    form.reports.selectRow(0)
    click(qtbot, form.correct_button)
    assert form.term.text() == "Headache" and form.grade.checkedId() == 1 and not form.reason.isHidden()
    form.grade_buttons[2].click()
    click(qtbot, form.save_button)
    assert form.message.text() == "A correction needs a reason: say why the report changes."
    form.reason.setText("needed paracetamol: grade 2")
    click(qtbot, form.save_button)
    (now,) = store_records.records_of(station.store, pid, kind="adverse_event")
    assert now["record_id"] == saved["record_id"] and now["revision"] == 2 and now["data"]["grade"] == 2
    audit = store_records.audit_of(station.store, saved["record_id"])
    assert [(a["action"], a["actor"]) for a in audit] == [("adverse_event.create", "staff:nurse.b"),
                                                           ("adverse_event.correct", "staff:nurse.b")]
    assert json.loads(audit[1]["old"])["grade"] == 1 and audit[1]["reason"] == "needed paracetamol: grade 2"
    assert form.reports.item(0, 4).text() == "2"


def test_grade_4_not_serious_asks_for_a_reason_and_a_chinese_term_for_its_translation(qtbot, language,
                                                                                       station) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    form = _new_report(home, pid, "中性粒细胞减少", 4, "possible", "interrupted", "recovering")
    assert not form.nonserious.isHidden() and form.aware.isHidden() and form.death.isHidden()
    click(qtbot, form.save_button)
    assert form.message.text().splitlines()[1:] == [
        "• Reason it is not serious: grade 4 or 5 recorded as not serious: confirm why"]
    form.nonserious.setText("Laboratory finding only, no clinical consequence")
    form.term_en.setText("Neutropenia")
    click(qtbot, form.save_button)
    (ae,) = store_records.records_of(station.store, pid, kind="adverse_event")
    assert ae["data"]["nonserious_reason"].startswith("Laboratory") and ae["data"]["term_en"] == "Neutropenia"


def test_the_ae_form_asks_causality_and_action_for_the_drugs_of_the_study_file(qtbot, tmp_path: Path) -> None:
    """Another study, another arm: one row per drug of the study file; a drug the arm does not take is not
    asked (its row is hidden, nothing saved for it); the saved body keys causality and action by drug id."""
    study = load_study(SYNTHETIC_STUDY_FILE)
    one_drug = next(a for a in study.arms if len(a.drugs) == 1)
    (taken,) = one_drug.drugs
    other = next(d for d in study.drug_ids if d != taken)
    station = offline_station(tmp_path / "kiosk", arms=(one_drug.code,), study=study)
    try:
        pid = enrol_participant(station)
        home = open_home(qtbot, station)
        form = home.go("adverse_events")
        form.participant.select(pid)
        assert set(form.causality) == set(form.action) == set(study.drug_ids)
        assert form.causality[other].isHidden() and form.action[other].isHidden()
        assert not form.causality[taken].isHidden() and form.causality[taken].currentData() is None
        form.term.setText("Synthetic headache")
        form.grade_buttons[1].click()
        _choose(form.outcome, "recovered")
        form.ended.setChecked(True)
        click(qtbot, form.save_button)
        label = study.drug(taken).label
        assert set(form.message.text().splitlines()[1:]) == {f"• Causality to {label}: required, not filled in",
                                                             f"• Action taken with {label}: required, not filled in"}
        _choose(form.causality[taken], "possible")
        _choose(form.action[taken], "none")
        click(qtbot, form.save_button)
        (ae,) = store_records.records_of(station.store, pid, kind="adverse_event")
        assert ae["data"]["causality"] == {taken: "possible"}
        assert ae["data"]["action"] == {taken: "none"}
    finally:
        station.store.close()
