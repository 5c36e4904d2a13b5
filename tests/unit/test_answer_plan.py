"""The answer checks worked out once per instrument and arm refuse exactly what checking each item afresh refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.answer_plan import accepts
from shared.errors import FieldProblem
from shared.exposure import check_calendar
from shared.home_dosing import check_drug_doses
from shared.instruments.loader import installed_instruments
from shared.instruments.model import Instrument, ResponseType
from shared.study import default_study
from shared.validation import _at_least_one, check_answer, validate_answers

INSTRUMENTS = installed_instruments()
ITEMS = [(inst, item) for inst in INSTRUMENTS for item in inst.items]
STUDY = default_study()
DRUG_SETS = [None, frozenset(), *sorted({a.drugs for a in STUDY.arms}, key=sorted)]

# values a kiosk (or a forged request) may send for an answer: every JSON type, the edges of ranges and choice
# codes, and the look-alikes that must not pass (True for 1, 1.0 for 1, "5" for 5)
edges = st.sampled_from([0, 1, -1, 10, 100, 101, 2**53, 2**64, True, False, 0.0, 1.0, 0.5, -0.0, 1e308, "", "5",
                         "mild", "x" * 501, [], {}, None, float("nan"), float("inf")])
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=8)
           | st.floats() | edges)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=10) | st.sampled_from(["2026-03-01", "taken"]), inner,
                                        max_size=3), max_leaves=6)


def _codes(inst: Instrument) -> list[Any]:
    return [c.code for it in inst.items for c in it.choices]


def _near(inst: Instrument) -> st.SearchStrategy[Any]:
    """The instrument's choice codes, and whole numbers about its items' bounds (one past each edge)."""
    bounds = [b for it in inst.items for b in (it.minimum, it.maximum) if isinstance(b, int)]
    near = st.sampled_from(_codes(inst) or [0])
    return near | st.sampled_from([b + d for b in bounds for d in (-1, 0, 1)]) if bounds else near


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.sampled_from(ITEMS), st.data())
def test_a_shortcut_only_says_yes_to_what_the_item_check_accepts(pair: Any, data: st.DataObject) -> None:
    inst, item = pair
    value = data.draw(values | _near(inst))
    shortcut = accepts(item)
    if shortcut is not None and shortcut(value):
        assert check_answer(item, value, f"data.{item.id}") is None


def _one_at_a_time(instrument: Instrument, answers: Any, drugs: frozenset[str] | None,
                   prefix: str = "data") -> list[FieldProblem]:
    """validate_answers as it was before the plan: every asked item looked at afresh (the reference)."""
    if not isinstance(answers, Mapping):
        return [FieldProblem(prefix, answers, "an object of item answers",
                             f"{prefix}: must be an object of item answers")]
    if instrument.arm_specific and drugs is None:
        return [FieldProblem("participant_id", None, "an enrolled participant with an arm",
                             f"{instrument.id} depends on the participant's arm, which is not known: "
                             "sync or record the enrolment first")]
    asked = {it.id: it for it in instrument.items_for(drugs)}
    problems: list[FieldProblem] = []
    for key in answers:
        if key not in asked:
            why = ("is not asked of this participant's arm" if key in {i.id for i in instrument.items}
                   else f"is not an item of {instrument.id} {instrument.version}")
            problems.append(FieldProblem(f"{prefix}.{key}", answers[key], ", ".join(asked),
                                         f"{prefix}.{key}: {why}; allowed items: {', '.join(asked)}"))
    for item in asked.values():
        value = answers.get(item.id)
        field = f"{prefix}.{item.id}"
        rule = item.required_if
        required = item.required or (rule is not None and answers.get(rule.item_id) in rule.values)
        if value is None:
            if required:
                problems.append(FieldProblem(field, None, item.allowed_text(),
                                             f"{field}: is required but was not answered "
                                             f"(allowed: {item.allowed_text()})", "value.required"))
            continue
        if rule is not None and not item.required and answers.get(rule.item_id) not in rule.values:
            problems.append(FieldProblem(field, value, "no answer",
                                         f"{field}: must be empty unless {rule.item_id} is "
                                         f"{' or '.join(map(repr, rule.values))}", "value.only_with",
                                         {"item": rule.item_id}))
            continue
        problem = (check_calendar(value, field, drugs) if item.response is ResponseType.DOSE_CALENDAR
                   else check_drug_doses(item, value, field, drugs) if item.response is ResponseType.DRUG_DOSES
                   else check_answer(item, value, field))
        if problem:
            problems.append(problem)
    if instrument.at_least_one is not None:
        problems += _at_least_one(instrument.at_least_one, answers, instrument.at_least_one.asked(asked), prefix)
    return problems


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[Instrument, Any, frozenset[str] | None]:
    """An instrument, answers for it (its items, some left out, some unknown keys, any values) and an arm."""
    inst = draw(st.sampled_from(INSTRUMENTS))
    keys = [it.id for it in inst.items] + ["not_an_item"]
    chosen = draw(st.lists(st.sampled_from(keys), unique=True))
    answers = {k: draw(values | _near(inst)) for k in chosen}
    return inst, draw(st.just(answers) | values), draw(st.sampled_from(DRUG_SETS))


def _shown(problems: list[FieldProblem]) -> list[Any]:
    return [(p.as_dict(), repr(p.value)) for p in problems]   # repr: nan != nan, yet the same refusal


@settings(max_examples=500, derandomize=True, deadline=None)
@given(answer_sets())
def test_the_planned_checks_refuse_exactly_what_item_by_item_checks_refused(case: Any) -> None:
    inst, answers, drugs = case
    assert _shown(validate_answers(inst, answers, drugs=drugs)) == _shown(_one_at_a_time(inst, answers, drugs))
