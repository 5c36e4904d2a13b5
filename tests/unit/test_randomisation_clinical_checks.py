"""Issue 18 on the kiosk's own randomisation path (``enrolment.randomise``, the one the nurse screen calls):
inclusion I5 (negative pregnancy test within the study file's window) and exclusion E6 (a biologic ATC class
within the look-back) are computed from the clinical record by ``RANDOMISATION_CHECKS`` and block the reveal."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desktop_client.services import clinical_record, enrolment
from shared.errors import NotEligible
from tests.factories import offline_station, record_eligibility_score, screen_participant

BIOLOGIC = {"name": "Rituximab", "atc_class": "L01FA", "dose": 1000, "dose_unit": "mg", "route": "INTRAVENOUS",
            "frequency": "ONCE", "start_date": "2026-09-20", "end_date": "2026-09-20", "ongoing": False,
            "indication": "Sjogren's syndrome"}


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")
    yield st
    st.store.close()


def _today(station) -> str:
    return datetime.now(ZoneInfo(station.site_timezone)).date().isoformat()


def _unrandomised(station) -> None:
    assert station.store.query("SELECT COUNT(*) AS n FROM allocation WHERE participant_id IS NOT NULL")[0]["n"] == 0


def test_a_woman_of_childbearing_potential_is_randomised_only_after_a_negative_test(station) -> None:
    pid = screen_participant(station, childbearing_potential=True)
    record_eligibility_score(station, pid)
    with pytest.raises(NotEligible, match="I5") as refused:
        enrolment.randomise(station, pid, actor="staff:nurse.a")
    assert [f["criterion_id"] for f in refused.value.details["failures"]] == ["I5"]
    _unrandomised(station)
    visit = station.study.clinical_record.pregnancy_test_visits[0]
    clinical_record.record_entry(station, pid, "pregnancy_test", {"test_date": _today(station), "method": "urine",
                                                                  "result": "negative"},
                                 actor="staff:nurse.a", visit_id=visit)
    assert enrolment.randomise(station, pid, actor="staff:nurse.a")["kind"] == "randomisation"


def test_a_biologic_within_the_look_back_blocks_randomisation_whatever_its_name(station) -> None:
    pid = screen_participant(station)                       # not of childbearing potential: no test needed
    record_eligibility_score(station, pid)
    clinical_record.record_entry(station, pid, "concomitant_medication", {**BIOLOGIC, "name": "Study drug X"},
                                 actor="staff:nurse.a")     # 43 days before the screening date (2026-11-02)
    with pytest.raises(NotEligible, match="E6") as refused:
        enrolment.randomise(station, pid, actor="staff:nurse.a")
    assert [f["criterion_id"] for f in refused.value.details["failures"]] == ["E6"]
    _unrandomised(station)
