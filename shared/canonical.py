"""Canonical JSON (RFC 8785, JCS) and the content hashes built on it.

Both sides hash the same bytes, so a record hashed on the kiosk and again on the
server gives the same digest whatever order its keys were written in.

Records and audit entries hold only text, whole numbers, booleans and null under
ASCII keys; for those the standard library's compact, key-sorted JSON already is
the RFC 8785 form, and it is several times faster than the general serialiser.
Anything else (floats, integers beyond 2**53, non-ASCII keys, tuples) goes
through ``rfc8785``, which owns the exact number formatting and key ordering rules.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

_SAFE_INT = 2**53 - 1


def _plain(value: Any) -> bool:
    """True when ``value`` holds nothing whose JCS form differs from compact, key-sorted ``json.dumps``."""
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is str or t is bool or v is None:
            continue
        if t is int:
            if -_SAFE_INT <= v <= _SAFE_INT:
                continue
            return False
        if t is dict:
            for k, item in v.items():
                if type(k) is not str or not k.isascii():
                    return False
                stack.append(item)
            continue
        if t is list:
            stack.extend(v)
            continue
        return False  # floats, tuples, anything else: the general serialiser decides
    return True


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 serialisation of ``value``."""
    if _plain(value):
        try:
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 refuse it with its own error
    return rfc8785.dumps(value)


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON, written ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()
