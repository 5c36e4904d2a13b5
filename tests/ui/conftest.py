"""Kiosk UI fixtures: one real server per module, a fresh enrolled SQLCipher station per test, the real window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_client.services.station import Station
from tests.factories import add_staff, enrol_participant, enrolled_station
from tests.live_server import ThreadServer, thread_server
from tests.studies import STUDY_FILES
from tests.ui.nurse_drive import app_language


@dataclass
class KioskStation:
    """An enrolled station with a staff account and one participant in each arm."""

    station: Station
    by_arm: dict[str, str]


@pytest.fixture(scope="module")
def kiosk_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """A server for NCT05605665, or for the study a test names (``indirect`` parametrisation by study name)."""
    name = getattr(request, "param", "nct05605665")
    with thread_server(tmp_path_factory.mktemp(f"kiosk-server-{name}"), study_file=STUDY_FILES[name]) as srv:
        yield srv


@pytest.fixture
def kiosk_station(tmp_path: Path, kiosk_server: ThreadServer) -> Iterator[KioskStation]:
    station, engine = enrolled_station(tmp_path / "station", kiosk_server)
    engine.close()
    add_staff(station)
    by_arm: dict[str, str] = {}
    for _ in range(12):   # the allocation is random in blocks of 3 or 6: a few enrolments cover every arm
        pid = enrol_participant(station)
        by_arm.setdefault(station.participant_arm(pid), pid)
        if len(by_arm) == len(station.study.arms):
            break
    assert set(by_arm) == {a.code for a in station.study.arms}
    try:
        yield KioskStation(station, by_arm)
    finally:
        station.store.close()


@pytest.fixture
def make_window(qtbot: object, kiosk_station: KioskStation) -> Iterator[Callable[..., object]]:
    """Build the real main window around the station (``ShellConfig`` keywords), 1280x800, shown."""
    from desktop_client.bootstrap import build_main_window
    from desktop_client.ui.main_window import ShellConfig

    windows = []

    def make(width: int = 1280, height: int = 800, **config: object) -> object:
        config.setdefault("language", "en")
        window = build_main_window(kiosk_station.station, ShellConfig(**config))  # type: ignore[arg-type]
        window.resize(width, height)
        window.show()
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        qtbot.waitExposed(window)  # type: ignore[attr-defined]
        window.activateWindow()
        qtbot.waitActive(window)  # type: ignore[attr-defined]
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.idle.stop()
        window.language.set("en")     # take the translators out of the application again
        window.quit_application()


@pytest.fixture
def language(qapp: object) -> Iterator[object]:
    """Switch the application's language for a test (nurse screens); restored afterwards."""
    with app_language(qapp) as lang:
        yield lang
