"""The signed audit chain head ("checkpoint"): the bytes the server signs and the check a kiosk or verifier runs.

One definition for the server that signs, the kiosk that keeps the newest head
as a witness, and ``audit verify`` that checks both.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from shared.canonical import canonical_json
from shared.crypto import verify

FIELDS = ("head_seq", "head_hash", "signed_at", "signature", "public_key")
WITNESS_KIND = "trialpro.audit-witness"   # the "kind" of a witness file (`trialpro-client witness`)
WITNESS_VERSION = 1


def message(head_seq: int, head_hash: str, signed_at: str) -> bytes:
    """What the Ed25519 signature covers: the canonical JSON of the entry number, its hash and the time."""
    return canonical_json({"head_seq": head_seq, "head_hash": head_hash, "signed_at": signed_at})


def well_formed(head: Any) -> bool:
    """A mapping with every field, a whole entry number >= 0 and text everywhere else."""
    return (isinstance(head, Mapping) and all(k in head for k in FIELDS)
            and isinstance(head["head_seq"], int) and not isinstance(head["head_seq"], bool)
            and head["head_seq"] >= 0 and all(isinstance(head[k], str) for k in FIELDS[1:]))


def holds(head: Any, public_b64: str) -> bool:
    """``head`` is well formed and signed by the key ``public_b64`` (base64 of the raw Ed25519 public key)."""
    if not well_formed(head) or head["public_key"] != public_b64:
        return False
    try:
        public = base64.b64decode(public_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    return verify(public, message(head["head_seq"], head["head_hash"], head["signed_at"]), head["signature"])


def witness_document(head: Mapping[str, Any], *, device_id: str | None, site_id: str | None,
                     server_url: str | None, received_at: str, written_at: str) -> dict[str, Any]:
    """The JSON a kiosk writes out: which station kept which signed head, and since when."""
    return {"kind": WITNESS_KIND, "version": WITNESS_VERSION, "device_id": device_id, "site_id": site_id,
            "server_url": server_url, "received_at": received_at, "written_at": written_at,
            "checkpoint": {k: head[k] for k in FIELDS}}


def head_of_witness(doc: Any) -> dict[str, Any]:
    """The signed head inside a witness document; raises ValueError naming what is wrong."""
    if not isinstance(doc, Mapping) or doc.get("kind") != WITNESS_KIND:
        raise ValueError(f"not a {WITNESS_KIND} file")
    if doc.get("version") != WITNESS_VERSION:
        raise ValueError(f"witness version {doc.get('version')!r} (this trialpro reads {WITNESS_VERSION})")
    head = doc.get("checkpoint")
    if not well_formed(head):
        raise ValueError(f"'checkpoint' must hold {', '.join(FIELDS)}")
    return dict(head)
