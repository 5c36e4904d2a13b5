"""The audit page's ``breakable`` filter: wrap points after . _ - : and every 16 characters of a long word, the
rest HTML-escaped (its output is what the page showed before it was made faster, issue 25 point 4)."""

from __future__ import annotations

import pytest

from server.web import breakable


@pytest.mark.parametrize(("code", "html"), [
    ("instrument_response.correct", "instrument_<wbr>response.<wbr>correct"),
    ("user:admin", "user:<wbr>admin"),
    ("", "<wbr>"),
    (None, "<wbr>"),
    (".a", "<wbr>.<wbr>a"),
    ("a..b", "a.<wbr><wbr>.<wbr>b"),
    ("<b>&'\"", "&lt;b&gt;&amp;&#39;&#34;"),
    ("sha256:" + "ab" * 16, "sha256:<wbr>" + "ab" * 8 + "<wbr>" + "ab" * 8),
    ("x y " + "z" * 20, "x<wbr> <wbr>y<wbr> <wbr>" + "z" * 16 + "<wbr>zzzz"),   # its spaces are pieces too
    ("<" * 20, "<wbr>".join(["&lt;" * 16, "&lt;" * 4])),
    ("a b", "a b"),
    (12, "12"),
])
def test_breakable_wraps_after_separators_and_in_long_words_and_escapes_the_rest(code: object, html: str) -> None:
    assert str(breakable(code)) == html
