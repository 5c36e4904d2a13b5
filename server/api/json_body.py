"""Reading a JSON request body strictly: content type, size and syntax are checked before any service runs.

JSON can spell text that is not Unicode characters or that no database stores: a lone surrogate (``"\\ud800"``,
which UTF-8 cannot encode: SQLite and PostgreSQL fail on it as a query parameter) and NUL (``"\\u0000"``, which
PostgreSQL text refuses). Both are refused here, naming where in the body they are, so no service meets them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request

from shared.errors import InvalidInput, UnsupportedContentType

# Where such text can come from in the raw body: an escape, or a surrogate's UTF-8 bytes (json reads them back)
_MAYBE_UNSTORABLE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)|\xed[\xa0-\xbf]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def json_body() -> Any:
    """The parsed JSON body. Raises a 415 or 400 problem that says what to send."""
    return json_body_and_raw()[0]


def json_body_and_raw() -> tuple[Any, bytes]:
    """The parsed JSON body and its raw bytes (for a byte search no walk of the parsed body can beat)."""
    if request.mimetype != "application/json":
        raise UnsupportedContentType("Send the body as JSON with the header Content-Type: application/json.")
    raw = request.get_data(cache=False)
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidInput(f"The body is not valid JSON ({exc.__class__.__name__}). Send a UTF-8 JSON document.") \
            from None
    # rare: most bodies skip the walk. The two byte searches first: they run at memory speed, the pattern's
    # alternation tried at every position of a sync body (~0.5 MB) cost ~5 us of a record's sync
    if (b"\\u" in raw or b"\xed" in raw) and _MAYBE_UNSTORABLE.search(raw) is not None:
        _refuse_unstorable(body)
    return body, raw


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _refuse_unstorable(body: Any) -> None:
    """InvalidInput naming the first text (a value or a key) holding a lone surrogate or NUL; walked without
    recursion (json nests deeper than Python's stack)."""
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            found = _UNSTORABLE.search(value)
            if found is not None:
                what = "NUL (\\u0000)" if found.group() == "\x00" else f"a lone surrogate (\\u{ord(found.group()):04x})"
                raise InvalidInput(f"{path or 'the body'}: the text {value[:60]!r} holds {what}, which is not "
                                   "stored. Send Unicode text (a character beyond U+FFFF as one surrogate pair) "
                                   "without NUL.",
                                   details={"field": path or "body", "allowed": "Unicode text without NUL"})
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else k, k) for k in value)
            stack.extend((f"{path}.{k}" if path else k, v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
