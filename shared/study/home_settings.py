"""The study file's ``[home]`` section (issue 24): what participants enter on their own phone.

``activation_hours`` is how long a one-time app activation code lives. Each ``[[home.diaries]]`` names a study
instrument (id and the version the study uses) and its schedule: ``daily`` (one entry per participant and
``diary_date``) or ``when_occurs`` (any number, each dated). The rules of a home entry are in ``shared/home.py``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Schedule = Literal["daily", "when_occurs"]


class HomeDiary(BaseModel):
    """One diary the participant keeps at home."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    instrument: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^[0-9]+(\.[0-9]+)*$")
    schedule: Schedule


class HomeSettings(BaseModel):
    """``[home]`` of the study file; a study without it has no home diary."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    activation_hours: int = Field(default=72, gt=0, le=24 * 31)
    diaries: list[HomeDiary] = []

    @model_validator(mode="after")
    def _one_entry_per_instrument(self) -> HomeSettings:
        ids = [d.instrument for d in self.diaries]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"home.diaries: instrument(s) {dupes} are listed more than once")
        return self

    def diary(self, instrument_id: object) -> HomeDiary | None:
        """The home diary of ``instrument_id``, or None when that instrument is not kept at home."""
        return next((d for d in self.diaries if d.instrument == instrument_id), None)
