"""The signature and lock rules of shared/ (issue 19): a signature holds only for the exact hash set it signed,
names what changed, and cannot be moved; a lock refuses every new revision, the study lock first."""

from __future__ import annotations

from shared.locks import PARTICIPANT, STUDY, Lock, lock_refusal
from shared.signatures import Item, compare, manifest, manifest_hash, meaning_text, signature_hash

ITEMS = [Item("record:b", 1, "sha256:" + "b" * 64), Item("record:a", 2, "sha256:" + "a" * 64)]


def _signed(items: list[Item], **over: object) -> dict[str, object]:
    m = manifest("PKU-001", "visit", "visit_a", items)
    row: dict[str, object] = {"signature_id": "s1", "participant_id": "PKU-001", "site_id": "PKU", "scope": "visit",
                              "visit_id": "visit_a", "signer": "inv", "printed_name": "Dr Test",
                              "meaning": "visit_data",
                              "meaning_text": meaning_text("visit", "en"), "signed_at": "2026-12-01T01:00:00.000Z",
                              "signed_at_local": "2026-12-01T09:00:00.000+08:00", "manifest_hash": manifest_hash(m)}
    row["signature_hash"] = signature_hash(row)
    row["manifest"] = m
    row.update(over)
    return row


def test_a_signature_holds_for_its_own_hash_set_in_any_order() -> None:
    sig = _signed(ITEMS)
    assert compare(sig, list(reversed(ITEMS)), audited_hash=sig["signature_hash"]).status == "valid"


def test_a_later_revision_a_new_and_a_gone_item_break_it_and_are_named() -> None:
    sig = _signed(ITEMS)
    now = [Item("record:a", 3, "sha256:" + "c" * 64), Item("record:c", 1, "sha256:" + "d" * 64)]
    verdict = compare(sig, now, audited_hash=sig["signature_hash"])
    assert verdict.status == "broken"
    assert (verdict.changed, verdict.added, verdict.removed) == (["record:a"], ["record:c"], ["record:b"])


def test_a_signature_moved_to_another_participant_or_missing_from_the_audit_chain_is_altered() -> None:
    sig = _signed(ITEMS)
    moved = {**sig, "participant_id": "PKU-002"}
    assert compare(moved, ITEMS, audited_hash=sig["signature_hash"]).status == "altered"
    assert compare(sig, ITEMS, audited_hash=None).status == "altered"
    rehashed = {**moved, "signature_hash": signature_hash(moved)}       # recomputed: the chain's copy disagrees
    assert compare(rehashed, ITEMS, audited_hash=sig["signature_hash"]).status == "altered"


def test_the_meaning_is_stated_in_the_signers_language() -> None:
    assert meaning_text("visit", "en") == "I confirm the data of this visit are accurate and complete"
    assert meaning_text("visit", "zh") != meaning_text("visit", "en")


def test_locks_refuse_with_the_study_lock_first() -> None:
    rec = {"participant_id": "PKU-001"}
    frozen = Lock(PARTICIPANT, "PKU-001", "2026-12-01T01:00:00Z", "cli:dm", "SDV done")
    study = Lock(STUDY, "", "2026-12-02T01:00:00Z", "cli:dm", "database lock")
    assert lock_refusal(rec, study_lock=None, frozen=None) is None
    assert lock_refusal(rec, study_lock=None, frozen=frozen).code == "participant.frozen"
    refused = lock_refusal(rec, study_lock=study, frozen=frozen)
    assert refused.code == "study.locked" and "database lock" in refused.problems[0].message
