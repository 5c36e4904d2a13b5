"""Screening: the eligibility checklist of the study file, assessed the same way on kiosk and server."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.errors import FieldProblem
from shared.study.model import Criterion, Study
from shared.values import is_int, parse_date

SEXES = ("F", "M", "U")


@dataclass(frozen=True)
class Failure:
    """One criterion a participant does not meet: the reason in plain English words, and the same as a stable
    ``code`` with its ``params`` (numbers, names) so a screen words it in its own language (docs/errors.md)."""

    criterion_id: str
    text: str
    reason: str
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


def age_in_year(year_of_birth: int, on: date) -> int:
    """Age reached during the year of ``on``: only the year of birth is stored (pseudonymity)."""
    return on.year - year_of_birth


def assess_eligibility(study: Study, *, year_of_birth: int | None, screening_date: date | None,
                       consent_date: date | None, score: float | None,
                       attested: Mapping[str, bool]) -> list[Failure]:
    """Every failed criterion (empty list = eligible).

    ``score`` is the value staff entered for the study's "score" criterion (see ``Study.score_criterion``).

    ``attested`` maps the "attest" criteria ids to the staff's answer: for an
    inclusion criterion True means met; for an exclusion criterion True means present.
    A criterion not answered is a failure, never assumed.
    """
    failures: list[Failure] = []
    for crit in study.inclusion:
        failure = _inclusion_failure(study, crit, year_of_birth=year_of_birth, screening_date=screening_date,
                                     consent_date=consent_date, score=score, attested=attested)
        if failure:
            code, reason, params = failure
            failures.append(Failure(crit.id, crit.text, reason, code, params))
    for crit in study.exclusion:
        answer = attested.get(crit.id)
        if answer is None:
            failures.append(Failure(crit.id, crit.text, "not answered", "eligibility.not_answered"))
        elif answer is not False:
            failures.append(Failure(crit.id, crit.text, "present (excludes the participant)",
                                    "eligibility.present"))
    return failures


def _inclusion_failure(study: Study, crit: Criterion, *, year_of_birth: int | None, screening_date: date | None,
                       consent_date: date | None, score: float | None,
                       attested: Mapping[str, bool]) -> tuple[str, str, dict[str, Any]] | None:
    """(code, English reason, params) when the inclusion criterion ``crit`` is not met, else None."""
    info = study.study
    if crit.check == "age":
        if year_of_birth is None or screening_date is None:
            return "eligibility.age_unknown", "year of birth or screening date missing", {}
        age = age_in_year(year_of_birth, screening_date)
        if not info.min_age <= age <= info.max_age:
            return ("eligibility.age_outside", f"age {age} is outside {info.min_age}-{info.max_age}",
                    {"age": age, "min": info.min_age, "max": info.max_age})
        return None
    if crit.check == "score":
        short = study.instrument(str(crit.instrument)).short.en
        if score is None:
            visit = study.visit_with_role("eligibility")
            visit_id = visit.id if visit else ""
            return ("eligibility.score_missing", f"no {visit_id + ' ' if visit_id else ''}{short} recorded",
                    {"visit": visit_id, "instrument": short})
        if crit.minimum is not None and score < crit.minimum:
            return ("eligibility.score_below", f"{short} {score} is below {crit.minimum}",
                    {"instrument": short, "score": score, "minimum": crit.minimum})
        return None
    if crit.check == "consent":
        if consent_date is None:
            return "eligibility.consent_missing", "no consent date", {}
        if screening_date is not None and consent_date > screening_date:
            return "eligibility.consent_after_screening", "consent date is after the screening date", {}
        return None
    answer = attested.get(crit.id)
    if answer is None:
        return "eligibility.not_answered", "not answered", {}
    if answer is not True:
        return "eligibility.not_met", "not met", {}
    return None


def validate_enrolment_data(data: Any, study: Study) -> list[FieldProblem]:
    """Problems with an enrolment record's data, including any failed eligibility criterion."""
    if not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object", "data: must be an object")]
    p: list[FieldProblem] = []
    criterion = study.score_criterion()
    allowed_keys = {"year_of_birth", "sex", "screening_date", "consent_date", "criteria", "arm",
                    "allocation_number", "allocation_list_id"} | ({criterion.field} if criterion else set())
    for key in sorted(set(data) - allowed_keys):
        p.append(FieldProblem(f"data.{key}", data[key], ", ".join(sorted(allowed_keys)),
                              f"data.{key}: is not a field of an enrolment"))
    yob = data.get("year_of_birth")
    if not is_int(yob) or not 1900 <= yob <= 2100:
        p.append(FieldProblem("data.year_of_birth", yob, "a year like 1970",
                              f"data.year_of_birth: must be a 4-digit year (got {yob!r})"))
        yob = None
    if data.get("sex") not in SEXES:
        p.append(FieldProblem("data.sex", data.get("sex"), "F, M or U",
                              f"data.sex: must be F, M or U (got {data.get('sex')!r})"))
    screening = parse_date(data.get("screening_date"), "data.screening_date", p)
    consent = parse_date(data.get("consent_date"), "data.consent_date", p)
    score = None
    if criterion is not None:
        top = study.instrument(str(criterion.instrument)).score_maximum()
        top_text = f"{top:g}" if top is not None else "any"
        score = data.get(str(criterion.field))
        if not is_int(score) or score < 0 or (top is not None and score > top):
            field = f"data.{criterion.field}"
            p.append(FieldProblem(field, score, f"a whole number 0-{top_text}",
                                  f"{field}: must be a whole number 0-{top_text} (got {score!r})"))
            score = None
    criteria = data.get("criteria")
    if not isinstance(criteria, Mapping) or not all(isinstance(v, bool) for v in criteria.values()):
        p.append(FieldProblem("data.criteria", criteria, "an object of criterion id -> true/false",
                              "data.criteria: must map criterion ids to true or false"))
        criteria = {}
    arms = [a.code for a in study.arms]
    if data.get("arm") not in arms:
        p.append(FieldProblem("data.arm", data.get("arm"), ", ".join(arms),
                              f"data.arm: must be one of {', '.join(arms)} (got {data.get('arm')!r})"))
    if not is_int(data.get("allocation_number")) or data["allocation_number"] < 1:
        p.append(FieldProblem("data.allocation_number", data.get("allocation_number"), "a whole number >= 1",
                              "data.allocation_number: must be the allocation list position"))
    if not isinstance(data.get("allocation_list_id"), str):
        p.append(FieldProblem("data.allocation_list_id", data.get("allocation_list_id"), "an id",
                              "data.allocation_list_id: must name the allocation list used"))
    if not p:
        for f in assess_eligibility(study, year_of_birth=yob, screening_date=screening,
                                    consent_date=consent, score=score, attested=criteria):
            p.append(FieldProblem(f"data.criteria.{f.criterion_id}", criteria.get(f.criterion_id),
                                  "eligible", f"{f.criterion_id} ({f.text}): {f.reason}", f.code,
                                  {"criterion": f.criterion_id, **f.params}))
    return p
