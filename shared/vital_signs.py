"""Vital signs: blood pressure, heart rate, temperature and weight at the visits the study file names.

Each measurement has its UCUM unit (what FHIR carries), its CDISC VSTESTCD and unit (what SDTM carries), its
LOINC code and a plausible range: a value outside it is a typing slip or a wrong unit (98.6 is Fahrenheit),
never silently kept. A body holds any of the measurements (at least one), systolic and diastolic together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import FieldProblem
from shared.instruments.model import Text
from shared.study.model import Study
from shared.values import is_int, is_number, problem

KIND = "vital_signs"


@dataclass(frozen=True)
class VitalSign:
    """One measurement: the body field, its codes, units, plausible range and decimals."""

    field: str
    testcd: str          # CDISC CT VSTESTCD
    test: str            # CDISC CT VSTEST
    loinc: str
    loinc_display: str
    ucum: str            # UCUM unit (FHIR)
    sdtm_unit: str       # CDISC UNIT submission value (VSORRESU)
    minimum: float
    maximum: float
    decimals: int
    label: Text


VITAL_SIGNS: tuple[VitalSign, ...] = (
    VitalSign("systolic_bp", "SYSBP", "Systolic Blood Pressure", "8480-6", "Systolic blood pressure", "mm[Hg]",
              "mmHg", 50, 260, 0, Text(en="Systolic blood pressure (mmHg)", zh="收缩压（mmHg）")),
    VitalSign("diastolic_bp", "DIABP", "Diastolic Blood Pressure", "8462-4", "Diastolic blood pressure", "mm[Hg]",
              "mmHg", 25, 160, 0, Text(en="Diastolic blood pressure (mmHg)", zh="舒张压（mmHg）")),
    VitalSign("heart_rate", "PULSE", "Pulse Rate", "8867-4", "Heart rate", "/min", "beats/min", 25, 250, 0,
              Text(en="Heart rate (beats/min)", zh="心率（次/分）")),
    VitalSign("temperature", "TEMP", "Temperature", "8310-5", "Body temperature", "Cel", "C", 33, 43, 1,
              Text(en="Temperature (°C)", zh="体温（°C）")),
    VitalSign("weight", "WEIGHT", "Weight", "29463-7", "Body weight", "kg", "kg", 20, 300, 1,
              Text(en="Weight (kg)", zh="体重（kg）")),
)
BY_FIELD = {v.field: v for v in VITAL_SIGNS}


def vital_signs_visits(study: Study) -> list[str]:
    """The visits the study file takes vital signs at (none without a clinical-record section)."""
    return list(study.clinical_record.vital_signs_visits) if study.clinical_record else []


def check_visit(visit_id: Any, allowed: list[str], what: str) -> list[FieldProblem]:
    """A refusal when ``visit_id`` is not one of the study file's visits for ``what``."""
    if visit_id in allowed:
        return []
    return [problem("visit_id", visit_id, ", ".join(allowed) or "none (the study file names no visit)",
                    f"is not a visit the study file takes {what} at", "record.visit_not_scheduled_for_kind")]


def validate_vital_signs(record: Mapping[str, Any], study: Study) -> list[FieldProblem]:
    """Every problem with a vital-signs record: its visit and body."""
    p = check_visit(record.get("visit_id"), vital_signs_visits(study), "vital signs")
    data = record.get("data")
    if not isinstance(data, Mapping):
        return [*p, FieldProblem("data", data, "an object", "data: must be an object")]
    for key in sorted(set(data) - set(BY_FIELD), key=str):
        p.append(problem(f"data.{key}", data[key], ", ".join(BY_FIELD), "is not a vital sign"))
    given = {k: v for k, v in data.items() if k in BY_FIELD and v is not None}
    if not given:
        p.append(problem("data", dict(data), "at least one of " + ", ".join(BY_FIELD), "holds no measurement",
                         "vitals.empty"))
    for key, value in given.items():
        sign = BY_FIELD[key]
        field = f"data.{key}"
        allowed = f"{sign.minimum:g}-{sign.maximum:g} {sign.ucum}"
        if sign.decimals == 0 and not is_int(value):
            p.append(problem(field, value, allowed + " (a whole number)", "must be a whole number",
                             "value.not_whole_number"))
        elif not is_number(value):
            p.append(problem(field, value, allowed, "must be a number", "value.not_number"))
        elif round(float(value), sign.decimals) != float(value):
            p.append(problem(field, value, allowed, f"has more than {sign.decimals} decimal place(s)",
                             "value.too_many_decimals", decimals=sign.decimals))
        elif not sign.minimum <= value <= sign.maximum:
            p.append(problem(field, value, allowed, "is outside the plausible range", "vitals.implausible",
                             minimum=sign.minimum, maximum=sign.maximum, unit=sign.ucum))
    sys_, dia = given.get("systolic_bp"), given.get("diastolic_bp")
    if (sys_ is None) != (dia is None):
        p.append(problem("data.diastolic_bp" if dia is None else "data.systolic_bp", None,
                         "systolic and diastolic together", "blood pressure needs both values",
                         "vitals.bp_incomplete"))
    elif is_number(sys_) and is_number(dia) and dia >= sys_:
        p.append(problem("data.diastolic_bp", dia, f"below the systolic {sys_}",
                         "is not below the systolic pressure", "vitals.diastolic_not_below_systolic"))
    return p
