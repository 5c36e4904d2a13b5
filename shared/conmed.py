"""Concomitant medication: what staff record of every medicine a participant takes (from screening on), and
the medication exclusion computed from the ATC classes and dates, never from the medicine's name.

A body: ``name`` (as the participant or the chart names it), ``atc_class`` (a code of the study file's
``clinical_record.atc_classes``), ``dose`` + ``dose_unit`` (both or neither: a past medicine's dose is often
not known), ``route``, ``frequency`` (CDISC submission values, the words of every export), ``start_date`` and
``end_date`` as ISO 8601 dates that may be partial (YYYY or YYYY-MM), ``ongoing`` (true exactly when there is
no end date), ``indication``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from shared.criteria import Failure
from shared.errors import FieldProblem
from shared.instruments.model import Text
from shared.study.model import Study
from shared.values import is_number, parse_partial_date, partial_date_bounds, problem

KIND = "concomitant_medication"
FIELDS = ("name", "atc_class", "dose", "dose_unit", "route", "frequency", "start_date", "end_date", "ongoing",
          "indication")
MAX_TEXT = 200

# CDISC submission values (ROUTE C66729, FREQ C71113, UNIT C71620) with the words a screen shows
ROUTES: dict[str, Text] = {
    "ORAL": Text(en="Oral", zh="口服"), "SUBCUTANEOUS": Text(en="Subcutaneous", zh="皮下注射"),
    "INTRAVENOUS": Text(en="Intravenous", zh="静脉"), "INTRAMUSCULAR": Text(en="Intramuscular", zh="肌内注射"),
    "TOPICAL": Text(en="Topical", zh="外用"), "OPHTHALMIC": Text(en="Ophthalmic (eye)", zh="眼用"),
    "NASAL": Text(en="Nasal", zh="鼻用"), "RESPIRATORY (INHALATION)": Text(en="Inhaled", zh="吸入"),
    "TRANSDERMAL": Text(en="Transdermal", zh="透皮"), "RECTAL": Text(en="Rectal", zh="直肠"),
    "UNKNOWN": Text(en="Unknown", zh="不详"),
}
FREQUENCIES: dict[str, Text] = {
    "QD": Text(en="Once daily", zh="每日一次"), "BID": Text(en="Twice daily", zh="每日两次"),
    "TID": Text(en="Three times daily", zh="每日三次"), "QID": Text(en="Four times daily", zh="每日四次"),
    "QOD": Text(en="Every other day", zh="隔日一次"), "QW": Text(en="Once weekly", zh="每周一次"),
    "BIW": Text(en="Twice weekly", zh="每周两次"), "Q2W": Text(en="Every 2 weeks", zh="每两周一次"),
    "QM": Text(en="Once a month", zh="每月一次"), "PRN": Text(en="As needed", zh="按需"),
    "ONCE": Text(en="Once", zh="单次"), "UNKNOWN": Text(en="Unknown", zh="不详"),
}
DOSE_UNITS: dict[str, Text] = {
    "mg": Text(en="mg", zh="毫克"), "g": Text(en="g", zh="克"), "ug": Text(en="µg", zh="微克"),
    "mL": Text(en="mL", zh="毫升"), "IU": Text(en="IU", zh="国际单位"), "TABLET": Text(en="tablet", zh="片"),
    "CAPSULE": Text(en="capsule", zh="粒"), "DROP": Text(en="drop", zh="滴"), "PUFF": Text(en="puff", zh="揿"),
}
UCUM = {"mg": "mg", "g": "g", "ug": "ug", "mL": "mL", "IU": "[IU]", "TABLET": "{tablet}", "CAPSULE": "{capsule}",
        "DROP": "[drp]", "PUFF": "{puff}"}   # dose units as UCUM (FHIR dosage)


def _text(data: Mapping[str, Any], name: str, p: list[FieldProblem], *, required: bool) -> None:
    value = data.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        p.append(problem(f"data.{name}", value, f"text of 1-{MAX_TEXT} characters",
                         "is required" if value is None else "is not text of the allowed length"))


def validate_conmed(data: Any, study: Study) -> list[FieldProblem]:
    """Every problem with a concomitant-medication body (see the module docstring)."""
    if not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object", "data: must be an object")]
    p: list[FieldProblem] = []
    for key in sorted(set(data) - set(FIELDS), key=str):
        p.append(problem(f"data.{key}", data[key], ", ".join(FIELDS), "is not a field of a concomitant medication"))
    _text(data, "name", p, required=True)
    _text(data, "indication", p, required=True)
    classes = study.clinical_record.atc_classes if study.clinical_record else []
    if not any(c.code == data.get("atc_class") for c in classes):
        p.append(problem("data.atc_class", data.get("atc_class"), ", ".join(c.code for c in classes),
                         "is not an ATC class of the study file", "conmed.atc_class_unknown"))
    dose, unit = data.get("dose"), data.get("dose_unit")
    if dose is not None and (not is_number(dose) or dose <= 0):
        p.append(problem("data.dose", dose, "a number above 0, or null when not known", "is not a dose"))
    if unit is not None and unit not in DOSE_UNITS:
        p.append(problem("data.dose_unit", unit, ", ".join(DOSE_UNITS), "is not a dose unit"))
    if (dose is None) != (unit is None):
        p.append(problem("data.dose_unit", unit, "a unit exactly when a dose is given",
                         "dose and unit go together", "conmed.dose_needs_unit"))
    for name, allowed in (("route", ROUTES), ("frequency", FREQUENCIES)):
        if data.get(name) not in allowed:
            p.append(problem(f"data.{name}", data.get(name), ", ".join(allowed), f"is not a {name}"))
    start = parse_partial_date(data["start_date"], "data.start_date", p) if data.get("start_date") else None
    ongoing = data.get("ongoing")
    end = None
    if not isinstance(ongoing, bool):
        p.append(problem("data.ongoing", ongoing, "true or false", "must be true or false"))
    elif ongoing and data.get("end_date") is not None:
        p.append(problem("data.end_date", data.get("end_date"), "null while the medication is ongoing",
                         "an ongoing medication has no end date", "conmed.end_while_ongoing"))
    elif not ongoing:
        if data.get("end_date") is None:
            p.append(problem("data.end_date", None, "the date it was stopped (YYYY-MM-DD, YYYY-MM or YYYY)",
                             "is required when the medication is not ongoing", "conmed.end_required"))
        else:
            end = parse_partial_date(data["end_date"], "data.end_date", p)
    if start and end and end[1] < start[0]:
        p.append(problem("data.end_date", data["end_date"], "on or after the start date",
                         "is before the start date", "conmed.end_before_start"))
    return p


def taken_between(data: Mapping[str, Any], first: date, last: date) -> bool:
    """Whether the medication may have been taken on some day from ``first`` to ``last``. A partial date
    counts by its widest reading (a start known only as "2026-01" may be 1 January): an exclusion is assessed
    on what cannot be ruled out."""
    start = partial_date_bounds(data.get("start_date"))
    if start is not None and start[0] > last:
        return False
    if data.get("ongoing") is True:
        return True
    end = partial_date_bounds(data.get("end_date"))
    return end is None or end[1] >= first


def in_classes(atc_class: Any, classes: Iterable[str]) -> bool:
    """Whether ``atc_class`` is one of ``classes`` or a code under one (L04AB02 is under L04AB)."""
    return isinstance(atc_class, str) and any(atc_class.startswith(c) for c in classes)


def excluding_medications(study: Study, conmeds: Iterable[Mapping[str, Any]],
                          screening_date: date) -> list[Mapping[str, Any]]:
    """The bodies of ``conmeds`` that meet the study file's medication exclusion: coded with one of its ATC
    classes and taken within its look-back before ``screening_date`` (empty when the study has no such
    rule)."""
    rule = study.clinical_record.medication_exclusion if study.clinical_record else None
    if rule is None:
        return []
    first = screening_date - timedelta(days=rule.lookback_days)
    return [c for c in conmeds if in_classes(c.get("atc_class"), rule.atc_classes)
            and taken_between(c, first, screening_date)]


def medication_exclusion(study: Study, conmeds: Iterable[Mapping[str, Any]],
                         screening_date: date | None) -> tuple[str, str, dict[str, Any]] | None:
    """(rule code, English reason, params) when the participant's concomitant medications (``conmeds``: their
    bodies) meet the study's medication exclusion criterion on ``screening_date``; None when they do not.

    Called by the eligibility assessment for the criterion ``clinical_record.medication_exclusion.criterion``.
    """
    rule = study.clinical_record.medication_exclusion if study.clinical_record else None
    if rule is None:
        return None
    if screening_date is None:
        return "eligibility.screening_date_missing", "no screening date to count the look-back from", {}
    hits = excluding_medications(study, conmeds, screening_date)
    if not hits:
        return None
    names = ", ".join(f"{h.get('name')} ({h.get('atc_class')})" for h in hits)
    return ("eligibility.excluded_medication",
            f"{names} taken within {rule.lookback_days} days before screening",
            {"medications": names, "days": rule.lookback_days})


def screening_record(records: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The data of the newest screening record among ``records`` (current revisions), else of a legacy
    enrolment (which held the screening), else None."""
    for kind in ("screening", "enrolment"):
        found = [r for r in records if r.get("kind") == kind and isinstance(r.get("data"), Mapping)]
        if found:
            return max(found, key=lambda r: str(r.get("collected_at")))["data"]
    return None


def medication_check(study: Study, records: Sequence[Mapping[str, Any]], on: date) -> list[Failure]:
    """The medication exclusion as a randomisation check (``shared.criteria.RecordCheck``): from the
    participant's medication entries and the screening date of their screening record."""
    rule = study.clinical_record.medication_exclusion if study.clinical_record else None
    if rule is None:
        return []
    crit = next(c for c in study.exclusion if c.id == rule.criterion)
    screening = screening_record(records) or {}
    day = partial_date_bounds(screening.get("screening_date"))
    failure = medication_exclusion(study, [r["data"] for r in records if r.get("kind") == KIND
                                           and isinstance(r.get("data"), Mapping)], day[0] if day else None)
    if failure is None:
        return []
    code, reason, params = failure
    return [Failure(crit.id, crit.text, reason, code, {"criterion": crit.id, **params})]
