"""Adverse events: CTCAE v5.0 grade, ICH E2A seriousness, WHO-UMC causality per drug, and their rules.

The drugs are the study file's. An AE body carries ``causality`` and ``action`` as objects keyed by drug id
(``{"causality": {"<drug>": "possible"}, ...}``); a body of the first kiosk release carries them as flat
fields ``causality_<drug>`` / ``action_<drug>`` instead, which is still accepted and exported alike.

Cross-field rules (issue 17): causality and action are asked for each drug of the participant's arm (a real
WHO-UMC category, never "not applicable") and for no other drug; an end date is required for a recovered,
recovered-with-sequelae or fatal outcome; fatal <=> grade 5 <=> serious with "results in death", and a fatal
AE carries the participant's death date; a serious AE carries the moment the site became aware of it; grade
>= 4 recorded as not serious needs a confirming reason. Dates against the clock and consent are checked in
``shared/record_times.py``; expectedness, SUSAR and treatment emergence in ``shared/pharmacovigilance.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from shared.errors import FieldProblem
from shared.instruments.model import Text
from shared.study.model import Study
from shared.values import is_int, parse_date, parses_as_timestamp, problem

_AWARE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)")

CTCAE_GRADES: dict[int, Text] = {
    1: Text(en="Mild; asymptomatic or mild symptoms; clinical or diagnostic observations only; "
               "intervention not indicated",
            zh="轻度；无症状或轻微症状；仅需临床或诊断观察；无需干预"),
    2: Text(en="Moderate; minimal, local or non-invasive intervention indicated; "
               "limiting age-appropriate instrumental ADL",
            zh="中度；需要较小、局部或非侵入性干预；影响与年龄相适应的工具性日常生活活动"),
    3: Text(en="Severe or medically significant but not immediately life-threatening; "
               "hospitalisation or prolongation indicated; disabling; limiting self-care ADL",
            zh="重度或具有重要医学意义但不会立即危及生命；需要住院或延长住院时间；致残；影响自理性日常生活活动"),
    4: Text(en="Life-threatening consequences; urgent intervention indicated",
            zh="危及生命；需要紧急干预"),
    5: Text(en="Death related to the adverse event", zh="与不良事件相关的死亡"),
}

SERIOUSNESS_CRITERIA: dict[str, Text] = {
    "death": Text(en="Results in death", zh="导致死亡"),
    "life_threatening": Text(en="Is life-threatening", zh="危及生命"),
    "hospitalisation": Text(en="Requires or prolongs inpatient hospitalisation", zh="需要住院或延长住院时间"),
    "disability": Text(en="Results in persistent or significant disability/incapacity",
                       zh="导致永久或显著的残疾/功能丧失"),
    "congenital_anomaly": Text(en="Is a congenital anomaly/birth defect", zh="先天异常/出生缺陷"),
    "medically_important": Text(en="Is another medically important event", zh="其他重要医学事件"),
}

CAUSALITY: dict[str, Text] = {
    "certain": Text(en="Certain", zh="肯定有关"),
    "probable": Text(en="Probable/likely", zh="很可能有关"),
    "possible": Text(en="Possible", zh="可能有关"),
    "unlikely": Text(en="Unlikely", zh="可能无关"),
    "conditional": Text(en="Conditional/unclassified", zh="待评价"),
    "unassessable": Text(en="Unassessable/unclassifiable", zh="无法评价"),
    "not_applicable": Text(en="Not applicable (drug not given in this arm)", zh="不适用（本组未使用该药）"),
}

ACTIONS: dict[str, Text] = {
    "none": Text(en="Dose not changed", zh="剂量未改变"),
    "reduced": Text(en="Dose reduced", zh="减量"),
    "interrupted": Text(en="Drug interrupted", zh="暂停用药"),
    "withdrawn": Text(en="Drug withdrawn", zh="停药"),
    "not_applicable": Text(en="Not applicable", zh="不适用"),
}

OUTCOMES: dict[str, Text] = {
    "recovered": Text(en="Recovered/resolved", zh="已痊愈"),
    "recovering": Text(en="Recovering/resolving", zh="正在恢复"),
    "not_recovered": Text(en="Not recovered/not resolved", zh="未恢复"),
    "recovered_with_sequelae": Text(en="Recovered with sequelae", zh="痊愈伴后遗症"),
    "fatal": Text(en="Fatal", zh="死亡"),
    "unknown": Text(en="Unknown", zh="未知"),
}

PER_DRUG = ("causality", "action")
_HEAD = ("term", "onset_date", "end_date", "grade", "serious", "serious_criteria")
_TAIL = ("outcome", "source_symptom", "visit_id")
# issue 17: the English translation of a verbatim term typed in another script, when the site learned of the
# event (the SAE clock), the participant's death date (fatal outcome only) and why a grade >= 4 event is not
# serious; absent in bodies of earlier releases, so every one is optional in the body
_PV = ("term_en", "awareness_at", "death_date", "nonserious_reason")
ENDED_OUTCOMES = ("recovered", "recovered_with_sequelae", "fatal")   # outcomes that need an end date


def ae_fields(study: Study) -> tuple[str, ...]:
    """The flat fields of an AE, one ``causality_<drug>`` and ``action_<drug>`` per study drug: the columns
    of every export, in a fixed order."""
    return (*_HEAD, *(f"causality_{d}" for d in study.drug_ids), *(f"action_{d}" for d in study.drug_ids),
            *_TAIL, *_PV)


def per_drug(data: Mapping[str, Any], kind: str, drug: str) -> Any:
    """The ``kind`` ("causality" or "action") given for ``drug``, whichever body form the AE uses."""
    given = data.get(kind)
    if isinstance(given, Mapping):
        return given.get(drug)
    return data.get(f"{kind}_{drug}")


def drug_map(data: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """Drug id -> the ``kind`` ("causality" or "action") given, whichever body form the AE uses."""
    given = data.get(kind)
    if isinstance(given, Mapping):
        return dict(given)
    prefix = f"{kind}_"
    return {k[len(prefix):]: v for k, v in data.items() if isinstance(k, str) and k.startswith(prefix)}


def flat_ae(data: Mapping[str, Any], study: Study) -> dict[str, Any]:
    """The AE as its flat fields (``ae_fields``), whichever body form it was stored in."""
    out = {f: data.get(f) for f in (*_HEAD, *_TAIL, *_PV)}
    for kind in PER_DRUG:
        for d in study.drug_ids:
            out[f"{kind}_{d}"] = per_drug(data, kind, d)
    return {f: out[f] for f in ae_fields(study)}



def _code_of(value: object, codes: Mapping[str, object]) -> bool:
    """True when ``value`` is one of ``codes`` (a list or object sent instead of a code is simply not one)."""
    return isinstance(value, str) and value in codes

def is_serious(criteria: list[str]) -> bool:
    """ICH E2A: any ticked criterion makes the event serious."""
    return bool(criteria)


def validate_adverse_event(data: Any, study: Study, drugs: frozenset[str] | None = None) -> list[FieldProblem]:
    """Every problem with an adverse-event report, including the cross-field rules.

    ``drugs`` are the drugs of the participant's arm (all the study's drugs when the arm is not known): each
    needs a causality and an action.
    """
    if not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object", "data: must be an object")]
    p: list[FieldProblem] = []

    def add(field: str, allowed: str, why: str, code: str = "") -> None:
        p.append(problem(f"data.{field}", data.get(field), allowed, why, code))

    known = (*_HEAD, *PER_DRUG, *_TAIL, *_PV, *(f"{k}_{d}" for k in PER_DRUG for d in study.drug_ids))
    for key in sorted(set(data) - set(known), key=str):
        add(key, ", ".join((*_HEAD, *PER_DRUG, *_TAIL, *_PV)), "is not a field of an adverse event")
    term = data.get("term")
    if not isinstance(term, str) or not term.strip() or len(term) > 200:
        add("term", "a term of 1-200 characters", "is required")
    term_en = data.get("term_en")
    if term_en is not None and (not isinstance(term_en, str) or not term_en.strip() or len(term_en) > 200
                                or not term_en.isascii()):
        add("term_en", "null or an English term of 1-200 ASCII characters", "is not an English translation",
            "ae.term_en_invalid")
    onset = parse_date(data.get("onset_date"), "data.onset_date", p)
    end = None
    if data.get("end_date") is not None:
        end = parse_date(data.get("end_date"), "data.end_date", p)
    if onset and end and end < onset:
        add("end_date", "on or after the onset date", "is before the onset date", "ae.end_before_onset")
    grade = data.get("grade")
    if not is_int(grade) or grade not in CTCAE_GRADES:
        add("grade", "CTCAE grade 1, 2, 3, 4 or 5", "is not a CTCAE grade")
        grade = None
    criteria = data.get("serious_criteria")
    if not isinstance(criteria, list) or any(not _code_of(c, SERIOUSNESS_CRITERIA) for c in criteria) \
            or len(set(criteria)) != len(criteria):
        add("serious_criteria", "a list of distinct " + ", ".join(SERIOUSNESS_CRITERIA),
            "is not a list of seriousness criteria")
        criteria = None
    serious = data.get("serious")
    if not isinstance(serious, bool):
        add("serious", "true or false", "must be true or false")
    elif criteria is not None and serious != is_serious(criteria):
        add("serious", "true exactly when a seriousness criterion is ticked",
            "does not match the ticked seriousness criteria")
    if grade == 5 and (criteria is None or "death" not in criteria or serious is not True):
        add("grade", "grade 5 only with serious = yes and 'death' ticked",
            "grade 5 (death) requires the event to be serious with death as a criterion", "ae.grade5_needs_death")
    if criteria is not None and "death" in criteria and grade is not None and grade != 5:
        add("serious_criteria", "'death' only with grade 5", "death as a criterion requires CTCAE grade 5",
            "ae.death_needs_grade5")
    outcome = data.get("outcome")
    if not _code_of(outcome, OUTCOMES):
        add("outcome", ", ".join(OUTCOMES), "is not an outcome")
        outcome = None
    elif (outcome == "fatal") != (grade == 5) and grade is not None:
        add("outcome", "'fatal' exactly when grade is 5", "does not match the grade", "ae.fatal_needs_grade5")
    if outcome in ENDED_OUTCOMES and data.get("end_date") is None:
        add("end_date", f"the date the event ended (outcome {outcome})",
            "is required when the outcome is recovered, recovered with sequelae or fatal", "ae.end_date_required")
    p += _death_problems(data, outcome, onset, end)
    p += _seriousness_problems(data, serious, grade, onset)
    p += _per_drug_problems(data, study, drugs)
    if data.get("source_symptom") is not None and not isinstance(data.get("source_symptom"), str):
        add("source_symptom", "a symptom id or null", "must be text")
    if data.get("visit_id") is not None and not isinstance(data.get("visit_id"), str):
        add("visit_id", "a visit id or null", "must be text")
    return p


def _death_problems(data: Mapping[str, Any], outcome: str | None, onset: date | None,
                    end: date | None) -> list[FieldProblem]:
    """A fatal outcome needs the participant's death date (on or after onset, not before the end date); no
    other outcome may carry one (another AE of the same person is not fatal by implication)."""
    p: list[FieldProblem] = []
    given = data.get("death_date")
    if outcome == "fatal" and given is None:
        p.append(problem("data.death_date", None, "the participant's date of death",
                         "is required when the outcome is fatal", "ae.death_date_required"))
    elif outcome != "fatal" and given is not None:
        p.append(problem("data.death_date", given, "empty unless the outcome is fatal",
                         "is only given for a fatal outcome", "ae.death_date_not_fatal"))
    elif given is not None:
        died = parse_date(given, "data.death_date", p)
        if died and onset and died < onset:
            p.append(problem("data.death_date", given, "on or after the onset date", "is before the onset date",
                             "ae.death_before_onset"))
        if died and end and end > died:
            p.append(problem("data.end_date", data.get("end_date"), f"on or before the death date {died}",
                             "is after the participant's death", "ae.end_after_death"))
    return p


def _seriousness_problems(data: Mapping[str, Any], serious: Any, grade: int | None,
                          onset: date | None) -> list[FieldProblem]:
    """A serious event needs the moment the site became aware of it (the 24-hour clock starts there); a grade 4
    or 5 event recorded as not serious needs a reason confirming that, and no other event carries one."""
    p: list[FieldProblem] = []
    aware = data.get("awareness_at")
    if aware is None:
        if serious is True:
            p.append(problem("data.awareness_at", None, "the date and time the site learned of the event, "
                             "like 2026-03-01T09:30:00+08:00", "is required for a serious event",
                             "ae.awareness_required"))
    elif not isinstance(aware, str) or not _AWARE.fullmatch(aware) or not parses_as_timestamp(aware):
        p.append(problem("data.awareness_at", aware, "a date and time with UTC offset, like "
                         "2026-03-01T09:30:00+08:00", "is not a valid date and time", "ae.awareness_invalid"))
    elif onset and date.fromisoformat(aware[:10]) < onset:
        p.append(problem("data.awareness_at", aware, f"on or after the onset date {onset}",
                         "is before the event began", "ae.awareness_before_onset"))
    reason = data.get("nonserious_reason")
    needs = serious is False and grade is not None and grade >= 4
    if needs and (not isinstance(reason, str) or not reason.strip() or len(reason) > 500):
        p.append(problem("data.nonserious_reason", reason, "a reason of 1-500 characters",
                         f"is required: grade {grade} recorded as not serious must be confirmed",
                         "ae.nonserious_reason_required"))
    elif not needs and reason is not None:
        p.append(problem("data.nonserious_reason", reason, "empty unless grade >= 4 is recorded as not serious",
                         "is only given for a grade 4 or 5 event recorded as not serious",
                         "ae.nonserious_reason_unexpected"))
    return p


def _per_drug_problems(data: Mapping[str, Any], study: Study, drugs: frozenset[str] | None) -> list[FieldProblem]:
    """Causality and action per drug, in either body form (never both)."""
    p: list[FieldProblem] = []
    codes = {"causality": (CAUSALITY, "is not a WHO-UMC causality category"),
             "action": (ACTIONS, "is not an action taken")}
    flat = [f"{k}_{d}" for k in PER_DRUG for d in study.drug_ids]
    if not any(k in data for k in PER_DRUG):
        for kind in PER_DRUG:
            allowed, why = codes[kind]
            for d in study.drug_ids:
                field, value = f"data.{kind}_{d}", data.get(f"{kind}_{d}")
                if not _code_of(value, allowed):
                    p.append(problem(field, value, ", ".join(allowed), why))
            p += _arm_problems({d: data.get(f"{kind}_{d}") for d in study.drug_ids}, kind, drugs)
        return p
    for key in flat:
        if key in data:
            p.append(problem(f"data.{key}", data[key], f"the {' and '.join(PER_DRUG)} objects",
                             "cannot be given beside the causality and action objects"))
    needed = [d for d in study.drug_ids if drugs is None or d in drugs]
    for kind in PER_DRUG:
        allowed, why = codes[kind]
        given = data.get(kind)
        if not isinstance(given, Mapping):
            p.append(problem(f"data.{kind}", given, "an object of drug id -> code for " + ", ".join(needed),
                             "must be an object keyed by drug id"))
            continue
        for d in sorted(set(given) - set(study.drug_ids), key=str):
            p.append(problem(f"data.{kind}.{d}", given[d], ", ".join(study.drug_ids), "is not a study drug"))
        for d in study.drug_ids:
            if d in given or d in needed:
                if not _code_of(given.get(d), allowed):
                    p.append(problem(f"data.{kind}.{d}", given.get(d), ", ".join(allowed), why))
        p += _arm_problems({d: given.get(d) for d in given}, kind, drugs)
    return p


def _arm_problems(given: Mapping[str, Any], kind: str, drugs: frozenset[str] | None) -> list[FieldProblem]:
    """With the participant's arm known: a drug of the arm needs a real causality assessment (never "not
    applicable"); a drug the arm does not receive is not assessed (absent, or "not applicable")."""
    if drugs is None:
        return []
    p: list[FieldProblem] = []
    for d, value in given.items():
        if d in drugs and kind == "causality" and value == "not_applicable":
            p.append(problem(f"data.{kind}.{d}", value, ", ".join(c for c in CAUSALITY if c != "not_applicable"),
                             "the participant receives this drug: assess its causality",
                             "ae.causality_needed_for_arm_drug"))
        elif d not in drugs and value not in (None, "not_applicable"):
            p.append(problem(f"data.{kind}.{d}", value, "not given (the participant's arm does not receive it)",
                             "is not asked for a drug outside the participant's arm", "ae.drug_not_in_arm"))
    return p
