"""The study file's clinical-record section (issue 18): the ATC classes a concomitant medication is coded
with, the visits that take vital signs and pregnancy tests, and the two eligibility rules computed from them
(a medication exclusion by ATC class and look-back, a negative pregnancy test within a window before the
first dose)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

ATC_CODE = r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$"   # ATC levels 1-5: L, L04, L04A, L04AB, L04AB02


COMPUTED_CHECKS = ("medication", "pregnancy_test")   # criterion checks computed from these records


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AtcClass(_Section):
    """One drug class staff may code a medication with: a WHO ATC code at any level, its name in both
    languages."""

    code: str = Field(pattern=ATC_CODE)
    name: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)


class MedicationExclusion(_Section):
    """An exclusion criterion met by any medication of ``atc_classes`` (a code or one under it) taken within
    ``lookback_days`` before the screening date."""

    criterion: str = Field(min_length=1)
    atc_classes: list[str] = Field(min_length=1)
    lookback_days: int = Field(gt=0, le=3650)


class PregnancyTestRule(_Section):
    """An inclusion criterion met, for a participant of childbearing potential, by a negative pregnancy test
    dated within ``window_days`` before the first dose (and no later positive one)."""

    criterion: str = Field(min_length=1)
    window_days: int = Field(ge=0, le=90)


class ClinicalRecord(_Section):
    """``[clinical_record]`` of a study file."""

    atc_classes: list[AtcClass] = Field(min_length=1)
    vital_signs_visits: list[str] = []
    pregnancy_test_visits: list[str] = []
    medication_exclusion: MedicationExclusion | None = None
    pregnancy_test: PregnancyTestRule | None = None

    @model_validator(mode="after")
    def _classes_known(self) -> ClinicalRecord:
        codes = [c.code for c in self.atc_classes]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"atc_classes: duplicate code(s) {dupes}")
        if self.medication_exclusion:
            for n, code in enumerate(self.medication_exclusion.atc_classes):
                if not any(c.startswith(code) for c in codes):
                    raise ValueError(f"medication_exclusion.atc_classes[{n}]: {code!r} is neither one of the "
                                     f"atc_classes nor above one of them, so no medication could match it")
        return self

    def atc_class(self, code: str) -> AtcClass | None:
        """The listed class with ``code``, else None."""
        return next((c for c in self.atc_classes if c.code == code), None)

    @classmethod
    def none(cls) -> ClinicalRecord:
        """An empty section (a study file without one), to check its criteria against."""
        return cls.model_construct(atc_classes=[], vital_signs_visits=[], pregnancy_test_visits=[],
                                   medication_exclusion=None, pregnancy_test=None)

    def problems_with(self, visit_ids: list[str], inclusion: set[str], exclusion: set[str],
                      computed: dict[str, str]) -> list[str]:
        """What in this section names a visit or criterion the rest of the study file does not have, and any
        criterion computed from the clinical record (``computed``: id -> check) that no rule here computes."""
        out = [f"clinical_record.{name}: {v!r} is not a visit" for name, visits in
               (("vital_signs_visits", self.vital_signs_visits), ("pregnancy_test_visits",
                                                                  self.pregnancy_test_visits))
               for v in visits if v not in visit_ids]
        for name, rule, kinds, check in (("medication_exclusion", self.medication_exclusion, exclusion, "medication"),
                                         ("pregnancy_test", self.pregnancy_test, inclusion, "pregnancy_test")):
            if rule is not None and rule.criterion not in kinds:
                out.append(f"clinical_record.{name}.criterion: {rule.criterion!r} is not an "
                           f"{'exclusion' if kinds is exclusion else 'inclusion'} criterion")
            elif rule is not None and computed.get(rule.criterion) != check:
                out.append(f"clinical_record.{name}.criterion: {rule.criterion} needs check = {check!r}")
            for cid, given in computed.items():
                if given == check and (rule is None or rule.criterion != cid):
                    out.append(f"criterion {cid}: check = {check!r} needs clinical_record.{name} naming it")
        return out
