"""Read aloud on the real kiosk screens (issue 22, point 6): a large button on every question screen says the
question and its answer options in the screen's language through espeak-ng, never the chosen answer; a separate
"Read my answer" says it; a screen change stops the reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_client.ui.widgets.choices import ChoiceButtons, NumberScale
from tests.ui.conftest import KioskStation
from tests.ui.kiosk_driver import answer, click, current_page, start_session


def test_every_question_screen_reads_question_and_options_but_never_the_answer(
        qtbot: Any, make_window: Any, kiosk_station: KioskStation, tmp_path: Path) -> None:
    pid = kiosk_station.by_arm["IL2RAPA"]
    window = make_window(read_aloud_wav_dir=str(tmp_path / "said"))
    voice = window.read_aloud
    start_session(qtbot, window, pid, "week4")
    view = window.session_view
    seen = 0
    while not view.on_review():
        page = current_page(window)
        assert page.read_button.isVisible() and page.read_button.height() >= 64
        assert page.read_button.width() >= 300                   # large, not a small icon
        click(qtbot, page.read_button)
        said = voice.last.text
        item = page.question.item
        assert item.label.en in said
        widget = page.main.widget
        if isinstance(widget, ChoiceButtons):
            assert all(b.text() in said for b in widget.buttons())
        if isinstance(widget, NumberScale):
            assert "from 0 to 10" in said
            answer(qtbot, widget, 7)
            click(qtbot, page.read_button)
            assert voice.last.text == said                        # the chosen value is never read unasked
            assert "Your answer" not in said
            click(qtbot, page.read_answer_button)
            assert voice.last.text == "Your answer: 7."
        elif isinstance(widget, ChoiceButtons):
            first = widget.buttons()[0]
            answer(qtbot, widget, next(v for b, v in widget._values.items() if b is first))
            click(qtbot, page.read_button)
            assert "Your answer" not in voice.last.text
            click(qtbot, page.read_answer_button)
            assert voice.last.text.startswith(f"Your answer: {first.text()}.")   # (then the follow-up, if asked)
        voice.wait()
        assert voice.last.wav is not None and voice.last.wav.stat().st_size > 1000   # real audio came out
        seen += 1
        click(qtbot, page.read_button)
        click(qtbot, view.next)                                    # the screen changes: the reading stops
        assert not voice.speaking()
    assert seen >= 5


def test_the_question_is_read_in_mandarin_on_the_chinese_screen(qtbot: Any, make_window: Any,
                                                                kiosk_station: KioskStation, tmp_path: Path) -> None:
    pid = kiosk_station.by_arm["IL2RAPA"]
    window = make_window(language="zh", read_aloud_wav_dir=str(tmp_path / "said"))
    start_session(qtbot, window, pid, "week4")
    page = current_page(window)
    assert page.read_button.text() == "朗读题目"
    click(qtbot, page.read_button)
    said = window.read_aloud.last
    assert said.language == "zh" and page.question.item.label.zh in said.text
    window.read_aloud.wait()
    assert said.wav.stat().st_size > 1000
