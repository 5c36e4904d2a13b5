"""The study files tests run against: the shipped NCT05605665 and a synthetic second study (not a trial)."""

from __future__ import annotations

from pathlib import Path

from shared.study.loader import DEFAULT_STUDY_FILE

HERE = Path(__file__).resolve().parent
SYNTHETIC_STUDY_FILE = HERE / "synthetic_two_arm.toml"
STUDY_FILES = {"nct05605665": DEFAULT_STUDY_FILE, "synthetic_two_arm": SYNTHETIC_STUDY_FILE}
