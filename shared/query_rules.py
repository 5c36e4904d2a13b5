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
from typing import Any

from shared.edit_checks import failing_value
from shared.instruments import get_instrument
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
    labs: list[Mapping[str, Any]] = field(default_factory=list)


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


# name -> rule; the edit checks first, then each built-in as its rule module provides it
BUILTIN_RULES: dict[str, Rule] = {
    "edit_checks": edit_check_findings,
}


def findings(study: Study, facts: ParticipantFacts, rules: Mapping[str, Rule] | None = None) -> list[Finding]:
    """Every finding of every rule for one participant, one per query key (the first rule to find it wins)."""
    out: dict[tuple[str, str, str], Finding] = {}
    for rule in (rules or BUILTIN_RULES).values():
        for f in rule(study, facts):
            out.setdefault(f.key, f)
    return list(out.values())
