"""Every message in the screen's language (issue 22, point 4): on the Chinese screens each error path of nurse
mode says what happened in Chinese, never raw English such as "[Errno 111] Connection refused"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop_client.services.sync_engine import SyncSettings
from desktop_client.ui.nurse.sync import failure_text
from shared.errors import (
    DeviceNotAuthorised,
    EnrolmentCodeInvalid,
    RecordInvalid,
    ServerUnreachable,
    ServerUrlInvalid,
    StudyMismatch,
    SyncFailed,
    TooManyEnrolmentAttempts,
)
from tests.factories import enrol_participant, offline_station
from tests.ui.nurse_drive import click, open_home

ENGLISH = re.compile(r"[A-Za-z]{2,}[,.:;]?\s+[A-Za-z]{2,}")        # two English words in a row
FAST = SyncSettings(attempts=1, timeout_seconds=2.0, backoff_multiplier=0.01)


def english_in(text: str) -> list[str]:
    return ENGLISH.findall(text)


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk", arms=("IL2RAPA",))
    yield st
    st.store.close()


def test_a_sync_to_a_server_that_does_not_answer_says_so_in_chinese(qtbot, language, station) -> None:
    language.set("zh")
    home = open_home(qtbot, station, sync_settings=FAST)       # the station's server: 127.0.0.1:9, nobody there
    page = home.go("sync")
    click(qtbot, page.sync_button)
    text = page.message.text()
    assert "服务器地址没有响应" in text and english_in(text) == [], text
    assert "Errno" not in text


def test_every_sync_and_enrolment_failure_reads_in_chinese(qtbot, language) -> None:
    language.set("zh")
    failures = [ServerUnreachable("[Errno 111] Connection refused"), DeviceNotAuthorised("token revoked"),
                StudyMismatch("server runs another study"), ServerUrlInvalid("not a url"),
                EnrolmentCodeInvalid("unknown code"), TooManyEnrolmentAttempts("slow down"),
                SyncFailed("HTTP 500 from server"), RecordInvalid([]), OSError("disk on fire")]
    for exc in failures:
        text = failure_text(exc)
        assert english_in(text) == [], (type(exc).__name__, text)


def test_refusals_and_warnings_of_the_forms_read_in_chinese(qtbot, language, station) -> None:
    language.set("zh")
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    form = home.go("adverse_events")
    form.participant.select(pid)
    form.term.setText("皮疹")
    click(qtbot, form.save_button)
    shown = [form.message.text()] + [form.field_errors.line_for(f).text()
                                     for f in ("data.grade", "data.outcome", "data.causality.il2")]
    for text in shown:
        assert text and english_in(text) == [], text
    clinician = home.go("clinician")
    clinician.participant.select(pid)
    clinician.visit.setCurrentIndex(clinician.visit.findData("week12"))
    for buttons in clinician.level_buttons.values():
        buttons[0].click()
    click(qtbot, clinician.save_index_button)          # long before week 12's window
    box = clinician.window_warning
    texts = [box.text(), box.windowTitle(), *(b.text() for b in box.buttons())]
    for text in texts:
        assert english_in(text) == [], text
