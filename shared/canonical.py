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
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

import rfc8785

_SAFE_INT = 2**53 - 1


_SCALARS = frozenset({str, bool, type(None)})  # types whose JCS form is json.dumps's form
_CHECKED = _SCALARS | {int, dict, list}          # int: within the safe range; dict, list: looked into
# one encoder made once: json.dumps would build a new one on every call (non-default options)
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


# the C encoder behind _ENCODER, made once and without the cycle check, for values _plain has passed (no
# cycles: its depth limit sends those elsewhere); JSONEncoder.encode would build a new one on every call
_C_ENCODE = (json.encoder.c_make_encoder(None, _refuse, encode_basestring, None, ":", ",", True, False, True)
             if json.encoder.c_make_encoder is not None else None)


def _encode_plain(value: Any) -> str:
    """Compact, key-sorted JSON of a value ``_plain`` has passed."""
    if _C_ENCODE is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


def _plain(value: Any, depth: int = 0) -> bool:
    """True when ``value`` holds nothing whose JCS form differs from compact, key-sorted ``json.dumps``.

    Runs for every record and audit entry of every sync, so keys and value types are checked a container
    at a time in C (join, map), and only whole numbers and containers are looked at one by one (a depth
    limit stands in for a cycle check: those go to the general serialiser, which refuses them)."""
    t = type(value)
    if t is dict:
        try:
            if not "".join(value).isascii():
                return False
        except TypeError:  # a key that is not text
            return False
        values: Any = value.values()
    elif t is list:
        values = value
    else:
        return t in _SCALARS or (t is int and -_SAFE_INT <= value <= _SAFE_INT)
    types = set(map(type, values))
    if types <= _SCALARS:
        return True
    if depth > 100 or not types <= _CHECKED:
        return False  # floats, tuples, anything else: the general serialiser decides
    for v in values:
        tv = type(v)
        if tv is int:
            if not -_SAFE_INT <= v <= _SAFE_INT:
                return False
        elif (tv is dict or tv is list) and not _plain(v, depth + 1):
            return False
    return True


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 serialisation of ``value``."""
    if _plain(value):
        try:
            return _encode_plain(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 refuse it with its own error
    return rfc8785.dumps(value)


_KEYS: dict[str, str] = {}  # '"name":' for the field names seen (a handful: envelope fields)


def canonical_fields_json(value: Mapping[str, Any], fields: tuple[str, ...]) -> bytes:
    """``canonical_json({f: value.get(f) for f in fields})`` for ``fields`` given as ASCII names in sorted
    order, put together field by field: the envelope of every synced record is hashed with it, and its
    text, null and whole-number fields need no general serialiser (RFC 8785 objects compose: the members
    in key order, each value in its own canonical form)."""
    parts = []
    for name in fields:
        v = value.get(name)
        t = type(v)
        key = _KEYS.get(name) or _KEYS.setdefault(name, f'"{name}":')
        if t is str:
            parts.append(key + encode_basestring(v))
        elif v is None:
            parts.append(key + "null")
        elif t is int and -_SAFE_INT <= v <= _SAFE_INT:
            parts.append(key + int.__repr__(v))
        elif t is bool:
            parts.append(key + ("true" if v else "false"))
        elif _plain(v):
            parts.append(key + _encode_plain(v))
        else:
            return canonical_json({f: value.get(f) for f in fields})
    try:
        return ("{" + ",".join(parts) + "}").encode("utf-8")
    except UnicodeEncodeError:
        return canonical_json({f: value.get(f) for f in fields})  # a lone surrogate: refused there


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON, written ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()

