"""Edit checks: the study file's own plausibility rules on one record, each of which raises a data query.

A check names an instrument and a ``field`` of it (an item id, or a score name of the instrument file) and
says what should hold; when a record's value does not, the job runner raises a query on that field
(``shared/query_rules.py``). The vocabulary is small on purpose::

    [[edit_checks]]
    id = "..."                 # stable: a query remembers the check that raised it
    instrument = "..."         # a study instrument id
    field = "..."              # item id or score name
    check = "range"            # range: minimum <= value <= maximum (either bound may be left out)
    minimum = 0
    maximum = 17
    # or: check = "compare", op = "le" | "lt" | "ge" | "gt" | "eq" | "ne", other = "<item or score>"
    when = { field = "...", equals = false }   # optional: the check applies only when that item holds this
    text = "..."               # what the site is asked (English) and text_zh (Chinese)

A check whose field (or ``other``, or ``when.field``) was not answered does not apply: a missing required
answer is refused at entry already, and an item not asked of the participant's arm has nothing to check.
These checks are softer than the instrument's ranges: a value outside is stored, then questioned.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "lt": (operator.lt, "<"), "le": (operator.le, "≤"), "gt": (operator.gt, ">"),
    "ge": (operator.ge, "≥"), "eq": (operator.eq, "="), "ne": (operator.ne, "≠"),
}


class Condition(BaseModel):
    """The check applies only when ``field`` (an item of the same record) holds ``equals``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    equals: bool | int | float | str


class EditCheck(BaseModel):
    """One edit check of the study file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    instrument: str
    field: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    check: Literal["range", "compare"]
    minimum: int | float | None = None
    maximum: int | float | None = None
    op: Literal["lt", "le", "gt", "ge", "eq", "ne"] | None = None
    other: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    when: Condition | None = None
    text: str = Field(min_length=1)
    text_zh: str = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> EditCheck:
        if self.check == "range":
            if self.minimum is None and self.maximum is None:
                raise ValueError("a 'range' check needs minimum, maximum or both")
            if self.op is not None or self.other is not None:
                raise ValueError("'op' and 'other' belong to a 'compare' check")
        else:
            if self.op is None or self.other is None:
                raise ValueError("a 'compare' check needs 'op' and 'other'")
            if self.minimum is not None or self.maximum is not None:
                raise ValueError("'minimum' and 'maximum' belong to a 'range' check")
        return self

    def fields(self) -> tuple[str, ...]:
        """Every item or score name the check reads (the study loader checks each exists)."""
        return tuple(f for f in (self.field, self.other, self.when.field if self.when else None) if f)

    def rule_text(self) -> str:
        """What should hold, as a rule a refusal can name (``doses ≤ 17``)."""
        if self.check == "range":
            low = "" if self.minimum is None else f"{self.minimum:g} ≤ "
            high = "" if self.maximum is None else f" ≤ {self.maximum:g}"
            rule = f"{low}{self.field}{high}"
        else:
            assert self.op is not None
            rule = f"{self.field} {OPERATORS[self.op][1]} {self.other}"
        if self.when is not None:
            rule += f" when {self.when.field} = {self.when.equals!r}"
        return rule


class QuerySettings(BaseModel):
    """How the built-in query rules judge (``[queries]`` of the study file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # the eligibility score at the eligibility visit may differ from the screening one by this much, no more
    screening_score_tolerance: float = Field(default=0, ge=0)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def failing_value(check: EditCheck, values: Mapping[str, Any]) -> tuple[bool, Any]:
    """``(fails, value)``: whether the record's ``values`` (answers and scores by name) break ``check``."""
    value = values.get(check.field)
    if value is None:
        return False, None
    if check.when is not None:
        held = values.get(check.when.field)
        if held is None or held != check.when.equals or type(held) is not type(check.when.equals):
            return False, value
    if check.check == "range":
        if not _number(value):
            return False, value
        low_ok = check.minimum is None or value >= check.minimum
        high_ok = check.maximum is None or value <= check.maximum
        return not (low_ok and high_ok), value
    other = values.get(check.other or "")
    if other is None:
        return False, value
    assert check.op is not None
    try:
        holds = OPERATORS[check.op][0](value, other)
    except TypeError:  # values of kinds that do not compare: the check cannot say anything
        return False, value
    return not holds, value
