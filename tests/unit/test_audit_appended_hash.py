"""The hash append_many chains each new audit entry with is entry_hash of the row it stores (the one
verify_chain recomputes), for any text: control characters, quotes, CJK beyond the BMP, lone surrogates, NUL."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.services.audit import GENESIS, AuditEntry, _json, appended_hash, entry_hash

texts = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=30)
values = st.none() | st.integers(-(2**60), 2**60) | texts | st.dictionaries(texts, st.integers() | texts, max_size=3)


def _row(seq: int, at: str, e: AuditEntry, prev: str) -> dict[str, Any]:
    return {"seq": seq, "at": at, "actor": e.actor, "action": e.action, "entity_type": e.entity_type,
            "entity_id": e.entity_id, "old": _json(e.old), "new": _json(e.new), "reason": e.reason, "prev_hash": prev}


@settings(max_examples=300, deadline=None)
@given(seq=st.integers(1, 2**62), at=texts, actor=texts, action=texts, kind=texts, entity=texts,
       old=values, new=values, reason=st.none() | texts)
def test_the_appended_hash_is_the_stored_rows_entry_hash(seq: int, at: str, actor: str, action: str, kind: str,
                                                         entity: str, old: Any, new: Any, reason: str | None) -> None:
    e = AuditEntry(actor, action, kind, entity, old, new, reason)
    row = _row(seq, at, e, GENESIS)
    try:
        expected = entry_hash(row)
    except Exception as exc:   # what the general path refuses, the appended one refuses alike
        try:
            appended_hash(seq, at, e, row["old"], row["new"], GENESIS)
        except type(exc):
            return
        raise AssertionError("appended_hash took what entry_hash refuses") from exc
    assert appended_hash(seq, at, e, row["old"], row["new"], GENESIS) == expected


def test_fields_that_are_not_text_are_hashed_by_the_general_path() -> None:
    e = AuditEntry("system", "x.y", "device", 17, new={"a": 1.5})   # type: ignore[arg-type]  # not text
    row = _row(3, "2026-03-02T01:00:00.000Z", e, GENESIS)
    assert appended_hash(3, row["at"], e, row["old"], row["new"], GENESIS) == entry_hash(row)
