"""Nurse-mode saves run off the UI thread: while another writer holds the station database's write lock, the
screen keeps answering (timers fire, buttons respond), says "Saving…", and says "Saved" only after COMMIT."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from desktop_client.services import clinician
from desktop_client.store import open_store
from desktop_client.ui import workers
from tests.factories import PASSPHRASE, enrol_participant, offline_station
from tests.ui.nurse_drive import open_home


@pytest.fixture
def station(tmp_path: Path):
    st = offline_station(tmp_path / "kiosk")
    yield st
    st.store.close()


class WriteLockHolder:
    """A second connection to the same encrypted file holding BEGIN IMMEDIATE until released (another writer)."""

    def __init__(self, data_dir: Path) -> None:
        self.store = open_store(data_dir, PASSPHRASE)
        self.holding = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        with self.store.transaction():
            self.holding.set()
            self.release.wait(timeout=30)

    def __enter__(self) -> WriteLockHolder:
        self.thread.start()
        assert self.holding.wait(timeout=10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.thread.join(timeout=30)
        self.store.close()


def test_the_screen_answers_while_a_save_waits_for_the_database(qtbot, language, station) -> None:
    pid = enrol_participant(station)
    home = open_home(qtbot, station)
    page = home.go("clinician")
    page.participant.select(pid)
    page.visit.setCurrentIndex(page.visit.findData("screening"))   # baseline's was rated before randomisation
    for buttons in page.level_buttons.values():
        buttons[min(buttons)].click()
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    with WriteLockHolder(station.store.path.parent):
        page.save_index_button.click()                        # returns at once: the save waits in a worker
        assert workers.busy()
        assert page.index_message.text() == "Saving…" and not page.save_index_button.isEnabled()
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=20000)   # the event loop runs: timers fire
        first = page.level_buttons["articular"]
        first[max(first)].click()                             # and a click on the form is handled at once
        assert page.row_scores["articular"].text() != "0"
        assert workers.busy() and page.index_message.text() == "Saving…"   # not "Saved" before COMMIT
    qtbot.waitUntil(lambda: not workers.busy(), timeout=15000)
    timer.stop()
    assert page.index_message.text().startswith("Saved:")
    assert clinician.existing_entry(station, pid, "baseline", page.index.id)["revision"] == 1
