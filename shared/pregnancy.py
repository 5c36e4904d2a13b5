"""Pregnancy tests of participants of childbearing potential, and the inclusion rule built on them.

A body: ``test_date`` (YYYY-MM-DD), ``method`` (serum or urine) and ``result`` (negative or positive), at a
visit of the study file's ``clinical_record.pregnancy_test_visits``. For randomisation a participant of
childbearing potential needs a negative test dated within ``clinical_record.pregnancy_test.window_days``
before the first dose, and no positive test after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from shared.conmed import screening_record
from shared.criteria import Failure
from shared.errors import FieldProblem
from shared.instruments.model import Text
from shared.study.model import Study
from shared.values import parse_date, partial_date_bounds, problem
from shared.vital_signs import check_visit

KIND = "pregnancy_test"
FIELDS = ("test_date", "method", "result")
METHODS: dict[str, Text] = {"serum": Text(en="Serum", zh="血清"), "urine": Text(en="Urine", zh="尿液")}
RESULTS: dict[str, Text] = {"negative": Text(en="Negative", zh="阴性"), "positive": Text(en="Positive", zh="阳性")}


def pregnancy_test_visits(study: Study) -> list[str]:
    """The visits the study file takes pregnancy tests at."""
    return list(study.clinical_record.pregnancy_test_visits) if study.clinical_record else []


def validate_pregnancy_test(record: Mapping[str, Any], study: Study) -> list[FieldProblem]:
    """Every problem with a pregnancy-test record: its visit and body."""
    p = check_visit(record.get("visit_id"), pregnancy_test_visits(study), "pregnancy tests")
    data = record.get("data")
    if not isinstance(data, Mapping):
        return [*p, FieldProblem("data", data, "an object", "data: must be an object")]
    for key in sorted(set(data) - set(FIELDS), key=str):
        p.append(problem(f"data.{key}", data[key], ", ".join(FIELDS), "is not a field of a pregnancy test"))
    parse_date(data.get("test_date"), "data.test_date", p)
    for name, allowed in (("method", METHODS), ("result", RESULTS)):
        if data.get(name) not in allowed:
            p.append(problem(f"data.{name}", data.get(name), ", ".join(allowed), f"is not a test {name}"))
    return p


def pregnancy_requirement(study: Study, *, childbearing_potential: bool | None,
                          tests: Iterable[Mapping[str, Any]],
                          first_dose: date | None) -> tuple[str, str, dict[str, Any]] | None:
    """(rule code, English reason, params) when a participant may not be randomised for want of a negative
    pregnancy test; None when the requirement is met or does not apply.

    ``tests`` are the bodies of the participant's pregnancy tests; ``first_dose`` the planned date of the
    first dose (the randomisation day). Not of childbearing potential: met. Unknown potential: not met (never
    assumed). Otherwise the latest test up to ``first_dose`` must be negative and at most the study file's
    ``window_days`` before it (on one day a positive outweighs a negative).
    """
    rule = study.clinical_record.pregnancy_test if study.clinical_record else None
    if rule is None or childbearing_potential is False:
        return None
    if childbearing_potential is None:
        return "eligibility.childbearing_unknown", "childbearing potential not recorded", {}
    if first_dose is None:
        return "eligibility.first_dose_unknown", "no first-dose date to count the window from", {}
    earliest = first_dose - timedelta(days=rule.window_days)
    dated = [(bounds[0], t.get("result") == "positive", t.get("result")) for t in tests
             if (bounds := partial_date_bounds(t.get("test_date"))) and bounds[0] == bounds[1]
             and bounds[0] <= first_dose]
    if not dated:
        return ("eligibility.pregnancy_test_missing",
                f"no pregnancy test within {rule.window_days} days before the first dose",
                {"days": rule.window_days, "first_dose": first_dose.isoformat()})
    day, _positive, result = max(dated)
    if result != "negative":
        return ("eligibility.pregnancy_test_positive", f"the latest pregnancy test ({day.isoformat()}) is {result}",
                {"date": day.isoformat(), "result": str(result)})
    if day < earliest:
        return ("eligibility.pregnancy_test_too_old",
                f"the latest negative pregnancy test ({day.isoformat()}) is more than {rule.window_days} days "
                "before the first dose", {"date": day.isoformat(), "days": rule.window_days,
                                         "first_dose": first_dose.isoformat()})
    return None


def pregnancy_check(study: Study, records: Sequence[Mapping[str, Any]], on: date) -> list[Failure]:
    """The pregnancy-test requirement as a randomisation check (``shared.criteria.RecordCheck``): ``on``, the
    randomisation day, is the planned first dose; childbearing potential comes from the screening record (a
    participant screened as male has none; otherwise it must be recorded)."""
    rule = study.clinical_record.pregnancy_test if study.clinical_record else None
    if rule is None:
        return []
    crit = next(c for c in study.inclusion if c.id == rule.criterion)
    screening = screening_record(records) or {}
    potential = screening.get("childbearing_potential")
    if potential is None and screening.get("sex") == "M":
        potential = False
    failure = pregnancy_requirement(study, childbearing_potential=potential if isinstance(potential, bool)
                                    else None, tests=[r["data"] for r in records if r.get("kind") == KIND
                                                      and isinstance(r.get("data"), Mapping)], first_dose=on)
    if failure is None:
        return []
    code, reason, params = failure
    return [Failure(crit.id, crit.text, reason, code, {"criterion": crit.id, **params})]
