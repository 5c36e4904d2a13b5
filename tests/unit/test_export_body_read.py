"""The exports read each stored body with orjson for speed (issue 25); every body reads as the standard json did."""

from __future__ import annotations

import json
import math

import pytest

from server.storage.export_reads import load_body

BODIES = [
    {"record_id": "r1", "data": {"vas": 37, "dose": 0.1, "note": "头痛 =1+2", "items": [1, 2.5, None, True]}},
    {"data": {"big": 2 ** 70, "tiny": 5e-324, "exp": 1e300}},       # beyond 64 bits: orjson refuses, json reads
    {"data": {"odd": "\ud800"}},                                     # a lone surrogate json.dumps escapes
]


@pytest.mark.parametrize("body", BODIES)
def test_a_stored_body_reads_as_json_reads_it(body: dict) -> None:
    for text in (json.dumps(body), json.dumps(body, ensure_ascii=False)):
        if "\ud800" in text:
            continue                                                 # not UTF-8: never stored unescaped
        assert load_body(text) == json.loads(text)
        assert list(load_body(text)["data"]) == list(json.loads(text)["data"])


def test_nan_that_json_dumps_writes_still_reads() -> None:
    text = json.dumps({"data": {"x": float("nan"), "y": float("inf")}})
    body = load_body(text)
    assert math.isnan(body["data"]["x"]) and body["data"]["y"] == math.inf
