"""Refusals beside their fields (issue 22, point 4): the AE form frames each refused field, says why on the line
below it in the screen's language, and scrolls the first one into view; the result of an action (new participant
id, the arm after randomisation) is shown at the top of the screen, where the eye is."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QScrollArea

from tests.factories import enrol_participant, offline_station
from tests.ui.nurse_drive import (
    click,
    fill_screening,
    open_home,
    randomise_through_screen,
    score_eligibility_through_screen,
    screen_through_screen,
)


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk", arms=("IL2RAPA",))
    yield st
    st.store.close()


def in_view(widget) -> bool:
    """Whether ``widget`` is inside the visible part of the page that scrolls it."""
    area = widget.parentWidget()
    while not isinstance(area, QScrollArea):
        area = area.parentWidget()
    top = widget.mapTo(area.viewport(), QPoint(0, 0)).y()
    return 0 <= top and top + min(widget.height(), 40) <= area.viewport().height()


@pytest.mark.parametrize("code", ["en", "zh"])
def test_ae_refusals_are_beside_their_fields_and_the_first_is_in_view(qtbot, language, station, code) -> None:
    language.set(code)
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    home.resize(1280, 800)
    form = home.go("adverse_events")
    form.participant.select(pid)
    form.term.setText("Rash")
    click(qtbot, form.save_button)                    # grade, causality, action and outcome missing
    errors = form.field_errors
    for field in ("data.grade", "data.causality.il2", "data.action.rapamycin", "data.outcome"):
        line = errors.line_for(field)
        assert line.isVisible() and line.text(), field
    assert form.grade_buttons[1].parentWidget().property("invalid") is True          # the grade box is framed
    assert form.outcome.property("invalid") is True and form.term.property("invalid") is not True
    grade_box = form.grade_buttons[1].parentWidget()
    assert in_view(grade_box)                          # not only listed below Save, off-screen
    required = "required, not filled in" if code == "en" else "必填，尚未填写"
    assert required in errors.line_for("data.outcome").text()
    for grade_button in form.grade_buttons.values():
        assert grade_button.isVisible()
    form.grade_buttons[2].click()
    for drug in ("il2", "rapamycin"):
        form.causality[drug].setCurrentIndex(form.causality[drug].findData("possible"))
        form.action[drug].setCurrentIndex(form.action[drug].findData("none"))
    form.outcome.setCurrentIndex(form.outcome.findData("recovering"))
    click(qtbot, form.save_button)
    assert not errors.line_for("data.grade").isVisible() and form.outcome.property("invalid") is not True


def test_the_new_participant_id_and_the_arm_are_shown_at_the_top(qtbot, language, station) -> None:
    home = open_home(qtbot, station)
    home.resize(1280, 800)
    pid = screen_through_screen(qtbot, home)
    page = home.screening
    assert page.outcome_banner.isVisible() and pid in page.outcome_banner.text() and in_view(page.outcome_banner)
    score_eligibility_through_screen(qtbot, home, pid)
    page = randomise_through_screen(qtbot, home, pid)
    arm = station.study.arm(station.participant_arm(pid))
    assert page.outcome_banner.isVisible() and in_view(page.outcome_banner)
    assert pid in page.outcome_banner.text() and arm.name in page.outcome_banner.text()


def _shoot(home, artifacts: Path, code: str, name: str) -> None:
    QApplication.processEvents()
    out = artifacts / "screens" / f"{code}-1280x800"
    out.mkdir(parents=True, exist_ok=True)
    assert home.grab().save(str(out / f"nurse-{name}-field-errors.png"))


@pytest.mark.parametrize("code", ["en", "zh"])
def test_screening_refusals_are_beside_the_date_of_birth_and_the_consent(qtbot, language, station, artifacts,
                                                                         code) -> None:
    language.set(code)
    home = open_home(qtbot, station)
    home.resize(1280, 800)
    page = home.go("screening")
    fill_screening(page)
    today = page.screening_date.date()
    page.screening_date.setDate(today.addDays(-5))
    page.consent_date.setDate(today.addDays(-1))               # consent after the screening date
    page.date_of_birth.setDate(today.addDays(-1).addYears(-10))   # age 10 at consent: outside the age range
    click(qtbot, page.check_button)
    errors = page.field_errors
    born, consent = errors.line_for("date_of_birth"), errors.line_for("consent_date")
    outside, after = (("age 10 is outside", "consent date is after the screening date") if code == "en"
                      else ("年龄10岁，不在", "知情同意日期晚于筛选日期"))
    assert born.isVisible() and outside in born.text() and in_view(born)
    assert consent.isVisible() and after in consent.text() and in_view(consent)
    assert page.date_of_birth.property("invalid") is True and page.consent_date.property("invalid") is True
    assert page.sex.property("invalid") is not True
    assert in_view(page.date_of_birth)
    _shoot(home, artifacts, code, "screening")
    page.date_of_birth.setDate(today.addYears(-40))             # any edit takes the old refusals away
    assert not born.isVisible() and page.date_of_birth.property("invalid") is not True
    page.sex.setCurrentIndex(0)
    page.consent_given.setChecked(False)
    click(qtbot, page.check_button)                             # sex and consent missing: said beside them
    required = "required, not filled in" if code == "en" else "必填，尚未填写"
    assert errors.line_for("sex").isVisible() and required in errors.line_for("sex").text()
    assert required in errors.line_for("consent_given").text() and not born.isVisible()


@pytest.mark.parametrize("code", ["en", "zh"])
def test_an_unrated_clinician_domain_is_refused_beside_it_and_scrolled_into_view(qtbot, language, station,
                                                                                 artifacts, code) -> None:
    language.set(code)
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    home.resize(1280, 800)
    page = home.go("clinician")
    page.participant.select(pid)
    page.visit.setCurrentIndex(page.visit.findData("screening"))
    domains = list(page.level_buttons)
    for domain in domains[:-1]:
        page.level_buttons[domain][0].click()                   # the last domain left unrated
    click(qtbot, page.save_index_button)
    if page.window_warning is not None and page.window_warning.isVisible():
        click(qtbot, page.window_warning.buttons()[0])
    last = domains[-1]
    line = page.index_errors.line_for(f"data.{last}")
    required = "required, not filled in" if code == "en" else "必填，尚未填写"
    qtbot.waitUntil(lambda: in_view(line), timeout=20000)   # the page settles its layout, then scrolls
    assert line.isVisible() and required in line.text() and in_view(line)
    box = page.level_buttons[last][0].parentWidget()
    assert box.property("invalid") is True and in_view(box)
    assert page.level_buttons[domains[0]][0].parentWidget().property("invalid") is not True
    assert not page.index_errors.line_for(f"data.{domains[0]}").isVisible()
    _shoot(home, artifacts, code, "clinician")
    page.level_buttons[last][0].click()
    click(qtbot, page.save_index_button)
    if page.window_warning is not None and page.window_warning.isVisible():
        click(qtbot, page.window_warning.buttons()[0])
    assert not line.isVisible() and box.property("invalid") is not True
