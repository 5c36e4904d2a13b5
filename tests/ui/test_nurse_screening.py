"""Screening and randomisation on the real widgets (issue 15): a screening is saved whatever its outcome and
gives the participant id; the allocation is revealed only on the randomisation screen, after eligibility is
confirmed from the scored eligibility-visit ESSDAI; nothing shows it before."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QLabel, QPushButton, QRadioButton, QSpinBox, QWidget

from desktop_client.store import records as store_records
from shared.eligibility import age_on
from tests.factories import offline_station
from tests.ui.nurse_drive import (
    click,
    enrol_through_screen,
    fill_screening,
    open_home,
    score_eligibility_through_screen,
    screen_through_screen,
)

ARM_NAMES = ("Rapamycin", "Low-dose IL-2", "IL-2")


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk", arms=("RAPA", "IL2", "IL2RAPA"))
    yield st
    st.store.close()


def _texts(widget: QWidget) -> str:
    return "\n".join(w.text() for cls in (QLabel, QPushButton, QCheckBox) for w in widget.findChildren(cls))


def _no_reveal(station) -> bool:
    return (station.store.query("SELECT * FROM allocation WHERE participant_id IS NOT NULL") == []
            and station.store.query("SELECT * FROM audit WHERE action = 'allocation.reveal'") == [])


def test_a_screen_failure_is_saved_in_the_log_with_each_failed_criterion_and_no_allocation(
        qtbot, language, station) -> None:
    home = open_home(qtbot, station)
    page = home.go("screening")
    fill_screening(page, year_of_birth=1950, consent=False, screening_essdai=3, present=("E3",), unmet=("I2",))
    click(qtbot, page.check_button)
    assert "enter the consent date" in page.result.text()   # a person is screened after consent
    assert not page.save_button.isEnabled()
    page.consent_given.setChecked(True)
    age = age_on(date(1950, 3, 14), date.today() - timedelta(days=1))
    assert page.age.text() == f"age {age} at consent"
    click(qtbot, page.check_button)
    text = page.result.text()
    assert text.startswith("Screen failure")
    for expected in ("I1 Aged 18 to 70 years: age", "I4 ESSDAI of 4 or more: ESSDAI 3 is below 4",
                     "I2 Meets the 2002 AECG",
                     "E3 Tumour, or history of tumour: present (excludes the participant)"):
        assert expected in text, expected
    assert "I3" not in text and "E1" not in text
    assert "I5" not in text and "E6" not in text     # computed from the clinical record at randomisation
    page.confirm_box.click()
    with qtbot.waitSignal(page.screened, timeout=20000) as signal:
        click(qtbot, page.save_button)
    pid = signal.args[0]
    assert pid == "PKU-001" and page.saved_label.text() == "Screened: PKU-001\nOutcome: screen failure"
    (rec,) = store_records.records_of(station.store, pid, kind="screening")
    assert rec["data"]["outcome"] == "screen_failure" and rec["data"]["failed_criteria"] == ["I1", "I2", "I4", "E3"]
    assert rec["data"]["birth_year_month"] == "1950-03" and "date_of_birth" not in json.dumps(rec["data"])
    assert station.participant_arm(pid) is None and _no_reveal(station)
    assert not any(name in _texts(page) for name in ARM_NAMES)

    language.set("zh")   # the same outcome, in Chinese, with the study file's Chinese criteria
    home = open_home(qtbot, station)
    page = home.go("screening")
    fill_screening(page, year_of_birth=1950, consent=True, screening_essdai=8)
    click(qtbot, page.check_button)
    assert page.result.text().startswith("筛选失败")
    assert "I1 年龄18至70岁: 年龄" in page.result.text() and "I2" not in page.result.text()


def test_age_comes_from_the_full_date_of_birth_typed_at_screening(qtbot, language, station) -> None:
    home = open_home(qtbot, station)
    page = home.go("screening")
    consent = date.today() - timedelta(days=1)
    born = consent.replace(year=consent.year - 18) + timedelta(days=10)   # 18 in ten days: 17 at consent
    fill_screening(page, born=born)
    assert page.age.text() == "age 17 at consent"
    click(qtbot, page.check_button)
    assert "I1 Aged 18 to 70 years: age 17 is outside 18-70" in page.result.text()
    fill_screening(page, born=consent.replace(year=consent.year - 70))    # 70 today: still eligible
    click(qtbot, page.check_button)
    assert page.result.text().startswith("Eligible at screening")


def test_a_pending_screening_is_saved_and_offered_for_randomisation_only_once_eligible(qtbot, language,
                                                                                   station) -> None:
    home = open_home(qtbot, station)
    pid = screen_through_screen(qtbot, home, unanswered=("I2",))
    (rec,) = store_records.records_of(station.store, pid, kind="screening")
    assert rec["data"]["outcome"] == "pending" and rec["data"]["failed_criteria"] == ["I2"]
    page = home.go("randomisation")
    assert page.participant.findData(pid) < 0       # pending: not offered for randomisation


def test_randomisation_only_after_eligibility_is_confirmed_from_the_scored_eligibility_visit(
        qtbot, language, station) -> None:
    home = open_home(qtbot, station)
    pid = screen_through_screen(qtbot, home, screening_essdai=9)
    screening = home.screening
    assert screening.saved_label.text() == "Screened: PKU-001\nOutcome: eligible"
    editable = [w for w in screening.findChildren(QWidget) if w.isEnabled() and w is not screening.next_button
                and isinstance(w, QPushButton | QCheckBox | QRadioButton | QSpinBox | QComboBox | QDateEdit)]
    assert editable == []
    assert _no_reveal(station) and not any(name in _texts(screening) for name in ARM_NAMES)

    page = home.go("randomisation")
    page.participant.setCurrentIndex(page.participant.findData(pid))
    assert page.left.text() == "Allocations left on this station: 12"      # how many, never which
    click(qtbot, page.check_button)
    assert page.result.text().startswith("Eligibility not confirmed")
    assert "I4 ESSDAI of 4 or more: no ESSDAI entered" in page.result.text()   # the typed 9 does not count
    assert not page.confirm_box.isEnabled() and not page.randomise_button.isEnabled()
    page.randomise()   # even a direct call refuses: nothing was confirmed
    assert _no_reveal(station)

    low = {d: 0 for d in home.clinician.level_buttons} | {"biological": 2}   # scored 2, below 4
    score_eligibility_through_screen(qtbot, home, pid, low)
    page = home.go("randomisation")
    page.participant.setCurrentIndex(page.participant.findData(pid))
    click(qtbot, page.check_button)
    assert "I4 ESSDAI of 4 or more: ESSDAI 2 is below 4" in page.result.text()
    assert not any(name in _texts(page) for name in ARM_NAMES) and _no_reveal(station)

    home.clinician.index_reason.setText("articular domain re-assessed")
    score_eligibility_through_screen(qtbot, home, pid, low | {"articular": 2})   # 2 + 4 = 6
    page = home.go("randomisation")
    page.participant.setCurrentIndex(page.participant.findData(pid))
    click(qtbot, page.check_button)
    assert page.result.text() == "Eligibility confirmed for PKU-001: every criterion is met (scored ESSDAI: 6)."
    assert not any(name in _texts(page) for name in ARM_NAMES)   # still nothing shows the allocation
    page.confirm_box.click()
    with qtbot.waitSignal(page.randomised, timeout=20000) as signal:
        click(qtbot, page.randomise_button)
    assert signal.args[0] == pid
    assert page.allocation.text() == "Randomised: PKU-001\nRandomisation number: 1\nAllocated arm: Rapamycin"
    (rand,) = store_records.records_of(station.store, pid, kind="randomisation")
    assert rand["data"]["arm"] == "RAPA" and rand["data"]["eligibility_score"] == 6
    assert rand["entered_by"] == "staff:nurse.a" and rand["visit_id"] == "baseline"
    reveal = station.store.query("SELECT actor, new FROM audit WHERE action = 'allocation.reveal'")
    assert reveal == [{"actor": "staff:nurse.a", "new": '{"number": 1, "arm": "RAPA"}'}]
    assert page.participant.findData(pid) < 0        # randomised once

    assert enrol_through_screen(qtbot, home, year_of_birth=1990, sex="M") == "PKU-002"   # never reused
    assert home.randomisation.allocation.text().endswith("Low-dose IL-2")
