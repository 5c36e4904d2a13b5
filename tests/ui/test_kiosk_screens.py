"""Every kiosk screen in both languages and both sizes: rendered to PNG, fully translated, large and touchable.

The PNGs land in artifacts/screens/<language>-<size>/ for a reviewer to look at (the synthetic second study's
in artifacts/screens/synth0002-<language>-<size>/: every screen runs for both studies).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLabel, QLineEdit, QListWidget, QWidget

from desktop_client.ui import theme
from desktop_client.ui.i18n import I18N_DIR
from desktop_client.ui.i18n.build import SOURCES, unfinished
from desktop_client.ui.kiosk.question_page import QuestionPage
from desktop_client.ui.unlock import UnlockScreen
from desktop_client.ui.widgets.vas_line import VasLine
from shared.study import default_study
from tests.factories import PASSPHRASE, new_station
from tests.studies import STUDY_FILES
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import (
    answer,
    click,
    current_page,
    deliver_deferred_deletes,
    sign_in,
    start_session,
    touch_vas,
    widget_texts,
)

# Words that stay as they are in Chinese: ids, the instrument's and the drug's names, the language's own name.
ALLOWED_LATIN = [r"[A-Z]{2,8}-\d{3}", r"ESSPRI", r"IL-2", r"English", r"Nurse A", r"nurse\.a"]  # last two: account data


def untranslated(texts: list[str], extra: tuple[str, ...] = ()) -> list[str]:
    """Texts that still hold an English word once the allowed ones are taken out."""
    bad = []
    for text in texts:
        rest = text
        # the texts given whole go first: an allowed pattern (a participant id) can match inside a random recovery
        # key ("...-BSME-357V-..."), and the key was then no longer found (a flaky failure, once in a full run)
        for pattern in (*map(re.escape, extra), *ALLOWED_LATIN):
            rest = re.sub(pattern, "", rest)
        if re.search(r"[A-Za-z]{2,}", rest):
            bad.append(text)
    return bad


def too_small(root: QWidget) -> list[str]:
    """Visible widgets under ``root`` that break the kiosk's minimums (18 pt type, 48 px touch targets)."""
    problems = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        w.ensurePolished()
        name = w.objectName() or (w.text() if hasattr(w, "text") else type(w).__name__)
        if isinstance(w, QAbstractButton) and (w.height() < theme.TOUCH_MIN_PX or w.width() < theme.TOUCH_MIN_PX):
            problems.append(f"button {name!r} is {w.width()}x{w.height()} px")
        has_text = (isinstance(w, QLabel | QAbstractButton | QLineEdit) and w.text()) or isinstance(w, QListWidget)
        if has_text and w.font().pointSizeF() < theme.SMALLEST_PT:
            problems.append(f"{type(w).__name__} {name!r} uses {w.font().pointSizeF()} pt")
        if isinstance(w, QAbstractScrollArea) and w.horizontalScrollBar().isVisible():
            problems.append(f"{type(w).__name__} {name!r} scrolls sideways: something is too wide")
    return problems


def walk_every_screen(qtbot: Any, window: Any, kiosk: KioskStation, shoot: Callable[[str, QWidget], None]) -> None:
    """Start, failed sign-in, staff screen, every question (with follow-ups open), refused review, full review,
    stop and idle warnings, thank-you: ``shoot(name, widget)`` at each."""
    shoot("start", window)
    sign_in(qtbot, window, password="not the password")
    shoot("sign-in-failed", window)
    click(qtbot, window.sign_in.cancel)
    sign_in(qtbot, window)
    shoot("staff-choose-participant", window)
    click(qtbot, window.setup.lock)
    study = kiosk.station.study
    most_drugs = max(study.arms, key=lambda a: len(a.drugs)).code        # every arm-specific question is asked
    visit = study.visits_with_role("lab")[1].id                          # a follow-up visit
    start_session(qtbot, window, kiosk.by_arm[most_drugs], visit)
    view = window.session_view
    n = 0
    while not view.on_review():
        page = current_page(window)
        n += 1
        name = f"q{n:02d}-{page.question.instrument.id}-{page.question.item.id}"
        if isinstance(page.main.widget, VasLine):
            shoot(name + "-untouched", window)
            touch_vas(qtbot, page.main.widget, 58)
            shoot(name + "-marked", window)
            view.show_page(view.current_index())
            page.main.widget.set_value(None)               # leave it unanswered to get the refusal below
            view._form.answer(page.question.instrument.id, page.question.item.id, None)
        else:
            widget = page.main.widget
            if page.follow is not None:
                answer(qtbot, widget, True)
                first = page.follow.widget.buttons()[0]
                click(qtbot, first)
            else:
                click(qtbot, widget.buttons()[-1])
            shoot(name, window)
        click(qtbot, view.next)
    click(qtbot, view.submit_button)
    shoot("review-refused", window)
    vas = study.instrument_with_role("patient_global")
    click(qtbot, view.review.change_buttons[(vas.id, vas.items[0].id)])
    touch_vas(qtbot, current_page(window).main.widget, 58)
    shoot("change-from-review", window)
    click(qtbot, view.next)
    shoot("review", window)
    click(qtbot, view.stop_button)
    shoot("stop-confirm", window)
    click(qtbot, view.overlay.primary)
    window._idle_warning()                                 # what the idle clock shows before it discards
    shoot("idle-warning", window)
    click(qtbot, window.idle_overlay.primary)
    click(qtbot, view.submit_button)
    qtbot.waitUntil(view.on_thanks, timeout=20000)
    shoot("thank-you", window)
    click(qtbot, view.thanks.done)
    shoot("start-after-session", window)


SIZES = [("en", 1280, 800), ("zh", 1280, 800), ("en", 1920, 1080), ("zh", 1920, 1080)]


@pytest.mark.parametrize("kiosk_server", sorted(STUDY_FILES), indirect=True)
@pytest.mark.parametrize(("language", "width", "height"), SIZES, ids=[f"{s[0]}-{s[1]}x{s[2]}" for s in SIZES])
def test_every_screen_renders_translated_large_and_touchable(qtbot: Any, make_window: Any,
                                                            kiosk_station: KioskStation, artifacts: Path,
                                                            language: str, width: int, height: int) -> None:
    study = kiosk_station.station.study.study.id
    prefix = "" if study == default_study().study.id else f"{study.lower()}-"   # the second study beside the first
    out = artifacts / "screens" / f"{prefix}{language}-{width}x{height}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    window = make_window(width, height, language=language)
    shots: list[str] = []
    problems: dict[str, list[str]] = {}

    def shoot(name: str, widget: QWidget) -> None:
        qtbot.wait(1)
        shots.append(name)
        assert widget.grab().save(str(out / f"{len(shots):02d}-{name}.png"))
        found = too_small(widget)
        if language == "zh":
            found += [f"not translated: {t!r}" for t in untranslated(widget_texts(widget, visible_only=True))]
        if found:
            problems[name] = found

    walk_every_screen(qtbot, window, kiosk_station, shoot)
    assert problems == {}
    assert len(shots) >= 12 and len(list(out.glob("*.png"))) == len(shots)
    deliver_deferred_deletes()
    assert window.current_screen() is window.start and window.findChildren(QuestionPage) == []


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_unlock_screen_renders_in_both_languages(qtbot: Any, tmp_path: Path, artifacts: Path,
                                                     language: str) -> None:
    from desktop_client.bootstrap import ensure_application
    from desktop_client.ui.i18n import Language

    ensure_application()
    lang = Language(language)
    try:
        existing = tmp_path / "station"
        new_station(existing).store.close()
        out = artifacts / "screens" / f"{language}-1280x800"
        out.mkdir(parents=True, exist_ok=True)
        for name, folder in (("unlock", existing), ("set-up", tmp_path / "empty")):
            screen = UnlockScreen(folder)
            qtbot.addWidget(screen)
            screen.resize(1280, 800)
            screen.show()
            qtbot.waitExposed(screen)
            assert screen.grab().save(str(out / f"00-{name}.png"))
            assert too_small(screen) == []
            if language == "zh":
                assert untranslated(widget_texts(screen, visible_only=True), extra=(str(folder),)) == []
        screen = UnlockScreen(existing)
        qtbot.addWidget(screen)
        opened: list[object] = []
        screen.opened.connect(opened.append)
        screen.show()
        qtbot.keyClicks(screen.passphrase, PASSPHRASE)
        click(qtbot, screen.button)
        qtbot.waitUntil(lambda: bool(opened), timeout=10000)
        opened[0].close()

        screen = UnlockScreen(tmp_path / "new")            # set up: the recovery key is shown once
        qtbot.addWidget(screen)
        screen.resize(1280, 800)
        screen.show()
        screen.opened.connect(opened.append)
        qtbot.keyClicks(screen.passphrase, PASSPHRASE)
        qtbot.keyClicks(screen.repeat, PASSPHRASE)
        click(qtbot, screen.button)
        qtbot.waitUntil(lambda: not screen.passphrase.isVisible(), timeout=20000)
        recovery = screen.explain.text().rsplit("\n", 1)[-1]
        assert len(recovery) >= 20 and len(opened) == 1
        assert screen.grab().save(str(out / "00-recovery-key.png"))
        assert too_small(screen) == []
        if language == "zh":
            assert untranslated(widget_texts(screen, visible_only=True), extra=(recovery,)) == []
        click(qtbot, screen.button)                        # "I have written it down"
        assert len(opened) == 2
        opened[1].close()
    finally:
        lang.set("en")


def test_the_chinese_translation_is_complete_up_to_date_and_compiled(tmp_path: Path) -> None:
    ts_file = I18N_DIR / "kiosk_zh_CN.ts"
    assert unfinished(ts_file) == []
    assert ET.parse(ts_file).getroot().get("language") == "zh_CN"
    bindir = Path(sys.executable).parent
    fresh = tmp_path / "fresh.ts"
    shutil.copy(ts_file, fresh)
    files = [str(f) for src in SOURCES["kiosk_zh_CN.ts"] if src.exists()
             for f in (sorted(src.rglob("*.py")) if src.is_dir() else [src])]
    subprocess.run([str(bindir / "pyside6-lupdate"), *files, "-no-obsolete", "-locations", "none", "-ts",
                    str(fresh)], check=True, capture_output=True)

    def messages(path: Path) -> set[tuple[str, str]]:
        root = ET.parse(path).getroot()
        return {(ctx.findtext("name"), m.findtext("source")) for ctx in root.iter("context")
                for m in ctx.iter("message")}

    assert messages(fresh) == messages(ts_file), "run desktop_client/ui/i18n/build.py: the .ts is out of date"
    assert unfinished(fresh) == []
    qm = tmp_path / "kiosk.qm"
    subprocess.run([str(bindir / "pyside6-lrelease"), str(ts_file), "-qm", str(qm)], check=True,
                   capture_output=True)
    assert qm.read_bytes() == (I18N_DIR / "kiosk_zh_CN.qm").read_bytes(), "the committed .qm is stale: run build.py"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize(("fore", "back"), [(theme.INK, theme.PAPER), ("#ffffff", theme.ACTION),
                                            (theme.ACTION, theme.PAPER), (theme.PROBLEM, theme.PAPER),
                                            ("#ffffff", theme.SELECTED)])
def test_text_colours_reach_wcag_aaa_contrast(fore: str, back: str) -> None:
    light, dark = sorted((_luminance(fore), _luminance(back)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 7.0
