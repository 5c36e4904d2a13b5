"""The study report's settings in the study file (issue 21): responder definitions. The primary timepoint is the
visit with the role ``primary_endpoint`` and the primary variable the lab test marked ``primary``; only what the
rest of the file cannot say lives here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Responder(BaseModel):
    """A responder definition: the score of ``instrument`` (``score``: its first declared score when None) fell
    from baseline to the primary-endpoint visit by at least ``fall`` points, or by at least ``fall_pct`` per cent
    of the baseline value when that is given (either suffices). Lower scores are better."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    instrument: str
    score: str | None = None
    fall: float = Field(gt=0)
    fall_pct: float | None = Field(default=None, gt=0, le=100)
    label: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)

    def responds(self, base: float | None, value: float | None) -> bool | None:
        """Whether a change from ``base`` to ``value`` meets the definition; None when either is missing."""
        if base is None or value is None:
            return None
        fall = base - value
        if fall >= self.fall:
            return True
        return self.fall_pct is not None and base > 0 and 100 * fall / base >= self.fall_pct


class ReportSettings(BaseModel):
    """The ``[report]`` section of a study file."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    responders: list[Responder] = []

    @model_validator(mode="after")
    def _unique(self) -> ReportSettings:
        ids = [r.id for r in self.responders]
        if len(ids) != len(set(ids)):
            raise ValueError(f"report.responders: duplicate id(s) {sorted({i for i in ids if ids.count(i) > 1})}")
        return self
