"""Load instrument data files into checked ``Instrument``s; every failure names the file and the field.

The installed library is ``shared/instruments/files/<id>-<version>.toml``. Instruments are found by id and
version, never by a path relative to a study file, so a study file copied anywhere still loads.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from shared.errors import InstrumentFileError
from shared.file_problems import validation_problems
from shared.instruments.model import Instrument

FILES_DIR = Path(__file__).with_name("files")


def parse_instrument(text: str, *, source: str = "<instrument file>") -> Instrument:
    """Parse TOML text into an Instrument. Raises InstrumentFileError naming the field and the problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentFileError(f"{source}: not valid TOML: {exc}", details={"source": source}) from None
    try:
        return Instrument.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise InstrumentFileError(f"{source}: " + "; ".join(problems),
                                  details={"source": source, "problems": problems}) from None


def load_instrument(path: Path | str) -> Instrument:
    """Load and check one instrument file; its name must be ``<id>-<version>.toml``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentFileError(f"cannot read instrument file {path}: {exc.strerror}",
                                  details={"source": str(path)}) from None
    instrument = parse_instrument(text, source=str(path))
    if path.stem != f"{instrument.id}-{instrument.version}":
        raise InstrumentFileError(
            f"{path}: holds {instrument.id} {instrument.version}; name it {instrument.id}-{instrument.version}.toml",
            details={"source": str(path)})
    return instrument


@cache
def installed_instruments() -> tuple[Instrument, ...]:
    """Every instrument of the installed library, ordered by id and version (loaded once)."""
    return tuple(load_instrument(p) for p in sorted(FILES_DIR.glob("*.toml")))
