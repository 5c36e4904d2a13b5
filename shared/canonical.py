"""Canonical JSON (RFC 8785, JCS) and the content hashes built on it.

Both sides hash the same bytes, so a record hashed on the kiosk and again on the
server gives the same digest whatever order its keys were written in.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 serialisation of ``value``."""
    return rfc8785.dumps(value)


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON, written ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()
