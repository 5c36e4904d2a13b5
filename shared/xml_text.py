"""Text every export can carry: no character XML 1.0 forbids, in any text of a record.

XML 1.0 cannot carry the C0 control characters other than tab, line feed and carriage return, a lone
surrogate, U+FFFE or U+FFFF (its ``Char`` production; lxml refuses them). JSON, the kiosk's store and the
server's database carry them all, so a record holding one (a bell pasted into an adverse-event term, say) was
stored and then stopped the ODM export (``export.character_not_xml``) until a data manager corrected it. The
rule is checked once, here, wherever a record comes in: the server's sync intake (kiosk and phone alike,
``check_record``), and a kiosk's typed text before it is saved (``check_typed``); the ODM writer refuses
with the same character class (``NOT_XML``).

Cheap where it matters: a sync body is JSON, and such a character reaches it only as a ``\\u00XX`` /
``\\uFFFx`` escape or JSON's ``\\b`` / ``\\f`` (JSON refuses a raw control character inside a string), or as
the UTF-8 bytes of U+FFFE/U+FFFF.
``body_may_hold`` searches the raw bytes for those; only when it finds one are the records walked.
"""

from __future__ import annotations

import re
from typing import Any

from shared.errors import FieldProblem, RecordCharacterNotXml

# the characters XML 1.0 cannot carry (also what server/exports/odm_xml.py refuses, as lxml does)
NOT_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_NOT_XML = re.compile(f"[{NOT_XML}]")
# where one can be in a JSON body: an escape of U+0000..U+001F or U+FFFE/U+FFFF, or JSON's short escapes of two
# of them, \b (U+0008) and \f (U+000C). A tab escaped as \u0009, or text holding a backslash before b, f or
# u001..., is a candidate too: the walk then finds nothing. A lone surrogate is refused with the whole body
# before (server/api/json_body.py), so an escaped surrogate pair (an emoji) is no candidate.
_MAYBE_ESCAPED = re.compile(rb"\\(?:u(?:00[01]|[fF]{3}[eEfF])|[bf])")
_RAW = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")   # U+FFFE, U+FFFF written as UTF-8
RULE_CODE = "value.character_not_xml"
ALLOWED = "text without control characters (tab, line feed and carriage return are fine), U+FFFE or U+FFFF"
_SHOWN = 80   # characters of the refused text shown around the first forbidden one


def body_may_hold(raw: bytes) -> bool:
    """Whether the raw JSON body ``raw`` may hold a character XML cannot carry (False: certainly none)."""
    # ~0.4 us per record of a 500-record body: the regex (~0.2) and one byte search (~0.2; the raw forms of
    # U+FFFE/U+FFFF share their first two bytes with only U+FFC0..U+FFFD: rare)
    return ((b"\\" in raw and _MAYBE_ESCAPED.search(raw) is not None)
            or (b"\xef\xbf" in raw and (_RAW[0] in raw or _RAW[1] in raw)))


def first_not_xml(value: Any, path: str = "") -> tuple[str, str, str] | None:
    """The first (path, text, character) in ``value`` (its texts, keys and members) that XML 1.0 cannot carry,
    or None; walked without recursion (JSON nests deeper than Python's stack)."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            found = _NOT_XML.search(value)
            if found is not None:
                return where, value, found.group()
        elif isinstance(value, dict):
            members = [(f"{where}.{k}" if where else str(k), v) for k, v in value.items()]
            keys = [(f"{where}.{k}" if where else str(k), k) for k in value]
            stack.extend(reversed(keys + members))   # keys first, then values, in order
        elif isinstance(value, list | tuple):
            stack.extend(reversed([(f"{where}[{i}]", v) for i, v in enumerate(value)]))
    return None


def escaped(text: str) -> str:
    """``text`` with every character XML cannot carry written as ``\\uXXXX`` (readable in any answer or log),
    cut to about 80 characters around the first of them."""
    found = _NOT_XML.search(text)
    start = max(0, found.start() - _SHOWN // 2) if found else 0
    shown = _escape_all(text[start:start + _SHOWN])
    return ("…" if start else "") + shown + ("…" if start + _SHOWN < len(text) else "")


def _escape_all(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def problem_of(path: str, text: str, char: str) -> FieldProblem:
    """The refusal of the text at ``path`` holding ``char``: names the field, the escaped value and the rule
    (a key holding it is named escaped in the path too)."""
    path, shown, code = _escape_all(path), escaped(text), f"U+{ord(char):04X}"
    return FieldProblem(path, shown, ALLOWED,
                        f"{path}: holds {code}, a control character XML 1.0 (and so the ODM export) cannot "
                        f"carry (got {shown!r}; allowed: {ALLOWED}): remove it and save again",
                        RULE_CODE, {"character": code})


def check_record(record: Any) -> RecordCharacterNotXml | None:
    """The refusal of a record with a character XML cannot carry in any text (a value or a key), else None."""
    hit = first_not_xml(record)
    return RecordCharacterNotXml([problem_of(*hit)]) if hit is not None else None


def check_typed(field: str, text: str) -> FieldProblem | None:
    """The problem of one typed text (a kiosk's free-text input) holding such a character, else None."""
    found = _NOT_XML.search(text)
    return problem_of(field, text, found.group()) if found is not None else None
