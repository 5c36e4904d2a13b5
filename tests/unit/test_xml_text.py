"""The one rule of text every export can carry (shared/xml_text.py): which characters, where it finds them
(values, keys, any depth), how the refusal names them, and that the raw-body byte search never misses one."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from shared.xml_text import NOT_XML, body_may_hold, check_record, check_typed, first_not_xml

FORBIDDEN = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + ["\ufffe", "\uffff"]
ALLOWED = ["\t", "\n", "\r", " ", "\x7f", "\x85", "é", "中", "𠀀", "🩺", "\ufffd", "\ufeff"]


def test_the_characters_are_those_lxml_refuses() -> None:
    for char in FORBIDDEN + ALLOWED:
        try:
            etree.Element("a").text = f"x{char}y"
            lxml_ok = True
        except ValueError:
            lxml_ok = False
        assert lxml_ok is (first_not_xml(f"x{char}y") is None), repr(char)
    assert "\ud800-\udfff" in NOT_XML   # lone surrogates too (the HTTP body refuses them before)


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_the_byte_search_finds_every_forbidden_character_and_skips_ordinary_text(ensure_ascii: bool) -> None:
    ordinary = {"records": [{"record": {"data": {"term": "".join(ALLOWED)}}}]}
    raw = json.dumps(ordinary, ensure_ascii=ensure_ascii).encode()
    assert not body_may_hold(raw) and first_not_xml(json.loads(raw)) is None
    typed = json.dumps({"term": "\\u0007 typed as six characters"}).encode()   # a candidate the walk clears
    assert body_may_hold(typed) and first_not_xml(json.loads(typed)) is None
    for char in FORBIDDEN:
        for body in ({"records": [{"record": {"data": {"term": f"a{char}b"}}}]}, {f"k{char}": 1}):
            raw = json.dumps(body, ensure_ascii=ensure_ascii).encode()
            assert body_may_hold(raw), (repr(char), raw)
            assert first_not_xml(json.loads(raw)) is not None
    assert body_may_hold(b'{"a": "\\u001F"}') and body_may_hold(b'{"a": "\\uFfFe"}')


def test_a_refusal_names_the_path_the_escaped_value_and_the_rule() -> None:
    record = {"kind": "adverse_event", "data": {"ok": ["fine", {"deep\x0b": 1}], "term": "rash\x07"}}
    refused = check_record(record)
    assert refused is not None and refused.code == "record.character_not_xml" and "XML 1.0" in refused.rule
    (problem,) = refused.problems
    assert (problem.field, problem.value, dict(problem.params)) == (
        "data.ok[1].deep\\u000b", "deep\\u000b", {"character": "U+000B"})
    assert check_record({"data": {"term": "rash\tand\nmore\r"}}) is None
    long = "x" * 500 + "\x01" + "y" * 500
    shown = check_typed("data.term", long)
    assert shown is not None and shown.value.startswith("…") and shown.value.endswith("…")
    assert "\\u0001" in shown.value and len(shown.value) < 100
    assert check_typed("data.term", "中文 🩺") is None
