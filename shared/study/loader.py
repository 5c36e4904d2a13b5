"""Load a study file (TOML) into a checked ``Study``; every failure names the field and what is wrong."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from shared.errors import StudyFileError
from shared.file_problems import validation_problems
from shared.study.model import Study

STUDIES_DIR = Path(__file__).with_name("studies")
DEFAULT_STUDY_FILE = STUDIES_DIR / "nct05605665.toml"


def parse_study(text: str, *, source: str = "<study file>") -> Study:
    """Parse TOML text into a Study. Raises StudyFileError naming the field and the problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudyFileError(f"{source}: not valid TOML: {exc}", details={"source": source}) from None
    try:
        return Study.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise StudyFileError(f"{source}: " + "; ".join(problems),
                             details={"source": source, "problems": problems}) from None


def load_study(path: Path | str) -> Study:
    """Load and check the study file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StudyFileError(f"cannot read study file {path}: {exc.strerror}") from None
    return parse_study(text, source=str(path))


@cache
def default_study() -> Study:
    """The NCT05605665 study shipped with the software."""
    return load_study(DEFAULT_STUDY_FILE)
