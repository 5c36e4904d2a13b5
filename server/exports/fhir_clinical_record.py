"""The clinical record as FHIR R4 (4.0.1) resources (issue 18).

- concomitant medication -> MedicationStatement: the medicine as text with its WHO ATC class coded
  (``http://www.whocc.no/atc``), effectivePeriod from the (possibly partial) start/end dates, status active
  while ongoing, else completed; dose in UCUM; route and frequency as CDISC terms in text.
- medical history -> Condition: category problem-list-item, clinicalStatus active (ongoing) or resolved,
  onsetDateTime the (possibly partial) start date.
- vital signs -> Observations of the R4 vital-signs profiles (category vital-signs, LOINC codes, UCUM units):
  blood pressure as the 85354-9 panel with systolic 8480-6 and diastolic 8462-4 components, heart rate 8867-4,
  body temperature 8310-5, body weight 29463-7.
- pregnancy test -> laboratory Observation, LOINC 2106-3 (urine) or 2118-8 (serum), result as SNOMED CT
  Negative 260385009 / Positive 10828004.
"""

from __future__ import annotations

from typing import Any

from shared import conmed, medical_history, pregnancy, vital_signs
from shared.study.model import Study

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
PROFILE = "http://hl7.org/fhir/StructureDefinition"
VITALS_CATEGORY = {"coding": [{"system": f"{TERMINOLOGY}/observation-category", "code": "vital-signs",
                               "display": "Vital Signs"}], "text": "Vital Signs"}
LAB_CATEGORY = {"coding": [{"system": f"{TERMINOLOGY}/observation-category", "code": "laboratory",
                            "display": "Laboratory"}]}
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
VITAL_PROFILE = {"heart_rate": "heartrate", "temperature": "bodytemp", "weight": "bodyweight"}
PREGNANCY_LOINC = {"urine": ("2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine"),
                   "serum": ("2118-8", "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma")}
PREGNANCY_RESULT = {"negative": ("260385009", "Negative"), "positive": ("10828004", "Positive")}
KINDS = frozenset({conmed.KIND, medical_history.KIND, vital_signs.KIND, pregnancy.KIND})


def _quantity(value: float, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": ucum, "system": UCUM, "code": ucum}


def _loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}


def medication_statement(rec: dict[str, Any], patient: dict[str, Any], study: Study) -> dict[str, Any]:
    d = rec["data"]
    atc = study.clinical_record.atc_class(str(d.get("atc_class"))) if study.clinical_record else None
    coding = {"system": ATC, "code": d["atc_class"], **({"display": atc.name} if atc else {})}
    period = {k: v for k, v in (("start", d.get("start_date")), ("end", d.get("end_date"))) if v}
    dosage: dict[str, Any] = {"text": " ".join(str(x) for x in (d.get("dose"), d.get("dose_unit"), d.get("route"),
                                                                d.get("frequency")) if x is not None),
                              "timing": {"code": {"text": d["frequency"]}}, "route": {"text": d["route"]}}
    if d.get("dose") is not None:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": d["dose"], "unit": d["dose_unit"], "system": UCUM,
                                                   "code": conmed.UCUM[d["dose_unit"]]}}]
    ms: dict[str, Any] = {"resourceType": "MedicationStatement", "id": rec["record_id"],
                          "status": "active" if d.get("ongoing") else "completed",
                          "medicationCodeableConcept": {"coding": [coding], "text": d["name"]},
                          "subject": patient, "dateAsserted": rec["collected_at"],
                          "reasonCode": [{"text": d["indication"]}], "dosage": [dosage]}
    if period:
        ms["effectivePeriod"] = period
    return ms


def condition(rec: dict[str, Any], patient: dict[str, Any]) -> dict[str, Any]:
    d = rec["data"]
    active = d.get("ongoing") is True
    out: dict[str, Any] = {
        "resourceType": "Condition", "id": rec["record_id"],
        "clinicalStatus": {"coding": [{"system": f"{TERMINOLOGY}/condition-clinical",
                                       "code": "active" if active else "resolved"}]},
        "verificationStatus": {"coding": [{"system": f"{TERMINOLOGY}/condition-ver-status", "code": "confirmed"}]},
        "category": [{"coding": [{"system": f"{TERMINOLOGY}/condition-category", "code": "problem-list-item",
                                  "display": "Problem List Item"}]}],
        "code": {"text": d["condition"]}, "subject": patient, "recordedDate": rec["collected_at"]}
    if d.get("start_date"):
        out["onsetDateTime"] = d["start_date"]
    return out


def vital_sign_observations(rec: dict[str, Any], patient: dict[str, Any]) -> list[dict[str, Any]]:
    d = rec["data"]
    base = {"resourceType": "Observation", "status": "final", "category": [VITALS_CATEGORY], "subject": patient,
            "effectiveDateTime": rec["collected_at"]}
    out = []
    if d.get("systolic_bp") is not None and d.get("diastolic_bp") is not None:
        out.append({**base, "id": f"vs-{rec['record_id']}-bp",
                    "meta": {"profile": [f"{PROFILE}/vitalsigns", f"{PROFILE}/bp"]}, "code": _loinc(*BP_PANEL),
                    "component": [{"code": _loinc(s.loinc, s.loinc_display),
                                   "valueQuantity": _quantity(d[s.field], s.ucum)}
                                  for s in vital_signs.VITAL_SIGNS if s.field in ("systolic_bp", "diastolic_bp")]})
    for s in vital_signs.VITAL_SIGNS:
        if s.field in VITAL_PROFILE and d.get(s.field) is not None:
            out.append({**base, "id": f"vs-{rec['record_id']}-{s.testcd.lower()}",
                        "meta": {"profile": [f"{PROFILE}/vitalsigns", f"{PROFILE}/{VITAL_PROFILE[s.field]}"]},
                        "code": _loinc(s.loinc, s.loinc_display), "valueQuantity": _quantity(d[s.field], s.ucum)})
    return out


def pregnancy_observation(rec: dict[str, Any], patient: dict[str, Any]) -> dict[str, Any]:
    d = rec["data"]
    code, display = PREGNANCY_RESULT[d["result"]]
    return {"resourceType": "Observation", "id": f"hcg-{rec['record_id']}", "status": "final",
            "category": [LAB_CATEGORY], "code": _loinc(*PREGNANCY_LOINC[d["method"]]), "subject": patient,
            "effectiveDateTime": d["test_date"], "issued": rec["collected_at"],
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code, "display": display}],
                                     "text": display}}


def clinical_resources(rec: dict[str, Any], patient: dict[str, Any], study: Study) -> list[dict[str, Any]]:
    """The FHIR resources of one clinical-record entry (empty for other kinds)."""
    kind = rec["kind"]
    if kind == conmed.KIND:
        return [medication_statement(rec, patient, study)]
    if kind == medical_history.KIND:
        return [condition(rec, patient)]
    if kind == vital_signs.KIND:
        return vital_sign_observations(rec, patient)
    if kind == pregnancy.KIND:
        return [pregnancy_observation(rec, patient)]
    return []
