"""The shape of a study file, checked field by field when the file is loaded."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.errors import UnknownInstrument
from shared.instruments import get_instrument
from shared.instruments.model import Instrument


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StudyInfo(_Strict):
    id: str = Field(pattern=r"^[A-Z0-9]{3,20}$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str = Field(min_length=1)
    title_zh: str = Field(min_length=1)
    phase: str
    design: str
    sponsor: str
    duration_weeks: int = Field(gt=0, le=520)
    target_enrolment: int = Field(gt=0)
    min_age: int = Field(ge=0, le=120)
    max_age: int = Field(ge=0, le=120)
    min_essdai: int = Field(ge=0, le=123)
    eligibility_essdai_visit: str


class Randomisation(_Strict):
    ratio: list[int] = Field(min_length=1)
    block_sizes: list[int] = Field(min_length=1)


class Site(_Strict):
    id: str = Field(pattern=r"^[A-Z]{2,8}$")
    name: str
    name_zh: str
    country: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str


class Treatment(_Strict):
    drug: Literal["il2", "rapamycin"]
    name: str
    dose: float = Field(gt=0)
    unit: str
    route: str
    frequency: str
    doses_per_week: float = Field(gt=0)


class Arm(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9]{1,20}$")
    name: str
    name_zh: str
    target: int = Field(gt=0)
    treatments: list[Treatment] = Field(min_length=1)

    @property
    def drugs(self) -> frozenset[str]:
        return frozenset(t.drug for t in self.treatments)


class Visit(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    number: int = Field(ge=0)
    label: str
    label_zh: str
    scheduled: bool = True
    day: int | None = None
    window_before: int = Field(default=0, ge=0)
    window_after: int = Field(default=0, ge=0)
    instruments: list[str]

    @model_validator(mode="after")
    def _day_when_scheduled(self) -> Visit:
        if self.scheduled and self.day is None:
            raise ValueError("a scheduled visit needs a 'day' relative to baseline")
        return self


class StudyInstrument(_Strict):
    """An instrument the study uses: id and version in the installed library, and the roles it plays."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^\d+(\.\d+)*$")
    roles: list[str] = []

    @model_validator(mode="after")
    def _installed(self) -> StudyInstrument:
        try:
            get_instrument(self.id, self.version)
        except UnknownInstrument as exc:
            raise ValueError(exc.message) from None
        return self

    @property
    def definition(self) -> Instrument:
        return get_instrument(self.id, self.version)


class Criterion(_Strict):
    id: str
    check: Literal["attest", "age", "essdai", "consent"]
    text: str
    text_zh: str


class Study(_Strict):
    """A whole study definition; see shared/study/studies/*.toml."""

    study: StudyInfo
    randomisation: Randomisation
    sites: list[Site] = Field(min_length=1)
    arms: list[Arm] = Field(min_length=1)
    instruments: list[StudyInstrument] = Field(min_length=1)
    visits: list[Visit] = Field(min_length=1)
    inclusion: list[Criterion] = Field(min_length=1)
    exclusion: list[Criterion] = Field(min_length=0)
    # SDTM Trial Summary parameters the rest of the file cannot give (TSPARMCD -> value, CDISC CT wording)
    trial_summary: dict[str, str] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Study:
        if sum(a.target for a in self.arms) != self.study.target_enrolment:
            raise ValueError(f"arms[*].target adds up to {sum(a.target for a in self.arms)} but "
                             f"study.target_enrolment is {self.study.target_enrolment}")
        if len(self.randomisation.ratio) != len(self.arms):
            raise ValueError(f"randomisation.ratio has {len(self.randomisation.ratio)} entries "
                             f"for {len(self.arms)} arms")
        unit = sum(self.randomisation.ratio)
        bad = [b for b in self.randomisation.block_sizes if b % unit]
        if bad:
            raise ValueError(f"randomisation.block_sizes {bad} are not multiples of the ratio sum {unit}")
        for name, items in (("arms", [a.code for a in self.arms]), ("visits", [v.id for v in self.visits]),
                            ("sites", [s.id for s in self.sites]),
                            ("instruments", [i.id for i in self.instruments]),
                            ("inclusion/exclusion", [c.id for c in self.inclusion + self.exclusion])):
            dupes = sorted({x for x in items if items.count(x) > 1})
            if dupes:
                raise ValueError(f"{name}: duplicate id(s) {dupes}")
        declared = {i.id for i in self.instruments}
        for n, v in enumerate(self.visits):
            unknown = [i for i in v.instruments if i not in declared]
            if unknown:
                raise ValueError(f"visits[{n}].instruments: unknown instrument(s) {unknown}; "
                                 f"the study's instruments are {sorted(declared)}")
        if self.study.eligibility_essdai_visit not in {v.id for v in self.visits}:
            raise ValueError(f"study.eligibility_essdai_visit {self.study.eligibility_essdai_visit!r} "
                             "is not a visit id")
        if self.study.min_age > self.study.max_age:
            raise ValueError("study.min_age is greater than study.max_age")
        return self

    # ---- look-ups used everywhere -------------------------------------------------
    def arm(self, code: str) -> Arm:
        for a in self.arms:
            if a.code == code:
                return a
        raise KeyError(code)

    def visit(self, visit_id: str) -> Visit:
        for v in self.visits:
            if v.id == visit_id:
                return v
        raise KeyError(visit_id)

    def site(self, site_id: str) -> Site:
        for s in self.sites:
            if s.id == site_id:
                return s
        raise KeyError(site_id)

    def instrument(self, instrument_id: str) -> Instrument:
        """The definition of the study's instrument ``instrument_id`` (KeyError when the study has none)."""
        for i in self.instruments:
            if i.id == instrument_id:
                return i.definition
        raise KeyError(instrument_id)

    def instrument_definitions(self) -> tuple[Instrument, ...]:
        """The study's instruments, in study-file order, at the versions it names."""
        return tuple(i.definition for i in self.instruments)

    @property
    def scheduled_visits(self) -> list[Visit]:
        return [v for v in self.visits if v.scheduled]


PARTICIPANT_ID = re.compile(r"^(?P<site>[A-Z]{2,8})-(?P<number>\d{3,6})$")
