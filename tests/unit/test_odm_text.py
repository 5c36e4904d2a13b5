"""The ODM clinical data is written as text (issue 25.3: lxml trees cost most of the export's time): every value
is escaped exactly as libxml2 writes it, so the archive's bytes are those lxml wrote, and a character XML 1.0
forbids is refused as lxml refuses it."""

from __future__ import annotations

import pytest
from lxml import etree

from server.exports.odm_xml import attr, escaped_text, text_element, value_attr

# Every character lxml treats specially sits below U+3000, around the surrogates or at the end of the BMP.
SAMPLE = [*range(0x3000), *range(0xD7F0, 0xE010), *range(0xFFF0, 0x10010), 0x10FFFF]


def _lxml(value: str) -> tuple[str, str] | None:
    """(attribute, text) as lxml serialises ``value``; None when lxml refuses it."""
    try:
        node = etree.Element("a", {"v": f"[{value}]"})
        node.text = f"[{value}]"
    except ValueError:
        return None
    out = etree.tostring(node, encoding="unicode")
    return out[len('<a v="['):out.index(']">')], out[out.index(']">[') + 4:-len("]</a>")]


@pytest.mark.parametrize("start", range(0, len(SAMPLE), 2048))
def test_each_character_is_escaped_or_refused_as_lxml_does(start: int) -> None:
    for cp in SAMPLE[start:start + 2048]:
        ch = chr(cp)
        expected = _lxml(ch)
        if expected is None:
            for escape in (attr, escaped_text):
                with pytest.raises(ValueError, match="XML compatible"):
                    escape(f"a{ch}b")
        else:
            assert (attr(ch), escaped_text(ch)) == expected, hex(cp)


def test_a_mixed_value_is_escaped_as_lxml_does() -> None:
    value = 'a & b <c> "d" \'e\'\n\tf\r 中文 —'
    assert (attr(value), escaped_text(value)) == _lxml(value)
    assert text_element("ReasonForChange", value) == etree.tostring(
        _with_text("ReasonForChange", value), encoding="unicode")
    assert text_element("DateTimeStamp", None) == "<DateTimeStamp/>"
    assert [value_attr(v) for v in (3, 5.25, True, ["a&b", "c"], {"d": 'x"y'}, "<z>")] == [
        "3", "5.25", "true", "a&amp;b,c", '{&quot;d&quot;:&quot;x\\&quot;y&quot;}', "&lt;z&gt;"]


def _with_text(tag: str, value: str) -> etree._Element:
    node = etree.Element(tag)
    node.text = value
    return node
