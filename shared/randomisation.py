"""Concealed 1:1:1 allocation by permuted blocks of random size, generated and signed on the server.

The kiosk receives the signed list so it can randomise offline, verifies the
signature, and reveals one entry at a time at enrolment.
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from shared.canonical import canonical_json
from shared.crypto import sign, verify
from shared.errors import AllocationError


def permuted_blocks(arm_codes: Sequence[str], ratio: Sequence[int], block_sizes: Sequence[int],
                    length: int, rng: random.Random) -> list[list[str]]:
    """Blocks of arm codes (at least ``length`` codes in all), each of a size drawn from ``block_sizes``.

    Each block holds every arm in proportion to ``ratio`` in random order, so
    the imbalance between arms never exceeds half the largest block.
    """
    unit = sum(ratio)
    blocks: list[list[str]] = []
    while sum(len(b) for b in blocks) < length:
        size = rng.choice(list(block_sizes))
        block = [code for code, r in zip(arm_codes, ratio, strict=True) for _ in range(r * size // unit)]
        rng.shuffle(block)
        blocks.append(block)
    return blocks


def new_allocation_list(*, study_id: str, site_id: str, arm_codes: Sequence[str], ratio: Sequence[int],
                        block_sizes: Sequence[int], length: int, created_at: str, first_number: int = 1,
                        first_block: int = 1, rng: random.Random | None = None) -> dict[str, Any]:
    """An unsigned allocation list body drawn with the OS CSPRNG (``rng`` only for the synthetic demo, whose
    seeded list makes the demo the same on every machine).

    Entries are numbered on from ``first_number`` (numbers are unique per site
    across lists, because the participant id is built from them) and carry
    their block, the unit the server grants to one kiosk.
    """
    blocks = permuted_blocks(arm_codes, ratio, block_sizes, length, rng or random.SystemRandom())
    entries = []
    for b, block in enumerate(blocks):
        for arm in block:
            entries.append({"number": first_number + len(entries), "block": first_block + b, "arm": arm})
    return {"list_id": str(uuid.uuid4()), "study_id": study_id, "site_id": site_id,
            "created_at": created_at, "entries": entries}


def sign_allocation_list(body: Mapping[str, Any], private_raw: bytes, public_raw: bytes) -> dict[str, Any]:
    """The list with its Ed25519 signature over the canonical JSON of the body."""
    return {"body": dict(body), "signature": sign(private_raw, canonical_json(body)),
            "public_key": base64.b64encode(public_raw).decode("ascii")}


def verified_entries(signed: Mapping[str, Any], trusted_public_b64: str) -> list[dict[str, Any]]:
    """The entries of a signed list; raises AllocationError unless signed by the trusted server key."""
    body = signed.get("body")
    if not isinstance(body, Mapping) or signed.get("public_key") != trusted_public_b64 or not verify(
            base64.b64decode(trusted_public_b64), canonical_json(body), str(signed.get("signature"))):
        raise AllocationError("The allocation list's signature does not hold: do not randomise; "
                              "sync the station to fetch a fresh list and tell the data manager.")
    return list(body["entries"])
