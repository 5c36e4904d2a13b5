"""The clinical record staff keep beside the instruments (issue 18): one entry point per rule for the four
record kinds, so the validator and the time checks each dispatch with one line.

Kinds: concomitant medication (``shared/conmed.py``), medical history (``shared/medical_history.py``), vital
signs (``shared/vital_signs.py``) and pregnancy tests (``shared/pregnancy.py``). All are entered by staff in
nurse mode; a correction is a new revision like any record's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from shared import conmed, medical_history, pregnancy, vital_signs
from shared.errors import FieldProblem
from shared.study.model import Study
from shared.values import partial_date_bounds, problem

CLINICAL_KINDS = (conmed.KIND, medical_history.KIND, vital_signs.KIND, pregnancy.KIND)
VISIT_KINDS = frozenset({vital_signs.KIND, pregnancy.KIND})   # the others belong to no visit
_DATES = {conmed.KIND: ("start_date", "end_date"), medical_history.KIND: ("start_date",),
          pregnancy.KIND: ("test_date",)}


def validate_clinical_record(record: Mapping[str, Any], study: Study) -> list[FieldProblem]:
    """Every problem with the visit and body of a clinical-record entry (its envelope is checked apart)."""
    kind = record.get("kind")
    if kind == vital_signs.KIND:
        return vital_signs.validate_vital_signs(record, study)
    if kind == pregnancy.KIND:
        return pregnancy.validate_pregnancy_test(record, study)
    p: list[FieldProblem] = []
    if record.get("visit_id") is not None:
        p.append(problem("visit_id", record.get("visit_id"), "null", f"a {kind.replace('_', ' ')} entry belongs "
                         "to the participant, not to a visit"))
    if kind == conmed.KIND:
        return p + conmed.validate_conmed(record.get("data"), study)
    return p + medical_history.validate_medical_history(record.get("data"))


def clinical_record_times(kind: str, data: Mapping[str, Any], *, day: date, floor: date,
                          floor_name: str) -> list[FieldProblem]:
    """Dates of a valid clinical-record body that cannot be true: any after ``day`` (the day of entry at the
    site); a pregnancy test also not before ``floor`` (consent, else the study start). A medicine or
    condition may well have begun before the study."""
    p: list[FieldProblem] = []
    for name in _DATES.get(kind, ()):
        bounds = partial_date_bounds(data.get(name))
        if bounds is None:
            continue
        if bounds[0] > day:
            p.append(problem(f"data.{name}", data[name], f"on or before {day.isoformat()} (the day of entry)",
                             "is after the day it was entered"))
        elif kind == pregnancy.KIND and bounds[0] < floor:
            p.append(problem(f"data.{name}", data[name], f"on or after {floor.isoformat()} ({floor_name})",
                             f"is before {floor_name}"))
    return p
