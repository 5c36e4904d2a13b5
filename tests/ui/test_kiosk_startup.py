"""`trialpro-client gui` starts from a real station in a fresh process; the language switches every text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shared.instruments import get_instrument
from tests.factories import PASSPHRASE, new_station
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import answer, click, current_page, start_session

ROOT = Path(__file__).resolve().parents[2]


def _gui(data_dir: Path, passphrase: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIALPRO_PASSPHRASE": passphrase, "TRIALPRO_STARTUP_PROBE": "exit",
           "QT_QPA_PLATFORM": "offscreen", **extra_env}
    return subprocess.run([sys.executable, "-m", "desktop_client.cli", "gui", "--data-dir", str(data_dir),
                           "--kiosk", "--idle-timeout", "60"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_the_client_opens_the_station_and_shows_the_locked_start_screen(tmp_path: Path) -> None:
    new_station(tmp_path / "station").store.close()
    done = _gui(tmp_path / "station", PASSPHRASE)
    assert done.returncode == 0, done.stderr
    assert "start-screen-shown" in done.stdout.splitlines()


def test_the_client_keeps_its_second_copy_where_the_environment_says(tmp_path: Path) -> None:
    new_station(tmp_path / "station").store.close()
    (tmp_path / "usb").mkdir()
    done = _gui(tmp_path / "station", PASSPHRASE, TRIALPRO_MIRROR_DIR=str(tmp_path / "usb"))
    assert done.returncode == 0, done.stderr
    [copy] = list((tmp_path / "usb").iterdir())
    assert (copy / "journal.tpj").stat().st_size > 0 and (copy / "station.key").exists()


def test_a_wrong_passphrase_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    new_station(tmp_path / "station").store.close()
    done = _gui(tmp_path / "station", "not the passphrase")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert "start-screen-shown" not in done.stdout


def test_switching_language_mid_session_changes_every_text_and_keeps_the_answers(
        qtbot: Any, make_window: Any, kiosk_station: KioskStation) -> None:
    window = make_window(language="zh")
    assert window.start.staff.text() == "工作人员"
    click(qtbot, window.start.english)
    assert window.start.staff.text() == "Staff"
    click(qtbot, window.start.chinese)
    start_session(qtbot, window, kiosk_station.by_arm["IL2"], "week2")
    view = window.session_view
    click(qtbot, view.next)
    page = current_page(window)
    dryness = get_instrument("esspri").item("dryness")
    assert page.main.question.text() == dryness.label.zh
    assert page.main.widget.low_anchor.text() == dryness.anchors[0].zh
    answer(qtbot, page.main.widget, 8)
    click(qtbot, view.language_button)                       # "English"
    assert page.main.question.text() == dryness.label.en
    assert (page.main.widget.low_anchor.text(), page.main.widget.high_anchor.text()) == \
        (dryness.anchors[0].en, dryness.anchors[1].en)
    assert view.next.text() == "Next" and view.title.text() == get_instrument("esspri").title.en
    assert page.main.widget.value() == 8
    click(qtbot, view.stop_button)
    click(qtbot, view.overlay.secondary)
    assert window.current_screen() is window.start and window.language.code == "zh"   # the next one starts in zh


def test_missing_chinese_translations_are_a_clear_error(qtbot: Any, tmp_path: Path) -> None:
    from desktop_client.bootstrap import ensure_application
    from desktop_client.ui.i18n import Language
    from shared.errors import MissingTranslations

    ensure_application()
    with pytest.raises(MissingTranslations, match=r"build\.py"):
        Language("zh", folder=tmp_path)
    with pytest.raises(ValueError, match="one of"):
        Language("fr")
