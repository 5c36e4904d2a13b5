"""Symptom checklist tailored by arm: the expected effects of IL-2 and of rapamycin named in the registry.

Each symptom is asked as present/absent and, when present, a severity. A
participant is asked only the symptoms of the drugs their arm receives (item
``tags`` name the drugs); rash belongs to both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.unit.legacy_instruments.model import Choice, Instrument, Item, RequiredIf, ResponseType, Text

SEVERITY = (
    Choice(code="mild", label=Text(en="Mild", zh="轻度")),
    Choice(code="moderate", label=Text(en="Moderate", zh="中度")),
    Choice(code="severe", label=Text(en="Severe", zh="重度")),
)

# (symptom id, English, Chinese, drugs it is an expected effect of)
SYMPTOMS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("fever", "Fever", "发热", ("il2",)),
    ("rash", "Rash", "皮疹", ("il2", "rapamycin")),
    ("liver", "Yellow skin or eyes, or dark urine (possible liver problem)",
     "皮肤或眼睛发黄、尿色加深（可能的肝功能异常）", ("il2",)),
    ("infection", "Signs of a new infection (cough, sore throat, burning when passing urine)",
     "新发感染迹象（咳嗽、咽痛、排尿灼痛）", ("il2",)),
    ("oral_ulcer", "Mouth sores or ulcers", "口腔溃疡", ("rapamycin",)),
    ("hypertension", "High blood pressure measured at home", "在家测得血压升高", ("rapamycin",)),
    ("anaemia", "Unusual tiredness, paleness or shortness of breath (possible anaemia)",
     "异常乏力、面色苍白或气短（可能贫血）", ("rapamycin",)),
    ("arthralgia", "Joint pain", "关节疼痛", ("rapamycin",)),
    ("diarrhoea", "Diarrhoea", "腹泻", ("rapamycin",)),
)


def _items() -> tuple[Item, ...]:
    items: list[Item] = []
    for sid, en, zh, drugs in SYMPTOMS:
        items.append(Item(id=f"{sid}_present", label=Text(en=en, zh=zh),
                          response=ResponseType.BOOLEAN, tags=drugs))
        items.append(Item(id=f"{sid}_severity",
                          label=Text(en=f"{en}: how severe?", zh=f"{zh}：严重程度？"),
                          response=ResponseType.CHOICE, choices=SEVERITY, required=False,
                          required_if=RequiredIf(item_id=f"{sid}_present", values=(True,)),
                          tags=drugs))
    return tuple(items)


SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}


def reported_symptoms(answers: Mapping[str, Any]) -> dict[str, str]:
    """Symptom id -> severity for every symptom marked present."""
    return {sid: answers.get(f"{sid}_severity") or "unknown"
            for sid, *_ in SYMPTOMS if answers.get(f"{sid}_present") is True}


def _score(answers: Mapping[str, Any]) -> dict[str, float | int | None]:
    return {"symptoms_present": len(reported_symptoms(answers))}


SYMPTOM_CHECKLIST = Instrument(
    id="symptom_checklist",
    version="1.0",
    title=Text(en="Symptoms since your last visit", zh="自上次访视以来的症状"),
    respondent="participant",
    recall_period=Text(en="since your last visit", zh="自上次访视以来"),
    instructions=Text(en="For each symptom, say whether you have had it since your last visit.",
                      zh="请针对每种症状，说明自上次访视以来您是否出现过。"),
    items=_items(),
    scorer=_score,
    score_names=("symptoms_present",),
    arm_specific=True,
)
