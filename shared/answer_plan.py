"""How the answers of one instrument, as asked of one arm, are checked: worked out once, used for every record.

``validate_answers`` (shared/validation.py) walks an instrument's asked items for every answer of every sync.
Looking up each item's response type, bounds, choice codes and follow-up rule again per answer was most of that
walk's cost, so a ``Step`` per asked item holds them, and ``accepts`` gives a predicate that answers "this value
passes ``check_answer``" from them alone. The predicate only ever says yes to values ``check_answer`` accepts
(exact ``int``/``bool``/``str`` types, within the same bounds); for anything else, and always for a refusal, the
validator asks ``check_answer`` itself, so every refusal keeps its words, code and parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from shared.instruments.model import Instrument, Item, ResponseType

Accepts = Callable[[Any], bool]


class Step(NamedTuple):
    """One asked item as the validator walks it (``required_if``: the follow-up rule's item id and values)."""

    item: Item
    id: str
    required: bool
    if_item: str | None
    if_values: tuple[Any, ...]
    accepts: Accepts | None      # None: no shortcut, ``check_answer`` (or the calendar/dose check) decides


def _whole(lo: float | None, hi: float | None) -> Accepts:
    if lo is not None and hi is not None:
        return lambda v: type(v) is int and lo <= v <= hi
    if lo is not None:
        return lambda v: type(v) is int and v >= lo
    if hi is not None:
        return lambda v: type(v) is int and v <= hi
    return lambda v: type(v) is int


def accepts(item: Item) -> Accepts | None:
    """A predicate true only for values ``check_answer(item, value, …)`` accepts (None: no shortcut here).

    A value it says no to is not refused by that alone: the validator then asks ``check_answer``."""
    rt = item.response
    if rt is ResponseType.INTEGER or rt is ResponseType.VAS_MM:
        return _whole(item.minimum, item.maximum)
    if rt is ResponseType.BOOLEAN:
        return lambda v: type(v) is bool
    if rt is ResponseType.CHOICE:
        codes = item.choice_codes()
        if not codes:
            return None
        kind = type(codes[0])
        return lambda v: type(v) is kind and v in codes   # the tuple, as check_answer: equality, no hashing
    if rt is ResponseType.TEXT:
        most = item.max_length
        return lambda v: type(v) is str and len(v) <= most
    return None   # numbers (decimals, finiteness), dose calendars and drug doses: their own checks decide


def steps(instrument: Instrument, asked: Mapping[str, Item]) -> tuple[Step, ...]:
    """The asked items of ``instrument`` (in the order asked) as the validator walks them."""
    out = []
    for item in asked.values():
        rule = item.required_if
        out.append(Step(item, item.id, item.required, rule.item_id if rule is not None else None,
                        rule.values if rule is not None else (), accepts(item)))
    return tuple(out)
