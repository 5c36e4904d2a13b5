"""What an instrument is: items with response types, ranges, texts in zh and en, and a score.

Texts are frozen per instrument version: wording changes scores, so a new
wording is a new version, and exports carry the version with every answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Text:
    """One text in every supported language."""

    en: str
    zh: str

    def in_language(self, language: str) -> str:
        """The text in ``language`` ("en" or "zh")."""
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
        return getattr(self, language)


class ResponseType(StrEnum):
    """How an item is answered; validation and the UI widget follow from it."""

    VAS_MM = "vas_mm"          # integer millimetres on a 100 mm line
    NUMBER = "number"          # a decimal number within range, at most ``decimals`` places
    INTEGER = "integer"        # a whole number within range (numeric rating scales, counts)
    CHOICE = "choice"          # one code from ``choices``
    BOOLEAN = "boolean"        # true / false (present / absent)
    TEXT = "text"              # free text, bounded length


@dataclass(frozen=True)
class Choice:
    """One allowed answer of a CHOICE item: the stored code and its label."""

    code: str | int
    label: Text


@dataclass(frozen=True)
class RequiredIf:
    """The item is required when another item holds one of ``values`` (e.g. severity when present)."""

    item_id: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Item:
    """One question of an instrument."""

    id: str
    label: Text
    response: ResponseType
    minimum: float | None = None
    maximum: float | None = None
    decimals: int = 0
    choices: tuple[Choice, ...] = ()
    required: bool = True
    required_if: RequiredIf | None = None
    anchors: tuple[Text, Text] | None = None
    unit: str | None = None
    max_length: int = 500
    tags: tuple[str, ...] = ()          # e.g. the drug whose expected effect a symptom is

    def choice_codes(self) -> tuple[str | int, ...]:
        return tuple(c.code for c in self.choices)

    def allowed_text(self) -> str:
        """A human description of what this item accepts, used in every refusal."""
        if self.response is ResponseType.CHOICE:
            return "one of " + ", ".join(repr(c) for c in self.choice_codes())
        if self.response is ResponseType.BOOLEAN:
            return "true or false"
        if self.response is ResponseType.TEXT:
            return f"text of at most {self.max_length} characters"
        kind = "a whole number" if self.response in (ResponseType.INTEGER, ResponseType.VAS_MM) else (
            f"a number with at most {self.decimals} decimal place(s)")
        unit = f" {self.unit}" if self.unit else ""
        return f"{kind} from {_fmt(self.minimum)} to {_fmt(self.maximum)}{unit}"


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else str(value)


Scorer = Callable[[Mapping[str, Any]], "dict[str, float | int | None]"]


@dataclass(frozen=True)
class Instrument:
    """A versioned questionnaire or clinician rating with its scoring rule."""

    id: str
    version: str
    title: Text
    respondent: str                      # "participant" or "clinician"
    items: tuple[Item, ...]
    scorer: Scorer
    instructions: Text | None = None
    recall_period: Text | None = None
    score_names: tuple[str, ...] = ()
    arm_specific: bool = False
    notes: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def items_for(self, drugs: frozenset[str] | None = None) -> tuple[Item, ...]:
        """The items asked of a participant taking ``drugs`` (all items when not arm-specific)."""
        if not self.arm_specific or drugs is None:
            return self.items
        return tuple(it for it in self.items if not it.tags or set(it.tags) & drugs)

    def score(self, answers: Mapping[str, Any]) -> dict[str, float | int | None]:
        """Score validated answers; see each instrument's module for the rule."""
        return self.scorer(answers)
