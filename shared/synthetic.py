"""Synthetic, plausible answers for demo data, the simulator and tests. Never real people.

Values drift with the visit so plots show a trend (IL-2 arms improve a little),
loosely inspired by the published low-dose IL-2 results; they are not data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from shared.instruments.model import Instrument, ResponseType
from shared.study.model import Study

ARM_EFFECT = {"IL2": 0.8, "RAPA": 0.5, "IL2RAPA": 1.0}


def _clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


def synthetic_answers(instrument: Instrument, *, drugs: frozenset[str] | None, rng: random.Random,
                      visit_index: int = 0, arm_code: str | None = None) -> dict[str, Any]:
    """A complete, valid answer set for ``instrument`` as asked of a participant taking ``drugs``."""
    improvement = ARM_EFFECT.get(arm_code or "", 0.5) * visit_index
    answers: dict[str, Any] = {}
    for item in instrument.items_for(drugs):
        if item.required_if is not None and not item.required:
            continue  # filled below when its condition holds
        rt = item.response
        if rt is ResponseType.VAS_MM:
            answers[item.id] = int(_clamp(rng.gauss(62 - 4 * improvement, 12), 0, 100))
        elif rt is ResponseType.INTEGER:
            if item.id == "il2_injections":
                answers[item.id] = rng.choice([4, 4, 4, 3])
            elif item.id == "rapamycin_days":
                answers[item.id] = rng.choice([14, 14, 13, 12])
            else:
                answers[item.id] = int(_clamp(round(rng.gauss(6 - 0.4 * improvement, 1.5)), 0, 10))
        elif rt is ResponseType.NUMBER:
            answers[item.id] = round(_clamp(rng.gauss(5.5 - 0.4 * improvement, 1.2), 0, 10), 1)
        elif rt is ResponseType.CHOICE:
            codes = item.choice_codes()
            weights = [max(0.05, 1.0 - 0.6 * i) for i in range(len(codes))]
            answers[item.id] = rng.choices(codes, weights=weights)[0]
        elif rt is ResponseType.BOOLEAN:
            answers[item.id] = rng.random() < 0.15
        elif rt is ResponseType.TEXT:
            answers[item.id] = "synthetic"
    for item in instrument.items_for(drugs):
        cond = item.required_if
        if cond is not None and not item.required and answers.get(cond.item_id) in cond.values:
            answers[item.id] = item.choice_codes()[0]
    if instrument.id == "dosing_diary":
        full = answers.get("il2_injections", 4) == 4 and answers.get("rapamycin_days", 14) == 14
        answers["any_missed"] = not full
        if full:
            answers.pop("missed_reason", None)
        else:
            answers["missed_reason"] = rng.choice(["forgot", "side_effect", "unwell"])
    return answers


def synthetic_enrolment(study: Study, *, rng: random.Random, arm: str, allocation_number: int,
                        allocation_list_id: str, screening_date: date) -> dict[str, Any]:
    """Data of an eligible participant's enrolment record."""
    attested = {c.id: True for c in study.inclusion if c.check == "attest"}
    attested.update({c.id: False for c in study.exclusion})
    return {
        "year_of_birth": screening_date.year - rng.randint(25, 65),
        "sex": rng.choice(["F", "F", "F", "M"]),
        "screening_date": screening_date.isoformat(),
        "consent_date": (screening_date - timedelta(days=rng.randint(0, 3))).isoformat(),
        "criteria": attested,
        "baseline_essdai": rng.randint(5, 18),
        "arm": arm,
        "allocation_number": allocation_number,
        "allocation_list_id": allocation_list_id,
    }


def synthetic_adverse_event(*, rng: random.Random, onset: date, serious: bool = False) -> dict[str, Any]:
    """An adverse-event report consistent with the seriousness and grade rules."""
    term = rng.choice(["Injection site reaction", "Fever", "Oral ulcer", "Rash", "Upper respiratory infection"])
    grade = 3 if serious else rng.choice([1, 1, 2])
    return {
        "term": term, "onset_date": onset.isoformat(),
        "end_date": (onset + timedelta(days=rng.randint(2, 10))).isoformat(),
        "grade": grade, "serious": serious, "serious_criteria": ["hospitalisation"] if serious else [],
        "causality_il2": rng.choice(["possible", "probable", "unlikely"]),
        "causality_rapamycin": rng.choice(["possible", "unlikely", "not_applicable"]),
        "action_il2": "none", "action_rapamycin": "none",
        "outcome": "recovered", "source_symptom": None, "visit_id": None,
    }
