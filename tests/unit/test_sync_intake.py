"""One walk for a sent record's shape check, canonical JSON and hash gives exactly what the two checks gave."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.records import ENVELOPE_FIELDS, canonical_record, hash_of_canonical
from shared.sync.intake import Taken, take
from shared.sync.protocol import MAX_RECORD_DEPTH, MAX_RECORD_TEXT, MAX_RECORD_VALUES, check_record_shape

keys = st.text(max_size=5) | st.sampled_from(["a", "é", "\U0001f600", "\ud800", "diary_date"])
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=6)
           | st.sampled_from([2**53 - 1, 2**53, -(2**53), "\ud800", "\x00", "é"]) | st.floats())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner)
                      | st.dictionaries(keys | st.integers(0, 3), inner, max_size=3), max_leaves=10)


def _nested(depth: int) -> Any:
    value: Any = 1
    for n in range(depth):
        value = {"x": value} if n % 2 else [value]
    return value


# the limits' edges: exactly at each limit, and one past it
edges = st.sampled_from([_nested(MAX_RECORD_DEPTH - 2), _nested(MAX_RECORD_DEPTH - 1), _nested(MAX_RECORD_DEPTH),
                         "x" * (MAX_RECORD_TEXT - 600), "x" * MAX_RECORD_TEXT, "\u00e9" * 9000,
                         list(range(MAX_RECORD_VALUES - 40)), list(range(MAX_RECORD_VALUES)), [0] * 4990,
                         ["é"] * 3000, {"k" * 9000: 1}])


@st.composite
def sent_records(draw: st.DrawFn) -> Any:
    """What a kiosk (or a forged request) may send as a record: mostly the envelope fields, any values."""
    fields = draw(st.lists(st.sampled_from(ENVELOPE_FIELDS), unique=True, min_size=len(ENVELOPE_FIELDS) - 1)
                  | st.just(list(ENVELOPE_FIELDS)))
    plain = st.none() | st.text(max_size=6) | st.integers(-3, 3) | st.booleans()   # most kiosks' fields
    others = draw(st.sampled_from([plain, scalars]))
    rec = {f: draw(values | edges) if f == "data" else draw(others) for f in fields}
    if draw(st.integers(0, 4)) == 0 and fields:
        rec[draw(st.sampled_from(fields))] = draw(values | edges)   # any field may hold a container
    if draw(st.integers(0, 9)) == 0:
        rec[draw(keys)] = draw(values)   # an extra key
    return draw(st.just(rec) | values)


def _reference(record: Any) -> Taken:
    refused = check_record_shape(record)
    if refused is not None:
        return Taken(refused, None, None)
    try:
        raw = canonical_record(record)
    except ValueError:
        return Taken(None, None, None)
    return Taken(None, raw, hash_of_canonical(raw))


def _shown(check: Any, record: Any) -> Any:
    """What ``check`` makes of ``record``: its refusal's words, bytes and hash, or the exception it raised (a
    key that is not text cannot come from a JSON body, yet the two answer it alike)."""
    try:
        taken = check(record)
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return type(exc)
    refused = taken.refused
    return ((type(refused), refused.code, [p.as_dict() for p in refused.problems]) if refused else None,
            taken.canonical, taken.digest)


@settings(max_examples=600, derandomize=True, deadline=None)
@given(sent_records())
def test_one_walk_refuses_writes_and_hashes_exactly_as_the_shape_check_and_canonical_json(record: Any) -> None:
    assert _shown(take, record) == _shown(_reference, record)


def test_a_plain_record_at_the_limits_takes_the_long_way_and_its_refusal_is_the_shape_check_s() -> None:
    base = {f: None for f in ENVELOPE_FIELDS}
    for data, refused in ((_nested(MAX_RECORD_DEPTH - 1), False), (_nested(MAX_RECORD_DEPTH), True),
                          (list(range(MAX_RECORD_VALUES)), True), ("x" * (MAX_RECORD_TEXT + 1), True),
                          ("x" * 9000, False)):
        rec = {**base, "data": data}
        assert _shown(take, rec) == _shown(_reference, rec)
        assert (take(rec).refused is not None) is refused
