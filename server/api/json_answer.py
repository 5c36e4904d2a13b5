"""Writing a large JSON answer fast: the sync and enrolment answers, encoded with orjson.

A new kiosk's first sync answer carries its site's whole state (every participant, the site's records' summaries,
its allocation blocks): hundreds of kilobytes, and Flask's encoder (the standard library's, keys sorted) spent
more CPU on it than the rest of the answer (issue 25 point 2). orjson writes the same bytes as Flask's compact
encoder, keys sorted the same way (also the ``str`` subclasses SQLAlchemy's row mappings use as keys), except that
text beyond ASCII is UTF-8 instead of ``\\u`` escapes; whatever it refuses (an integer beyond 64 bits, a value
that is not JSON) goes through Flask's encoder as before.

A ``datetime``, ``date`` or ``time`` is refused by both (a ``TypeError`` naming it: the server's error handler
answers ``server.unexpected`` and logs it): orjson would write ISO 8601 where Flask wrote an HTTP date, so the
same value would reach a kiosk in two shapes depending on which encoder ran. Every time the protocol carries is
ISO 8601 text made where the value is made (the storage layer keeps times as text).
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import orjson
from flask import Response, current_app

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def json_answer(value: Any, status: int = 200) -> Response:
    """``jsonify(value)`` with ``status``, written by orjson; raises TypeError on a date or time in ``value``."""
    try:
        body = orjson.dumps(value, default=_not_json, option=_OPTIONS)
    except TypeError:    # orjson.JSONEncodeError is a TypeError: Flask's encoder decides (and refuses dates too)
        provider = current_app.json
        text = provider.dumps(value, default=lambda v: provider.default(_not_a_date(v)), separators=(",", ":"))
        return current_app.response_class(f"{text}\n", status=status, mimetype=provider.mimetype)
    return current_app.response_class(body, status=status, mimetype="application/json")


def _not_json(value: Any) -> Any:
    """orjson's fallback: nothing more is JSON to it (Flask's encoder is asked next)."""
    raise TypeError(f"{type(value).__name__} is not JSON")


def _not_a_date(value: Any) -> Any:
    """``value`` unless it is a date or time, which is refused (a bug of the caller: send ISO 8601 text)."""
    if isinstance(value, date | time):
        raise TypeError(f"a JSON answer may not hold a {type(value).__name__} ({value!r}): write it as ISO 8601 "
                        "text where it is made (orjson and Flask would write it in two different shapes)")
    return value
