"""The field-by-field canonical JSON of record envelopes and audit entries gives exactly the RFC 8785 bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from server.services.audit import CHAINED_FIELDS, _json, _plain_entry_hash, entry_hash
from shared.canonical import canonical_fields_json
from shared.records import ENVELOPE_FIELDS

ENVELOPE = tuple(sorted(ENVELOPE_FIELDS))
keys = st.text(max_size=6) | st.sampled_from(["a", "é", "\U0001f600", "\ue000", ""])
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60) | st.text()
           | st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=12)


def _reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        return type(exc)


@settings(max_examples=300, derandomize=True)
@given(st.dictionaries(st.sampled_from(ENVELOPE), values))
def test_envelope_fields_match_the_rfc8785_reference(record: dict[str, Any]) -> None:
    expected = _reference({k: record.get(k) for k in ENVELOPE})
    if isinstance(expected, bytes):
        assert canonical_fields_json(record, ENVELOPE) == expected
    else:  # refused the same way as by the general path
        with pytest.raises(expected):
            canonical_fields_json(record, ENVELOPE)


@settings(max_examples=300, derandomize=True)
@given(st.fixed_dictionaries({k: values for k in ENVELOPE}), st.sampled_from([None, "extra", "é"]))
def test_a_record_of_exactly_the_envelope_fields_is_written_as_its_fields_are(record: dict[str, Any],
                                                                             extra: str | None) -> None:
    """A record holding exactly the envelope fields is written from itself (no copy): the same RFC 8785 bytes
    as its fields copied out; a key that is not a field (an extra one) is still left out."""
    expected = _reference(dict(record))
    sent = {**record, extra: "not a field"} if extra else record
    if isinstance(expected, bytes):
        assert canonical_fields_json(sent, ENVELOPE) == expected
    else:
        with pytest.raises(expected):
            canonical_fields_json(sent, ENVELOPE)


@settings(max_examples=300, derandomize=True)
@given(st.fixed_dictionaries({k: st.none() | st.text() | st.integers(min_value=-(2**60), max_value=2**60)
                              | st.booleans() for k in CHAINED_FIELDS}))
def test_audit_entry_hash_is_sha256_of_the_rfc8785_entry(row: dict[str, Any]) -> None:
    expected = _reference({k: row[k] for k in CHAINED_FIELDS})
    if isinstance(expected, bytes):
        assert entry_hash(row) == "sha256:" + hashlib.sha256(expected).hexdigest()


@settings(max_examples=300, derandomize=True)
@given(values)
def test_audit_old_and_new_are_stored_as_json_dumps_writes_them(value: Any) -> None:
    """The stored text of an entry's old/new values is part of its chained bytes: the encoder made once
    writes exactly what json.dumps(value, ensure_ascii=False, sort_keys=True) does."""
    try:
        expected = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except TypeError:   # keys of mixed types cannot be sorted
        with pytest.raises(TypeError):
            _json(value)
        return
    assert _json(value) == (None if value is None else expected)


@settings(max_examples=400, derandomize=True)
@given(st.fixed_dictionaries({k: st.none() | st.text() | st.integers(min_value=-(2**60), max_value=2**60)
                              | st.booleans() | st.floats() | st.sampled_from(["\ud800", 2**53, -(2**53), "é"])
                              for k in CHAINED_FIELDS}), st.sampled_from([None, "entry_hash", "é"]))
def test_an_appended_entry_is_hashed_as_its_fields_copied_out_are(row: dict[str, Any], extra: str | None) -> None:
    """The shortcut for an entry of exactly the chained fields gives the bytes (and the refusals) of the general
    field-by-field path; a stored row with more columns (its entry_hash, say) goes the general way."""
    sent = {**row, extra: "x"} if extra else row

    def general() -> str:
        return "sha256:" + hashlib.sha256(canonical_fields_json(dict(row), tuple(sorted(CHAINED_FIELDS)))).hexdigest()

    try:
        expected: Any = general()
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        expected = type(exc)
    if isinstance(expected, str):
        assert entry_hash(sent) == expected
    else:
        with pytest.raises(expected):
            entry_hash(sent)


texts = st.text() | st.sampled_from(["", "é", "\U0001f600", "\ud800", "a\x00b"])   # with a lone surrogate


@settings(max_examples=300, derandomize=True)
@given(st.fixed_dictionaries({"action": texts, "actor": texts, "at": texts, "entity_id": texts, "entity_type": texts,
                              "new": st.none() | texts, "old": st.none() | texts, "prev_hash": texts,
                              "reason": st.none() | texts,
                              "seq": st.integers(min_value=0, max_value=2**60) | st.sampled_from([2**53, 2**53 + 1])}))
def test_an_appended_entry_of_text_fields_is_hashed_as_every_entry_is(row: dict[str, Any]) -> None:
    """append_many's hash of an entry whose fields are text (or null) and a whole ``seq``, made without the
    general checks, is the hash of its RFC 8785 bytes, and whatever the general way answers where orjson
    refuses (a lone surrogate, a number beyond 53 bits)."""
    try:
        expected: str | type[Exception] = entry_hash(dict(row))
    except Exception as exc:  # noqa: BLE001 - refused the same way as by the general path
        expected = type(exc)
    if isinstance(expected, str):
        assert _plain_entry_hash(**row) == expected
        reference = _reference({k: row[k] for k in CHAINED_FIELDS})
        if isinstance(reference, bytes):
            assert expected == "sha256:" + hashlib.sha256(reference).hexdigest()
    else:
        with pytest.raises(expected):
            _plain_entry_hash(**row)
