"""Enrolment codes a person can type: Crockford base32, four groups of four, 80 random bits, forgiving input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import enrolment_code
from shared.errors import RecordInvalid

SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def test_new_codes_are_four_groups_of_four_crockford_symbols_carrying_80_bits() -> None:
    codes = [enrolment_code.new_code() for _ in range(2000)]
    assert all(SHAPE.match(c) for c in codes)
    assert not any(c.startswith("-") for c in codes)
    assert len(set(codes)) == len(codes)
    assert enrolment_code.BITS == 80 and len(enrolment_code.ALPHABET) == 32
    # every symbol shows up in every position: drawn from the whole alphabet, not a part of it
    assert all({c.replace("-", "")[i] for c in codes} == set(enrolment_code.ALPHABET) for i in range(16))


@given(st.data())
def test_a_code_typed_in_any_case_with_aliases_and_spaces_is_the_same_code(data: st.DataObject) -> None:
    code = enrolment_code.shape(data.draw(st.text(alphabet=enrolment_code.ALPHABET, min_size=16, max_size=16)))
    typed = []
    for ch in code.replace("-", ""):
        options = [ch, ch.lower(), *{"1": ["I", "i", "L", "l"], "0": ["O", "o"]}.get(ch, [])]
        typed.append(data.draw(st.sampled_from(options)) + data.draw(st.sampled_from(["", " ", "-"])))
    assert enrolment_code.parse("".join(typed)) == code


@pytest.mark.parametrize(("text", "why"), [("ABCD-EFGH-JKMN-PQRU", "'U' is not a symbol"),
                                           ("ABCD-EFGH-JKMN", "12 symbols, not 16"),
                                           ("-ABCD-EFGH-JKMN-PQRS-T", "17 symbols"),
                                           ("ABCD-EFGH-JKMN-PQR*", "'*' is not a symbol")])
def test_a_mistyped_code_is_refused_naming_the_field_the_value_and_the_rule(text: str, why: str) -> None:
    with pytest.raises(RecordInvalid) as caught:
        enrolment_code.parse(text)
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == ("code", text)
    assert "XXXX-XXXX-XXXX-XXXX" in problem.allowed and why in problem.message


def test_a_non_text_code_is_refused() -> None:
    with pytest.raises(RecordInvalid):
        enrolment_code.parse(12345)
