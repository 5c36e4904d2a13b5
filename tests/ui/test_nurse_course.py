"""The study course screen on the real widgets: a discontinuation with reason ends the schedule, a second save
is a correction that needs a reason, a missed visit and a staff deviation are listed with the rule-raised ones."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desktop_client.services import course, overview, recording
from tests.factories import enrol_participant, offline_station
from tests.ui.nurse_drive import click, open_home


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")
    yield st
    st.store.close()


def test_a_discontinuation_is_saved_then_corrected_with_a_reason_and_no_visit_is_overdue(qtbot, language,
                                                                                          station) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    page = home.go("course")
    page.participant.select(pid)
    assert page.state.text() == "On study: no disposition recorded." and page.correction_reason.isHidden()
    click(qtbot, page.save_disposition_button)
    assert page.disposition_message.text() == "Choose completed or discontinued."
    page.discontinued.click()
    page.reason.setCurrentIndex(page.reason.findData("other"))
    click(qtbot, page.save_disposition_button)
    assert "reason_text" in page.disposition_message.text() or "required" in page.disposition_message.text()
    page.reason.setCurrentIndex(page.reason.findData("withdrawal_by_subject"))
    click(qtbot, page.save_disposition_button)
    assert page.disposition_message.text() == f"Saved: disposition of {pid}."
    assert course.disposition_of(station, pid).reason == "withdrawal_by_subject"
    later = overview.site_today(station) + timedelta(days=60)
    view = overview.station_overview(station, today=later).participants[0]
    assert view.count(overview.OVERDUE) == 0 and view.count(overview.ENDED) > 0

    assert not page.correction_reason.isHidden() and "revision 1" in page.state.text()
    page.reason.setCurrentIndex(page.reason.findData("physician_decision"))
    click(qtbot, page.save_disposition_button)
    assert page.disposition_message.text().startswith("A disposition is recorded already")
    page.correction_reason.setText("The investigator ended it, not the participant")
    click(qtbot, page.save_disposition_button)
    assert course.current_disposition_record(station, pid)["revision"] == 2
    assert course.disposition_of(station, pid).reason == "physician_decision"


def test_a_missed_visit_and_a_deviation_are_listed_with_the_visit_rules(qtbot, language, station) -> None:
    pid = enrol_participant(station)
    for visit in ("baseline", "week2"):       # week2 today: before its window
        recording.record_vas(station, participant_id=pid, visit_id=visit, vas_mm=40)
    home = open_home(qtbot, station)
    page = home.go("course")
    page.participant.select(pid)
    page.missed_visit.setCurrentIndex(page.missed_visit.findData("week4"))
    click(qtbot, page.save_missed_button)
    assert "reason" in page.missed_message.text()            # a reason is required
    page.missed_reason.setText("Admitted to another hospital")
    click(qtbot, page.save_missed_button)
    assert page.missed_message.text() == "Saved: visit recorded as missed."
    page.missed_reason.setText("Twice")
    click(qtbot, page.save_missed_button)                    # the same visit again: refused, naming the record
    first = course.missed_visits_of(station, pid)
    assert first == {"week4": "Admitted to another hospital"}
    assert "already" in page.missed_message.text(), page.missed_message.text()
    page.category.setCurrentIndex(page.category.findData("study_treatment"))
    page.severity.setCurrentIndex(page.severity.findData("major"))
    page.description.setText("Took a double dose")
    click(qtbot, page.save_deviation_button)
    assert page.deviation_message.text() == "Saved: protocol deviation."
    listing = page.listing.text()
    assert "Week 2" in listing and "outside its window" in listing
    assert "Week 4" in listing and "Admitted to another hospital" in listing
    assert "Took a double dose (major)" in listing
