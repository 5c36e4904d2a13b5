"""The data of the record kinds of screening and randomisation, checked the same way on kiosk and server.

- ``screening``: saved after consent whatever the outcome (the screening log). It gives the participant id
  (site prefix + screening number). It keeps the age at consent and the birth year-month, never the full
  date of birth; its ``outcome`` and ``failed_criteria`` must be what ``shared.eligibility`` computes.
- ``randomisation``: saved at the eligibility visit once eligibility is confirmed; the arm and randomisation
  number from a signed block granted to the kiosk, and the scored eligibility-visit score it was decided on.
  Whether the eligibility really holds needs the participant's other records: the kiosk and the server check
  that with ``shared.eligibility.assess_randomisation``.
- ``enrolment``: the one-step record of earlier releases (screening and randomisation at once, year of birth
  only). Kept readable and exportable; no new one is accepted by the server (``record.enrolment_retired``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.eligibility import (
    OUTCOMES,
    SEXES,
    assess_eligibility,
    assess_screening,
    possible_ages,
    screening_outcome,
)
from shared.errors import FieldProblem
from shared.study.model import Study
from shared.values import is_int, is_number, parse_date, problem

SCREENING_KIND = "screening"     # the record kind of the screening log (one per person screened)
_YEAR_MONTH = re.compile(r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SCREENING_FIELDS = frozenset({"consent_date", "screening_date", "sex", "birth_year_month", "age_at_consent",
                              "criteria", "screening_score", "outcome", "failed_criteria",
                              "childbearing_potential"})   # issue 18: true/false, null = not recorded
RANDOMISATION_FIELDS = frozenset({"arm", "randomisation_number", "allocation_list_id", "eligibility_score",
                                  "eligibility_record_id"})


def _unknown(data: Mapping[str, Any], allowed: frozenset[str], kind: str) -> list[FieldProblem]:
    return [FieldProblem(f"data.{k}", data[k], ", ".join(sorted(allowed)), f"data.{k}: is not a field of a {kind}")
            for k in sorted(set(data) - allowed)]


def _score_problem(study: Study, value: Any, field: str) -> FieldProblem | None:
    criterion = study.score_criterion()
    top = study.instrument(str(criterion.instrument)).score_maximum() if criterion else None
    top_text = f"{top:g}" if top is not None else "any"
    if not is_number(value):
        return problem(field, value, f"a number 0-{top_text}", "is not a score", "value.not_number")
    if value < 0 or (top is not None and value > top):
        return problem(field, value, f"a number 0-{top_text}", "is outside the score's range",
                       "value.above_range" if value > 0 else "value.below_range")
    return None


def validate_screening_data(data: Any, study: Study) -> list[FieldProblem]:
    """Problems with a screening record's data; a screen failure is valid data (the log keeps it)."""
    if not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object", "data: must be an object")]
    p = _unknown(data, SCREENING_FIELDS, "screening")
    consent = parse_date(data.get("consent_date"), "data.consent_date", p)
    screening = parse_date(data.get("screening_date"), "data.screening_date", p)
    if data.get("sex") not in SEXES:
        p.append(problem("data.sex", data.get("sex"), "F, M or U", "is not a sex code"))
    ym, age = data.get("birth_year_month"), data.get("age_at_consent")
    if not isinstance(ym, str) or not _YEAR_MONTH.fullmatch(ym):
        p.append(problem("data.birth_year_month", ym, "YYYY-MM, e.g. 1975-03", "is not a birth year-month"))
        ym = None
    if not is_int(age) or not 0 <= age <= 130:
        p.append(problem("data.age_at_consent", age, "a whole number of years 0-130", "is not an age"))
        age = None
    if ym and consent and age is not None:
        young, old = possible_ages(ym, consent)
        if not young <= age <= old:
            p.append(problem("data.age_at_consent", age, f"{young}-{old} (born {ym}, consent {consent})",
                             "does not fit the birth year-month and the consent date", "screening.age_inconsistent",
                             birth_year_month=ym, consent_date=consent.isoformat()))
    if data.get("childbearing_potential") not in (None, True, False):
        p.append(problem("data.childbearing_potential", data.get("childbearing_potential"),
                         "true, false or null (not recorded)", "must be true or false"))
    criteria = data.get("criteria")
    attest = {c.id for c in study.inclusion + study.exclusion if c.check == "attest"}
    if (not isinstance(criteria, Mapping) or not all(isinstance(v, bool) for v in criteria.values())
            or not set(criteria) <= attest):
        p.append(problem("data.criteria", criteria, f"an object mapping some of {', '.join(sorted(attest))} to "
                         "true/false", "must map attested criterion ids to true or false"))
        criteria = None
    score = data.get("screening_score")
    if score is not None:
        bad = _score_problem(study, score, "data.screening_score")
        if bad:
            p.append(bad)
            score = None
    if p or criteria is None:
        return p
    failures = assess_screening(study, age_at_consent=age, screening_date=screening, consent_date=consent,
                                score=score, attested=criteria)
    outcome = screening_outcome(failures)
    failed = [f.criterion_id for f in failures]
    if data.get("outcome") != outcome:
        p.append(problem("data.outcome", data.get("outcome"), f"{outcome} (of {', '.join(OUTCOMES)})",
                         "is not the outcome of these answers", "screening.outcome_mismatch", outcome=outcome))
    if data.get("failed_criteria") != failed:
        p.append(problem("data.failed_criteria", data.get("failed_criteria"), repr(failed),
                         "are not the criteria these answers fail", "screening.outcome_mismatch", outcome=outcome))
    return p


def validate_randomisation_data(data: Any, study: Study) -> list[FieldProblem]:
    """Problems with a randomisation record's own data (its context: ``assess_randomisation``, the server)."""
    if not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object", "data: must be an object")]
    p = _unknown(data, RANDOMISATION_FIELDS, "randomisation")
    arms = [a.code for a in study.arms]
    if data.get("arm") not in arms:
        p.append(problem("data.arm", data.get("arm"), ", ".join(arms), "is not an arm of this study"))
    number = data.get("randomisation_number")
    if not is_int(number) or number < 1:
        p.append(problem("data.randomisation_number", number, "a whole number >= 1",
                         "is not a position of the allocation list"))
    if not isinstance(data.get("allocation_list_id"), str) or not data["allocation_list_id"]:
        p.append(problem("data.allocation_list_id", data.get("allocation_list_id"), "the id of a signed list",
                         "must name the allocation list used"))
    rid = data.get("eligibility_record_id")
    if not isinstance(rid, str) or not _UUID.fullmatch(rid):
        p.append(problem("data.eligibility_record_id", rid, "the record id of the eligibility visit's score",
                         "is not a record id"))
    bad = _score_problem(study, data.get("eligibility_score"), "data.eligibility_score")
    if bad:
        p.append(bad)
    return p


def validate_enrolment_data(data: Any, study: Study) -> list[FieldProblem]:
    """Problems with a legacy enrolment record's data, including any failed eligibility criterion."""
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
