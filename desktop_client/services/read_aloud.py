"""Reading a question aloud on the kiosk: Mandarin or English through espeak-ng (Debian package ``espeak-ng``).

Sjögren's participants often have dry, tired eyes, so every question and its answer options can be heard.
One utterance at a time: a new one stops the one before, and the screen stops it when it changes. The engine
runs as a child process, so the UI thread never waits for it. Plain Python, no Qt.

``wav_dir`` makes every utterance a WAV file there instead of sound from the speakers: the same engine and
voices, for a machine without a sound card and for tests that check what was said (and that audio came out).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from shared.errors import ReadAloudUnavailable

ENGINE = "espeak-ng"
VOICES = {"zh": "cmn-latn-pinyin", "en": "en-gb"}   # espeak-ng's Mandarin and English voices
# (Debian 12's espeak-ng 1.51 "cmn" voice reads Han characters as pinyin with tone numbers said in English,
# espeak-ng issues #1028/#1370; "cmn-latn-pinyin" says them as Mandarin syllables with tones)
WORDS_PER_MINUTE = 140                    # a little slower than espeak-ng's 175: participants listen once


@dataclass(frozen=True)
class Utterance:
    """What was last asked to be said, in which language, and the WAV file when ``wav_dir`` is set."""

    text: str
    language: str
    wav: Path | None


class ReadAloud:
    """Speaks texts one at a time; ``stop`` ends the current one. Raises ReadAloudUnavailable when the engine
    is not installed (the kiosk then hides its read-aloud buttons)."""

    def __init__(self, *, engine: str = ENGINE, wav_dir: Path | None = None) -> None:
        self._engine = shutil.which(engine)
        self._wav_dir = wav_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._count = 0
        self.last: Utterance | None = None

    @property
    def available(self) -> bool:
        """Whether the engine is installed on this machine."""
        return self._engine is not None

    def command(self, language: str, wav: Path | None = None) -> list[str]:
        """The engine's command line for ``language`` ("zh" or "en"); the text goes on stdin."""
        if self._engine is None:
            raise ReadAloudUnavailable(f"{ENGINE} is not installed: run the set-up command (apt package {ENGINE}).")
        if language not in VOICES:
            raise ValueError(f"language must be one of {tuple(VOICES)}, not {language!r}")
        out = ["-w", str(wav)] if wav is not None else []
        return [self._engine, "-v", VOICES[language], "-s", str(WORDS_PER_MINUTE), *out]

    def speak(self, text: str, language: str) -> Utterance:
        """Start saying ``text`` (the previous utterance stops first); returns at once."""
        self.stop()
        wav = None
        if self._wav_dir is not None:
            self._count += 1
            self._wav_dir.mkdir(parents=True, exist_ok=True)
            wav = self._wav_dir / f"utterance-{self._count:04d}.wav"
        process = subprocess.Popen(self.command(language, wav), stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert process.stdin is not None
        process.stdin.write(text.encode("utf-8"))
        process.stdin.close()
        self._process = process
        self.last = Utterance(text, language, wav)
        return self.last

    def speaking(self) -> bool:
        """Whether an utterance is still being said (or written)."""
        return self._process is not None and self._process.poll() is None

    def wait(self, timeout: float = 30.0) -> None:
        """Wait until the current utterance has ended (tests, and ``to_wav``)."""
        if self._process is not None:
            self._process.wait(timeout)

    def stop(self) -> None:
        """End the current utterance now (screen change, lock, a new utterance)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def to_wav(text: str, language: str, wav: Path) -> Path:
    """Say ``text`` into the WAV file ``wav`` and wait for it (a check that the engine and voice work)."""
    subprocess.run([*ReadAloud().command(language, wav)], input=text.encode("utf-8"), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    return wav
