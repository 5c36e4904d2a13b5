"""CTCAE v5.0 grading criteria of laboratory abnormalities, read from ``ctcae-5.0.toml`` (data, not code).

The study file's lab tests name a criterion by id (``ctcae = "alt_increased"``); ``shared.lab_grading`` applies
it to a value and the participant's normal range.
"""

from __future__ import annotations

import tomllib
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.errors import StudyFileError
from shared.file_problems import validation_problems

CTCAE_FILE = Path(__file__).with_name("ctcae-5.0.toml")
CTCAE_VERSION = "5.0"


class Criterion(BaseModel):
    """One CTCAE term graded from a lab value: beyond the normal limit is grade 1, then the thresholds."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str
    term: str = Field(min_length=1)
    term_zh: str = Field(min_length=1)            # the Chinese CTCAE v5.0 name (pages and forms in Chinese)
    direction: Literal["high", "low"]
    relative_to: Literal["ULN"] | None = None     # "high": thresholds are multiples of the ULN
    unit: str | None = None                       # "low": thresholds are absolute values in this UCUM unit
    thresholds: list[float] = Field(min_length=1, max_length=3)

    @model_validator(mode="after")
    def _shape(self) -> Criterion:
        if self.direction == "high" and (self.relative_to != "ULN" or self.unit is not None):
            raise ValueError("a 'high' criterion has relative_to = \"ULN\" and no unit")
        if self.direction == "low" and (self.unit is None or self.relative_to is not None):
            raise ValueError("a 'low' criterion has a unit and no relative_to")
        steps = self.thresholds
        ordered = all(a < b if self.direction == "high" else a > b for a, b in pairwise(steps))
        if not ordered:
            raise ValueError(f"thresholds {steps} are not in the order of rising grades")
        return self


@cache
def criteria() -> dict[str, Criterion]:
    """Every criterion of the CTCAE file by id (StudyFileError naming the field when the file is broken)."""
    raw = tomllib.loads(CTCAE_FILE.read_text(encoding="utf-8"))
    try:
        return {cid: Criterion.model_validate({"id": cid, **body}) for cid, body in raw.items()}
    except ValidationError as exc:
        raise StudyFileError(f"{CTCAE_FILE.name}: " + "; ".join(validation_problems(exc))) from None


def criterion_by_term(term: str) -> Criterion | None:
    """The criterion whose English CTCAE term is ``term`` (case and outer spaces ignored), else None: an AE or a
    lab proposal named by a CTCAE term is shown by that term's Chinese name on Chinese pages."""
    wanted = term.strip().casefold()
    return next((c for c in criteria().values() if c.term.casefold() == wanted), None) if wanted else None
