"""Reading a correction typed into a form built from the record's fields (issue 23, point 3).

A form sends text; this turns the text of each field into the value its definition (``shared.record_fields``)
says it holds: a choice code from its label's option, yes/no, a whole or decimal number, a date, a list of
choices, a choice per drug. Nothing is guessed: text that is not such a value is a ``FieldProblem`` naming the
field (``data.<name>``), the value and what is allowed, shown beside that field. Locked fields (a
randomisation's arm, number, allocation list, eligibility record) keep their stored value; a request that
tries to change one is refused by ``locked_changes`` (the correction service checks it again, whatever page or
API sent the correction). Pure: no Flask, Qt or database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from shared.errors import FieldProblem
from shared.record_fields import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    INTEGER,
    NUMBER,
    PER_KEY,
    STRUCTURED,
    FieldSpec,
    RecordFields,
)
from shared.values import problem

LOCKED = "correction.locked_field"

Getter = Callable[[str], list[str]]   # form field name -> the values sent (none, one, or several)


def input_name(spec: FieldSpec, key: str | None = None) -> str:
    """The form field name of ``spec`` (of one of its keys, for a choice per key)."""
    return f"f_{spec.name}" if key is None else f"f_{spec.name}.{key}"


def option_value(code: Any) -> str:
    """How a choice code is written as an option's value (read back by ``read_value``)."""
    if isinstance(code, bool):
        return "true" if code else "false"
    return str(code)


def _choice(spec: FieldSpec, text: str, field: str) -> tuple[Any, FieldProblem | None]:
    for code, _label in spec.choices:
        if option_value(code) == text:
            return code, None
    allowed = ", ".join(option_value(c) for c, _ in spec.choices)
    return None, problem(field, text, f"one of {allowed}", "is not one of the choices", "value.not_a_choice")


def _number(spec: FieldSpec, text: str, field: str) -> tuple[Any, FieldProblem | None]:
    bounds = f"from {spec.minimum:g} to {spec.maximum:g}" if spec.minimum is not None and spec.maximum is not None \
        else "any"
    if spec.type == INTEGER:
        try:
            value: Any = int(text)
        except ValueError:
            return None, problem(field, text, f"a whole number {bounds}", "is not a whole number",
                                 "value.not_whole_number")
    else:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            return None, problem(field, text, f"a number {bounds}", "is not a number", "value.not_number")
        if value.is_integer() and "." not in text:
            value = int(value)
    if spec.minimum is not None and value < spec.minimum:
        return None, problem(field, value, bounds, "is below the range", "value.below_range")
    if spec.maximum is not None and value > spec.maximum:
        return None, problem(field, value, bounds, "is above the range", "value.above_range")
    return value, None


def read_value(spec: FieldSpec, sent: list[str], get: Getter) -> tuple[Any, FieldProblem | None]:
    """The value of ``spec`` from the texts ``sent`` for it (``get`` reads per-key fields). Empty text is None."""
    field = f"data.{spec.name}"
    if spec.type == CHOICES:
        out, bad = [], None
        for text in (s.strip() for s in sent if s.strip()):
            code, bad = _choice(spec, text, field)
            if bad:
                return None, bad
            out.append(code)
        return out, None
    if spec.type == PER_KEY:
        values: dict[str, Any] = {}
        for key, _label in spec.keys:
            texts = [s.strip() for s in get(input_name(spec, key)) if s.strip()]
            if texts:
                code, bad = _choice(spec, texts[0], f"{field}.{key}")
                if bad:
                    return None, bad
                values[key] = code
        return values or None, None
    text = (sent[0] if sent else "").strip()
    if text == "":
        return None, None
    if spec.type == CHOICE:
        return _choice(spec, text, field)
    if spec.type == BOOLEAN:
        if text not in ("true", "false"):
            return None, problem(field, text, "yes or no", "is not yes or no", "value.not_true_or_false")
        return text == "true", None
    if spec.type in (INTEGER, NUMBER):
        return _number(spec, text, field)
    return text, None


def read_form(fields: RecordFields, current: Mapping[str, Any], get: Getter) -> tuple[dict[str, Any],
                                                                                 list[FieldProblem]]:
    """The corrected ``data``: each editable field read from the form, locked, computed and structured fields and
    fields without a definition kept as stored. Returns the data and the problems of fields that could not be
    read; a locked field the form tried to change is one of them (``locked_changes``)."""
    data = dict(current)
    problems: list[FieldProblem] = []
    for spec in fields.fields:
        if spec.locked is not None or spec.computed or spec.type == STRUCTURED:
            continue
        if spec.type != PER_KEY and not get(input_name(spec)) and spec.type != CHOICES:
            continue   # not on the form (a field the record never had): left as it is
        value, bad = read_value(spec, get(input_name(spec)), get)
        if bad:
            problems.append(bad)
            continue
        if spec.type == PER_KEY and isinstance(current.get(spec.name), Mapping):
            value = {**{k: v for k, v in current[spec.name].items() if k not in dict(spec.keys)}, **(value or {})}
        if value in (None, [], {}) and spec.name not in current:
            continue
        data[spec.name] = value
    sent = {spec.name: read_value(spec, get(input_name(spec)), get)[0] for spec in fields.fields
            if spec.locked is not None and get(input_name(spec))}
    problems += locked_changes(fields, current, {**data, **sent})
    return data, problems


def locked_changes(fields: RecordFields, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldProblem]:
    """A problem for every locked field whose value ``new`` changes, naming the field and the rule."""
    out = []
    for spec in fields.fields:
        if spec.locked is not None and new.get(spec.name) != old.get(spec.name):
            out.append(FieldProblem(f"data.{spec.name}", new.get(spec.name), f"unchanged ({old.get(spec.name)!r})",
                                    f"data.{spec.name}: may not be corrected: {spec.locked.en}", LOCKED,
                                    {"rule": spec.locked.en}))
    return out
