"""The fast path of canonical JSON gives exactly the bytes of the RFC 8785 reference serialiser."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.canonical import canonical_json

keys = st.text(max_size=8) | st.sampled_from(["a", "B", "é", "\U0001f600", "\ue000", "record_id", ""])
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
           | st.text() | st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
                      max_leaves=25)


@settings(max_examples=400, derandomize=True)
@given(values)
def test_canonical_json_matches_the_rfc8785_reference(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        return  # values JCS cannot represent (lone surrogates) are refused by both; nothing to compare
    assert canonical_json(value) == expected


def test_control_characters_and_key_order_follow_jcs() -> None:
    value = {"\ue000": 1, "\U0001f600": 2, "b": "\x00\x1f\n\"\\\u2028é", "a": [1.0, 1e21, -0.0, 2**53 - 1]}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json({"b": 1, "a": "x\ty"}) == b'{"a":"x\\ty","b":1}'


def test_fast_path_escapes_and_deep_values_give_the_rfc8785_bytes() -> None:
    """The C serialiser of the fast path writes text as RFC 8785 does (DEL, line separators and characters
    beyond the BMP as UTF-8, controls escaped); what it cannot take (deep nesting, floats, numbers beyond 2**53,
    lone surrogates) is left to rfc8785, with its bytes or its refusal."""
    text = "\x7f\u2028\u2029\U0001f600\x08\x0c\x0b\x1f</script>"
    assert canonical_json({"a": text, "b": [text, {"c": None}]}) == rfc8785.dumps({"a": text, "b": [text, {"c": None}]})
    deep: Any = 1
    for _ in range(150):
        deep = [deep]
    assert canonical_json({"d": deep, "n": 2**53 - 1, "f": 0.5}) == rfc8785.dumps({"d": deep, "n": 2**53 - 1, "f": 0.5})
    with pytest.raises((rfc8785.CanonicalizationError, UnicodeEncodeError)):
        canonical_json({"s": "\ud800"})
