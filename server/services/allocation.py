"""The server's signing key, the per-site signed allocation lists, and the blocks granted to each kiosk.

A kiosk is sent only the blocks granted to it, each block signed on its own (``_signed_block``), never the
whole list: the allocations of other kiosks' blocks stay concealed from it.

Randomisation must work offline and must never hand the same allocation to two
kiosks. So the site's list is cut into its permuted blocks, and each kiosk is
granted whole blocks (``KEEP_BLOCKS`` with unused entries at any time, topped
up at every sync). A kiosk reveals entries only from its own blocks, so the
arms stay balanced within every block and two offline kiosks never collide.
When a site's lists run out of blocks, a new list is generated and signed.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from server.services.audit import AuditEntry, append, append_many
from server.services.signing_keys import key_for
from server.storage import allocations as stored
from server.storage.participants import allocation_numbers_among
from shared.randomisation import new_allocation_list, sign_allocation_list
from shared.records import utc_now
from shared.study.model import Study

KEEP_BLOCKS = 2
MAX_CACHED = 5000           # lists (and signed blocks) kept parsed per process before the caches start again


@dataclass(frozen=True)
class _List:
    """A stored signed list as parsed once, with its entries by block and by allocation number."""

    signed: dict[str, Any]
    blocks: dict[int, list[dict[str, Any]]]
    numbers: dict[int, dict[str, Any]]


# A stored list never changes (no statement updates one; ids are uuid4), and the same body signed with the same
# Ed25519 key always gives the same signature: so both are kept per process, and every enrolment and sync (each
# tops up in its writing transaction) reads only the ids of the site's lists instead of parsing all of them and
# signing the kiosk's blocks again.
_parsed: dict[str, _List] = {}
_signed_blocks: dict[tuple[str, int, str], dict[str, Any]] = {}


def signing_key(conn: Connection) -> tuple[bytes, bytes]:
    """(private, public) Ed25519 key of this server, from the key file outside the database."""
    key = key_for(conn)
    return key.private, key.public


def public_key_b64(conn: Connection) -> str:
    return base64.b64encode(signing_key(conn)[1]).decode("ascii")


def _new_list(conn: Connection, study: Study, site_id: str, rng: random.Random | None = None) -> None:
    last_number, last_block = stored.last_number_and_block(conn, site_id)
    private, public = signing_key(conn)
    body = new_allocation_list(study_id=study.study.id, site_id=site_id, arm_codes=[a.code for a in study.arms],
                               ratio=study.randomisation.ratio, block_sizes=study.randomisation.block_sizes,
                               length=study.study.target_enrolment, created_at=utc_now(),
                               first_number=last_number + 1, first_block=last_block + 1, rng=rng)
    signed = sign_allocation_list(body, private, public)
    entries = body["entries"]
    stored.add_list(conn, list_id=body["list_id"], site_id=site_id, signed=json.dumps(signed),
                    first_block=entries[0]["block"], last_block=entries[-1]["block"],
                    last_number=entries[-1]["number"], created_at=body["created_at"])
    append(conn, AuditEntry(actor="system", action="allocation.generate", entity_type="allocation_list",
                            entity_id=body["list_id"], new={"site_id": site_id, "length": len(entries),
                                                            "blocks": [entries[0]["block"], entries[-1]["block"]]}))


def seed_demo_list(conn: Connection, study: Study, site_id: str, rng: random.Random) -> None:
    """The synthetic demo's first list, drawn from a seeded ``rng`` so the demo's arms are the same on every
    run (a real site's lists always come from the OS CSPRNG in ``grants_for``)."""
    if not _signed_lists(conn, site_id):
        _new_list(conn, study, site_id, rng)


def _lists(conn: Connection, site_id: str) -> dict[str, _List]:
    """This site's lists by id, in block order, parsed once per process."""
    ids = stored.list_ids(conn, site_id)
    missing = [i for i in ids if i not in _parsed]
    if missing and len(_parsed) + len(missing) > MAX_CACHED:
        _parsed.clear()
        missing = ids
    for list_id, text in stored.signed_of(conn, missing).items():
        signed = json.loads(text)
        blocks: dict[int, list[dict[str, Any]]] = {}
        for e in signed["body"]["entries"]:
            blocks.setdefault(e["block"], []).append(e)
        _parsed[list_id] = _List(signed, blocks, {e["number"]: e for e in signed["body"]["entries"]})
    return {i: _parsed[i] for i in ids}


def _signed_lists(conn: Connection, site_id: str) -> dict[str, dict[str, Any]]:
    return {list_id: lst.signed for list_id, lst in _lists(conn, site_id).items()}


def entry(conn: Connection, site_id: str, number: int) -> dict[str, Any] | None:
    """The signed-list entry with this allocation number at this site, or None (the lists as parsed once per
    process: the caller only reads it)."""
    for lst in _lists(conn, site_id).values():
        found = lst.numbers.get(number)
        if found is not None:
            return found
    return None


def grants_for(conn: Connection, study: Study, *, site_id: str, device_id: str) -> dict[str, Any]:
    """Top up this device's blocks and return what the kiosk needs: the signed lists and its blocks.

    Reads this device's blocks and the numbers used in them, not the whole site's; the site's granted blocks
    only when a top-up is due."""
    lists = _lists(conn, site_id)
    list_of = {b: list_id for list_id, lst in lists.items() for b in lst.blocks}
    granted = stored.granted_blocks(conn, site_id, device_id)

    def numbers_in(block: int) -> list[int]:
        list_id = list_of.get(block)
        return [e["number"] for e in lists[list_id].blocks[block]] if list_id is not None else []

    used = allocation_numbers_among(conn, site_id, [n for b in granted for n in numbers_in(b)])
    open_blocks = [b for b in granted if any(n not in used for n in numbers_in(b))]
    taken: set[int] | None = None    # the site's granted blocks, read once when a top-up is due
    audited: list[AuditEntry] = []   # the grants' entries, appended together (before a new list's own)
    grants: list[dict[str, Any]] = []  # and the grants, inserted together
    new_blocks: list[int] = []
    while len(open_blocks) < KEEP_BLOCKS:
        if taken is None:
            taken = set(stored.granted_blocks(conn, site_id))
        free = sorted((b, list_id) for b, list_id in list_of.items() if b not in taken)
        if not free:
            stored.add_grants(conn, grants)
            append_many(conn, audited)
            audited, grants = [], []
            _new_list(conn, study, site_id)
            lists = _lists(conn, site_id)
            list_of = {b: list_id for list_id, lst in lists.items() for b in lst.blocks}
            continue
        block, list_id = free[0]
        grants.append({"site_id": site_id, "block": block, "list_id": list_id, "device_id": device_id,
                       "granted_at": utc_now()})
        audited.append(AuditEntry(actor="system", action="allocation.grant", entity_type="device",
                                  entity_id=device_id, new={"site_id": site_id, "block": block, "list_id": list_id}))
        taken.add(block)
        granted = [*granted, block]
        new_blocks.append(block)
        open_blocks.append(block)
    stored.add_grants(conn, grants)
    append_many(conn, audited)
    if new_blocks:
        used |= allocation_numbers_among(conn, site_id, [n for b in new_blocks for n in numbers_in(b)])
    return {"lists": [_signed_block(conn, list_of[b], lists[list_of[b]], b) for b in sorted(granted) if b in list_of],
            "blocks": sorted(granted), "used_numbers": sorted(n for b in granted for n in numbers_in(b)
                                                               if n in used)}


def _signed_block(conn: Connection, list_id: str, lst: _List, block: int) -> dict[str, Any]:
    """One block of a signed list, signed on its own: a kiosk is sent only its own blocks' allocations (issue 15:
    concealment), and can still check that the server made them. Signed once per process (same key, same
    signature)."""
    key = (list_id, block, str(lst.signed.get("public_key")))
    done = _signed_blocks.get(key)
    if done is None:
        if len(_signed_blocks) >= MAX_CACHED:
            _signed_blocks.clear()
        private, public = signing_key(conn)
        body = {**{k: v for k, v in lst.signed["body"].items() if k != "entries"}, "block": block,
                "entries": lst.blocks[block]}
        done = _signed_blocks[key] = sign_allocation_list(body, private, public)
    return done


def granted_to(conn: Connection, site_id: str, block: int) -> str | None:
    """The device this block was granted to, or None."""
    return stored.grantee(conn, site_id, block)
