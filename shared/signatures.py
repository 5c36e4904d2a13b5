"""Investigator e-signatures as rules (21 CFR 11.50, 11.70): what is signed, with which meaning, and whether a
signature still holds.

A signature covers a *manifest*: the participant, the scope (one visit or the whole casebook) and the set of
(item, revision, content hash) it was made over. The signature hash binds the printed name, the meaning, both
times and the manifest hash, so a signature cannot be moved to other data: any change to what it names gives
another hash (and the audit chain keeps the original). A later revision of a signed item breaks the signature:
``compare`` says which item changed, and the investigator signs again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.canonical import content_hash

VISIT = "visit"
CASEBOOK = "casebook"
SCOPES = (VISIT, CASEBOOK)

# meaning code -> the statement the signer reads and signs, per language (§11.50(a)(3))
MEANINGS: dict[str, dict[str, str]] = {
    "visit_data": {"en": "I confirm the data of this visit are accurate and complete",
                   "zh": "我确认本次访视的数据准确、完整"},
    "casebook": {"en": "I confirm the data of this participant's casebook are accurate and complete",
                 "zh": "我确认该受试者病例报告中的数据准确、完整"},
}
MEANING_OF_SCOPE = {VISIT: "visit_data", CASEBOOK: "casebook"}

SIGNED_FIELDS = ("signature_id", "participant_id", "site_id", "scope", "visit_id", "signer", "printed_name",
                 "meaning", "meaning_text", "signed_at", "signed_at_local", "manifest_hash")


@dataclass(frozen=True)
class Item:
    """One signed thing: ``ref`` (``record:<uuid>`` or ``lab:<id>``), its revision and content hash."""

    ref: str
    revision: int
    hash: str


def meaning_text(scope: str, language: str) -> str:
    """The statement shown to the signer of ``scope`` in ``language`` (English for any other language)."""
    texts = MEANINGS[MEANING_OF_SCOPE[scope]]
    return texts.get(language, texts["en"])


def manifest(participant_id: str, scope: str, visit_id: str | None, items: Iterable[Item]) -> dict[str, Any]:
    """The canonical description of what one signature covers (items in ref order)."""
    return {"participant_id": participant_id, "scope": scope, "visit_id": visit_id,
            "items": [{"ref": i.ref, "revision": i.revision, "hash": i.hash}
                      for i in sorted(items, key=lambda i: i.ref)]}


def manifest_hash(m: Mapping[str, Any]) -> str:
    """The SHA-256 of the manifest's canonical JSON (RFC 8785)."""
    return content_hash(dict(m))


def signature_hash(fields: Mapping[str, Any]) -> str:
    """The SHA-256 over every signed field (``SIGNED_FIELDS``): signer, printed name, meaning, times, manifest."""
    return content_hash({f: fields.get(f) for f in SIGNED_FIELDS})


def items_of(m: Mapping[str, Any]) -> list[Item]:
    return [Item(i["ref"], i["revision"], i["hash"]) for i in m.get("items", [])]


@dataclass(frozen=True)
class Verdict:
    """Whether a signature holds for the data as they are now, and if not, what changed since."""

    holds: bool
    changed: list[str] = field(default_factory=list)     # refs with a later revision (or another hash)
    added: list[str] = field(default_factory=list)       # refs in scope now that were not signed
    removed: list[str] = field(default_factory=list)     # refs signed that are no longer there
    altered: bool = False                                # the stored signature does not match its own hashes

    @property
    def status(self) -> str:
        return "valid" if self.holds else ("altered" if self.altered else "broken")


def compare(signature: Mapping[str, Any], current: Iterable[Item], *, audited_hash: str | None) -> Verdict:
    """Check a stored signature against the items in its scope now and the hash its audit entry recorded.

    ``signature``: the stored row (its fields, ``manifest`` as parsed JSON, ``manifest_hash``,
    ``signature_hash``). ``audited_hash``: the signature hash in the audit chain (None: no entry found).
    """
    m = signature["manifest"]
    own = (manifest_hash(m) == signature["manifest_hash"]
           and signature_hash(signature) == signature["signature_hash"]
           and audited_hash == signature["signature_hash"]
           and m.get("participant_id") == signature["participant_id"]
           and m.get("scope") == signature["scope"] and m.get("visit_id") == signature.get("visit_id"))
    signed = {i.ref: i for i in items_of(m)}
    now = {i.ref: i for i in current}
    changed = sorted(r for r in signed.keys() & now.keys() if signed[r] != now[r])
    added = sorted(now.keys() - signed.keys())
    removed = sorted(signed.keys() - now.keys())
    return Verdict(own and not (changed or added or removed), changed, added, removed, altered=not own)
