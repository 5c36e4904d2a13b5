"""Rules that raise data queries by themselves: the study file's edit checks and the built-in checks.

Each rule is a pure function of one participant's current data (``ParticipantFacts``) that returns the
``Finding``s it makes: which record (or lab result) and field, the value, and what the site is asked. The job
runner (``server/services/queries.py:run_rules``) evaluates every rule for every participant and keeps the
queries in step with the findings, idempotently:

- a finding with no query yet raises one (state ``open``, raised by ``system:rules``);
- one query per (rule, target, field) ever: a finding that stays gives no second query;
- a query whose finding went away (the value was corrected) is closed by the rule, with a message saying so;
- a query a person closed stays closed while its finding stays (the monitor accepted the value); one the rule
  closed itself is re-opened when its finding comes back.

Built-in rules take their inputs from the rule modules that own them (visit windows, AE translation,
screening scores, lab grades); each is one entry of ``BUILTIN_RULES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.deviations import OUT_OF_WINDOW, participant_deviations
from shared.edit_checks import failing_value
from shared.eligibility import eligibility_scores
from shared.instruments import get_instrument
from shared.instruments.model import Text
from shared.lab_grading import severe_labs_without_ae
from shared.pharmacovigilance import missing_translations
from shared.site_time import site_today
from shared.study.model import Study

RECORD, LAB_RESULT = "record", "lab_result"      # what a query is about
EDIT_CHECK_PREFIX = "edit_check:"


@dataclass(frozen=True)
class Finding:
    """One thing a rule wants the site to look at."""

    rule: str                 # "edit_check:<id>" or a built-in rule name
    target: str               # RECORD or LAB_RESULT
    target_id: str            # record id or lab result id
    revision: int             # the revision (of the record; 1 for a lab result) the finding is about
    field: str                # the item (data key) or lab field questioned
    value: Any
    text: str                 # what the site is asked, English
    text_zh: str              # the same in Chinese

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity of the query it raises: one query per rule, target and field, ever."""
        return (self.rule, self.target_id, self.field)


@dataclass(frozen=True)
class ParticipantFacts:
    """What a rule may look at for one participant: the enrolment row, current records, lab results."""

    participant: Mapping[str, Any]
    records: list[Mapping[str, Any]]          # newest revision of each record (envelope fields + data)
    labs: list[Mapping[str, Any]] = field(default_factory=list)   # newest revision of each lab result
    today: date | None = None                                      # None: today at the participant's site


Rule = Callable[[Study, ParticipantFacts], Iterable[Finding]]


def edit_check_findings(study: Study, facts: ParticipantFacts) -> Iterable[Finding]:
    """Every edit check of the study file against every current instrument record it names."""
    if not study.edit_checks:
        return
    checks: dict[str, list[Any]] = {}
    for c in study.edit_checks:
        checks.setdefault(c.instrument, []).append(c)
    for rec in facts.records:
        if rec.get("kind") != "instrument_response" or rec.get("instrument_id") not in checks:
            continue
        data = rec.get("data") or {}
        if not isinstance(data, Mapping):
            continue
        inst = get_instrument(rec["instrument_id"], rec.get("instrument_version"))
        values = {**inst.score(data), **data}
        for check in checks[rec["instrument_id"]]:
            fails, value = failing_value(check, values)
            if fails:
                yield Finding(f"{EDIT_CHECK_PREFIX}{check.id}", RECORD, rec["record_id"], rec["revision"],
                              check.field, value, f"{check.text} ({check.rule_text()})",
                              f"{check.text_zh}（{check.rule_text()}）")


def _revision_of(facts: ParticipantFacts, record_id: str | None) -> int | None:
    return next((int(r["revision"]) for r in facts.records if r.get("record_id") == record_id), None)


def out_of_window_findings(study: Study, facts: ParticipantFacts) -> Iterable[Finding]:
    """A visit whose first record lies outside the visit's window (``shared.deviations``): the site confirms the
    date or corrects it."""
    pid = facts.participant["participant_id"]
    site_id = facts.participant["site_id"]
    zone = study.site(site_id).timezone
    today = facts.today or site_today(study, site_id)   # the site's day: a visit window is in clinic days
    for d in participant_deviations(study, pid, facts.records, today=today, timezone=zone):
        revision = _revision_of(facts, d.record_id)
        if d.rule != OUT_OF_WINDOW or d.record_id is None or revision is None:
            continue
        yield Finding("visit_window", RECORD, d.record_id, revision, "collected_at", d.day.isoformat(),
                      f"Visit outside its window: {d.term}. Please confirm the visit date or correct it.",
                      f"访视超出时间窗：{d.term_zh or d.term}{'：' + d.reason if d.reason else ''}。"
                      "请确认访视日期或更正。")


def translation_findings(study: Study, facts: ParticipantFacts) -> Iterable[Finding]:
    """An adverse event whose verbatim term needs an English translation and has none
    (``shared.pharmacovigilance.missing_translations``)."""
    for r in missing_translations(facts.records):
        yield Finding("ae_translation", RECORD, r["record_id"], int(r["revision"]), "term_en", r["data"].get("term"),
                      "The verbatim term is not in English: add its English translation (term_en) for the "
                      "submission files.", "不良事件原始术语不是英文：请填写英文译名，以便生成递交文件。")


def screening_score_findings(study: Study, facts: ParticipantFacts) -> Iterable[Finding]:
    """The eligibility score at the eligibility visit differs from the screening one by more than the study
    file's ``queries.screening_score_tolerance`` (``shared.eligibility.eligibility_scores``)."""
    scores = eligibility_scores(study, facts.records)
    if scores.screening is None or scores.baseline is None or scores.baseline_record_id is None:
        return
    gap = abs(scores.baseline - scores.screening)
    revision = _revision_of(facts, scores.baseline_record_id)
    if gap <= study.queries.screening_score_tolerance or revision is None:
        return
    inst = study.instrument_with_role("clinician_index")
    name = inst.short.en if inst else "score"
    yield Finding("screening_score_discrepancy", RECORD, scores.baseline_record_id, revision,
                  inst.declared_score().name if inst else "score", scores.baseline,
                  f"{name} {scores.baseline:g} at the eligibility visit but {scores.screening:g} at screening "
                  f"(more than {study.queries.screening_score_tolerance:g} apart): please confirm both scores.",
                  f"{name}资格访视时为{scores.baseline:g}，筛选时为{scores.screening:g}"
                  f"（相差超过{study.queries.screening_score_tolerance:g}）：请确认两次评分。")


def severe_lab_findings(study: Study, facts: ParticipantFacts) -> Iterable[Finding]:
    """A lab result graded ``labs.open_grade`` (CTCAE 3) or worse that no adverse event covers
    (``shared.lab_grading.severe_labs_without_ae``)."""
    if not facts.labs:
        return
    pid = facts.participant["participant_id"]
    by_id = {str(lab["result_id"]): lab for lab in facts.labs}
    aes = [r for r in facts.records if r.get("kind") == "adverse_event"]
    for p in severe_labs_without_ae(study, facts.labs, {pid: facts.participant.get("sex")}, aes):
        lab = by_id[p.result_id]
        yield Finding("lab_grade_without_ae", LAB_RESULT, p.result_id, int(lab.get("revision") or 1), "value",
                      lab.get("value"), f"{p.description}, and no adverse event is recorded: report the adverse "
                      "event or say why there is none.",
                      f"{p.description_zh or p.description}，但未记录不良事件：请报告不良事件或说明原因。")


# name -> rule; the edit checks first, then each built-in from the rule module that owns its input
BUILTIN_RULES: dict[str, Rule] = {
    "edit_checks": edit_check_findings,
    "visit_window": out_of_window_findings,               # shared/deviations.py (issue 16)
    "ae_translation": translation_findings,               # shared/pharmacovigilance.py (issue 17)
    "screening_score_discrepancy": screening_score_findings,   # shared/eligibility.py (issue 15)
    "lab_grade_without_ae": severe_lab_findings,          # shared/lab_grading.py (issue 18)
}


# What each rule is called on a page (en/zh); an edit check is called by its kind and keeps its id (a code).
RULE_TITLES: dict[str, Text] = {
    "edit_checks": Text(en="edit check", zh="逻辑核查"),
    "visit_window": Text(en="visit out of its window", zh="访视超窗"),
    "ae_translation": Text(en="AE term without English", zh="不良事件术语缺英文译名"),
    "screening_score_discrepancy": Text(en="screening and eligibility scores apart", zh="筛选与资格评分相差过大"),
    "lab_grade_without_ae": Text(en="severe lab result without AE", zh="严重实验室异常未报不良事件"),
}


def rule_title(rule: str) -> tuple[Text, str | None]:
    """What rule ``rule`` (a query's ``rule``) is called, and the edit check's id (a code) when it is one; an
    unknown rule is called by its name."""
    if rule.startswith(EDIT_CHECK_PREFIX):
        return RULE_TITLES["edit_checks"], rule.removeprefix(EDIT_CHECK_PREFIX)
    return RULE_TITLES.get(rule) or Text(en=rule, zh=rule), None


def findings(study: Study, facts: ParticipantFacts, rules: Mapping[str, Rule] | None = None) -> list[Finding]:
    """Every finding of every rule for one participant, one per query key (the first rule to find it wins)."""
    out: dict[tuple[str, str, str], Finding] = {}
    for rule in (rules or BUILTIN_RULES).values():
        for f in rule(study, facts):
            out.setdefault(f.key, f)
    return list(out.values())
