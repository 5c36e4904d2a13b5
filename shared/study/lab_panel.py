"""The study file's lab panel: every test the study measures, its units, LOINC code, normal ranges by sex, the
visits it is drawn at and the CTCAE criterion that grades it (criteria in ``shared/grading/ctcae-5.0.toml``).

Checked when the study file is loaded, so a wrong code, unit or visit names the field; the import, the grading,
the exports and the screens read the tests from here instead of knowing them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.grading import criteria

Sex = Literal["F", "M", "any"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LabRange(_Strict):
    """A normal (reference) range for one sex ("any": both); a missing limit is open."""

    sex: Sex = "any"
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> LabRange:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        return self


class LabTest(_Strict):
    """One laboratory test: CDISC LBTESTCD, UCUM unit, LOINC code (empty when none fits), plausible limits."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,7}$")       # LBTESTCD (8 characters at most)
    name: str = Field(min_length=1, max_length=40)           # LBTEST
    name_zh: str = Field(min_length=1)
    category: str = Field(min_length=1, max_length=20)      # LBCAT (CHEMISTRY, HEMATOLOGY, IMMUNOLOGY)
    specimen: str = Field(min_length=1, max_length=10)      # LBSPEC (CDISC SPECTYPE: BLOOD, SERUM)
    method: str = ""                                         # LBMETHOD (CDISC METHOD), empty when not known
    unit: str = Field(min_length=1)                          # UCUM code, the stored unit (FHIR valueQuantity)
    sdtm_unit: str = Field(min_length=1, max_length=8)       # CDISC UNIT term (LBORRESU/LBSTRESU)
    spellings: list[str] = []                                # other spellings a lab file may use for the unit
    loinc: str = Field(default="", pattern=r"^([0-9]{1,7}-[0-9])?$")
    minimum: float = 0.0                                     # plausibility (the import refuses values outside)
    maximum: float
    decimals: int = Field(ge=0, le=6)
    ranges: list[LabRange] = []                              # normal ranges by sex; none: no LBNRIND
    ctcae: str | None = None                                 # criterion id in shared/grading/ctcae-5.0.toml
    primary: bool = False                                    # the primary endpoint (the Treg-only file layout)

    @property
    def units(self) -> tuple[str, ...]:
        """Every accepted spelling; the first (the UCUM code) is the stored one."""
        return (self.unit, self.sdtm_unit, *self.spellings)

    def normal_range(self, sex: str | None) -> LabRange | None:
        """The range for ``sex`` (F/M), else the one for both sexes, else None."""
        return (next((r for r in self.ranges if r.sex == sex), None)
                or next((r for r in self.ranges if r.sex == "any"), None))

    @model_validator(mode="after")
    def _consistent(self) -> LabTest:
        if self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum:g} is above maximum {self.maximum:g}")
        sexes = [r.sex for r in self.ranges]
        if len(sexes) != len(set(sexes)):
            raise ValueError(f"ranges: more than one range for the same sex {sexes}")
        if self.ctcae is not None:
            known = criteria()
            if self.ctcae not in known:
                raise ValueError(f"ctcae: {self.ctcae!r} is not a criterion of shared/grading/ctcae-5.0.toml "
                                 f"({', '.join(sorted(known))})")
            crit = known[self.ctcae]
            if crit.unit is not None and crit.unit != self.unit:
                raise ValueError(f"ctcae: criterion {self.ctcae!r} is in {crit.unit!r}, the test in {self.unit!r}")
            limit = "high" if crit.direction == "high" else "low"
            if not self.ranges or any(getattr(r, limit) is None for r in self.ranges):
                raise ValueError(f"ctcae: criterion {self.ctcae!r} needs the normal range's {limit} limit "
                                 "for every sex")
        return self


class LabPanel(_Strict):
    """A group of tests drawn together (primary endpoint, safety, immunology) at the visits it names."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)
    visits: list[str]                                        # scheduled visit ids; unscheduled draws always allowed
    tests: list[LabTest] = Field(min_length=1)


class LabSettings(_Strict):
    """The study's lab panels and what the grading does with an abnormal value."""

    panels: list[LabPanel] = []
    propose_ae_from_grade: int = Field(default=1, ge=1, le=4)  # nurse mode proposes an AE from this CTCAE grade
    ae_match_days: int = Field(default=14, ge=0, le=365)       # an AE of the lab's term this near covers it
    open_grade: int = Field(default=3, ge=1, le=4)             # a lab this grade or worse with no AE: a query

    @model_validator(mode="after")
    def _unique(self) -> LabSettings:
        codes = [t.code for p in self.panels for t in p.tests]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"panels: test code(s) {dupes} appear more than once")
        panels = [p.id for p in self.panels]
        if len(panels) != len(set(panels)):
            raise ValueError(f"panels: duplicate panel id(s) in {panels}")
        if sum(t.primary for p in self.panels for t in p.tests) > 1:
            raise ValueError("panels: more than one test is marked primary")
        return self
