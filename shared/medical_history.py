"""Medical history: the conditions a participant has or had, recorded by staff from screening on.

A body: ``condition`` (the verbatim term), ``start_date`` (ISO 8601, may be partial: YYYY or YYYY-MM; null
when not known) and ``ongoing`` (true or false).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.errors import FieldProblem
from shared.values import parse_partial_date, problem

KIND = "medical_history"
FIELDS = ("condition", "start_date", "ongoing")
MAX_TEXT = 200


def validate_medical_history(data: Any) -> list[FieldProblem]:
    """Every problem with a medical-history body."""
    if not isinstance(data, Mapping):
        return [FieldProblem("data", data, "an object", "data: must be an object")]
    p: list[FieldProblem] = []
    for key in sorted(set(data) - set(FIELDS), key=str):
        p.append(problem(f"data.{key}", data[key], ", ".join(FIELDS), "is not a field of a medical history entry"))
    condition = data.get("condition")
    if not isinstance(condition, str) or not condition.strip() or len(condition) > MAX_TEXT:
        p.append(problem("data.condition", condition, f"text of 1-{MAX_TEXT} characters", "is required"))
    if data.get("start_date") is not None:
        parse_partial_date(data["start_date"], "data.start_date", p)
    if not isinstance(data.get("ongoing"), bool):
        p.append(problem("data.ongoing", data.get("ongoing"), "true or false", "must be true or false"))
    return p
