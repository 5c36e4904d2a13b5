"""What an instrument is: items with response types, ranges, texts in zh and en, and declared scores.

An instrument is a data file (``shared/instruments/files/<id>-<version>.toml``), checked field by field
when loaded, like the study file. Texts are frozen per instrument version: wording changes scores, so a
new wording is a new version, and exports carry the version with every answer. Scores come from a small
vocabulary (``ScoreMethod``) so a new instrument is a new file, never new code.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from enum import StrEnum
from functools import reduce
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

LANGUAGES = ("en", "zh")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Frozen):
    """One text in every supported language."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

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
    DOSE_CALENDAR = "dose_calendar"  # per date of the diary's period, the study drugs taken (shared/exposure.py)
    DRUG_DOSES = "drug_doses"  # per drug of the arm: taken, time taken, reason if missed (shared/home_dosing.py)


class Choice(_Frozen):
    """One allowed answer of a CHOICE item: the stored code and its label."""

    code: str | int
    label: Text
    description: Text | None = None     # what the level means (a rater's definition), shown beside the choice


class RequiredIf(_Frozen):
    """The item is required when another item holds one of ``values`` (e.g. severity when present)."""

    item_id: str
    values: tuple[Any, ...] = Field(min_length=1)


class AtLeastOne(_Frozen):
    """An entry must answer at least one of ``items`` (of those asked of the participant's arm) with ``value``:
    a report of symptoms that names none is no report. ``message`` says so beside the first of them."""

    items: tuple[str, ...] = Field(min_length=1)
    value: bool | int | str = True
    message: Text

    def asked(self, asked_ids: Mapping[str, Any] | tuple[str, ...]) -> tuple[str, ...]:
        """The rule's items among ``asked_ids`` (the rule holds only over what is asked)."""
        return tuple(i for i in self.items if i in asked_ids)

    def holds(self, answers: Mapping[str, Any], asked_ids: tuple[str, ...]) -> bool:
        """True when an asked item of the rule holds ``value`` (of its type: true is not 1), or none is asked."""
        want = self.value
        return not asked_ids or any(type(answers.get(i)) is type(want) and answers.get(i) == want
                                    for i in asked_ids)


class Item(_Frozen):
    """One question of an instrument."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    response: ResponseType
    minimum: int | float | None = None
    maximum: int | float | None = None
    decimals: int = Field(default=0, ge=0, le=6)
    choices: tuple[Choice, ...] = ()
    required: bool = True
    required_if: RequiredIf | None = None
    anchors: tuple[Text, Text] | None = None
    unit: str | None = None
    max_length: int = Field(default=500, gt=0)
    tags: tuple[str, ...] = ()          # the drugs (study-file drug ids) whose participants are asked this item
    group: str | None = None            # items about one thing (a symptom: present + severity) share a group
    qs_testcd: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]{0,7}$")  # SDTM QS test code
    qs_test: str | None = Field(default=None, max_length=40)                          # SDTM QS test name
    qs_unit: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.response in (ResponseType.CHOICE, ResponseType.DRUG_DOSES):
            if not self.choices:   # a drug_doses item's choices: the reasons for a missed dose
                raise ValueError(f"a {self.response.value} item needs 'choices'")
            codes = [c.code for c in self.choices]
            if len(set(codes)) != len(codes) or len({type(c) for c in codes}) != 1:
                raise ValueError(f"choice codes {codes} must be distinct and all of one type")
        elif self.choices:
            raise ValueError(f"only a choice or drug_doses item has 'choices' (this one is {self.response.value})")
        if self.response in (ResponseType.VAS_MM, ResponseType.INTEGER, ResponseType.NUMBER) and (
                self.minimum is None or self.maximum is None or self.minimum > self.maximum):
            raise ValueError("a numeric item needs 'minimum' <= 'maximum'")
        return self

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
        if self.response is ResponseType.DRUG_DOSES:
            return ("an object with one entry per study drug of the participant's arm: {\"taken\": true, "
                    "\"time_taken\": \"HH:MM\"} or {\"taken\": false, \"missed_reason\": one of "
                    + ", ".join(repr(c) for c in self.choice_codes()) + "}")
        if self.response is ResponseType.DOSE_CALENDAR:
            return ("an object mapping each date of the diary's period (YYYY-MM-DD, consecutive days) to the list "
                    "of the participant's study drugs taken that day")
        kind = "a whole number" if self.response in (ResponseType.INTEGER, ResponseType.VAS_MM) else (
            f"a number with at most {self.decimals} decimal place(s)")
        unit = f" {self.unit}" if self.unit else ""
        return f"{kind} from {_fmt(self.minimum)} to {_fmt(self.maximum)}{unit}"


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else str(value)


class ScoreMethod(StrEnum):
    """The scoring vocabulary: every score of every instrument is one of these over declared items."""

    SUM = "sum"                     # the answers added up (one item: its answer as given)
    MEAN = "mean"                   # their mean, rounded to ``decimals`` when given
    WEIGHTED_SUM = "weighted_sum"   # sum of answer x weight (a rated domain: level x domain weight)
    COUNT = "count"                 # how many answers equal ``count_value`` (symptoms present)


class Band(_Frozen):
    """A named range of a score: ``below`` is exclusive; the last band has no bound."""

    name: str
    below: float | None = None
    label: Text | None = None


class Score(_Frozen):
    """One declared score: a method from the vocabulary over some items."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    method: ScoreMethod
    items: tuple[str, ...] = Field(min_length=1)
    weights: dict[str, int | float] = {}
    count_value: bool | int | str = True
    require_all: bool = True        # "all items required": no score unless every item is answered
    decimals: int | None = Field(default=None, ge=0, le=10)
    bands: tuple[Band, ...] = ()
    mcii: float | None = None       # minimal clinically important improvement, as a change (e.g. -3)
    qs_testcd: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]{0,7}$")
    qs_test: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _consistent(self) -> Score:
        if self.method is ScoreMethod.WEIGHTED_SUM and set(self.weights) != set(self.items):
            raise ValueError(f"weights must name exactly the score's items {list(self.items)}")
        if self.method is not ScoreMethod.WEIGHTED_SUM and self.weights:
            raise ValueError("only a weighted_sum has 'weights'")
        if self.bands and (self.bands[-1].below is not None
                           or any(b.below is None for b in self.bands[:-1])):
            raise ValueError("every band but the last needs 'below'; the last has none")
        return self

    def compute(self, answers: Mapping[str, Any]) -> float | int | None:
        """The score of validated ``answers``; None when a required item is unanswered."""
        get = answers.get
        values = [get(i) for i in self.items]
        if self.method is ScoreMethod.COUNT:
            want = self.count_value
            return sum(1 for v in values if type(v) is type(want) and v == want)
        present = values
        if None in values:         # (answers are JSON values: only None equals None) every export scores each form
            if self.require_all:
                return None
            present = [v for v in values if v is not None]
            if not present:
                return None
        if self.method is ScoreMethod.WEIGHTED_SUM:
            return sum(int(answers[i]) * self.weights[i] for i in self.items if answers.get(i) is not None)
        total = reduce(operator.add, present)
        if self.method is ScoreMethod.MEAN:
            total = total / len(present)
        return total if self.decimals is None else round(total, self.decimals)

    def band(self, value: float) -> str:
        """The name of the band ``value`` falls in (KeyError when the score declares no bands)."""
        for b in self.bands:
            if b.below is None or value < b.below:
                return b.name
        raise KeyError(self.name)


class Instrument(_Frozen):
    """A versioned questionnaire or clinician rating with its declared scores."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^[0-9]+(\.[0-9]+)*$")
    title: Text
    short_title: Text | None = None       # what staff screens and lists call it ("Patient VAS")
    respondent: str = Field(pattern=r"^(participant|clinician)$")
    items: tuple[Item, ...] = Field(min_length=1)
    scores: tuple[Score, ...] = ()
    instructions: Text | None = None
    recall_period: Text | None = None
    recall_dates: str | None = Field(default=None, pattern=r"^(today|last_visit|P[0-9]{1,3}D)$")  # shared/recall.py
    arm_specific: bool = False
    at_least_one: AtLeastOne | None = None  # an entry must answer one of these items so (a symptom present)
    notes: str = ""
    qs_category: str | None = None        # SDTM QSCAT of this instrument's tests

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        ids = [it.id for it in self.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item id(s) {dupes}")
        for it in self.items:
            if it.required_if is not None and it.required_if.item_id not in ids:
                raise ValueError(f"item {it.id}: required_if names {it.required_if.item_id!r}, not an item")
        if self.at_least_one is not None:
            unknown = [i for i in self.at_least_one.items if i not in ids]
            if unknown:
                raise ValueError(f"at_least_one: {unknown} are not items of this instrument")
        for s in self.scores:
            unknown = [i for i in s.items if i not in ids]
            if unknown:
                raise ValueError(f"score {s.name}: {unknown} are not items of this instrument")
        names = [s.name for s in self.scores]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate score name(s) in {names}")
        return self

    @property
    def short(self) -> Text:
        """The short title, or the title when the file gives none."""
        return self.short_title or self.title

    @property
    def score_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scores)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def declared_score(self, name: str | None = None) -> Score:
        """The score called ``name`` (the first one when None); KeyError when there is none."""
        for s in self.scores:
            if name is None or s.name == name:
                return s
        raise KeyError(name)

    def score_maximum(self, name: str | None = None) -> float | None:
        """The highest value a score can take (None when its items are not bounded choices or numbers)."""
        s = self.declared_score(name)
        tops: list[float] = []
        for item_id in s.items:
            it = self.item(item_id)
            top = max(it.choice_codes()) if it.response is ResponseType.CHOICE else it.maximum
            if not isinstance(top, int | float):
                return None
            tops.append(top * s.weights.get(item_id, 1))
        if s.method is ScoreMethod.COUNT:
            return len(tops)
        return sum(tops) / len(tops) if s.method is ScoreMethod.MEAN else sum(tops)

    def items_for(self, drugs: frozenset[str] | None = None) -> tuple[Item, ...]:
        """The items asked of a participant taking ``drugs`` (all items when not arm-specific)."""
        if not self.arm_specific or drugs is None:
            return self.items
        return tuple(it for it in self.items if not it.tags or set(it.tags) & drugs)

    def score(self, answers: Mapping[str, Any]) -> dict[str, float | int | None]:
        """Every declared score of validated ``answers``, by name."""
        return {s.name: s.compute(answers) for s in self.scores}

    def groups(self) -> dict[str, tuple[Item, ...]]:
        """The items of each group, in file order (a symptom's present/absent and severity items)."""
        out: dict[str, list[Item]] = {}
        for it in self.items:
            if it.group is not None:
                out.setdefault(it.group, []).append(it)
        return {g: tuple(items) for g, items in out.items()}

    def reported_groups(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Group -> the answer of its choice item ("unknown" when unanswered) for every group whose
        yes/no item is answered yes: the symptoms a participant reported, with their severity."""
        out: dict[str, str] = {}
        for group, items in self.groups().items():
            flag = next((it for it in items if it.response is ResponseType.BOOLEAN), None)
            if flag is None or answers.get(flag.id) is not True:
                continue
            detail = next((it for it in items if it.response is ResponseType.CHOICE), None)
            out[group] = (answers.get(detail.id) if detail else None) or "unknown"
        return out

    def group_label(self, group: str) -> Text:
        """What a group is about: the label of its yes/no item (else of its first item)."""
        items = self.groups()[group]
        flag = next((it for it in items if it.response is ResponseType.BOOLEAN), items[0])
        return flag.label

    def group_rank(self, group: str, code: object) -> int:
        """1-based position of ``code`` among the choices of ``group``'s choice item (0 when not one):
        severities are declared mildest first."""
        for it in self.groups().get(group, ()):
            if it.response is ResponseType.CHOICE:
                codes = it.choice_codes()
                return codes.index(code) + 1 if code in codes else 0
        return 0
