"""Reading a JSON request body strictly: content type, size and syntax are checked before any service runs."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from shared.errors import InvalidInput, UnsupportedContentType


def json_body() -> Any:
    """The parsed JSON body. Raises a 415 or 400 problem that says what to send."""
    if request.mimetype != "application/json":
        raise UnsupportedContentType("Send the body as JSON with the header Content-Type: application/json.")
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidInput(f"The body is not valid JSON ({exc.__class__.__name__}). Send a UTF-8 JSON document.") \
            from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")
