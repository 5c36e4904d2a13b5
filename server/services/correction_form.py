"""The correction form of one record, built from its fields (issue 23, point 3).

Every field of the record's definition (``shared.record_fields``) becomes an input of its type: choices as
radio buttons (a few) or a select (many), yes/no, numbers with the instrument's min and max, dates as dates,
a choice per drug; locked fields (a randomisation's arm, number, allocation list and eligibility record) and
computed ones are shown, never editable, with the rule that says why. Each problem of a refused correction is
put beside its field. Reading the form back is ``shared.record_input.read_form``; storing it is
``server.services.corrections.correct_record``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.errors import FieldProblem
from shared.record_display import choice_text, shown_value
from shared.record_fields import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    COMPUTED_RULE,
    DATE,
    DATETIME,
    INTEGER,
    NUMBER,
    PER_KEY,
    STRUCTURED,
    STRUCTURED_RULE,
    TEXT,
    FieldSpec,
    RecordFields,
)
from shared.record_input import Getter, input_name, option_value

RADIO_UP_TO = 5      # a choice of at most this many options is shown as radio buttons, else a select
_YES_NO = ((True, "yes"), (False, "no"))


def field_of_problem(problem: FieldProblem) -> str | None:
    """The data field a problem is about (``data.grade`` and ``data.causality.<drug>`` -> ``grade``,
    ``causality``); None for a problem of the envelope (times, visit) or of the record as a whole."""
    parts = problem.field.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "data" else None


def _input(spec: FieldSpec) -> str:
    if spec.type == CHOICE:
        return "radio" if len(spec.choices) <= RADIO_UP_TO else "select"
    return {BOOLEAN: "radio", CHOICES: "checkboxes", INTEGER: "number", NUMBER: "number", DATE: "date",
            DATETIME: "text", PER_KEY: "per_key"}.get(spec.type, "text")


def _step(spec: FieldSpec) -> str:
    return "1" if spec.type == INTEGER or spec.decimals == 0 else f"{10 ** -spec.decimals:.{spec.decimals}f}"


def _options(spec: FieldSpec, chosen: Iterable[str], language: str, yes_no: Mapping[bool, str]) -> list[dict]:
    pairs = ([(code, yes_no[code]) for code, _w in _YES_NO] if spec.type == BOOLEAN
             else [(code, choice_text(code, label, language)) for code, label in spec.choices])
    wanted = set(chosen)
    return [{"value": option_value(code), "label": label, "selected": option_value(code) in wanted}
            for code, label in pairs]


def _sent_text(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [option_value(v) for v in value]
    return [option_value(value)]


def form_fields(fields: RecordFields, data: Mapping[str, Any], language: str, *, sent: Getter | None = None,
                problems: Iterable[FieldProblem] = (), yes_no: Mapping[bool, str] | None = None) -> list[dict]:
    """The inputs of the correction form, every field of the definition in its order (an optional field the
    record lacks can be given in a correction): for each field its label, input kind,
    options or bounds, the stored value as shown, the value to show in the input (what was ``sent`` after a
    refusal, else the stored one), its problem message and, for a field that cannot be typed, why not."""
    yes_no = yes_no or {True: "yes", False: "no"}
    by_field: dict[str, FieldProblem] = {}
    for p in problems:
        name = field_of_problem(p)
        if name is not None:
            by_field.setdefault(name, p)
    out = []
    for spec in fields.fields:
        current = data.get(spec.name)
        name = input_name(spec)
        texts = sent(name) if sent is not None and sent(name) else _sent_text(current)
        entry: dict[str, Any] = {
            "name": spec.name, "input_name": name, "label": spec.label.in_language(language),
            "input": _input(spec), "current": shown_value(spec, current, language), "typed": spec.type == TEXT,
            "required": spec.required,
            "value": texts[0] if texts else "", "problem": by_field.get(spec.name),
            "readonly": None, "min": spec.minimum, "max": spec.maximum, "step": _step(spec), "unit": spec.unit,
        }
        if spec.locked is not None:
            entry["readonly"] = spec.locked.in_language(language)
        elif spec.computed:
            entry["readonly"] = COMPUTED_RULE.in_language(language)
        elif spec.type == STRUCTURED:
            entry["readonly"] = STRUCTURED_RULE.in_language(language)
        if entry["input"] in ("radio", "select", "checkboxes"):
            entry["options"] = _options(spec, texts, language, yes_no)
        if spec.type == PER_KEY:
            stored = current if isinstance(current, Mapping) else {}
            entry["keys"] = []
            for key, label in spec.keys:
                key_name = input_name(spec, key)
                chosen = sent(key_name) if sent is not None and sent(key_name) else _sent_text(stored.get(key))
                entry["keys"].append({"key": key, "label": label.in_language(language), "input_name": key_name,
                                      "options": _options(spec, chosen, language, yes_no)})
        out.append(entry)
    return out


def general_problems(problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    """The problems not about one data field (times, visit, the record as a whole): shown by the save button."""
    return [p for p in problems if field_of_problem(p) is None]
