"""FHIR R4 forms of a ``drug_doses`` item (the home dosing diary, issue 24): one repeating group per study drug
(the drug, taken yes/no, the site-local time taken, the reason a dose was missed); and the ``diary_date`` item
every home diary's Questionnaire carries (the site-local day a phone entry is about, ``shared.home``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.home import DIARY_DATE, diary_date_of
from shared.instruments.model import Instrument, Item
from shared.study.model import Study

Coding = Callable[[Study, str], dict[str, Any]]


def _reason_coding(system: str, item: Item, code: Any) -> dict[str, Any]:
    label = next((c.label.en for c in item.choices if c.code == code), str(code))
    return {"system": system, "code": str(code), "display": label}


def q_item(item: Item, study: Study, drug_coding: Coding, zh: Callable[[str], dict[str, Any]],
           choice_system: str) -> dict[str, Any]:
    """The Questionnaire item: a repeating group, one per drug of the participant's arm."""
    return {"linkId": item.id, "text": item.label.en, "_text": zh(item.label.zh), "type": "group",
            "repeats": True, "required": item.required,
            "item": [{"linkId": f"{item.id}.drug", "text": "Study drug", "_text": zh("研究药物"), "type": "choice",
                      "required": True,
                      "answerOption": [{"valueCoding": drug_coding(study, d)} for d in study.drug_ids]},
                     {"linkId": f"{item.id}.taken", "text": "Taken", "_text": zh("已使用"), "type": "boolean",
                      "required": True},
                     {"linkId": f"{item.id}.time_taken", "text": "Time taken", "_text": zh("用药时间"),
                      "type": "time"},
                     {"linkId": f"{item.id}.missed_reason", "text": "Reason not taken", "_text": zh("未用药原因"),
                      "type": "choice",
                      "answerOption": [{"valueCoding": _reason_coding(choice_system, item, c.code)}
                                       for c in item.choices]}]}


def qr_items(item: Item, value: Any, study: Study, lang: str, drug_coding: Coding,
             inst: Instrument, choice_system: str) -> list[dict[str, Any]]:
    """The answer as one group per drug (time or reason as given)."""
    out = []
    for drug in sorted(value) if isinstance(value, dict) else ():
        entry = value[drug] if isinstance(value[drug], dict) else {}
        children: list[dict[str, Any]] = [
            {"linkId": f"{item.id}.drug", "answer": [{"valueCoding": drug_coding(study, drug)}]},
            {"linkId": f"{item.id}.taken", "answer": [{"valueBoolean": bool(entry.get("taken"))}]}]
        if isinstance(entry.get("time_taken"), str):
            children.append({"linkId": f"{item.id}.time_taken", "answer": [{"valueTime": entry["time_taken"] + ":00"}]})
        if entry.get("missed_reason") is not None:
            children.append({"linkId": f"{item.id}.missed_reason",
                             "answer": [{"valueCoding": _reason_coding(choice_system, item, entry["missed_reason"])}]})
        out.append({"linkId": item.id, "text": item.label.in_language(lang), "item": children})
    return out


def diary_date_q_item(inst: Instrument, study: Study, zh: Callable[[str], dict[str, Any]]) -> list[dict[str, Any]]:
    """The Questionnaire's ``diary_date`` item (type date) when ``inst`` at this version is a home diary of the
    study; required unless the instrument is also asked at a visit (a clinic answer has no diary date)."""
    diary = study.home.diary(inst.id)
    if diary is None or diary.version != inst.version:
        return []
    at_visits = any(inst.id in v.instruments for v in study.visits)
    return [{"linkId": DIARY_DATE, "text": "Date this entry is about", "_text": zh("本条记录所指的日期"),
             "type": "date", "required": not at_visits}]


def diary_date_qr_items(rec: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The QuestionnaireResponse's ``diary_date`` answer (valueDate) of a home entry; none for other records."""
    day = diary_date_of(rec)
    if day is None:
        return []
    return [{"linkId": DIARY_DATE, "text": "本条记录所指的日期" if lang == "zh-CN" else "Date this entry is about",
             "answer": [{"valueDate": day}]}]
