"""The fast path of canonical JSON gives exactly the bytes of the RFC 8785 reference serialiser."""

from __future__ import annotations

from typing import Any

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
