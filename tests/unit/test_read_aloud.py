"""The read-aloud service with the real engine (espeak-ng): audio comes out for Mandarin and English, one
utterance at a time, and stop ends it."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from desktop_client.services.read_aloud import ReadAloud, to_wav


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_mandarin_and_english_texts_become_audio(tmp_path: Path) -> None:
    zh = to_wav("在过去2周内，您的干燥症状有多严重？", "zh", tmp_path / "zh.wav")
    en = to_wav("How severe has your dryness been during the last 2 weeks?", "en", tmp_path / "en.wav")
    assert _seconds(zh) > 1.0 and _seconds(en) > 1.0


def test_mandarin_is_said_as_mandarin_syllables_not_as_english_tone_numbers() -> None:
    """Debian 12's espeak-ng "cmn" voice switched to English for the tone digits of its pinyin ("ni three hao
    three"); the voice used must say every syllable in Mandarin: no switch to English in its phonemes."""
    import subprocess

    from desktop_client.services.read_aloud import VOICES

    said = subprocess.run(["espeak-ng", "-v", VOICES["zh"], "-x", "-q", "您的疲劳有多严重？你好。"],
                          capture_output=True, text=True, check=True).stdout
    assert said.strip() and "(en)" not in said, said


def test_one_utterance_at_a_time_and_stop_ends_it(tmp_path: Path) -> None:
    voice = ReadAloud(wav_dir=tmp_path)
    assert voice.available
    first = voice.speak("One. " * 200, "en")
    second = voice.speak("您今天的疾病活动程度如何？", "zh")      # the first one is stopped, not queued
    assert not voice.speaking() or voice.last == second
    voice.wait()
    assert voice.last == second and second.wav is not None and _seconds(second.wav) > 0.5
    assert first.wav != second.wav
    assert first.wav is not None      # ~100 s of speech, cut short (perhaps before the engine wrote anything)
    assert not first.wav.exists() or first.wav.stat().st_size < 2_000_000
    voice.speak("Two. " * 400, "en")
    voice.stop()
    assert not voice.speaking()


def test_an_uninstalled_engine_says_what_to_do() -> None:
    from shared.errors import ReadAloudUnavailable

    voice = ReadAloud(engine="no-such-speech-engine")
    assert not voice.available
    with pytest.raises(ReadAloudUnavailable, match="espeak-ng is not installed") as caught:
        voice.speak("hello", "en")
    assert caught.value.code == "client.read_aloud_unavailable"
