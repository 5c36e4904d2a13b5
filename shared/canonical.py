"""Canonical JSON (RFC 8785, JCS) and the content hashes built on it.

Both sides hash the same bytes, so a record hashed on the kiosk and again on the
server gives the same digest whatever order its keys were written in.

Records and audit entries hold only text, whole numbers, booleans and null under
ASCII keys; for those compact, key-sorted JSON (``orjson`` with sorted keys: UTF-8,
the same escapes) already is the RFC 8785 form, and it is many times faster than
the general serialiser. Anything else (floats, integers beyond 2**53, non-ASCII
keys, tuples) goes through ``rfc8785``, which owns the exact number formatting and
key ordering rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson
import rfc8785

_SCALARS = frozenset({str, bool, type(None), int})  # types whose JCS form is compact JSON's form (int: within
_CHECKED = _SCALARS | {dict, list}                    # +-(2**53 - 1), which orjson enforces); dict, list: looked into
# sorted keys; integers beyond 53 bits refused (JSONEncodeError), as RFC 8785 (I-JSON) does not write them exactly
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def _dump_plain(value: Any) -> bytes | None:
    """The UTF-8 bytes of compact, key-sorted JSON of a value ``_plain`` has passed (its keys are ASCII, so
    orjson's key order is code point order); None for what only rfc8785 may write or refuse (a whole number
    beyond 53 bits, a lone surrogate)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return None


def _plain(value: Any, depth: int = 0) -> bool:
    """True when ``value`` holds nothing whose JCS form differs from compact, key-sorted JSON written by
    orjson (whole numbers are range-checked there).

    Runs for every record and audit entry of every sync, so keys and value types are checked a container
    at a time in C (join, map), and only containers are looked at one by one (a depth limit stands in for a
    cycle check: those go to the general serialiser, which refuses them)."""
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
        return t in _SCALARS
    types = set(map(type, values))
    if types <= _SCALARS:
        return True
    if depth > 100 or not types <= _CHECKED:
        return False  # floats, tuples, anything else: the general serialiser decides
    for v in values:
        tv = type(v)
        if (tv is dict or tv is list) and not _plain(v, depth + 1):
            return False
    return True


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 serialisation of ``value``."""
    if _plain(value):
        raw = _dump_plain(value)
        if raw is not None:
            return raw
    return rfc8785.dumps(value)  # also a lone surrogate: rfc8785 refuses it with its own error


_NAMES: dict[tuple[str, ...], frozenset[str]] = {}   # each field list as a set, made once (a handful of lists)


def canonical_fields_json(value: Mapping[str, Any], fields: tuple[str, ...]) -> bytes:
    """``canonical_json({f: value.get(f) for f in fields})`` for ``fields`` given as ASCII names in sorted
    order: the envelope of every synced record and every audit entry is hashed with it, so the members are
    checked in one pass (their whole-number range, the text of nested keys) and written by one C call."""
    names = _NAMES.get(fields)
    if names is None:
        names = _NAMES[fields] = frozenset(fields)
    # a record or entry that holds exactly these fields is written as it is (JSON has no key order to keep):
    # most calls, and a dict of 17 look-ups saved on each
    members = (value if type(value) is dict and len(value) == len(names) and value.keys() == names
               else {f: value.get(f) for f in fields})
    if _plain(members):
        raw = _dump_plain(members)
        if raw is not None:
            return raw
    return canonical_json(members)   # floats, large numbers, non-ASCII keys, lone surrogates: rfc8785


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON, written ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()

