"""FHIR R4 Observation of one lab result: LOINC coding where the study file gives one (beside the local code),
the value as a UCUM Quantity, the normal range for the participant's sex, its interpretation (L/N/H) and the
CTCAE v5.0 grade as a component."""

from __future__ import annotations

from typing import Any

from server.exports.fhir_terms import CS, CTCAE_GRADE_DISPLAY
from shared.lab_grading import grade, range_indicator
from shared.study.model import Study

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_FLAG = {"LOW": ("L", "Low"), "HIGH": ("H", "High"), "NORMAL": ("N", "Normal")}


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def lab_observation(study: Study, lab: dict[str, Any], oid: str, patient: dict[str, Any],
                    sex: str | None) -> dict[str, Any] | None:
    """The Observation of a stored result (None for a test the study file no longer has)."""
    test = study.lab_tests.get(lab["test_code"])
    if test is None:
        return None
    value = float(lab["value"])
    coding = [{"system": LOINC, "code": test.loinc, "display": test.name}] if test.loinc else []
    coding.append({"system": f"{CS}/trialpro-scores", "code": test.code.lower(), "display": test.name})
    obs: dict[str, Any] = {
        "resourceType": "Observation", "id": oid, "status": "amended" if lab.get("revision", 1) > 1 else "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "laboratory"}]}],
        "code": {"coding": coding, "text": test.name}, "subject": patient,
        "effectiveDateTime": lab["sample_date"], "valueQuantity": _quantity(value, test.unit)}
    rng = test.normal_range(sex)
    if rng is not None:
        ref: dict[str, Any] = {}
        if rng.low is not None:
            ref["low"] = _quantity(rng.low, test.unit)
        if rng.high is not None:
            ref["high"] = _quantity(rng.high, test.unit)
        obs["referenceRange"] = [ref]
        code, display = _FLAG[range_indicator(test, value, sex) or "NORMAL"]
        obs["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": code, "display": display}]}]
    g = grade(test, value, sex)
    if g is not None:
        obs["component"] = [{"code": {"text": f"CTCAE v{g.version} grade: {g.term}"}, "valueCodeableConcept": {
            "coding": [{"system": f"{CS}/ctcae-grade", "code": str(g.grade),
                        "display": CTCAE_GRADE_DISPLAY[g.grade]}], "text": f"grade {g.grade} ({g.basis})"}}]
    if lab.get("reason"):
        obs["note"] = [{"text": f"Corrected: {lab['reason']}"}]
    return obs
