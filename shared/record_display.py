"""How a value of a record is shown to a person (issue 23): the one rule every page uses.

"How to show a value of field F of instrument I" lives here, once: a choice by its label in the page's
language (never its code alone), a number with its unit, yes/no in words, a list of choices by their labels, an
AE's causality per drug by drug name, and the instrument's computed scores with their band. A field without
a definition is shown as plain text of its value, marked so (``defined`` False), never as a JSON dump.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.instruments.model import Instrument, Score, Text
from shared.record_fields import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    INTEGER,
    NUMBER,
    PER_KEY,
    STRUCTURED,
    TEXT,
    FieldSpec,
    RecordFields,
    record_fields,
    record_title,
)
from shared.study.model import Study

EMPTY = "—"
_YES_NO = {True: Text(en="yes", zh="是"), False: Text(en="no", zh="否")}
_BANDS = {"low": Text(en="low", zh="低"), "moderate": Text(en="moderate", zh="中"), "high": Text(en="high", zh="高")}
_SCORE = Text(en="score", zh="得分")
_DAYS = Text(en="{n} days recorded", zh="记录了{n}天")


@dataclass(frozen=True)
class ShownField:
    """One field of a record as a page shows it."""

    name: str
    label: str
    text: str
    defined: bool = True
    typed: bool = False                # free text people typed (or a field without definition): data, not words


@dataclass(frozen=True)
class ShownRecord:
    """A record as a page shows it: its title, every field with its value, its computed scores."""

    title: str
    fields: tuple[ShownField, ...]
    scores: tuple[ShownField, ...]
    defined: bool                      # False: the record's kind has no field definition

    def text(self, name: str) -> str:
        """The shown value of field ``name`` (EMPTY when the record has no such field)."""
        return next((f.text for f in self.fields if f.name == name), EMPTY)

    def summary_fields(self, limit: int = 4) -> list[ShownField]:
        """The first few fields with a value (scores first), for a table of records."""
        return [f for f in (*self.scores, *self.fields) if f.text != EMPTY][:limit]

    def summary(self, limit: int = 4) -> str:
        """The first few fields (scores first) in one line, for a table of records."""
        return " · ".join(f"{f.label}: {f.text}" for f in self.summary_fields(limit))


def _number(value: Any, decimals: int | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and decimals is not None and decimals <= 1:
        return f"{value:.{decimals}f}"   # a measured 37.0 keeps its decimal; longer ones drop trailing zeros
    return f"{value:g}" if isinstance(value, float) else str(value)


def choice_text(code: Any, label: Text, language: str) -> str:
    """A choice as shown: its label, after its number for a scale coded by numbers ("2 – Moderate activity")."""
    text = label.in_language(language)
    return f"{code} – {text}" if isinstance(code, int) and not isinstance(code, bool) else text


def shown_value(spec: FieldSpec | None, value: Any, language: str) -> str:
    """``value`` of the field ``spec`` as text in ``language`` ("en" or "zh")."""
    if value is None or value == "" or value == []:
        return EMPTY
    if spec is None:
        return _plain(value, language)
    if spec.type == CHOICE:
        label = spec.choice_label(value)
        return choice_text(value, label, language) if label else str(value)
    if spec.type == CHOICES and isinstance(value, list):
        return ", ".join(choice_text(v, spec.choice_label(v) or Text(en=str(v), zh=str(v)), language) for v in value)
    if spec.type == BOOLEAN and isinstance(value, bool):
        return _YES_NO[value].in_language(language)
    if spec.type in (INTEGER, NUMBER):
        text = _number(value, spec.decimals if spec.type == NUMBER else None)
        return f"{text} {spec.unit}" if spec.unit else text
    if spec.type == PER_KEY and isinstance(value, Mapping):
        names = dict(spec.keys)
        parts = []
        for key, v in value.items():
            label = spec.choice_label(v)
            parts.append(f"{names[key].in_language(language) if key in names else key}: "
                         f"{label.in_language(language) if label else v}")
        return "; ".join(parts)
    if spec.type == STRUCTURED and isinstance(value, Mapping):
        return _DAYS.in_language(language).format(n=len(value))
    return _plain(value, language)


def _plain(value: Any, language: str) -> str:
    if isinstance(value, bool):
        return _YES_NO[value].in_language(language)
    if isinstance(value, list):
        return ", ".join(_plain(v, language) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v, language)}" for k, v in value.items())
    return _number(value)


def score_label(instrument: Instrument, score: Score, language: str) -> str:
    """What a computed score is called: the instrument's short title and "score" (and the score's name when the
    instrument has several)."""
    short = instrument.short.in_language(language)
    word = _SCORE.in_language(language)
    if len(instrument.scores) == 1:
        return f"{short} {word}"
    return f"{short} {word} ({score.qs_test or score.name.replace('_', ' ')})"


def shown_scores(instrument: Instrument, answers: Mapping[str, Any], language: str) -> tuple[ShownField, ...]:
    """Every declared score of ``answers`` (with its unit when its items share one, and its band)."""
    out = []
    for s in instrument.scores:
        value = s.compute(answers)
        if value is None:
            continue
        units = {instrument.item(i).unit for i in s.items}
        text = _number(value, s.decimals)
        if len(units) == 1 and None not in units and s.method.value in ("sum", "mean") and len(s.items) == 1:
            text += f" {units.pop()}"
        if s.bands:
            band = next(b for b in s.bands if b.below is None or value < b.below)
            name = band.label or _BANDS.get(band.name) or Text(en=band.name, zh=band.name)
            text += f" ({name.in_language(language)})"
        out.append(ShownField(s.name, score_label(instrument, s, language), text))
    return tuple(out)


def shown_record(record: Mapping[str, Any], study: Study, language: str,
                 drugs: frozenset[str] | None = None) -> ShownRecord:
    """``record`` as every page shows it: title in ``language``, each field of its definition in order (then any
    field the definition does not know, marked), and the instrument's scores."""
    data = record.get("data") if isinstance(record.get("data"), Mapping) else {}
    found = record_fields(record, study, drugs)
    if found is None:
        kind = str(record.get("kind"))
        fields = tuple(ShownField(k, k, _plain(v, language), defined=False, typed=True)
                       for k, v in data.items())
        return ShownRecord(record_title(record, study).in_language(language) or kind, fields, (), False)
    shown = [ShownField(f.name, f.label.in_language(language), shown_value(f, data.get(f.name), language),
                        typed=f.type == TEXT) for f in found.fields if f.name in data or f.required]
    known = {f.name for f in found.fields}
    shown += [ShownField(k, k, _plain(v, language), defined=False, typed=True)
              for k, v in data.items() if k not in known]
    scores = shown_scores(found.instrument, data, language) if found.instrument else ()
    return ShownRecord(found.title.in_language(language), tuple(shown), scores, True)


@dataclass(frozen=True)
class ShownChange:
    """One field a correction changed, both values as shown (for a record's history and the audit trail)."""

    field: str
    label: str
    old: str
    new: str
    typed: bool                        # free text people typed (or a field without definition): data, not words


def changed_fields(found: RecordFields | None, before: Mapping[str, Any], after: Mapping[str, Any],
                   language: str) -> list[ShownChange]:
    """The fields of ``after`` (a revision's data) whose value differs from ``before``, in the definition's
    order (fields it does not know after them), each by its label in ``language`` with old and new value as
    shown; ``found``: the record's fields (None: shown by stored name, as typed data)."""
    order = [f.name for f in found.fields] if found else []
    names = [n for n in order if n in after or n in before]
    names += [n for n in [*after, *before] if n not in order and n not in names]
    out = []
    for name in dict.fromkeys(names):
        if before.get(name) == after.get(name):
            continue
        spec = found.field(name) if found else None
        out.append(ShownChange(name, spec.label.in_language(language) if spec else name,
                               shown_value(spec, before.get(name), language),
                               shown_value(spec, after.get(name), language), spec is None or spec.type == TEXT))
    return out


def normal_range_text(low: float | None, high: float | None) -> str:
    """A normal range as people read it: "7–40", "≤ 5.2" when only the upper limit is known, "≥ 1.1" when only
    the lower one ("–5.2" read as minus 5.2), EMPTY when neither."""
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if high is not None:
        return f"≤ {high:g}"
    return f"≥ {low:g}" if low is not None else EMPTY
